"""The link workers' re-verification queue: which task first, claiming one, recording how it went.

Priority is a sum of points, computed in SQL so the queue orders however many tasks are open:

* how stale: a point for every 18 days since the last verification (10 at the default
  180-day expiry), at most 30; never verified counts 30;
* how much the listing is used: a point for each time it came up in a match in the last 30
  days and three for each time it went into a person's plan, at most 20;
* why the task is here: a reported problem or the organiser's own changes 25, a bounced
  reminder 10, no reply to reminders 5;
* complex needs: 8 if the group takes people with complex needs (wrong details cost most
  there).

Tasks already tried today sink to the bottom, so the next worker rings someone else first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    CursorResult,
    Date,
    Integer,
    Select,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from assetmap.db import Backend, session_backend, upsert_insert
from assetmap.directory.documents import refresh_documents
from assetmap.directory.edits import edit_listing
from assetmap.directory.reports import (
    OpenReports,
    disputed_contacts,
    open_reports,
    resolve_reports,
)
from assetmap.errors import Forbidden, NotFound, ValidationError
from assetmap.freshness.corrections import apply_corrections, changed_anything
from assetmap.geo.interfaces import Geocoder
from assetmap.models import (
    Group,
    GroupCategory,
    ListingActivity,
    Organisation,
    Status,
    TaskOutcome,
    TaskReason,
    TaskStage,
    User,
    Venue,
    Verification,
    VerificationMethod,
    VerificationTask,
    table_of,
    utcnow,
)
from assetmap.verification.records import record_verification

#: Tries that reach nobody before the listing is paused (hidden from matching).
UNREACHABLE_LIMIT = 3
#: How far back "recently used" looks.
ACTIVITY_DAYS = 30
#: A claim nobody acted on for this long lapses: someone else may take the task.
CLAIM_LAPSES = dt.timedelta(hours=12)
#: Methods a link worker checks by.
WORKER_METHODS = (VerificationMethod.PHONE, VerificationMethod.EMAIL, VerificationMethod.VISIT)

REASON_POINTS = {
    TaskReason.PROBLEM: 25,
    TaskReason.CHANGES: 25,
    TaskReason.BOUNCED: 10,
    TaskReason.NO_REPLY: 5,
}
STALE_DAYS_PER_POINT, STALE_MAX = 18, 30
USE_MAX, PLAN_WEIGHT = 20, 3
COMPLEX_POINTS = 8


@dataclass(frozen=True)
class QueueFilter:
    area: str = ""  # a postcode district, e.g. "NW5"
    category: str = ""
    include_organiser_stage: bool = False
    mine_only: bool = False


@dataclass(frozen=True)
class QueuedTask:
    id: int
    group_id: int
    name: str
    organisation: str | None
    postcode: str | None
    phone: str | None
    email: str | None
    reason: TaskReason
    stage: TaskStage
    opened_on: dt.date
    last_verified_at: dt.date | None
    attempts: int
    last_attempt_on: dt.date | None
    claimed_by_id: int | None
    claimed_by: str | None
    note: str
    matched: int
    planned: int
    complex_needs: bool
    priority: int
    #: The problem reports nobody has dealt with yet.
    reports: OpenReports = field(default_factory=OpenReports)
    #: The contact fields ("contact.phone") those reports say do not work.
    disputed: frozenset[str] = frozenset()


def _days_since(session: Session, column: Any, today: dt.date) -> Any:
    if session_backend(session) is Backend.POSTGIS:
        return cast(literal(today, Date) - column, Integer)
    return cast(func.julianday(literal(today.isoformat())) - func.julianday(column), Integer)


def _capped(expression: Any, cap: int) -> Any:
    return case((expression > cap, cap), else_=expression)


def district_of(area: str) -> str:
    """ "nw5", "NW5 1AA" -> "NW5": the part of a postcode the queue filters on."""
    words = area.strip().upper().split()
    # Letters and digits only: nothing the LIKE pattern could read as a wildcard.
    return re.sub(r"[^A-Z0-9]", "", words[0])[:4] if words else ""


def queue(
    session: Session,
    user: User,
    today: dt.date,
    wanted: QueueFilter,
    *,
    limit: int = 25,
    offset: int = 0,
) -> tuple[list[QueuedTask], int]:
    """Open tasks, most urgent first, and how many there are."""
    statement = _queue_select(session, user, today, wanted)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.execute(
        statement.order_by(
            case((VerificationTask.last_attempt_on == today, 1), else_=0),
            statement.selected_columns.priority.desc(),
            VerificationTask.opened_on,
            # Tasks the scan opened together have ids in whatever order its INSERT … SELECT
            # produced (on PostgreSQL, the join's): the listing's id makes ties stable.
            VerificationTask.group_id,
        )
        .limit(limit)
        .offset(offset)
    ).all()
    found = [QueuedTask(**row._mapping) for row in rows]
    reports = open_reports(session, [task.group_id for task in found])
    return [_with_reports(session, task, reports.get(task.group_id)) for task in found], total


def _with_reports(session: Session, task: QueuedTask, reports: OpenReports | None) -> QueuedTask:
    if reports is None:
        return task
    disputed = frozenset(disputed_contacts(session, task.group_id, reports))
    return replace(task, reports=reports, disputed=disputed)


def _queue_select(session: Session, user: User, today: dt.date, wanted: QueueFilter) -> Select[Any]:
    """The queue as one SELECT: open link-worker tasks with their listing, recent activity,
    open reports and priority, filtered as ``wanted``. Long because the priority is one
    expression over all of those columns, and it reads best in one place."""
    since = today - dt.timedelta(days=ACTIVITY_DAYS)
    activity = (
        select(
            ListingActivity.group_id,
            func.sum(ListingActivity.matched).label("matched"),
            func.sum(ListingActivity.planned).label("planned"),
        )
        .where(ListingActivity.day > since)
        .group_by(ListingActivity.group_id)
        .subquery("activity")
    )
    matched = func.coalesce(activity.c.matched, 0)
    planned = func.coalesce(activity.c.planned, 0)
    staleness = case(
        (Group.last_verified_at.is_(None), STALE_MAX),
        else_=_capped(
            _days_since(session, Group.last_verified_at, today) // STALE_DAYS_PER_POINT, STALE_MAX
        ),
    )
    use = _capped(matched + PLAN_WEIGHT * planned, USE_MAX)
    reason = case(
        *((VerificationTask.reason == r.value, p) for r, p in REASON_POINTS.items()), else_=0
    )
    complex_needs = or_(Group.complex_needs_places > 0, Group.complexity_supported >= 2)
    complex_points = case((complex_needs, COMPLEX_POINTS), else_=0)
    claimer = table_of(User).alias("claimer")
    statement: Any = (
        select(
            VerificationTask.id,
            Group.id.label("group_id"),
            Group.name,
            Organisation.name.label("organisation"),
            Venue.postcode,
            Group.contact_phone.label("phone"),
            Group.contact_email.label("email"),
            VerificationTask.reason,
            VerificationTask.stage,
            VerificationTask.opened_on,
            Group.last_verified_at,
            VerificationTask.attempts,
            VerificationTask.last_attempt_on,
            VerificationTask.claimed_by_id,
            func.coalesce(claimer.c.name, claimer.c.email).label("claimed_by"),
            VerificationTask.note,
            matched.label("matched"),
            planned.label("planned"),
            func.coalesce(complex_needs, False).label("complex_needs"),
            (staleness + use + reason + complex_points).label("priority"),
        )
        .join(Group, Group.id == VerificationTask.group_id)
        .outerjoin(Organisation, Organisation.id == Group.organisation_id)
        .outerjoin(Venue, Venue.id == Group.venue_id)
        .outerjoin(activity, activity.c.group_id == Group.id)
        .outerjoin(claimer, claimer.c.id == VerificationTask.claimed_by_id)
        .where(VerificationTask.closed_on.is_(None))
    )
    if not wanted.include_organiser_stage:
        statement = statement.where(VerificationTask.stage == TaskStage.LINK_WORKER)
    if wanted.mine_only:
        statement = statement.where(VerificationTask.claimed_by_id == user.id)
    if district := district_of(wanted.area):
        statement = statement.where(Venue.postcode.like(f"{district} %"))
    if wanted.category:
        statement = statement.where(
            select(GroupCategory.group_id)
            .where(GroupCategory.group_id == Group.id, GroupCategory.category == wanted.category)
            .exists()
        )
    return statement


# -- claiming ------------------------------------------------------------------------------------


def claim(session: Session, user: User, task_id: int, now: dt.datetime | None = None) -> None:
    """Take a task so nobody else rings the same group; Forbidden if someone else holds it."""
    now = now or utcnow()
    tasks = table_of(VerificationTask)
    taken = session.execute(
        update(tasks)
        .where(
            tasks.c.id == task_id,
            tasks.c.closed_on.is_(None),
            or_(
                tasks.c.claimed_by_id.is_(None),
                tasks.c.claimed_by_id == user.id,
                tasks.c.claimed_at < now - CLAIM_LAPSES,
            ),
        )
        .values(claimed_by_id=user.id, claimed_at=now)
    )
    if isinstance(taken, CursorResult) and taken.rowcount == 1:
        return
    task = session.get(VerificationTask, task_id)
    if task is None:
        raise NotFound(f"there is no task {task_id}")
    if task.closed_on is not None:
        raise ValidationError("This task is already done.", field="task")
    raise Forbidden("Someone else is working on this task.")


def release(session: Session, user: User, task_id: int) -> None:
    tasks = table_of(VerificationTask)
    session.execute(
        update(tasks)
        .where(tasks.c.id == task_id, tasks.c.claimed_by_id == user.id)
        .values(claimed_by_id=None, claimed_at=None)
    )


# -- outcomes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a link worker found, as entered."""

    result: str  # confirmed | updated | closed | unreachable
    method: VerificationMethod
    note: str = ""
    # The details as the worker left them, in the listing's shape: the whole listing as the
    # task page sends it, or only the parts changed ("contact.phone" paths are read as
    # {"contact": {"phone": …}}). For "updated" what differs is applied; "confirmed" with
    # differences is refused. ``version`` is the listing's when the worker opened the task.
    changes: Mapping[str, Any] | None = None
    version: int | None = None
    # The last open problem report the worker was shown: a closing outcome deals with it and
    # those before it (None: every open report).
    reports_seen: int | None = None


