"""The freshness scan: one set-based pass over the whole directory, run daily.

Every step is one or two SQL statements over all listings (an UPDATE or an INSERT … SELECT),
so the scan costs a few table passes however many listings there are, and never loads them
into Python (a daily scan of a million listings on PostGIS: about 6.5 s, BENCHMARKS.md). Each
step only changes rows that are not yet as they should be, which makes the whole scan
idempotent: a second run on the same day finds nothing to do.

The steps, in order:

1. write each listing's expiry period from the policy and its categories (only for listings
   changed since the last scan, unless the policy changed: the scans' log says which);
2. close open tasks that are no longer needed (the listing was verified another way, or closed);
3. open a task for every live listing that is due or stale and has none open. Listings with an
   email address start with reminders to the organiser; the rest go straight to link workers;
4. hand tasks to link workers when a problem has been reported, a reminder bounced, the
   address went away, or the organiser answered none of the reminders;
5. queue the next reminder (one per reminder period, up to the policy's number) for tasks
   still waiting on the organiser;
6. count fresh, due and stale listings, and log the run (``freshness_scans``).

Writing each reminder's text and signed link is ``reminders.write_reminder_emails``: it needs
Python per message, so it runs after the scan, on the reminders the scan queued.
"""

from __future__ import annotations

import datetime as dt
import time
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
    text,
    true,
    update,
)
from sqlalchemy.orm import Session

from assetmap.db import Backend, session_backend
from assetmap.models import (
    FreshnessReminder,
    FreshnessScan,
    Group,
    GroupCategory,
    OutboxMessage,
    Status,
    TaskOutcome,
    TaskReason,
    TaskStage,
    VerificationTask,
    table_of,
    utcnow,
)
from assetmap.outbox.services import undelivered_for_good
from assetmap.verification.policy import LIVE, Freshness, FreshnessPolicy, freshness_condition

SCAN_NAME = "freshness scan"
#: SQLAlchemy keeps the row count of UPDATEs, but of an INSERT … SELECT only when asked: without
#: this, psycopg reports -1 once the cursor is closed (SQLite happened to keep it).
COUNT_INSERTED = {"preserve_rowcount": True}
#: Rows below which an anti-join against the table being filled is written as a set difference.
SMALL_TABLE = 10_000


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

    def counts(self) -> dict[str, Any]:
        """The report as JSON-ready numbers, for the scan log."""
        return {
            "fresh": self.fresh,
            "due": self.due,
            "stale": self.stale,
            "very_stale": self.very_stale,
            "expiry_updated": self.expiry_updated,
            "tasks_opened": self.tasks_opened,
            "tasks_closed": self.tasks_closed,
            "to_link_workers": dict(self.to_link_workers),
            "reminders_queued": {str(r): n for r, n in self.reminders_queued.items()},
        }

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
    started, clock = utcnow(), time.perf_counter()
    report = ScanReport(today=today)
    values = {**policy.parameters(today), "today": today}
    report.expiry_updated = _write_expiry(session, policy, _changed_since(session, policy))
    report.tasks_closed = _close_needless_tasks(session, policy, values)
    report.tasks_opened = _open_tasks(session, policy, reminders, values)
    _refresh_statistics(session, table_of(VerificationTask), report.tasks_opened)
    report.to_link_workers = _hand_to_link_workers(session, reminders, today)
    report.reminders_queued = _queue_reminders(session, reminders, today)
    _count_freshness(session, policy, values, report)
    session.add(
        FreshnessScan(
            started_at=started,
            seconds=round(time.perf_counter() - clock, 3),
            scan_day=today,
            policy=repr(policy),
            counts=report.counts(),
        )
    )
    session.flush()
    return report


def last_scan(session: Session) -> FreshnessScan | None:
    return session.scalar(select(FreshnessScan).order_by(FreshnessScan.id.desc()).limit(1))


def _changed_since(session: Session, policy: FreshnessPolicy) -> dt.datetime | None:
    """When the last scan under this same policy started: only listings changed since then
    can need a new expiry period. None: look at every listing."""
    last = last_scan(session)
    return last.started_at if last is not None and last.policy == repr(policy) else None


# -- 1. expiry ----------------------------------------------------------------------------------


def _write_expiry(session: Session, policy: FreshnessPolicy, since: dt.datetime | None) -> int:
    groups = table_of(Group)
    # Categories change only with their listing's row (updated_at moves): listings untouched
    # since the last scan under this policy already have the right period.
    changed = select(groups.c.id).where(groups.c.updated_at >= since) if since else None
    in_scope = groups.c.id.in_(changed) if changed is not None else true()
    # A derived value, not an edit: the listing's updated_at stays as it was.
    if not policy.category_expiry:
        return _rows(
            session.execute(
                update(groups)
                .where(groups.c.expiry_days.is_not(None), in_scope)
                .values(expiry_days=None, updated_at=groups.c.updated_at)
            )
        )
    # Set-wise joins of the listings with their shortest period, rather than a subquery per
    # listing: those in a shorter-expiry category get its period, the others lose theirs.
    category = table_of(GroupCategory)
    names = [name for name, _ in policy.category_expiry]
    shortest = (
        select(
            category.c.group_id,
            func.min(
                case(
                    *((category.c.category == name, days) for name, days in policy.category_expiry)
                )
            ).label("days"),
        )
        .where(
            category.c.category.in_(names),
            category.c.group_id.in_(changed) if changed is not None else true(),
        )
        .group_by(category.c.group_id)
        .subquery("shortest")
    )
    written = _rows(
        session.execute(
            update(groups)
            .where(
                groups.c.id == shortest.c.group_id,
                groups.c.expiry_days.is_distinct_from(shortest.c.days),
            )
            .values(expiry_days=shortest.c.days, updated_at=groups.c.updated_at)
        )
    )
    in_shorter_category = exists().where(
        category.c.group_id == groups.c.id, category.c.category.in_(names)
    )
    return written + _rows(
        session.execute(
            update(groups)
            .where(groups.c.expiry_days.is_not(None), ~in_shorter_category, in_scope)
            .values(expiry_days=None, updated_at=groups.c.updated_at)
        )
    )


