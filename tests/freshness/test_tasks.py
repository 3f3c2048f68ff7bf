"""The link workers' re-verification queue on a frozen clock, on both backends: what comes
first, claiming a task, and recording what the worker found."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from sqlalchemy import select, update

from assetmap.directory.reports import report_problem
from assetmap.errors import Forbidden, ValidationError
from assetmap.freshness.scan import ReminderPolicy, run_scan
from assetmap.freshness.tasks import (
    CLAIM_LAPSES,
    MAX_NOTE,
    Outcome,
    QueuedTask,
    QueueFilter,
    claim,
    queue,
    record_activity,
    record_outcome,
    release,
    task_counts,
)
from assetmap.geo.spatial import Point
from assetmap.matching import Profile, match
from assetmap.models import (
    Group,
    ListingActivity,
    Revision,
    Role,
    Status,
    TaskOutcome,
    TaskReason,
    TaskStage,
    User,
    Verification,
    VerificationMethod,
    VerificationTask,
)
from assetmap.verification.policy import Freshness, FreshnessPolicy
from tests.factories import POSTCODES, listing

DAY = dt.date(2026, 3, 2)
POLICY = FreshnessPolicy()
PHONE, EMAIL, VISIT = VerificationMethod.PHONE, VerificationMethod.EMAIL, VerificationMethod.VISIT
PLAIN_CAPACITY = {"complex_needs_places": None, "complexity_supported": 1}


def at(day: dt.date, seconds: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)


def later(days: int) -> dt.date:
    return DAY + dt.timedelta(days=days)


def group(name: str, days_ago: int | None = 170, **overrides: Any) -> dict[str, Any]:
    """A listing checked ``days_ago`` days before DAY, taking nobody with complex needs."""
    verified = None if days_ago is None else (DAY - dt.timedelta(days=days_ago)).isoformat()
    overrides.setdefault("capacity", PLAIN_CAPACITY)
    return listing(name, last_verified_at=verified, **overrides)


def scan(database, day: dt.date = DAY, reminders: int = 0) -> None:
    """The day's scan; with no reminders every task goes straight to link workers."""
    with time_machine.travel(at(day), tick=False), database.session() as session:
        run_scan(session, POLICY, ReminderPolicy(count=reminders), day)


def worker(database, name: str) -> int:
    with database.session() as session:
        user = User(email=f"{name.lower()}@example.org", name=name, role=Role.LINK_WORKER)
        session.add(user)
        session.flush()
        return user.id


def listed(
    database, user_id: int, wanted: QueueFilter | None = None, day: dt.date = DAY
) -> list[QueuedTask]:
    with time_machine.travel(at(day), tick=False), database.sessions() as session:
        tasks, total = queue(session, session.get(User, user_id), day, wanted or QueueFilter())
    assert total == len(tasks)
    return tasks


def names(tasks: list[QueuedTask]) -> list[str]:
    return [task.name for task in tasks]


def task_id_of(database, name: str) -> int:
    with database.sessions() as session:
        return session.scalars(
            select(VerificationTask.id)
            .join(Group, Group.id == VerificationTask.group_id)
            .where(Group.name == name)
            .order_by(VerificationTask.id.desc())
        ).first()


def take(database, user_id: int, task_id: int, day: dt.date = DAY, seconds: int = 0) -> None:
    with time_machine.travel(at(day, seconds), tick=False), database.session() as session:
        claim(session, session.get(User, user_id), task_id)


def found(
    database, user_id: int, task_id: int, outcome: Outcome, day: dt.date = DAY
) -> TaskOutcome | None:
    """Claim the task and record what was found, as a worker does from the queue."""
    with time_machine.travel(at(day, 60), tick=False), database.session() as session:
        user = session.get(User, user_id)
        claim(session, user, task_id)
        return record_outcome(session, user, task_id, outcome, day)


def the_group(database, name: str) -> Group:
    with database.sessions() as session:
        return session.scalars(select(Group).where(Group.name == name)).one()


def the_task(database, task_id: int) -> VerificationTask:
    with database.sessions() as session:
        return session.get(VerificationTask, task_id)


