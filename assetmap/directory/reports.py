"""Problem reports: anyone can say a listing is wrong; it is then due for a check at once, and
in the link workers' queue.

No login and no personal data: the sender is known only by a salted hash of their address,
kept to stop one sender flooding the queue.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from assetmap.directory.contract import MAX_ID
from assetmap.errors import NotFound, TooManyRequests, ValidationError
from assetmap.models import Group, ProblemKind, ProblemReport, TaskReason
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
