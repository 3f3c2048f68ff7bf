"""The freshness scan: one set-based pass over the whole directory, run daily.

Every step is a single SQL statement over all listings (an UPDATE or an INSERT … SELECT), so
the scan costs a few table passes however many listings there are, and never loads them into
Python. Each step only changes rows that are not yet as they should be, which makes the whole
scan idempotent: a second run on the same day finds nothing to do.

The steps, in order:

1. write each listing's expiry period from the policy and its categories;
2. close open tasks that are no longer needed (the listing was verified another way, or closed);
3. open a task for every live listing that is due or stale and has none open. Listings with an
   email address start with reminders to the organiser; the rest go straight to link workers;
4. hand tasks to link workers when a problem has been reported, a reminder bounced, the
   address went away, or the organiser answered none of the reminders;
5. queue the next reminder (one per reminder period, up to the policy's number) for tasks
   still waiting on the organiser.

Writing each reminder's text and signed link is ``reminders.write_reminder_emails``: it needs
Python per message, so it runs after the scan, on the reminders the scan queued.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    CursorResult,
    Date,
    and_,
    case,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from assetmap.freshness.policy import Freshness, FreshnessPolicy, freshness_condition
from assetmap.models import (
    FreshnessReminder,
    Group,
    GroupCategory,
    OutboxMessage,
    Status,
    TaskOutcome,
    TaskReason,
    TaskStage,
    VerificationTask,
    table_of,
)
from assetmap.outbox.services import MAX_ATTEMPTS

#: Listings that are re-verified: closed ones are not, nor paused ones (hidden from matching,
#: and brought back by whoever un-pauses them).
LIVE = (Status.OPEN, Status.INVITATION_ONLY, Status.WAITING_LIST)
SCAN_NAME = "freshness scan"
#: SQLAlchemy keeps the row count of UPDATEs, but of an INSERT … SELECT only when asked: without
#: this, psycopg reports -1 once the cursor is closed (SQLite happened to keep it).
COUNT_INSERTED = {"preserve_rowcount": True}


@dataclass(frozen=True)
class ReminderPolicy:
    """How organisers are reminded before a link worker steps in."""

    every_days: int = 14
    count: int = 3


@dataclass
class ScanReport:
    """What one scan found and did."""

    today: dt.date
    fresh: int = 0
    due: int = 0
    stale: int = 0
    very_stale: int = 0
    expiry_updated: int = 0
    tasks_opened: int = 0
    tasks_closed: int = 0
    to_link_workers: dict[str, int] = field(default_factory=dict)
    reminders_queued: dict[int, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return (
            self.expiry_updated
            + self.tasks_opened
            + self.tasks_closed
            + sum(self.to_link_workers.values())
            + sum(self.reminders_queued.values())
        )

    def lines(self) -> list[str]:
        total = self.fresh + self.due + self.stale
        handed = ", ".join(f"{n} {why}" for why, n in self.to_link_workers.items() if n)
        rounds = ", ".join(f"{n} #{r}" for r, n in sorted(self.reminders_queued.items()) if n)
        return [
            f"listings: {total} live — {self.fresh} fresh, {self.due} due, {self.stale} stale "
            f"({self.very_stale} very stale)",
            f"expiry periods rewritten: {self.expiry_updated}",
            f"tasks opened: {self.tasks_opened}, closed (no longer needed): {self.tasks_closed}",
            f"handed to link workers: {sum(self.to_link_workers.values())}"
            + (f" ({handed})" if handed else ""),
            f"reminders queued: {sum(self.reminders_queued.values())}"
            + (f" ({rounds})" if rounds else ""),
        ]


def run_scan(
    session: Session,
    policy: FreshnessPolicy,
    reminders: ReminderPolicy,
    today: dt.date,
) -> ScanReport:
    """Bring freshness, tasks and reminders up to date for ``today``, in the caller's
    transaction (commit it to keep the result)."""
    report = ScanReport(today=today)
    values = {**policy.parameters(today), "today": today}
    report.expiry_updated = _write_expiry(session, policy)
    report.tasks_closed = _close_needless_tasks(session, policy, values)
    report.tasks_opened = _open_tasks(session, policy, reminders, values)
    report.to_link_workers = _hand_to_link_workers(session, reminders, today)
    report.reminders_queued = _queue_reminders(session, reminders, today)
    _count_freshness(session, policy, values, report)
    return report


# -- 1. expiry ----------------------------------------------------------------------------------


def _write_expiry(session: Session, policy: FreshnessPolicy) -> int:
    groups = table_of(Group)
    shortest: Any
    if policy.category_expiry:
        category = table_of(GroupCategory)
        shortest = (
            select(
                func.min(
                    case(
                        *(
                            (category.c.category == name, days)
                            for name, days in policy.category_expiry
                        )
                    )
                )
            )
            .where(category.c.group_id == groups.c.id)
            .scalar_subquery()
        )
    else:
        shortest = literal(None)
    return _rows(
        session.execute(
            update(groups)
            .where(groups.c.expiry_days.is_distinct_from(shortest))
            # A derived value, not an edit: the listing's updated_at stays as it was.
            .values(expiry_days=shortest, updated_at=groups.c.updated_at)
        )
    )


# -- 2. tasks no longer needed ------------------------------------------------------------------


def _close_needless_tasks(session: Session, policy: FreshnessPolicy, values: dict[str, Any]) -> int:
    tasks, groups = table_of(VerificationTask), table_of(Group)
    fresh = freshness_condition(Freshness.FRESH, policy.shorter_periods)
    closed_total = 0
    for outcome, condition in (
        (TaskOutcome.VERIFIED_ELSEWHERE, fresh),
        (TaskOutcome.CLOSED, Group.status == Status.CLOSED),
    ):
        listing = select(groups.c.id).where(condition)
        closed_total += _rows(
            session.execute(
                update(tasks)
                .where(tasks.c.closed_on.is_(None), tasks.c.group_id.in_(listing))
                .values(closed_on=values["today"], outcome=outcome.value, closed_by=SCAN_NAME),
                values,
            )
        )
    return closed_total


# -- 3. new tasks -------------------------------------------------------------------------------


def _flag_conditions() -> tuple[Any, Any]:
    """(problem reported, reminder bounced) since the last verification."""
    verified = Group.last_verified_at
    reported = and_(
        Group.reported_on.is_not(None), or_(verified.is_(None), Group.reported_on >= verified)
    )
    bounced = and_(
        Group.bounced_on.is_not(None), or_(verified.is_(None), Group.bounced_on >= verified)
    )
    return reported, bounced


def _no_email() -> Any:
    return or_(Group.contact_email.is_(None), func.trim(Group.contact_email) == "")


def _open_tasks(
    session: Session, policy: FreshnessPolicy, reminders: ReminderPolicy, values: dict[str, Any]
) -> int:
    tasks = table_of(VerificationTask)
    periods = policy.shorter_periods
    stale = freshness_condition(Freshness.STALE, periods)
    due = freshness_condition(Freshness.DUE, periods)
    reported, bounced = _flag_conditions()
    organiser_can_answer = reminders.count > 0
    reasons = [(reported, TaskReason.PROBLEM.value), (bounced, TaskReason.BOUNCED.value)]
    if organiser_can_answer:
        reasons.append((_no_email(), TaskReason.NO_CONTACT.value))
    reason = case(*reasons, (stale, TaskReason.STALE.value), else_=TaskReason.DUE.value)
    stage = (
        case(
            (or_(reported, bounced, _no_email()), TaskStage.LINK_WORKER.value),
            else_=TaskStage.ORGANISER.value,
        )
        if organiser_can_answer
        else literal(TaskStage.LINK_WORKER.value)
    )
    has_open_task = exists().where(tasks.c.group_id == Group.id, tasks.c.closed_on.is_(None))
    needing = select(
        Group.id,
        literal(values["today"], Date),
        reason,
        stage,
        literal(0),
        literal(""),
    ).where(Group.status.in_([s.value for s in LIVE]), or_(due, stale), ~has_open_task)
    return _rows(
        session.execute(
            _insert_from(
                tasks, ["group_id", "opened_on", "reason", "stage", "attempts", "note"], needing
            ),
            values,
        )
    )


# -- 4. to link workers -------------------------------------------------------------------------


def _hand_to_link_workers(
    session: Session, reminders: ReminderPolicy, today: dt.date
) -> dict[str, int]:
    tasks, sent = table_of(VerificationTask), table_of(FreshnessReminder)
    outbox = table_of(OutboxMessage)
    reported, _ = _flag_conditions()
    waiting = and_(tasks.c.closed_on.is_(None), tasks.c.stage == TaskStage.ORGANISER.value)

    def hand(reason: TaskReason, *condition: Any) -> int:
        return _rows(
            session.execute(
                update(tasks)
                .where(waiting, *condition)
                .values(stage=TaskStage.LINK_WORKER.value, reason=reason.value)
            )
        )

    bounced_tasks = (
        select(sent.c.task_id)
        .select_from(sent.outerjoin(outbox, outbox.c.id == sent.c.outbox_id))
        .where(
            or_(
                sent.c.undeliverable,
                and_(outbox.c.sent_at.is_(None), outbox.c.attempts >= MAX_ATTEMPTS),
            )
        )
    )
    handed = {
        "problem reported": hand(
            TaskReason.PROBLEM, tasks.c.group_id.in_(select(Group.id).where(reported))
        ),
        "reminder bounced": hand(TaskReason.BOUNCED, tasks.c.id.in_(bounced_tasks)),
        "no email address": hand(
            TaskReason.NO_CONTACT, tasks.c.group_id.in_(select(Group.id).where(_no_email()))
        ),
    }
    # A bounce makes the listing due at once (until it is verified again), like a report.
    session.execute(
        update(table_of(Group))
        .where(
            Group.id.in_(
                select(tasks.c.group_id).where(
                    tasks.c.closed_on.is_(None), tasks.c.reason == TaskReason.BOUNCED.value
                )
            ),
            or_(
                Group.bounced_on.is_(None),
                and_(
                    Group.last_verified_at.is_not(None),
                    Group.bounced_on < Group.last_verified_at,
                ),
            ),
        )
        .values(bounced_on=today, updated_at=Group.updated_at)
    )
    answered_none = (
        select(sent.c.task_id)
        .group_by(sent.c.task_id)
        .having(
            func.max(sent.c.round) >= reminders.count,
            func.max(sent.c.queued_on) <= today - dt.timedelta(days=reminders.every_days),
        )
    )
    handed["no reply to reminders"] = hand(TaskReason.NO_REPLY, tasks.c.id.in_(answered_none))
    return handed


# -- 5. reminders -------------------------------------------------------------------------------


def _queue_reminders(session: Session, reminders: ReminderPolicy, today: dt.date) -> dict[int, int]:
    if reminders.count == 0:
        return {}
    tasks, sent = table_of(VerificationTask), table_of(FreshnessReminder)
    columns = ["task_id", "group_id", "round", "queued_on", "to_address", "undeliverable"]
    waiting = and_(
        tasks.c.closed_on.is_(None),
        tasks.c.stage == TaskStage.ORGANISER.value,
        ~_no_email(),
    )
    queued: dict[int, int] = {}
    # Later rounds first: a first reminder queued today must not count as an old one.
    last = (
        select(
            sent.c.task_id,
            func.max(sent.c.round).label("round"),
            func.max(sent.c.queued_on).label("queued_on"),
        )
        .group_by(sent.c.task_id)
        .subquery("last")
    )
    before = today - dt.timedelta(days=reminders.every_days)
    for round_ in range(reminders.count, 1, -1):
        chosen = (
            select(
                tasks.c.id,
                tasks.c.group_id,
                literal(round_),
                literal(today, Date),
                func.trim(Group.contact_email),
                false(),
            )
            .select_from(tasks.join(Group, Group.id == tasks.c.group_id))
            .join(last, last.c.task_id == tasks.c.id)
            .where(waiting, last.c.round == round_ - 1, last.c.queued_on <= before)
        )
        queued[round_] = _rows(session.execute(_insert_from(sent, columns, chosen)))
    first = (
        select(
            tasks.c.id,
            tasks.c.group_id,
            literal(1),
            literal(today, Date),
            func.trim(Group.contact_email),
            false(),
        )
        .select_from(tasks.join(Group, Group.id == tasks.c.group_id))
        .where(waiting, ~exists().where(sent.c.task_id == tasks.c.id))
    )
    queued[1] = _rows(session.execute(_insert_from(sent, columns, first)))
    return queued


# -- counts -------------------------------------------------------------------------------------


def _count_freshness(
    session: Session, policy: FreshnessPolicy, values: dict[str, Any], report: ScanReport
) -> None:
    periods = policy.shorter_periods

    def count_of(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(
        select(
            count_of(freshness_condition(Freshness.FRESH, periods)),
            count_of(freshness_condition(Freshness.DUE, periods)),
            count_of(freshness_condition(Freshness.STALE, periods)),
            count_of(policy.very_stale_condition()),
        ).where(Group.status.in_([s.value for s in LIVE])),
        values,
    ).one()
    report.fresh, report.due, report.stale, report.very_stale = (int(n) for n in row)


def _insert_from(table: Any, columns: list[str], rows: Any) -> Any:
    return insert(table).from_select(columns, rows).execution_options(**COUNT_INSERTED)


def _rows(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


__all__ = ["LIVE", "ReminderPolicy", "ScanReport", "run_scan"]
