"""Organiser reminders on a frozen clock, on both backends: the email, and what its signed
link lets the organiser do without an account (confirm, say the group stopped, send changes),
once, for their own listing only, until the link expires."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
import time_machine
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select, update

from assetmap.directory.reads import get_feature
from assetmap.errors import ValidationError
from assetmap.freshness.answers import (
    MAX_CHANGES,
    LinkUsed,
    changes_by_link,
    confirm_by_link,
    open_link,
    stopped_by_link,
)
from assetmap.freshness.reminders import SALT, ReminderLinks, write_reminder_emails
from assetmap.freshness.scan import ReminderPolicy, run_scan
from assetmap.models import (
    FreshnessReminder,
    Group,
    OutboxMessage,
    Revision,
    Status,
    TaskOutcome,
    TaskReason,
    TaskStage,
    Verification,
    VerificationMethod,
    VerificationTask,
)
from assetmap.outbox.services import MAX_ATTEMPTS
from assetmap.verification.policy import Freshness, FreshnessPolicy
from tests.factories import listing

DAY = dt.date(2026, 3, 2)
SECRET = "test-secret"
PUBLIC_URL = "https://assetmap.example"
LINKS = ReminderLinks(SECRET, 28)
POLICY = FreshnessPolicy()


def at(day: dt.date, seconds: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)


def later(days: int) -> dt.date:
    return DAY + dt.timedelta(days=days)


def due(name: str, **overrides: Any) -> dict[str, Any]:
    """A listing last checked 170 days before DAY: due, so the scan reminds its organiser."""
    verified = (DAY - dt.timedelta(days=170)).isoformat()
    return listing(name, last_verified_at=verified, **overrides)


def remind(database, day: dt.date = DAY) -> None:
    """The day's scan, then the emails it queued, as the scheduler runs them."""
    with time_machine.travel(at(day), tick=False):
        with database.session() as session:
            run_scan(session, POLICY, ReminderPolicy(), day)
        with database.session() as session:
            write_reminder_emails(session, LINKS, PUBLIC_URL, day)


def emails(database) -> list[OutboxMessage]:
    with database.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def token_in(message: OutboxMessage) -> str:
    (token,) = re.findall(rf"{re.escape(PUBLIC_URL)}/check/(\S+)", message.body)
    return token


def tokens(database) -> dict[str, str]:
    """The link in each listing's latest email, by the address it went to."""
    return {message.to_address: token_in(message) for message in emails(database)}


def reminded(database, add_groups, *listings: dict[str, Any]) -> list[str]:
    """Add due listings, remind their organisers on DAY; the token each one's email carries."""
    add_groups(*listings)
    remind(database)
    found = tokens(database)
    return [found[item["contact"]["email"]] for item in listings]


def confirm(database, token: str, day: dt.date = DAY) -> Verification:
    with time_machine.travel(at(day, 60), tick=False), database.session() as session:
        return confirm_by_link(session, open_link(session, LINKS, token), day)


def stopped(database, token: str, day: dt.date = DAY) -> None:
    with time_machine.travel(at(day, 60), tick=False), database.session() as session:
        stopped_by_link(session, open_link(session, LINKS, token), day)


def changes(database, token: str, text: str, day: dt.date = DAY) -> None:
    with time_machine.travel(at(day, 60), tick=False), database.session() as session:
        changes_by_link(session, open_link(session, LINKS, token), text)


def the_group(database, name: str) -> Group:
    with database.sessions() as session:
        return session.scalars(select(Group).where(Group.name == name)).one()


def task_of(database, group_id: int) -> VerificationTask:
    with database.sessions() as session:
        return session.scalars(
            select(VerificationTask).where(VerificationTask.group_id == group_id)
        ).one()


# ---- the email --------------------------------------------------------------------------


def test_each_round_has_its_own_subject_and_a_working_link(database, add_groups) -> None:
    add_groups(due("Knit and Natter"))
    for day in (0, 14, 28):
        remind(database, later(day))

    sent = emails(database)

    assert [m.subject for m in sent] == [
        "Is Knit and Natter still running? Please check its listing",
        "Reminder: is Knit and Natter still running?",
        "Last reminder: is Knit and Natter still running?",
    ]
    assert {m.to_address for m in sent} == {"jo@example.org"}
    with database.sessions() as session:
        rounds = dict(session.execute(select(FreshnessReminder.id, FreshnessReminder.round)).all())
    with time_machine.travel(at(later(28)), tick=False):
        assert [rounds[LINKS.reminder_id(token_in(m))] for m in sent] == [1, 2, 3]
    first, _, last = (m.body for m in sent)
    assert first.startswith("Hello Jo,")
    assert "last confirmed on 13 September 2025" in first
    assert "The link works once, until 30 March 2026." in first
    assert "a link worker will ring" in last