RESULTS = ("confirmed", "updated", "closed", "unreachable")
MAX_NOTE = 1000


def record_outcome(
    session: Session,
    user: User,
    task_id: int,
    outcome: Outcome,
    today: dt.date,
    *,
    geocoder: Geocoder | None = None,
) -> TaskOutcome | None:
    """Record how a task went; returns the task's outcome once it is closed (None while it
    stays open after an unreachable try). Raises ValidationError naming the field for bad
    input, Forbidden unless the user holds the task, StaleEdit if the listing changed.

    "updated" applies the worker's corrections as one edit (``corrections``) before the
    check is recorded, so a listing is marked checked today only with its corrections in;
    ``geocoder`` places a venue whose postcode changed. A closing outcome resolves the open
    problem reports the worker was shown."""
    task = session.get(VerificationTask, task_id)
    if task is None:
        raise NotFound(f"there is no task {task_id}")
    if task.closed_on is not None:
        raise ValidationError("This task is already done.", field="task")
    if task.claimed_by_id != user.id:
        raise Forbidden("Claim the task before recording what you found.")
    if outcome.result not in RESULTS:
        raise ValidationError("Choose what you found", field="result")
    if outcome.method not in WORKER_METHODS:
        raise ValidationError("Choose how you checked", field="method")
    note = outcome.note.strip()
    if len(note) > MAX_NOTE or "\x00" in note:
        raise ValidationError(f"Keep the note to {MAX_NOTE} characters", field="note")
    group = session.get(Group, task.group_id)
    assert group is not None  # the task's foreign key cascades
    who = (user.name or user.email)[:200]

    if outcome.result == "unreachable":
        return _unreachable(
            session, user, task, group, outcome.method, note, today, who, outcome.reports_seen
        )

    closing = {
        "confirmed": TaskOutcome.CONFIRMED,
        "updated": TaskOutcome.UPDATED,
        "closed": TaskOutcome.CLOSED,
    }[outcome.result]
    if outcome.result == "updated":
        _apply_corrections(session, user, task, group, outcome, geocoder)
    elif outcome.result == "confirmed" and outcome.changes:
        if changed_anything(session, group.id, _as_listing(outcome.changes)):
            raise ValidationError(
                "You changed some details: choose “Still running, some details have "
                "changed” to save them, or put them back",
                field="result",
            )
    elif outcome.result == "closed" and group.status is not Status.CLOSED:
        _set_status(session, user, group, Status.CLOSED)
    words = {
        "confirmed": "Checked: nothing changed",
        "updated": "Checked and corrected",
        "closed": "Checked: the group has stopped",
    }[outcome.result]
    record_verification(
        session,
        group,
        today,
        who=who,
        method=outcome.method,
        note=f"{words}. {note}" if note else words,
    )
    _close(task, closing, today, who, note)
    resolve_reports(session, group.id, utcnow(), up_to=outcome.reports_seen)
    session.flush()
    refresh_documents(session, [group.id])
    return closing