def verifications(database, group_id: int) -> list[Verification]:
    with database.sessions() as session:
        return list(
            session.scalars(
                select(Verification)
                .where(Verification.group_id == group_id, Verification.verified_on >= DAY)
                .order_by(Verification.id)
            )
        )


# ---- the queue's order --------------------------------------------------------------------


def test_a_reported_problem_comes_before_an_older_plain_stale_listing(database, add_groups) -> None:
    _, reported_id = add_groups(group("Plain stale", 400), group("Reported", 36))
    with database.session() as session:
        session.execute(update(Group).where(Group.id == reported_id).values(reported_on=DAY))
    scan(database)
    amira = worker(database, "Amira")

    queued = listed(database, amira)

    assert names(queued) == ["Reported", "Plain stale"]
    # 2 points for 36 days + 25 for the report; 22 points for 400 days.
    assert [(t.reason, t.priority) for t in queued] == [
        (TaskReason.PROBLEM, 27),
        (TaskReason.STALE, 22),
    ]
    assert all(type(t.priority) is int for t in queued)  # whole points, on both backends


def test_never_verified_counts_as_most_stale(database, add_groups) -> None:
    add_groups(group("Very old", 900), group("Never", None), group("Due", 170))
    scan(database)
    queued = listed(database, worker(database, "Amira"))
    assert [(t.name, t.priority) for t in queued] == [("Very old", 30), ("Never", 30), ("Due", 9)]


def test_recent_use_by_link_workers_raises_priority(database, add_groups) -> None:
    quiet_id, busy_id, long_ago_id = add_groups(
        group("Quiet", 170), group("Busy", 170), group("Busy long ago", 170)
    )
    scan(database)
    with database.session() as session:
        record_activity(session, [busy_id, busy_id], later(-2))
        record_activity(session, [busy_id], later(-1))
        record_activity(session, [busy_id], later(-1), planned=True)  # counts three
        record_activity(session, [long_ago_id] * 5, later(-31))  # too long ago to count
    queued = listed(database, worker(database, "Amira"))
    rows = [(t.name, t.matched, t.planned, t.priority) for t in queued]
    # 9 points for 170 days; each match in the last 30 days 1, each plan 3.
    assert rows[0] == ("Busy", 2, 1, 9 + 2 + 3)
    assert sorted(rows[1:]) == [("Busy long ago", 0, 0, 9), ("Quiet", 0, 0, 9)]
    assert {quiet_id, busy_id, long_ago_id} == {t.group_id for t in queued}


def test_groups_taking_people_with_complex_needs_come_first(database, add_groups) -> None:
    add_groups(
        group("Plain", 170),
        group("Complex places", 170, capacity={"complex_needs_places": 2}),
        group("Complex support", 170, capacity={"complexity_supported": 3}),
    )
    scan(database)
    queued = listed(database, worker(database, "Amira"))
    assert [(t.name, t.complex_needs, t.priority) for t in queued] == [
        ("Complex places", True, 17),
        ("Complex support", True, 17),
        ("Plain", False, 9),
    ]


def test_tasks_tried_today_sink_to_the_bottom(database, add_groups) -> None:
    add_groups(group("Oldest", 400), group("Due", 170))
    scan(database)
    amira = worker(database, "Amira")
    found(database, amira, task_id_of(database, "Oldest"), Outcome("unreachable", PHONE))
    assert names(listed(database, amira)) == ["Due", "Oldest"]
    assert names(listed(database, amira, day=later(1))) == ["Oldest", "Due"]


# ---- filters -------------------------------------------------------------------------------


def test_the_queue_filters_by_postcode_district_and_category(database, add_groups) -> None:
    add_groups(
        group("Kentish Town choir", at="NW5 1AA", categories=["creative"]),
        group("Kentish Town walk", at="NW5 2AA", categories=["active", "nature"]),
        group("Camden choir", at="NW1 7AA", categories=["creative"]),
    )
    scan(database)
    amira = worker(database, "Amira")

    assert sorted(names(listed(database, amira, QueueFilter(area="nw5 3xy")))) == [
        "Kentish Town choir",
        "Kentish Town walk",
    ]
    assert sorted(names(listed(database, amira, QueueFilter(category="creative")))) == [
        "Camden choir",
        "Kentish Town choir",
    ]
    assert names(listed(database, amira, QueueFilter(area="NW5", category="nature"))) == [
        "Kentish Town walk"
    ]
    assert listed(database, amira, QueueFilter(area="N6")) == []