def test_a_name_with_line_breaks_makes_a_one_line_subject(database, add_groups) -> None:
    (group_id,) = add_groups(due("Knit"))
    with database.session() as session:
        session.execute(
            update(Group).where(Group.id == group_id).values(name="Knit\nand\r\nNatter\n")
        )

    remind(database)

    (message,) = emails(database)
    assert message.subject == "Is Knit and Natter still running? Please check its listing"
    assert "\n" not in message.subject and "\r" not in message.subject


# ---- "still running, nothing changed" ----------------------------------------------------


def test_confirming_by_link_makes_the_listing_fresh_today(database, add_groups) -> None:
    (token,) = reminded(database, add_groups, due("Choir"))
    group_id = the_group(database, "Choir").id
    clicked = later(3)

    confirm(database, token, clicked)

    group = the_group(database, "Choir")
    assert group.last_verified_at == clicked
    assert POLICY.freshness_of(group, clicked) is Freshness.FRESH
    with database.sessions() as session:
        (verification,) = session.scalars(
            select(Verification).where(Verification.verified_on == clicked)
        )
        feature = json.loads(get_feature(session, group_id, POLICY, clicked))
    assert (verification.group_id, verification.method, verification.reached) == (
        group_id,
        VerificationMethod.ORGANISER,
        True,
    )
    assert verification.verified_by == "Jo (organiser)"
    task = task_of(database, group_id)
    assert (task.closed_on, task.outcome) == (clicked, TaskOutcome.ORGANISER)
    # The public document says so too.
    assert feature["properties"]["freshness"] == "fresh"
    assert feature["properties"]["last_verified_at"] == clicked.isoformat()


def test_after_confirming_the_next_scans_leave_the_listing_alone(database, add_groups) -> None:
    (token,) = reminded(database, add_groups, due("Choir"))
    confirm(database, token, later(3))
    for day in (4, 14, 28, 42):
        remind(database, later(day))
    assert len(emails(database)) == 1
    task = task_of(database, the_group(database, "Choir").id)
    assert task.outcome is TaskOutcome.ORGANISER


def test_confirming_on_the_day_a_reminder_bounced_leaves_nothing_to_do(
    database, add_groups
) -> None:
    (token,) = reminded(database, add_groups, due("Choir"))
    with database.session() as session:
        session.execute(
            update(OutboxMessage).values(attempts=MAX_ATTEMPTS, sent_at=None, last_error="552")
        )
    remind(database, later(1))  # the scan sees the bounce: link workers, due at once
    group_id = the_group(database, "Choir").id
    assert the_group(database, "Choir").bounced_on == later(1)

    confirm(database, token, later(1))  # yet the first email got through

    assert POLICY.freshness_of(the_group(database, "Choir"), later(1)) is Freshness.FRESH
    remind(database, later(2))
    assert task_of(database, group_id).outcome is TaskOutcome.ORGANISER  # and no new task


def test_a_link_works_once(database, add_groups) -> None:
    (token,) = reminded(database, add_groups, due("Choir"))
    confirm(database, token)

    with pytest.raises(LinkUsed):
        confirm(database, token, later(1))
    with pytest.raises(LinkUsed):
        stopped(database, token, later(1))
    with pytest.raises(LinkUsed):
        changes(database, token, "New hall from May", later(1))

    with time_machine.travel(at(later(1)), tick=False), database.sessions() as session:
        view = open_link(session, LINKS, token)
        assert view.used
        assert view.reminder.used_for == "confirmed"
        assert session.scalar(select(Verification.id).where(Verification.verified_on > DAY)) is None
    group = the_group(database, "Choir")
    assert (group.status, group.last_verified_at) == (Status.OPEN, DAY)
    assert task_of(database, group.id).outcome is TaskOutcome.ORGANISER


# ---- the link's limits ------------------------------------------------------------------


def test_a_link_works_for_28_days_then_expires(database, add_groups) -> None:
    (token,) = reminded(database, add_groups, due("Choir"))  # signed at noon on DAY

    with time_machine.travel(at(later(27)), tick=False), database.sessions() as session:
        assert open_link(session, LINKS, token).group.name == "Choir"
    with time_machine.travel(at(later(28)), tick=False), database.sessions() as session:
        assert not open_link(session, LINKS, token).used
    with (
        time_machine.travel(at(later(28), 1), tick=False),
        database.sessions() as session,
        pytest.raises(ValidationError, match="expired"),
    ):
        open_link(session, LINKS, token)
    with pytest.raises(ValidationError, match="expired"):
        confirm(database, token, later(29))
    assert the_group(database, "Choir").last_verified_at == DAY - dt.timedelta(days=170)