def _unreachable(
    session: Session,
    user: User,
    task: VerificationTask,
    group: Group,
    method: VerificationMethod,
    note: str,
    today: dt.date,
    who: str,
    reports_seen: int | None,
) -> TaskOutcome | None:
    task.attempts += 1
    task.last_attempt_on = today
    # Let go, so the next try can be anyone's (on another day, at another time).
    task.claimed_by_id, task.claimed_at = None, None
    words = f"Could not reach anyone (try {task.attempts} of {UNREACHABLE_LIMIT})"
    session.add(
        Verification(
            group_id=group.id,
            verified_on=today,
            verified_by=who,
            method=method,
            note=f"{words}. {note}".strip() if note else words,
            reached=False,
        )
    )
    if task.attempts < UNREACHABLE_LIMIT:
        task.note = note or task.note
        session.flush()
        return None
    if group.status is not Status.PAUSED:
        _set_status(session, user, group, Status.PAUSED)
    _close(task, TaskOutcome.PAUSED, today, who, note)
    resolve_reports(session, group.id, utcnow(), up_to=reports_seen)
    session.flush()
    refresh_documents(session, [group.id])
    return TaskOutcome.PAUSED


def _close(
    task: VerificationTask, outcome: TaskOutcome, today: dt.date, who: str, note: str
) -> None:
    task.closed_on = today
    task.outcome = outcome
    task.closed_by = who
    task.note = note or task.note
    task.claimed_by_id = None


