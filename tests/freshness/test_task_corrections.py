"""Re-verification tells the truth (issue 14, items 1 and 2), on both backends: a link worker
corrects any detail as one edit under their name before the listing counts as checked, and
the problem reports people sent are shown, flag the contact they dispute, and are dealt
with by the task's outcome."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from assetmap.directory.edits import current_listing, edit_listing
from assetmap.directory.reports import disputed_contacts, open_reports, report_problem
from assetmap.errors import ValidationError
from assetmap.freshness.tasks import Outcome, claim, record_outcome
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import (
    Group,
    ProblemKind,
    ProblemReport,
    Revision,
    TaskOutcome,
    User,
    Verification,
)
from tests.factories import POSTCODES
from tests.freshness.test_tasks import (
    DAY,
    PHONE,
    at,
    group,
    listed,
    scan,
    task_id_of,
    the_group,
    the_task,
    worker,
)

SURFERS = {
    "schedule": [{"day": "mon", "start": "13:00", "end": "15:00", "frequency": "weekly"}],
    "venue": {
        "name": "Kentish Town Library",
        "address": "60 Kentish Town Road",
        "postcode": "NW5 1AA",
        "lat": POSTCODES["NW5 1AA"][0],
        "lon": POSTCODES["NW5 1AA"][1],
    },
    "cost": {"free": True, "amount_gbp": 0.0, "notes": "donations welcome"},
}


def surfers(database, add_groups) -> tuple[int, int]:
    """Monday Silver Surfers, due for a check and in the link workers' queue."""
    (group_id,) = add_groups(group("Monday Silver Surfers", **SURFERS))
    scan(database)
    return group_id, task_id_of(database, "Monday Silver Surfers")


def record(
    database, user_id: int, task_id: int, outcome: Outcome, seconds: int = 60
) -> TaskOutcome | None:
    """Claim the task and record the outcome, geocoding as the task page does."""
    with time_machine.travel(at(DAY, seconds), tick=False), database.session() as session:
        user = session.get(User, user_id)
        claim(session, user, task_id)
        return record_outcome(
            session, user, task_id, outcome, DAY, geocoder=GazetteerGeocoder(session)
        )


def as_corrected(database, group_id: int, **changes: Any) -> dict[str, Any]:
    """The whole listing as the task page sends it back, with ``changes`` made."""
    with database.sessions() as session:
        listing = current_listing(session, group_id)
    for key in ("id", "freshness", "last_verified_at", "verified_by", "very_stale"):
        listing.pop(key, None)
    listing["capacity"].pop("spare_places", None)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(listing.get(key), dict):
            listing[key] = {**listing[key], **value}
        else:
            listing[key] = value
    return listing


def revisions(database, group_id: int) -> list[Revision]:
    with database.sessions() as session:
        found = list(
            session.scalars(
                select(Revision).where(Revision.group_id == group_id).order_by(Revision.field)
            )
        )
        session.expunge_all()
        return found


# -- item 1: correcting any detail -----------------------------------------------------------


def test_a_worker_corrects_the_day_venue_and_access_as_one_edit_under_their_name(
    database, add_groups
) -> None:
    group_id, task_id = surfers(database, add_groups)
    amira = worker(database, "Amira")
    version = the_group(database, "Monday Silver Surfers").version
    corrected = as_corrected(
        database,
        group_id,
        schedule=[{"day": "tue", "start": "13:00", "end": "15:00", "frequency": "weekly"}],
        venue={"name": "Kentish Town Library (side hall)", "postcode": "NW5 2AA"},
        accessibility={"step_free": False, "notes": "Three steps at the side door"},
        cost={"free": False, "amount_gbp": 1.5},
    )

    outcome = Outcome("updated", PHONE, "Moved to Tuesdays", corrected, version)
    assert record(database, amira, task_id, outcome) is TaskOutcome.UPDATED

    with database.sessions() as session:
        listing = current_listing(session, group_id)
        stored = session.get(Group, group_id)
        assert (stored.version, stored.last_verified_at, stored.verified_by) == (
            version + 1,
            DAY,
            "Amira",
        )
    assert [s["day"] for s in listing["schedule"]] == ["tue"]
    assert listing["venue"]["name"] == "Kentish Town Library (side hall)"
    # A new postcode with the pin left as it was: placed at the new postcode, as the
    # organiser's edit places it.
    assert (listing["venue"]["lat"], listing["venue"]["lon"]) == POSTCODES["NW5 2AA"]
    assert listing["accessibility"]["step_free"] is False
    assert listing["accessibility"]["notes"] == "Three steps at the side door"
    assert listing["cost"]["amount_gbp"] == 1.5
    changes = revisions(database, group_id)
    assert {r.field for r in changes} >= {
        "schedule",
        "venue.name",
        "venue.postcode",
        "accessibility.step_free",
        "accessibility.notes",
        "cost.free",
        "cost.amount_gbp",
    }
    assert {(r.user_id, r.version) for r in changes} == {(amira, version + 1)}
    assert {r.via for r in changes} == {f"corrected during re-verification, task {task_id}"}
    assert "contact.phone" not in {r.field for r in changes}  # sent back as it was: no change
    schedule = next(r for r in changes if r.field == "schedule")
    assert json.loads(schedule.old_value)[0]["day"] == "mon"


def test_details_changed_but_not_entered_do_not_mark_the_listing_checked(
    database, add_groups
) -> None:
    group_id, task_id = surfers(database, add_groups)
    unchanged = as_corrected(database, group_id)

    with pytest.raises(ValidationError) as refused:
        record(
            database, worker(database, "Amira"), task_id, Outcome("updated", PHONE, "", unchanged)
        )

    assert refused.value.field == "result"
    surfers_now = the_group(database, "Monday Silver Surfers")
    assert surfers_now.last_verified_at == DAY - dt.timedelta(days=170)
    assert the_task(database, task_id).closed_on is None