def test_tasks_waiting_on_the_organiser_are_hidden_unless_asked_for(database, add_groups) -> None:
    add_groups(group("Emailed", 170), group("No email", 170, contact={"email": None}))
    scan(database, reminders=3)
    amira = worker(database, "Amira")

    assert names(listed(database, amira)) == ["No email"]
    everything = listed(database, amira, QueueFilter(include_organiser_stage=True))
    assert {(t.name, t.stage) for t in everything} == {
        ("Emailed", TaskStage.ORGANISER),
        ("No email", TaskStage.LINK_WORKER),
    }


# ---- claiming ------------------------------------------------------------------------------


def test_a_claimed_task_is_not_anyone_elses_until_the_claim_lapses(database, add_groups) -> None:
    add_groups(group("Choir"))
    scan(database)
    amira, ben = worker(database, "Amira"), worker(database, "Ben")
    task_id = task_id_of(database, "Choir")

    take(database, amira, task_id)
    take(database, amira, task_id, seconds=60)  # claiming again is fine

    with pytest.raises(Forbidden):
        take(database, ben, task_id, seconds=120)
    with pytest.raises(Forbidden), database.session() as session:
        record_outcome(session, session.get(User, ben), task_id, Outcome("confirmed", PHONE), DAY)
    (mine,) = listed(database, amira, QueueFilter(mine_only=True))
    assert (mine.claimed_by_id, mine.claimed_by) == (amira, "Amira")
    assert listed(database, ben, QueueFilter(mine_only=True)) == []

    lapses = int(CLAIM_LAPSES.total_seconds())
    with pytest.raises(Forbidden):
        take(database, ben, task_id, seconds=60 + lapses)
    take(database, ben, task_id, seconds=60 + lapses + 1)
    assert the_task(database, task_id).claimed_by_id == ben


def test_releasing_a_task_lets_someone_else_take_it(database, add_groups) -> None:
    add_groups(group("Choir"))
    scan(database)
    amira, ben = worker(database, "Amira"), worker(database, "Ben")
    task_id = task_id_of(database, "Choir")
    take(database, amira, task_id)
    with database.session() as session:
        release(session, session.get(User, ben), task_id)  # not Ben's to let go
    with pytest.raises(Forbidden):
        take(database, ben, task_id)
    with database.session() as session:
        release(session, session.get(User, amira), task_id)
    take(database, ben, task_id)
    assert the_task(database, task_id).claimed_by_id == ben


# ---- outcomes ------------------------------------------------------------------------------


def test_confirmed_verifies_the_listing_today(database, add_groups) -> None:
    (group_id,) = add_groups(group("Choir", 400))
    scan(database)
    task_id = task_id_of(database, "Choir")

    assert found(database, worker(database, "Amira"), task_id, Outcome("confirmed", PHONE)) is (
        TaskOutcome.CONFIRMED
    )

    choir = the_group(database, "Choir")
    assert (choir.last_verified_at, choir.verified_by) == (DAY, "Amira")
    assert POLICY.freshness_of(choir, DAY) is Freshness.FRESH
    (verification,) = verifications(database, group_id)
    assert (verification.method, verification.reached, verification.verified_by) == (
        PHONE,
        True,
        "Amira",
    )
    task = the_task(database, task_id)
    assert (task.closed_on, task.outcome, task.closed_by, task.claimed_by_id) == (
        DAY,
        TaskOutcome.CONFIRMED,
        "Amira",
        None,
    )
    assert listed(database, worker(database, "Ben")) == []


