"""Problem reports: anyone can say a listing is wrong; it is then due for a check at once, and
in the link workers' queue.

No login and no personal data: the sender is known only by a salted hash of their address,
kept to stop one sender flooding the queue.

A report stays open until a link worker's check of the listing deals with it: the task page
and the queue show every open report (``open_reports``), a report that a contact does not work
flags that contact (``disputed_contacts``) until it is changed, and recording the task's
outcome resolves the reports the worker was shown (``resolve_reports``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from assetmap.directory.contract import MAX_ID
from assetmap.errors import NotFound, TooManyRequests, ValidationError
from assetmap.models import Group, ProblemKind, ProblemReport, Revision, TaskReason
from assetmap.verification.records import task_for_link_workers

# Enough for a link worker fixing several listings in a sitting, too few to flood the queue.
REPORTS_PER_SENDER_PER_HOUR = 10
MAX_DETAILS = 1000


def sender_hash(address: str, secret: str) -> str:
    """A stable stand-in for a sender that does not reveal their address."""
    return hashlib.sha256(f"{secret}:{address}".encode()).hexdigest()


def report_problem(
    session: Session,
    group_id: int,
    kind: str,
    details: str,
    sender: str,
    now: dt.datetime,
) -> ProblemReport:
    """Record a report and make the listing due for re-verification from today."""
    try:
        problem = ProblemKind(kind)
    except ValueError:
        raise ValidationError("Choose what is wrong with this listing", field="kind") from None
    details = details.strip()
    if len(details) > MAX_DETAILS:
        raise ValidationError(f"Tell us in {MAX_DETAILS} characters or fewer", field="details")
    if "\x00" in details:
        raise ValidationError("Remove the NUL characters from your message", field="details")
    if problem is ProblemKind.OTHER and not details:
        raise ValidationError("Tell us what is wrong", field="details")
    if not 1 <= group_id <= MAX_ID or session.get(Group, group_id) is None:
        raise NotFound(f"there is no group {group_id}", field="id")

    recent = session.execute(
        select(func.count())
        .select_from(ProblemReport)
        .where(
            ProblemReport.sender_hash == sender,
            ProblemReport.reported_at > now - dt.timedelta(hours=1),
        )
    ).scalar_one()
    if recent >= REPORTS_PER_SENDER_PER_HOUR:
        raise TooManyRequests(
            "You have sent a lot of reports in the last hour. Please try again later."
        )

    report = ProblemReport(
        group_id=group_id, kind=problem, details=details, sender_hash=sender, reported_at=now
    )
    session.add(report)
    session.execute(update(Group).where(Group.id == group_id).values(reported_on=now.date()))
    session.flush()
    task_for_link_workers(session, group_id, TaskReason.PROBLEM, now.date())
    return report


# ---- open reports, as the link worker sees them ------------------------------------------------

#: The contact fields a report of each kind says do not work.
DISPUTES = {ProblemKind.PHONE: ("contact.phone", "contact.email")}


@dataclass(frozen=True)
class OpenReport:
    id: int
    kind: ProblemKind
    details: str
    reported_at: dt.datetime


@dataclass(frozen=True)
class OpenReports:
    """A listing's open reports, oldest first, and how many there are of each kind."""

    reports: list[OpenReport] = field(default_factory=list)

    @property
    def counts(self) -> dict[ProblemKind, int]:
        counted: dict[ProblemKind, int] = {}
        for report in self.reports:
            counted[report.kind] = counted.get(report.kind, 0) + 1
        return counted

    @property
    def latest_id(self) -> int | None:
        return max((report.id for report in self.reports), default=None)

    def __len__(self) -> int:
        return len(self.reports)


def open_reports(session: Session, group_ids: Iterable[int]) -> dict[int, OpenReports]:
    """The open (unresolved) reports of each listing; listings with none are left out."""
    ids = sorted(set(group_ids))
    found: dict[int, list[OpenReport]] = {}
    if not ids:
        return {}
    for row in session.execute(
        select(
            ProblemReport.id,
            ProblemReport.group_id,
            ProblemReport.kind,
            ProblemReport.details,
            ProblemReport.reported_at,
        )
        .where(ProblemReport.group_id.in_(ids), ProblemReport.resolved_at.is_(None))
        .order_by(ProblemReport.reported_at, ProblemReport.id)
    ):
        found.setdefault(row.group_id, []).append(
            OpenReport(row.id, row.kind, row.details, row.reported_at)
        )
    return {group_id: OpenReports(reports) for group_id, reports in found.items()}


@dataclass(frozen=True)
class Disputed:
    """A contact someone said does not work: when they said so last, and how many did."""

    reported_at: dt.datetime
    reports: int


def disputed_contacts(session: Session, group_id: int, reports: OpenReports) -> dict[str, Disputed]:
    """The contact fields ("contact.phone") open reports say do not work, unless the field
    was changed after the report (then the report was about the old number)."""
    changed: dict[str, dt.datetime] = {
        path: moment
        for path, moment in session.execute(
            select(Revision.field, func.max(Revision.changed_at))
            .where(
                Revision.group_id == group_id,
                Revision.field.in_([path for paths in DISPUTES.values() for path in paths]),
            )
            .group_by(Revision.field)
        )
    }
    disputed: dict[str, Disputed] = {}
    for report in reports.reports:
        for path in DISPUTES.get(report.kind, ()):
            since = changed.get(path)
            if since is not None and _utc(since) >= _utc(report.reported_at):
                continue
            before = disputed.get(path)
            disputed[path] = Disputed(
                max(before.reported_at, report.reported_at) if before else report.reported_at,
                (before.reports if before else 0) + 1,
            )
    return disputed


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def resolve_reports(
    session: Session, group_id: int, now: dt.datetime, *, up_to: int | None = None
) -> int:
    """Mark the listing's open reports dealt with: those with ids up to ``up_to`` (the last
    the worker was shown), or all of them. Returns how many."""
    condition = [ProblemReport.group_id == group_id, ProblemReport.resolved_at.is_(None)]
    if up_to is not None:
        condition.append(ProblemReport.id <= up_to)
    ids = list(session.scalars(select(ProblemReport.id).where(*condition)))
    if ids:
        session.execute(
            update(ProblemReport).where(ProblemReport.id.in_(ids)).values(resolved_at=now)
        )
    return len(ids)