def test_nothing_changed_with_details_changed_is_refused_and_writes_nothing(
    database, add_groups
) -> None:
    group_id, task_id = surfers(database, add_groups)
    edited = as_corrected(
        database,
        group_id,
        schedule=[{"day": "tue", "start": "13:00", "end": "15:00", "frequency": "weekly"}],
    )

    with pytest.raises(ValidationError) as refused:
        record(
            database, worker(database, "Amira"), task_id, Outcome("confirmed", PHONE, "", edited)
        )

    assert refused.value.field == "result"
    assert the_group(database, "Monday Silver Surfers").last_verified_at != DAY
    assert revisions(database, group_id) == []


def test_a_bad_correction_writes_neither_the_edit_nor_the_check(database, add_groups) -> None:
    group_id, task_id = surfers(database, add_groups)
    bad = as_corrected(
        database,
        group_id,
        schedule=[{"day": "tue", "start": "15:00", "end": "13:00", "frequency": "weekly"}],
        venue={"postcode": "ZZ9 9ZZ"},
    )

    with pytest.raises(ValidationError):
        record(database, worker(database, "Amira"), task_id, Outcome("updated", PHONE, "", bad))

    assert revisions(database, group_id) == []
    with database.sessions() as session:
        assert (
            session.scalar(select(Verification.id).where(Verification.verified_on == DAY)) is None
        )
        assert current_listing(session, group_id)["schedule"][0]["day"] == "mon"
    assert the_task(database, task_id).closed_on is None


# -- item 2: problem reports ---------------------------------------------------------------


def report(database, group_id: int, kind: str, details: str, when: dt.datetime) -> int:
    with database.session() as session:
        return report_problem(session, group_id, kind, details, f"sender-{when}", when).id


def test_open_reports_are_in_the_queue_with_their_kinds_and_the_disputed_contact(
    database, add_groups
) -> None:
    group_id, _ = surfers(database, add_groups)
    first = at(DAY - dt.timedelta(days=3))
    report(database, group_id, "phone", "Number rings out", first)
    report(database, group_id, "phone", "", first + dt.timedelta(hours=2))
    report(database, group_id, "times", "They meet on Tuesdays now", first + dt.timedelta(days=1))

    (queued,) = listed(database, worker(database, "Amira"))

    assert len(queued.reports) == 3
    assert queued.reports.counts == {ProblemKind.PHONE: 2, ProblemKind.TIMES: 1}
    assert [r.details for r in queued.reports.reports] == [
        "Number rings out",
        "",
        "They meet on Tuesdays now",
    ]
    assert queued.disputed == {"contact.phone", "contact.email"}


def test_a_contact_changed_after_the_report_is_no_longer_disputed(database, add_groups) -> None:
    group_id, _ = surfers(database, add_groups)
    report(database, group_id, "phone", "Dead line", at(DAY - dt.timedelta(days=3)))
    day_before = at(DAY - dt.timedelta(days=1))
    with time_machine.travel(day_before, tick=False), database.session() as session:
        version = session.get(Group, group_id).version
        edit_listing(
            session,
            group_id,
            {"contact": {"phone": "020 7946 2222"}},
            based_on=version,
            user_id=None,
        )

    with database.sessions() as session:
        reports = open_reports(session, [group_id])[group_id]
        disputed = disputed_contacts(session, group_id, reports)

    assert set(disputed) == {"contact.email"}
    assert disputed["contact.email"].reports == 1


def test_the_outcome_resolves_the_reports_the_worker_was_shown_and_no_later_ones(
    database, add_groups
) -> None:
    group_id, task_id = surfers(database, add_groups)
    shown = report(database, group_id, "times", "Tuesdays now", at(DAY - dt.timedelta(days=2)))
    later = report(database, group_id, "phone", "No answer", at(DAY, 30))
    amira = worker(database, "Amira")

    with database.sessions() as session:
        version = session.get(Group, group_id).version
    outcome = Outcome(
        "updated",
        PHONE,
        "",
        {"schedule": [{"day": "tue", "start": "13:00", "end": "15:00", "frequency": "weekly"}]},
        version,
        reports_seen=shown,
    )
    assert record(database, amira, task_id, outcome) is TaskOutcome.UPDATED

    with database.sessions() as session:
        resolved = {
            i: when
            for i, when in session.execute(select(ProblemReport.id, ProblemReport.resolved_at))
        }
    assert resolved[shown] is not None
    assert resolved[later] is None


def test_an_unreachable_try_leaves_the_reports_open(database, add_groups) -> None:
    group_id, task_id = surfers(database, add_groups)
    report(database, group_id, "phone", "Dead line", at(DAY - dt.timedelta(days=2)))

    assert (
        record(database, worker(database, "Amira"), task_id, Outcome("unreachable", PHONE)) is None
    )

    with database.sessions() as session:
        assert len(open_reports(session, [group_id])[group_id]) == 1


def test_a_confirmed_check_resolves_every_open_report(database, add_groups) -> None:
    group_id, task_id = surfers(database, add_groups)
    report(database, group_id, "other", "Is it still on?", at(DAY - dt.timedelta(days=2)))

    assert (
        record(database, worker(database, "Amira"), task_id, Outcome("confirmed", PHONE))
        is TaskOutcome.CONFIRMED
    )

    with database.sessions() as session:
        assert open_reports(session, [group_id]) == {}
    assert listed(database, worker(database, "Ben")) == []
