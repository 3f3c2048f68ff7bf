"""The freshness scan on a frozen clock, on both backends: its SQL agrees with the policy's
Python judgement at every boundary, it is idempotent, it never opens two tasks for one listing,
and it escalates organiser reminders to link workers on the right days."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from geoalchemy2 import Geometry
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from assetmap.directory.edits import edit_listing
from assetmap.directory.reports import report_problem
from assetmap.freshness.reminders import ReminderLinks, write_reminder_emails
from assetmap.freshness.scan import ReminderPolicy, ScanReport, run_scan
from assetmap.freshness.service import run_freshness
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import (
    Base,
    FreshnessReminder,
    FreshnessScan,
    Group,
    OutboxMessage,
    TaskOutcome,
    TaskReason,
    TaskStage,
    VerificationTask,
)
from assetmap.outbox.services import MAX_ATTEMPTS
from assetmap.verification.policy import FACT_COLUMNS, Freshness, FreshnessPolicy
from tests.factories import listing

DAY = dt.date(2026, 3, 2)
DEFAULT = FreshnessPolicy()
PEER_90 = FreshnessPolicy(category_expiry=(("peer_support", 90),))


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def later(days: int) -> dt.date:
    return DAY + dt.timedelta(days=days)


def verified(days_ago: int | None) -> str | None:
    return None if days_ago is None else (DAY - dt.timedelta(days=days_ago)).isoformat()


def group(name: str, days_ago: int | None = 20, **overrides: Any) -> dict[str, Any]:
    return listing(name, last_verified_at=verified(days_ago), **overrides)


def no_email(name: str, days_ago: int | None = 20, **overrides: Any) -> dict[str, Any]:
    return group(name, days_ago, contact={"email": None}, **overrides)


def scan(
    database,
    day: dt.date = DAY,
    policy: FreshnessPolicy = DEFAULT,
    reminders: ReminderPolicy | None = None,
) -> ScanReport:
    with time_machine.travel(at(day), tick=False), database.session() as session:
        return run_scan(session, policy, reminders or ReminderPolicy(), day)


def write_emails(database, day: dt.date = DAY) -> int:
    links = ReminderLinks("test-secret", 28)
    with time_machine.travel(at(day), tick=False), database.session() as session:
        return write_reminder_emails(session, links, "https://assetmap.example", day)


def set_columns(database, group_id: int, **values: Any) -> None:
    with database.session() as session:
        session.execute(update(Group).where(Group.id == group_id).values(**values))


def tasks(database) -> list[VerificationTask]:
    with database.sessions() as session:
        return list(session.scalars(select(VerificationTask).order_by(VerificationTask.id)))


def only_task(database) -> VerificationTask:
    (task,) = tasks(database)
    return task


def reminder_rounds(database) -> list[tuple[int, dt.date]]:
    with database.sessions() as session:
        rows = session.execute(
            select(FreshnessReminder.round, FreshnessReminder.queued_on).order_by(
                FreshnessReminder.round
            )
        )
        return [tuple(row) for row in rows]


def sql_states(database, policy: FreshnessPolicy, day: dt.date) -> dict[str, Freshness]:
    """Each listing's freshness as the SQL conditions the scan uses judge it."""
    states: dict[str, Freshness] = {}
    with database.sessions() as session:
        for state in Freshness:
            names = session.scalars(
                select(Group.name).where(policy.condition(state)), policy.parameters(day)
            )
            for name in names:
                assert name not in states, f"{name} is both {states[name]} and {state}"
                states[name] = state
    return states


def python_states(database, policy: FreshnessPolicy, day: dt.date) -> dict[str, Freshness]:
    classify = policy.classifier(day)
    with database.sessions() as session:
        rows = session.execute(select(Group.name, *FACT_COLUMNS)).all()
    return {row.name: classify(row) for row in rows}


def sql_very_stale(database, policy: FreshnessPolicy, day: dt.date) -> set[str]:
    with database.sessions() as session:
        return set(
            session.scalars(
                select(Group.name).where(policy.very_stale_condition()), policy.parameters(day)
            )
        )