# -- 2. tasks no longer needed ------------------------------------------------------------------


def _close_needless_tasks(session: Session, policy: FreshnessPolicy, values: dict[str, Any]) -> int:
    tasks, groups = table_of(VerificationTask), table_of(Group)
    fresh = freshness_condition(Freshness.FRESH, policy.shorter_periods)
    closed = Group.status == Status.CLOSED
    # One pass for both outcomes: verified another way comes first (a fresh listing's task is
    # that, even if the listing has also closed), then the listing closed.
    outcome = case((fresh, TaskOutcome.VERIFIED_ELSEWHERE.value), else_=TaskOutcome.CLOSED.value)
    return _rows(
        session.execute(
            update(tasks)
            .where(
                tasks.c.closed_on.is_(None),
                tasks.c.group_id == groups.c.id,
                or_(fresh, closed),
            )
            .values(closed_on=values["today"], outcome=outcome, closed_by=SCAN_NAME),
            values,
        )
    )


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
    live_and_due = (Group.status.in_([s.value for s in LIVE]), or_(due, stale))
    open_tasks = select(tasks.c.group_id).where(tasks.c.closed_on.is_(None))
    without_open_task = _anti_join(
        session,
        open_tasks,
        Group.id.in_(select(Group.id).where(*live_and_due).except_(open_tasks)),
        ~exists().where(tasks.c.group_id == Group.id, tasks.c.closed_on.is_(None)),
    )
    needing = select(
        Group.id,
        literal(values["today"], Date),
        reason,
        stage,
        literal(0),
        literal(""),
    ).where(*live_and_due, without_open_task)
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
    """Move waiting tasks to the link workers, one UPDATE per reason, counted by reason.

    Kept whole (a little over 60 lines): the four reasons are the order in which a task is
    labelled, so reading them one after another is the point."""
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
                undelivered_for_good(),
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
    """Queue the next reminder round for tasks still waiting on organisers: later rounds
    first, then first reminders, each as one INSERT … SELECT; counts by round.

    Kept whole: the rounds share the waiting condition and the anti-join that stops a second
    reminder within the period, which splitting would pass around in pieces."""
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
        .where(
            waiting,
            # Not yet reminded.
            _anti_join(
                session,
                select(sent.c.task_id),
                tasks.c.id.in_(
                    select(tasks.c.id)
                    .where(tasks.c.closed_on.is_(None))
                    .except_(select(sent.c.task_id))
                ),
                ~exists().where(sent.c.task_id == tasks.c.id),
            ),
        )
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


def _anti_join(session: Session, filled: Any, set_difference: Any, not_exists: Any) -> Any:
    """The condition "no row in ``filled``" for a statement that inserts into that table.

    While the table is small this is a set difference (EXCEPT), which reads the table once,
    before the first row goes in. NOT EXISTS on a table the planner believes all but empty
    (before the first scan, or with a handful of rows) becomes a nested loop that rescans it
    for every candidate, and the statement's own inserts make each rescan longer: quadratic,
    minutes for the first scan of a million listings. Once the table is big, NOT EXISTS is
    the better plan (a hash anti-join with a good estimate, so the rest of the statement joins
    only the few rows left), and the planner then never picks the rescan.
    """
    few = session.execute(
        select(func.count()).select_from(filled.limit(SMALL_TABLE).subquery())
    ).scalar_one()
    return set_difference if few < SMALL_TABLE else not_exists


def _refresh_statistics(session: Session, table: Any, inserted: int) -> None:
    """ANALYZE ``table`` on PostgreSQL when this scan has just grown it a lot (the first scan
    fills an empty table). The statements after it join it, and on statistics saying it is
    empty the planner picks plans that rescan it for every row: minutes instead of seconds.
    ANALYZE inside the transaction counts the rows it inserted."""
    if inserted < 1000 or session_backend(session) is not Backend.POSTGIS:
        return
    known = session.execute(
        text("SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = to_regclass(:name)"),
        {"name": table.name},
    ).scalar()
    if known is None or inserted > known / 5:
        session.execute(text(f"ANALYZE {table.name}"))


def _insert_from(table: Any, columns: list[str], rows: Any) -> Any:
    return insert(table).from_select(columns, rows).execution_options(**COUNT_INSERTED)


def _rows(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


__all__ = ["ReminderPolicy", "ScanReport", "run_scan"]