def _set_status(session: Session, user: User, group: Group, status: Status) -> None:
    edit_listing(
        session,
        group.id,
        {"status": status.value},
        based_on=group.version,
        user_id=user.id,
    )
    session.refresh(group)


def _as_listing(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Changes keyed by dotted path ("contact.phone") or already nested, as a listing part."""
    listing: dict[str, Any] = {}
    for path, value in changes.items():
        *parents, name = path.split(".")
        level = listing
        for part in parents:
            level = level.setdefault(part, {})
        level[name] = value
    return listing


def _apply_corrections(
    session: Session,
    user: User,
    task: VerificationTask,
    group: Group,
    outcome: Outcome,
    geocoder: Geocoder | None,
) -> None:
    apply_corrections(
        session,
        group.id,
        _as_listing(outcome.changes or {}),
        based_on=outcome.version if outcome.version is not None else group.version,
        user_id=user.id,
        task_id=task.id,
        geocoder=geocoder,
    )
    session.refresh(group)


def task_counts(session: Session, month_start: dt.date) -> dict[str, Any]:
    """Open tasks by stage and tasks done since ``month_start`` by outcome."""
    open_rows = session.execute(
        select(VerificationTask.stage, func.count())
        .where(VerificationTask.closed_on.is_(None))
        .group_by(VerificationTask.stage)
    ).all()
    done_rows = session.execute(
        select(VerificationTask.outcome, func.count())
        .where(VerificationTask.closed_on >= month_start)
        .group_by(VerificationTask.outcome)
    ).all()
    return {
        "open": {TaskStage(stage): n for stage, n in open_rows},
        "done": {TaskOutcome(outcome): n for outcome, n in done_rows if outcome is not None},
    }


def record_activity(
    session: Session, group_ids: list[int], today: dt.date, *, planned: bool = False
) -> None:
    """Count that these listings came up for a link worker today (a match, or a plan)."""
    ids = sorted(set(group_ids))
    if not ids:
        return
    column = "planned" if planned else "matched"
    table = table_of(ListingActivity)
    statement = upsert_insert(session, table)
    # One statement per call, safe when two requests count the same listing at once.
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["group_id", "day"],
            set_={column: table.c[column] + 1},
        ),
        [
            {"group_id": i, "day": today, "matched": int(not planned), "planned": int(planned)}
            for i in ids
        ],
    )


__all__ = [
    "RESULTS",
    "UNREACHABLE_LIMIT",
    "Outcome",
    "QueueFilter",
    "QueuedTask",
    "claim",
    "queue",
    "record_activity",
    "record_outcome",
    "release",
    "task_counts",
]