def forged_tokens(token: str) -> list[str]:
    payload, timestamp, signature = token.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    other_key = URLSafeTimedSerializer("another-secret", salt=SALT)
    other_salt = URLSafeTimedSerializer(SECRET, salt="something-else")
    reminder_id = LINKS.reminder_id(token)
    return [
        f"{payload}.{timestamp}.{flipped}",
        f"{payload}.{timestamp}",
        "",
        "not-a-token",
        other_key.dumps({"r": reminder_id}),
        other_salt.dumps({"r": reminder_id}),
        LINKS._serializer.dumps({"r": str(reminder_id)}),
    ]


def test_a_forged_or_tampered_link_is_refused(database, add_groups) -> None:
    (token,) = reminded(database, add_groups, due("Choir"))
    with time_machine.travel(at(DAY, 60), tick=False), database.sessions() as session:
        for forged in forged_tokens(token):
            with pytest.raises(ValidationError) as refused:
                open_link(session, LINKS, forged)
            assert refused.value.field == "token"
    assert the_group(database, "Choir").last_verified_at == DAY - dt.timedelta(days=170)


def test_a_link_for_a_reminder_that_does_not_exist_is_refused(database, add_groups) -> None:
    reminded(database, add_groups, due("Choir"))
    with (
        time_machine.travel(at(DAY, 60), tick=False),
        database.sessions() as session,
        pytest.raises(ValidationError, match="no longer valid"),
    ):
        open_link(session, LINKS, LINKS.token(987654))


def test_a_link_acts_on_its_own_listing_only(database, add_groups) -> None:
    choir, shed = reminded(
        database,
        add_groups,
        due("Choir", contact={"email": "choir@example.org"}),
        due("Shed", contact={"email": "shed@example.org"}),
    )
    # The reminder id is signed: putting the other listing's into this link breaks it.
    swapped = ".".join([shed.split(".")[0], *choir.split(".")[1:]])
    with (
        time_machine.travel(at(DAY, 60), tick=False),
        database.sessions() as session,
        pytest.raises(ValidationError),
    ):
        open_link(session, LINKS, swapped)

    confirm(database, choir, later(1))

    assert the_group(database, "Choir").last_verified_at == later(1)
    shed_group = the_group(database, "Shed")
    assert shed_group.last_verified_at == DAY - dt.timedelta(days=170)
    assert task_of(database, shed_group.id).closed_on is None
    confirm(database, shed, later(2))  # its own link still works
    assert the_group(database, "Shed").last_verified_at == later(2)


# ---- "this group has stopped" and "update details" -----------------------------------------


def test_saying_the_group_stopped_closes_the_listing_with_its_history(database, add_groups) -> None:
    (token,) = reminded(database, add_groups, due("Choir"))
    group_id = the_group(database, "Choir").id
    version = the_group(database, "Choir").version

    stopped(database, token, later(2))

    group = the_group(database, "Choir")
    assert (group.status, group.version) == (Status.CLOSED, version + 1)
    with database.sessions() as session:
        revisions = session.execute(
            select(Revision.field, Revision.old_value, Revision.new_value).where(
                Revision.group_id == group_id
            )
        ).all()
        feature = json.loads(get_feature(session, group_id, POLICY, later(2)))
    assert [tuple(r) for r in revisions] == [("status", '"open"', '"closed"')]
    assert feature["properties"]["status"] == "closed"
    task = task_of(database, group_id)
    assert (task.closed_on, task.outcome) == (later(2), TaskOutcome.CLOSED)
    remind(database, later(14))
    assert len(emails(database)) == 1  # a closed listing is not reminded again


def test_sending_changes_hands_the_task_to_link_workers_with_the_note(database, add_groups) -> None:
    (token,) = reminded(database, add_groups, due("Choir"))
    group_id = the_group(database, "Choir").id

    changes(database, token, "  We moved to St Mary's hall on Fridays.  ", later(1))

    task = task_of(database, group_id)
    assert (task.stage, task.reason, task.closed_on) == (
        TaskStage.LINK_WORKER,
        TaskReason.CHANGES,
        None,
    )
    assert task.note == "The organiser wrote: We moved to St Mary's hall on Fridays."
    group = the_group(database, "Choir")
    assert group.last_verified_at == DAY - dt.timedelta(days=170)  # not verified: not yet done
    remind(database, later(14))
    assert len(emails(database)) == 1  # link workers have it now: no more reminders


@pytest.mark.parametrize("text", ["", "   \n ", "x" * (MAX_CHANGES + 1)])
def test_empty_or_overlong_changes_are_refused_and_the_link_still_works(
    database, add_groups, text
) -> None:
    (token,) = reminded(database, add_groups, due("Choir"))

    with pytest.raises(ValidationError) as refused:
        changes(database, token, text)

    assert refused.value.field == "changes"
    task = task_of(database, the_group(database, "Choir").id)
    assert (task.stage, task.note) == (TaskStage.ORGANISER, "")
    changes(database, token, "x" * MAX_CHANGES)
    assert task_of(database, the_group(database, "Choir").id).stage is TaskStage.LINK_WORKER
