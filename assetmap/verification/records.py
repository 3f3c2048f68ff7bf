"""The verification records both the directory and the freshness workflow write.

A check changes no field, so the listing's version does not move (an edit someone has open
stays valid); only the verification history, ``last_verified_at``, the listing's open
re-verification task and the public document do. Moderation, problem reports, the organiser's
pages and the link workers' queue all record checks and move tasks through these functions.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CursorResult, select, text, update
from sqlalchemy.orm import Session

from assetmap.db import upsert_insert
from assetmap.models import (
    Group,
    TaskOutcome,
    TaskReason,
    TaskStage,
    Verification,
    VerificationMethod,
    VerificationTask,
    table_of,
)
from assetmap.verification.policy import LIVE, settle_flags


def record_verification(
    session: Session,
    group: Group,
    today: dt.date,
    *,
    who: str,
    method: VerificationMethod,
    note: str,
) -> Verification:
    """The one way a successful check is written: a history row, the listing's last verified
    day and who checked, and the reports and bounces it dealt with settled. The caller
    refreshes the listing's document."""
    verification = Verification(
        group_id=group.id, verified_on=today, verified_by=who, method=method, note=note
    )
    session.add(verification)
    group.last_verified_at = today
    group.verified_by = who
    settle_flags(group, today)
    session.flush()
    return verification


def task_for_link_workers(
    session: Session,
    group_id: int,
    reason: TaskReason,
    today: dt.date,
    note: str = "",
    *,
    live_only: bool = True,
) -> None:
    """Put the listing in the link workers' queue now, not at the next nightly scan: its open
    task moves there (with ``note``, if given), or one is opened. With ``live_only``, not for
    listings that are not checked at all (closed or paused)."""
    if live_only and session.scalar(select(Group.status).where(Group.id == group_id)) not in LIVE:
        return
    tasks = table_of(VerificationTask)
    moved = session.execute(
        update(tasks)
        .where(tasks.c.group_id == group_id, tasks.c.closed_on.is_(None))
        .values(
            stage=TaskStage.LINK_WORKER.value,
            reason=reason.value,
            **({"note": note} if note else {}),
        )
    )
    if isinstance(moved, CursorResult) and moved.rowcount:
        return
    # Never a second open task, even if another request opens one at this moment.
    session.execute(
        upsert_insert(session, tasks)
        .values(
            group_id=group_id,
            opened_on=today,
            reason=reason.value,
            stage=TaskStage.LINK_WORKER.value,
            attempts=0,
            note=note,
        )
        .on_conflict_do_nothing(index_elements=["group_id"], index_where=text("closed_on IS NULL"))
    )


def close_open_task(
    session: Session, group_id: int, outcome: TaskOutcome, today: dt.date, who: str, note: str = ""
) -> None:
    """Close the listing's open re-verification task, if it has one: it has been dealt with."""
    tasks = table_of(VerificationTask)
    session.execute(
        update(tasks)
        .where(tasks.c.group_id == group_id, tasks.c.closed_on.is_(None))
        .values(closed_on=today, outcome=outcome.value, closed_by=who[:200], note=note)
    )


__all__ = ["close_open_task", "record_verification", "task_for_link_workers"]