def test_updated_applies_the_correction_with_its_history(database, add_groups) -> None:
    (group_id,) = add_groups(group("Choir"))
    scan(database)
    version = the_group(database, "Choir").version
    outcome = Outcome(
        "updated",
        EMAIL,
        note="New number from the organiser",
        changes={"contact.phone": "020 7946 1111"},
        version=version,
    )

    assert found(database, worker(database, "Amira"), task_id_of(database, "Choir"), outcome) is (
        TaskOutcome.UPDATED
    )

    choir = the_group(database, "Choir")
    assert (choir.contact_phone, choir.version, choir.last_verified_at) == (
        "020 7946 1111",
        version + 1,
        DAY,
    )
    with database.sessions() as session:
        revisions = session.execute(
            select(Revision.field, Revision.old_value, Revision.new_value, Revision.version)
        ).all()
    assert [tuple(r) for r in revisions] == [
        ("contact.phone", '"020 7946 0000"', '"020 7946 1111"', version + 1)
    ]
    (verification,) = verifications(database, group_id)
    assert verification.method is EMAIL
    assert verification.note == "Checked and corrected. New number from the organiser"


def test_closed_closes_the_listing_and_it_gets_no_more_tasks(database, add_groups) -> None:
    (group_id,) = add_groups(group("Choir"))
    scan(database)
    task_id = task_id_of(database, "Choir")

    assert found(database, worker(database, "Amira"), task_id, Outcome("closed", VISIT)) is (
        TaskOutcome.CLOSED
    )

    assert the_group(database, "Choir").status is Status.CLOSED
    (verification,) = verifications(database, group_id)
    assert verification.method is VISIT
    with database.sessions() as session:
        assert session.scalars(select(Revision.field)).all() == ["status"]
    assert the_task(database, task_id).outcome is TaskOutcome.CLOSED
    scan(database, later(200))
    assert task_id_of(database, "Choir") == task_id


def test_a_problem_checked_the_same_day_stays_dealt_with(database, add_groups) -> None:
    (group_id,) = add_groups(group("Choir", 20))
    with database.session() as session:
        report_problem(session, group_id, "phone", "number not recognised", "sender", at(DAY))
    scan(database)
    task_id = task_id_of(database, "Choir")
    assert the_task(database, task_id).reason is TaskReason.PROBLEM

    found(database, worker(database, "Amira"), task_id, Outcome("confirmed", PHONE), DAY)

    assert POLICY.freshness_of(the_group(database, "Choir"), DAY) is Freshness.FRESH
    scan(database, later(1))
    assert task_id_of(database, "Choir") == task_id  # no second task for the same report
    assert listed(database, worker(database, "Ben"), day=later(1)) == []


def in_matches(database, day: dt.date) -> tuple[list[str], dict[str, int]]:
    with time_machine.travel(at(day), tick=False), database.sessions() as session:
        result = match(
            session,
            Profile(location=Point(*POSTCODES["NW5 1AA"])),
            today=day,
            record_unmet=False,
        )
    return [o.listing["name"] for o in result.options], dict(result.excluded)


def test_three_unreachable_tries_pause_the_listing_and_hide_it_from_matching(
    database, add_groups
) -> None:
    (group_id,) = add_groups(group("Choir"))
    verified_before = the_group(database, "Choir").last_verified_at
    scan(database)
    task_id = task_id_of(database, "Choir")
    amira, ben = worker(database, "Amira"), worker(database, "Ben")
    assert in_matches(database, DAY)[0] == ["Choir"]

    assert found(database, amira, task_id, Outcome("unreachable", PHONE), DAY) is None
    assert found(database, ben, task_id, Outcome("unreachable", PHONE), later(1)) is None
    task = the_task(database, task_id)
    assert (task.attempts, task.last_attempt_on, task.closed_on) == (2, later(1), None)
    assert task.claimed_by_id is None  # let go after each try
    assert the_group(database, "Choir").status is Status.OPEN

    third = found(database, amira, task_id, Outcome("unreachable", EMAIL, "No reply"), later(2))

    assert third is TaskOutcome.PAUSED
    task = the_task(database, task_id)
    assert (task.attempts, task.closed_on, task.outcome) == (3, later(2), TaskOutcome.PAUSED)
    choir = the_group(database, "Choir")
    assert choir.status is Status.PAUSED
    assert choir.last_verified_at == verified_before  # reaching nobody verifies nothing
    tries = verifications(database, group_id)
    assert [(v.method, v.reached) for v in tries] == [
        (PHONE, False),
        (PHONE, False),
        (EMAIL, False),
    ]
    assert tries[-1].note == "Could not reach anyone (try 3 of 3). No reply"
    assert in_matches(database, later(2)) == ([], {"paused": 1})
    scan(database, later(3))
    assert task_id_of(database, "Choir") == task_id  # paused: no new task


