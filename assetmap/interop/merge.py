"""Merging two listings of one group, or keeping them apart: only ever an admin's decision.

:func:`merge` keeps one listing as it is and retires the other, in the caller's transaction,
so that nothing of the merged listing's past is lost:

- what hangs off it moves to the kept listing: its history (revisions), checks
  (verifications), problem reports, staff notes and their history, referrals (so a link
  worker still sees theirs, now under the kept listing), re-verification tasks and reminders,
  decided moderation changes, activity counts (added day by day), places in cases'
  shortlists, its other duplicate pairs (so a "kept apart" stays decided), and the merges
  into it;
- its provenance moves too: its records in their sources become the kept listing's (a
  listing may have several), so a re-import of either source updates the kept listing and
  never brings the merged one back;
- what cannot move — its own fields, sessions, categories and interests — stays readable in
  ``group_merges.merged_listing``: its last listing document;
- then its row is deleted, so no search, match, export, feed or scan can show it; its id
  answers through :func:`merged_into` (the listing page and the API redirect to the kept
  listing). Deleting the row also deletes its duplicate pair (the pair's foreign keys
  cascade), so the merge record — who, when, what — is the pair's decision.

A change waiting for approval on the merged listing refuses the merge: an admin decides it
first rather than lose it. :func:`keep_apart` marks a pair decided; it is never queued again.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, delete, select, update
from sqlalchemy.orm import Session

from assetmap.directory.contract import MAX_ID
from assetmap.errors import Conflict, Forbidden, NotFound, ValidationError
from assetmap.models import (
    Case,
    ChangeStatus,
    DuplicatePair,
    DuplicateStatus,
    FreshnessReminder,
    Group,
    GroupMerge,
    ListingActivity,
    ListingSource,
    PendingChange,
    ProblemReport,
    Referral,
    Revision,
    Role,
    StaffNote,
    StaffNoteRevision,
    User,
    Verification,
    VerificationTask,
)

#: Tables whose rows are the merged listing's history: re-pointed to the kept listing whole.
_HISTORY = (
    Revision,
    Verification,
    ProblemReport,
    StaffNote,
    StaffNoteRevision,
    FreshnessReminder,
    Referral,
)


@dataclass(frozen=True)
class MergeResult:
    kept_id: int
    merged_id: int
    merged_name: str
    #: Rows moved to the kept listing, by table.
    moved: dict[str, int]


def _admin(user: User) -> None:
    if user.role is not Role.ADMIN:
        raise Forbidden("only an admin may merge listings or keep them apart")


def merged_into(session: Session, group_id: int) -> int | None:
    """The listing ``group_id`` was merged into, if it was (chains are kept one step)."""
    if not 1 <= group_id <= MAX_ID:
        return None
    return session.scalar(select(GroupMerge.kept_id).where(GroupMerge.merged_id == group_id))


def _pair_of(session: Session, a: int, b: int) -> DuplicatePair | None:
    first, second = min(a, b), max(a, b)
    return session.scalar(
        select(DuplicatePair)
        .where(DuplicatePair.first_id == first, DuplicatePair.second_id == second)
        .with_for_update()
    )


def _groups(session: Session, keep_id: int, merge_id: int) -> tuple[Group, Group]:
    if keep_id == merge_id:
        raise ValidationError("a listing cannot be merged into itself", field="keep")
    if (target := merged_into(session, merge_id)) is not None:
        raise Conflict(f"listing {merge_id} was already merged into listing {target}")
    if (target := merged_into(session, keep_id)) is not None:
        raise Conflict(f"listing {keep_id} was merged into listing {target}: keep that one")
    found = {
        g.id: g
        for g in session.scalars(
            select(Group).where(Group.id.in_((keep_id, merge_id))).with_for_update()
        )
    }
    for group_id in (keep_id, merge_id):
        if group_id not in found:
            raise NotFound(f"no listing has id {group_id}")
    return found[keep_id], found[merge_id]


def _move(session: Session, model: Any, keep_id: int, merge_id: int) -> int:
    moved = session.execute(
        update(model)
        .where(model.group_id == merge_id)
        .values(group_id=keep_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(moved, "rowcount", 0) or 0)


def _move_tasks(session: Session, keep_id: int, merge_id: int, today: dt.date) -> int:
    """Closed tasks move as history; the merged listing's open task moves only if the kept
    listing has none (one open task per listing), else it is closed as merged."""
    kept_open = session.scalar(
        select(VerificationTask.id).where(
            VerificationTask.group_id == keep_id, VerificationTask.closed_on.is_(None)
        )
    )
    if kept_open is not None:
        session.execute(
            update(VerificationTask)
            .where(VerificationTask.group_id == merge_id, VerificationTask.closed_on.is_(None))
            .values(closed_on=today, closed_by="admin", note=f"merged into listing {keep_id}")
            .execution_options(synchronize_session=False)
        )
    return _move(session, VerificationTask, keep_id, merge_id)


def _move_activity(session: Session, keep_id: int, merge_id: int) -> int:
    rows = session.scalars(select(ListingActivity).where(ListingActivity.group_id == merge_id))
    moved = list(rows)
    kept = {
        a.day: a
        for a in session.scalars(
            select(ListingActivity).where(
                ListingActivity.group_id == keep_id,
                ListingActivity.day.in_([m.day for m in moved]),
            )
        )
    }
    for row in moved:
        if row.day in kept:
            kept[row.day].matched += row.matched
            kept[row.day].planned += row.planned
            session.delete(row)
        else:
            row.group_id = keep_id
    return len(moved)


def _move_shortlists(session: Session, keep_id: int, merge_id: int) -> int:
    """Cases whose plan named the merged listing name the kept one (once)."""
    changed = 0
    for case in session.scalars(
        select(Case).where(
            Case.shortlist.is_not(None), cast(Case.shortlist, Text).like(f"%{merge_id}%")
        )
    ):
        shortlist = list(case.shortlist or [])
        if merge_id not in shortlist:
            continue
        out: list[int] = []
        for group_id in shortlist:
            replaced = keep_id if group_id == merge_id else group_id
            if replaced not in out:
                out.append(replaced)
        case.shortlist = out
        changed += 1
    return changed


def _move_pairs(session: Session, keep_id: int, merge_id: int, pair_id: int | None) -> int:
    """The merged listing's other pairs become the kept listing's, unless it has that pair."""
    moved = 0
    others = session.scalars(
        select(DuplicatePair).where(
            (DuplicatePair.first_id == merge_id) | (DuplicatePair.second_id == merge_id)
        )
    ).all()
    for pair in others:
        if pair.id == pair_id:
            continue
        other = pair.second_id if pair.first_id == merge_id else pair.first_id
        if other == keep_id or _pair_of(session, keep_id, other) is not None:
            session.delete(pair)
            continue
        pair.first_id, pair.second_id = min(keep_id, other), max(keep_id, other)
        moved += 1
    session.flush()
    return moved


def _move_provenance(session: Session, keep_id: int, merge_id: int) -> None:
    """The merged listing's records in its sources become the kept listing's, so the next
    import of either source updates the kept listing instead of making the merged one again."""
    session.execute(
        update(ListingSource)
        .where(ListingSource.group_id == merge_id)
        .values(group_id=keep_id)
        .execution_options(synchronize_session=False)
    )


def merge(
    session: Session, keep_id: int, merge_id: int, admin: User, now: dt.datetime
) -> MergeResult:
    """Merge listing ``merge_id`` into ``keep_id`` (see the module), in one transaction:
    the caller commits, or rolls everything back on an error."""
    _admin(admin)
    keep, merged = _groups(session, keep_id, merge_id)
    pair = _pair_of(session, keep_id, merge_id)
    if pair is not None and pair.status is not DuplicateStatus.OPEN:
        raise Conflict(f"listings {pair.first_id} and {pair.second_id} were kept apart")
    waiting = session.scalar(
        select(PendingChange.id).where(
            PendingChange.group_id == merge_id, PendingChange.status == ChangeStatus.PENDING
        )
    )
    if waiting is not None:
        raise Conflict(
            f"listing {merge_id} has a change waiting for approval: approve or reject it first"
        )
    document: dict[str, Any] = {}
    if merged.document:
        document = dict(json.loads(merged.document).get("properties") or {})
    moved: dict[str, int] = {}
    for model in _HISTORY:
        moved[model.__tablename__] = _move(session, model, keep_id, merge_id)
    moved["pending_changes"] = _move(session, PendingChange, keep_id, merge_id)
    moved["verification_tasks"] = _move_tasks(session, keep_id, merge_id, now.date())
    moved["listing_activity"] = _move_activity(session, keep_id, merge_id)
    moved["cases"] = _move_shortlists(session, keep_id, merge_id)
    moved["duplicate_pairs"] = _move_pairs(
        session, keep_id, merge_id, pair.id if pair is not None else None
    )
    _move_provenance(session, keep_id, merge_id)
    session.execute(
        update(GroupMerge)
        .where(GroupMerge.kept_id == merge_id)
        .values(kept_id=keep_id)
        .execution_options(synchronize_session=False)
    )
    session.add(
        GroupMerge(
            merged_id=merge_id,
            kept_id=keep_id,
            merged_name=merged.name,
            merged_listing=document,
            merged_at=now,
            merged_by_id=admin.id,
        )
    )
    if pair is not None:
        # Decided before the row goes (its foreign keys cascade with the merged listing).
        pair.status, pair.decided_at, pair.decided_by_id = DuplicateStatus.MERGED, now, admin.id
    session.flush()
    session.expire_all()
    session.execute(delete(Group).where(Group.id == merge_id))
    session.flush()
    return MergeResult(keep.id, merge_id, document.get("name") or str(merge_id), moved)


def keep_apart(session: Session, pair_id: int, admin: User, now: dt.datetime) -> DuplicatePair:
    """Two listings are two groups: the pair is decided and never queued again."""
    _admin(admin)
    pair = session.scalar(
        select(DuplicatePair).where(DuplicatePair.id == pair_id).with_for_update()
    )
    if pair is None:
        raise NotFound(f"no duplicate pair has id {pair_id}")
    if pair.status is not DuplicateStatus.OPEN:
        raise Conflict(f"this pair was already decided ({pair.status.value.replace('_', ' ')})")
    pair.status, pair.decided_at, pair.decided_by_id = DuplicateStatus.KEPT_APART, now, admin.id
    session.flush()
    return pair


__all__ = ["MergeResult", "keep_apart", "merge", "merged_into"]