def python_very_stale(database, policy: FreshnessPolicy, day: dt.date) -> set[str]:
    test = policy.very_stale_test(day)
    with database.sessions() as session:
        rows = session.execute(select(Group.name, *FACT_COLUMNS)).all()
    return {row.name for row in rows if test(row)}


def snapshot(database) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table (but geometries and the scans' own log), to show a second scan
    changed nothing."""
    with database.sessions() as session:
        return {
            table.name: sorted(
                tuple(map(repr, row))
                for row in session.execute(
                    select(*(c for c in table.columns if not isinstance(c.type, Geometry)))
                )
            )
            for table in Base.metadata.sorted_tables
            if table.name != "freshness_scans"
        }


# ---- the SQL conditions agree with the Python classifier -----------------------------------


def test_sql_and_python_agree_at_every_boundary_day(database, add_groups) -> None:
    ids = dict(
        zip(
            ["reported since", "reported before", "bounced since", "bounced before", "both"],
            add_groups(
                group("reported since", 10),
                group("reported before", 10),
                group("bounced since", 10),
                group("bounced before", 10),
                group("both", 200),
                *(group(f"{n} days", n) for n in (0, 149, 150, 179, 180, 359, 360)),
                group("never", None),
            ),
            strict=False,
        )
    )
    set_columns(database, ids["reported since"], reported_on=DAY)
    set_columns(database, ids["reported before"], reported_on=later(-11))
    set_columns(database, ids["bounced since"], bounced_on=later(-10))  # the same day counts
    set_columns(database, ids["bounced before"], bounced_on=later(-30))
    set_columns(database, ids["both"], reported_on=DAY, bounced_on=DAY)
    expected = {
        "0 days": Freshness.FRESH,
        "149 days": Freshness.FRESH,
        "150 days": Freshness.DUE,
        "179 days": Freshness.DUE,
        "180 days": Freshness.STALE,
        "359 days": Freshness.STALE,
        "360 days": Freshness.STALE,
        "never": Freshness.STALE,
        "reported since": Freshness.DUE,
        "reported before": Freshness.FRESH,
        "bounced since": Freshness.DUE,
        "bounced before": Freshness.FRESH,
        "both": Freshness.STALE,  # past expiry: a report does not make it less than stale
    }
    assert sql_states(database, DEFAULT, DAY) == expected
    assert python_states(database, DEFAULT, DAY) == expected
    very_stale = {"360 days", "never"}
    assert sql_very_stale(database, DEFAULT, DAY) == very_stale
    assert python_very_stale(database, DEFAULT, DAY) == very_stale


def test_a_category_expiry_applies_once_a_scan_has_written_it(database, add_groups) -> None:
    peer = ["peer_support", "social"]
    add_groups(
        group("peer 59", 59, categories=peer),
        group("peer 60", 60, categories=peer),
        group("peer 90", 90, categories=peer),
        group("peer 180", 180, categories=peer),
        group("social 90", 90, categories=["social"]),
    )
    # Until a scan writes each listing's period, every listing has the default one.
    assert sql_states(database, PEER_90, DAY)["peer 90"] is Freshness.FRESH

    report = scan(database, policy=PEER_90)

    assert report.expiry_updated == 4
    with database.sessions() as session:
        periods = dict(session.execute(select(Group.name, Group.expiry_days)).all())
    assert periods == {
        "peer 59": 90,
        "peer 60": 90,
        "peer 90": 90,
        "peer 180": 90,
        "social 90": None,
    }
    expected = {
        "peer 59": Freshness.FRESH,
        "peer 60": Freshness.DUE,
        "peer 90": Freshness.STALE,
        "peer 180": Freshness.STALE,
        "social 90": Freshness.FRESH,
    }
    assert sql_states(database, PEER_90, DAY) == expected
    assert python_states(database, PEER_90, DAY) == expected
    assert sql_very_stale(database, PEER_90, DAY) == {"peer 180"}
    assert python_very_stale(database, PEER_90, DAY) == {"peer 180"}


def test_dropping_a_category_expiry_puts_listings_back_on_the_default(database, add_groups) -> None:
    add_groups(group("peer 90", 90, categories=["peer_support"]))
    scan(database, policy=PEER_90)
    report = scan(database, later(1), policy=DEFAULT)
    assert report.expiry_updated == 1
    assert python_states(database, DEFAULT, later(1)) == {"peer 90": Freshness.FRESH}
    assert sql_states(database, DEFAULT, later(1)) == {"peer 90": Freshness.FRESH}


def test_later_scans_rewrite_the_periods_of_changed_listings_only(database, add_groups) -> None:
    social, peer = add_groups(
        group("social", 20, categories=["social"]), group("peer", 20, categories=["peer_support"])
    )
    long_ago = at(DAY) - dt.timedelta(days=1)
    for group_id in (social, peer):
        set_columns(database, group_id, updated_at=long_ago)
    assert scan(database, policy=PEER_90).expiry_updated == 1  # the first looks at every one
    # A listing nobody has changed since that scan is not looked at again ...
    set_columns(database, peer, expiry_days=None, updated_at=long_ago)
    assert scan(database, later(1), policy=PEER_90).expiry_updated == 0
    # ... but one whose categories changed is, and so is every one when the policy changes.
    with time_machine.travel(at(later(2)), tick=False), database.session() as session:
        edit_listing(
            session,
            social,
            {"categories": ["social", "peer_support"]},
            based_on=session.get(Group, social).version,
            user_id=None,
            geocoder=GazetteerGeocoder(session),
        )
    assert scan(database, later(3), policy=PEER_90).expiry_updated == 1
    assert (
        scan(
            database, later(3), policy=FreshnessPolicy(category_expiry=(("peer_support", 60),))
        ).expiry_updated
        == 2
    )
    with database.sessions() as session:
        periods = dict(session.execute(select(Group.name, Group.expiry_days)).all())
    assert periods == {"social": 60, "peer": 60}


def test_every_scan_is_logged_with_its_counts(database, add_groups) -> None:
    add_groups(group("due", 170), group("fresh", 20))
    scan(database)
    scan(database, later(1))
    with database.sessions() as session:
        logged = session.scalars(select(FreshnessScan).order_by(FreshnessScan.id)).all()
    assert [(s.scan_day, s.counts["tasks_opened"], s.counts["due"]) for s in logged] == [
        (DAY, 1, 1),
        (later(1), 0, 1),
    ]
    assert logged[0].started_at == at(DAY) and logged[0].seconds >= 0


# ---- idempotence and one open task per listing ------------------------------------------------


def mixed_directory(database, add_groups) -> None:
    """Fresh, due, stale without email, reported, closed, and a category with a shorter
    expiry (stale under PEER_90, fresh under the default)."""
    ids = add_groups(
        group("fresh", 20),
        group("due", 170),
        no_email("stale without email", 400),
        group("reported", 20),
        group("closed", 400, status="closed"),
        group("peer", 100, categories=["peer_support"]),
    )
    set_columns(database, ids[3], reported_on=DAY)


def test_a_second_scan_on_the_same_day_changes_nothing(database, add_groups) -> None:
    mixed_directory(database, add_groups)
    first = scan(database, policy=PEER_90)
    assert first.changed > 0
    before = snapshot(database)

    second = scan(database, policy=PEER_90)

    assert second.changed == 0
    assert snapshot(database) == before


def test_a_second_freshness_run_on_the_same_day_writes_no_more_email(database, add_groups) -> None:
    mixed_directory(database, add_groups)
    with time_machine.travel(at(DAY), tick=False):
        first = run_freshness(database, database.config, DAY)
        before = snapshot(database)
        second = run_freshness(database, database.config, DAY)
    assert (first.report.tasks_opened, first.emails_written, second.emails_written) == (3, 1, 0)
    assert second.report.changed == 0
    assert snapshot(database) == before


def test_scanning_day_after_day_never_opens_a_second_task(database, add_groups) -> None:
    mixed_directory(database, add_groups)
    for day in (0, 0, 1, 14, 15, 28, 42, 43):
        scan(database, later(day))
    with database.sessions() as session:
        open_per_listing = session.execute(
            select(VerificationTask.group_id, func.count())
            .where(VerificationTask.closed_on.is_(None))
            .group_by(VerificationTask.group_id)
        ).all()
    assert len(open_per_listing) == 3
    assert {n for _, n in open_per_listing} == {1}


def test_the_database_refuses_a_second_open_task_for_a_listing(database, add_groups) -> None:
    (group_id,) = add_groups(group("due", 170))
    scan(database)
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(
            VerificationTask(
                group_id=group_id, opened_on=DAY, reason=TaskReason.DUE, stage=TaskStage.ORGANISER
            )
        )
        session.flush()
    # A closed task beside the open one is history, not a duplicate.
    with database.session() as session:
        session.add(
            VerificationTask(
                group_id=group_id,
                opened_on=DAY,
                reason=TaskReason.DUE,
                stage=TaskStage.LINK_WORKER,
                closed_on=DAY,
                outcome=TaskOutcome.CONFIRMED,
            )
        )
    assert len(tasks(database)) == 2


@pytest.mark.parametrize("status", ["closed", "paused"])
def test_closed_and_paused_listings_get_no_task(database, add_groups, status) -> None:
    add_groups(group("gone", 400, status=status), group("never checked", None, status=status))
    report = scan(database)
    assert report.tasks_opened == 0
    assert tasks(database) == []
    assert reminder_rounds(database) == []


def test_a_task_closes_when_the_listing_is_verified_another_way(database, add_groups) -> None:
    add_groups(group("Choir", 170, external_id="choir"))
    scan(database)
    assert only_task(database).closed_on is None
    # An import says it was checked yesterday.
    add_groups(group("Choir", -1, external_id="choir"))

    report = scan(database, later(1))

    assert (report.tasks_closed, report.tasks_opened) == (1, 0)
    task = only_task(database)
    assert (task.closed_on, task.outcome, task.closed_by) == (
        later(1),
        TaskOutcome.VERIFIED_ELSEWHERE,
        "freshness scan",
    )
    assert reminder_rounds(database) == [(1, DAY)]  # and no more reminders for it


def test_a_task_closes_when_the_listing_is_closed(database, add_groups) -> None:
    add_groups(group("Choir", 170, external_id="choir"))
    scan(database)
    add_groups(group("Choir", 170, external_id="choir", status="closed"))
    report = scan(database, later(1))
    assert report.tasks_closed == 1
    assert only_task(database).outcome is TaskOutcome.CLOSED


# ---- reminders, escalating to link workers ----------------------------------------------------


def test_reminders_escalate_every_14_days_then_link_workers_take_over(database, add_groups) -> None:
    add_groups(group("Choir", 170))

    day_0 = scan(database)
    assert day_0.tasks_opened == 1
    assert day_0.reminders_queued == {3: 0, 2: 0, 1: 1}
    task = only_task(database)
    assert (task.stage, task.reason) == (TaskStage.ORGANISER, TaskReason.DUE)

    assert scan(database, later(13)).changed == 0
    assert reminder_rounds(database) == [(1, DAY)]

    assert scan(database, later(14)).reminders_queued == {3: 0, 2: 1, 1: 0}
    assert scan(database, later(27)).changed == 0
    assert scan(database, later(28)).reminders_queued == {3: 1, 2: 0, 1: 0}
    assert scan(database, later(41)).changed == 0
    assert only_task(database).stage is TaskStage.ORGANISER

    day_42 = scan(database, later(42))

    assert day_42.to_link_workers["no reply to reminders"] == 1
    assert sum(day_42.reminders_queued.values()) == 0
    handed = only_task(database)
    assert (handed.id, handed.stage, handed.reason) == (
        task.id,
        TaskStage.LINK_WORKER,
        TaskReason.NO_REPLY,
    )
    assert scan(database, later(56)).changed == 0
    assert reminder_rounds(database) == [(1, DAY), (2, later(14)), (3, later(28))]


def test_a_listing_without_email_goes_straight_to_link_workers(database, add_groups) -> None:
    add_groups(no_email("Choir", 170), group("Choir blank email", 170, contact={"email": ""}))
    report = scan(database)
    assert report.tasks_opened == 2
    assert {(t.stage, t.reason) for t in tasks(database)} == {
        (TaskStage.LINK_WORKER, TaskReason.NO_CONTACT)
    }
    assert reminder_rounds(database) == []


def test_with_no_reminders_in_the_policy_tasks_go_straight_to_link_workers(
    database, add_groups
) -> None:
    add_groups(group("due", 170), group("stale", 400))
    report = scan(database, reminders=ReminderPolicy(count=0))
    assert report.tasks_opened == 2
    assert report.reminders_queued == {}
    assert {(t.stage, t.reason) for t in tasks(database)} == {
        (TaskStage.LINK_WORKER, TaskReason.DUE),
        (TaskStage.LINK_WORKER, TaskReason.STALE),
    }
    assert reminder_rounds(database) == []


def test_the_address_going_away_hands_a_waiting_task_to_link_workers(database, add_groups) -> None:
    (group_id,) = add_groups(group("Choir", 170))
    scan(database)
    set_columns(database, group_id, contact_email=None)
    report = scan(database, later(14))
    assert report.to_link_workers["no email address"] == 1
    assert (only_task(database).stage, only_task(database).reason) == (
        TaskStage.LINK_WORKER,
        TaskReason.NO_CONTACT,
    )
    assert reminder_rounds(database) == [(1, DAY)]


# ---- problem reports ------------------------------------------------------------------------


def report_on(database, group_id: int, day: dt.date) -> None:
    with database.session() as session:
        report_problem(session, group_id, "phone", "number not recognised", "sender", at(day))


def test_a_problem_report_puts_a_fresh_listing_in_the_link_workers_queue_at_once(
    database, add_groups
) -> None:
    (group_id,) = add_groups(group("Choir", 10))
    assert scan(database).tasks_opened == 0
    report_on(database, group_id, DAY)
    assert python_states(database, DEFAULT, DAY) == {"Choir": Freshness.DUE}
    assert sql_states(database, DEFAULT, DAY) == {"Choir": Freshness.DUE}
    task = only_task(database)  # there already, before any scan
    assert (task.stage, task.reason, task.opened_on) == (
        TaskStage.LINK_WORKER,
        TaskReason.PROBLEM,
        DAY,
    )
    report_on(database, group_id, DAY)  # a second report: still one task
    assert scan(database).tasks_opened == 0
    assert only_task(database).id == task.id
    assert reminder_rounds(database) == []  # nobody waits on the organiser


def test_the_scan_opens_a_task_for_a_report_it_was_not_told_of(database, add_groups) -> None:
    # A report date that came another way (an import, or a report before this feature).
    (group_id,) = add_groups(group("Choir", 10))
    set_columns(database, group_id, reported_on=DAY)
    report = scan(database)
    assert report.tasks_opened == 1
    task = only_task(database)
    assert (task.stage, task.reason) == (TaskStage.LINK_WORKER, TaskReason.PROBLEM)


def test_a_problem_report_moves_a_waiting_task_to_link_workers(database, add_groups) -> None:
    (group_id,) = add_groups(group("Choir", 170))
    scan(database)
    waiting = only_task(database)
    assert waiting.stage is TaskStage.ORGANISER
    report_on(database, group_id, later(3))  # moves it at once

    report = scan(database, later(3))

    assert report.to_link_workers["problem reported"] == 0
    assert report.tasks_opened == 0
    task = only_task(database)
    assert (task.id, task.stage, task.reason) == (
        waiting.id,
        TaskStage.LINK_WORKER,
        TaskReason.PROBLEM,
    )
    scan(database, later(14))
    assert reminder_rounds(database) == [(1, DAY)]  # no second reminder once handed over


# ---- bounces --------------------------------------------------------------------------------


def assert_bounced(database, group_id: int, day: dt.date) -> None:
    task = only_task(database)
    assert (task.stage, task.reason, task.closed_on) == (
        TaskStage.LINK_WORKER,
        TaskReason.BOUNCED,
        None,
    )
    with database.sessions() as session:
        assert session.get(Group, group_id).bounced_on == day
    assert python_states(database, DEFAULT, day) != {"Choir": Freshness.FRESH}


def test_a_reminder_the_outbox_gave_up_on_hands_the_task_to_link_workers(
    database, add_groups
) -> None:
    (group_id,) = add_groups(group("Choir", 170))
    scan(database)
    assert write_emails(database) == 1
    with database.session() as session:
        session.execute(
            update(OutboxMessage).values(attempts=MAX_ATTEMPTS, sent_at=None, last_error="550")
        )

    report = scan(database, later(1))

    assert report.to_link_workers["reminder bounced"] == 1
    assert_bounced(database, group_id, later(1))
    assert scan(database, later(1)).changed == 0


def test_a_reminder_still_being_retried_is_not_a_bounce(database, add_groups) -> None:
    add_groups(group("Choir", 170))
    scan(database)
    write_emails(database)
    with database.session() as session:
        session.execute(update(OutboxMessage).values(attempts=MAX_ATTEMPTS - 1, last_error="451"))
    assert scan(database, later(1)).changed == 0
    assert only_task(database).stage is TaskStage.ORGANISER


def test_an_address_mail_cannot_go_to_counts_as_a_bounce(database, add_groups) -> None:
    (group_id,) = add_groups(group("Choir", 170))
    set_columns(database, group_id, contact_email="jo at example dot org")  # older data
    scan(database)
    assert write_emails(database) == 0
    with database.sessions() as session:
        assert session.scalar(select(FreshnessReminder.undeliverable)) is True
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0

    report = scan(database, later(1))

    assert report.to_link_workers["reminder bounced"] == 1
    assert_bounced(database, group_id, later(1))


# ---- what the scan reports ------------------------------------------------------------------


def test_the_report_counts_live_listings_and_what_the_scan_did(database, add_groups) -> None:
    add_groups(
        group("fresh", 10),
        group("fresh too", 149),
        group("due", 170),
        no_email("stale", 400),
        group("never", None),
        group("closed", 400, status="closed"),
        group("paused", 170, status="paused"),
    )

    report = scan(database)

    assert (report.fresh, report.due, report.stale, report.very_stale) == (2, 1, 2, 2)
    assert (report.tasks_opened, report.tasks_closed, report.expiry_updated) == (3, 0, 0)
    assert report.reminders_queued == {3: 0, 2: 0, 1: 2}
    assert sum(report.to_link_workers.values()) == 0
    assert report.changed == 5
    assert report.lines()[0] == "listings: 5 live — 2 fresh, 1 due, 2 stale (2 very stale)"
    assert "tasks opened: 3, closed (no longer needed): 0" in report.lines()
    assert "reminders queued: 2 (2 #1)" in report.lines()


def test_the_scan_hands_over_a_waiting_task_for_a_report_it_was_not_told_of(
    database, add_groups
) -> None:
    (group_id,) = add_groups(group("Choir", 170))
    scan(database)
    assert only_task(database).stage is TaskStage.ORGANISER
    set_columns(database, group_id, reported_on=later(3))
    report = scan(database, later(3))
    assert report.to_link_workers["problem reported"] == 1
    assert (only_task(database).stage, only_task(database).reason) == (
        TaskStage.LINK_WORKER,
        TaskReason.PROBLEM,
    )