@pytest.mark.parametrize(
    ("outcome", "field"),
    [
        (Outcome("maybe", PHONE), "result"),
        (Outcome("confirmed", VerificationMethod.ORGANISER), "method"),
        (Outcome("confirmed", VerificationMethod.IMPORT), "method"),
        (Outcome("confirmed", PHONE, note="x" * (MAX_NOTE + 1)), "note"),
        (Outcome("updated", PHONE, changes={"name": ""}), "name"),
        (Outcome("updated", PHONE, changes={"schedule": [{"day": "someday"}]}), "schedule[0].day"),
        (Outcome("updated", PHONE, changes={"status": "closed"}), "status"),
        (Outcome("updated", PHONE, changes={"last_verified_at": "2026-03-02"}), "result"),
        (Outcome("updated", PHONE, changes={}), "result"),
    ],
)
def test_bad_outcomes_name_the_field_and_change_nothing(
    database, add_groups, outcome, field
) -> None:
    (group_id,) = add_groups(group("Choir"))
    scan(database)
    task_id = task_id_of(database, "Choir")

    with pytest.raises(ValidationError) as refused:
        found(database, worker(database, "Amira"), task_id, outcome)

    assert refused.value.field == field
    task = the_task(database, task_id)
    assert (task.closed_on, task.attempts) == (None, 0)
    assert verifications(database, group_id) == []
    assert the_group(database, "Choir").last_verified_at == DAY - dt.timedelta(days=170)


def test_a_finished_task_cannot_be_recorded_again(database, add_groups) -> None:
    add_groups(group("Choir"))
    scan(database)
    amira = worker(database, "Amira")
    task_id = task_id_of(database, "Choir")
    found(database, amira, task_id, Outcome("confirmed", PHONE))
    with pytest.raises(ValidationError):
        found(database, amira, task_id, Outcome("confirmed", PHONE), later(1))


# ---- activity and counts -------------------------------------------------------------------


def test_activity_counts_add_up_on_the_same_day(database, add_groups) -> None:
    choir, shed = add_groups(group("Choir"), group("Shed"))
    with database.session() as session:
        record_activity(session, [choir, shed], DAY)
    with database.session() as session:
        record_activity(session, [choir], DAY)
        record_activity(session, [choir], DAY, planned=True)
        record_activity(session, [choir], later(1))
        record_activity(session, [], DAY)
    with database.sessions() as session:
        rows = session.execute(
            select(
                ListingActivity.group_id,
                ListingActivity.day,
                ListingActivity.matched,
                ListingActivity.planned,
            ).order_by(ListingActivity.group_id, ListingActivity.day)
        ).all()
    assert [tuple(r) for r in rows] == [
        (choir, DAY, 2, 1),
        (choir, later(1), 1, 0),
        (shed, DAY, 1, 0),
    ]


def test_task_counts_show_open_tasks_and_this_months_outcomes(database, add_groups) -> None:
    add_groups(group("Choir"), group("Shed"), group("Walk", contact={"email": None}))
    scan(database, reminders=3)
    amira = worker(database, "Amira")
    found(database, amira, task_id_of(database, "Walk"), Outcome("confirmed", PHONE))
    with database.sessions() as session:
        counts = task_counts(session, DAY.replace(day=1))
    assert counts == {
        "open": {TaskStage.ORGANISER: 2},
        "done": {TaskOutcome.CONFIRMED: 1},
    }
