"""What an admin reviews: the changes waiting, one change field by field, and its parts.

A change may hold two parts: ``patch``, what waits for approval, and ``applied``, the urgent
fields (places, status) that went live when it was sent, for the admin to review after. The
admin may approve or reject the waiting part field by field (``part_of``, ``split_patch``).
Queries and pure functions only: deciding is ``moderation``'s.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from assetmap.directory.edits import READ_ONLY, changed_since, current_listing, flatten, merge_patch
from assetmap.errors import NotFound
from assetmap.models import (
    ChangeKind,
    ChangeStatus,
    Group,
    Organisation,
    PendingChange,
    Status,
    User,
)

#: The urgent fields (places, status, a cancelled session): live at once for every organiser,
#: reviewed after.
URGENT_FIELDS = frozenset({"capacity", "status", "cancelled_dates"})


def live_words(live: Mapping[str, Any]) -> str:
    """What of a change went live at once, for the admins' email's subject."""
    if set(live) == {"cancelled_dates"}:
        return "a session cancelled"
    if "cancelled_dates" in live:
        return "places, status or cancelled sessions changed"
    return "places or status changed"


def loads_patch(text: str) -> dict[str, Any]:
    """A stored merge patch; {} for anything that is not a JSON object."""
    patch = json.loads(text or "{}")
    return patch if isinstance(patch, dict) else {}


def split_patch(
    patch: Mapping[str, Any], paths: Collection[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The patch in two: the parts at ``paths`` (dotted, as ``flatten`` gives them, or any
    prefix of one: "capacity" takes all of capacity) and the rest."""
    chosen: dict[str, Any] = {}
    rest: dict[str, Any] = {}
    for key, value in patch.items():
        wanted = {p[len(key) + 1 :] for p in paths if p.startswith(f"{key}.")}
        if key in paths:
            chosen[key] = value
        elif wanted and isinstance(value, Mapping):
            inner, outer = split_patch(value, wanted)
            if inner:
                chosen[key] = inner
            if outer:
                rest[key] = outer
        else:
            rest[key] = value
    return chosen, rest


def closing_waits(
    live: dict[str, Any], rest: dict[str, Any], live_keys: Collection[str] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Closing a group for good hides it from everyone: for an untrusted organisation it
    waits for an admin like the rest (pausing, a waiting list or "full" still go live)."""
    if live_keys == URGENT_FIELDS and live.get("status") == Status.CLOSED.value:
        live = dict(live)
        rest = {**rest, "status": live.pop("status")}
    return live, rest


def patch_parts(patch: Mapping[str, Any]) -> list[str]:
    """The fields a patch sets, as dotted paths: the units an admin approves one by one."""
    return sorted(flatten(patch))


def part_of(path: str, parts: Collection[str]) -> str | None:
    """The part of a patch (one of ``parts``) that changes the listing field ``path``."""
    for part in sorted(parts, key=len, reverse=True):
        if path == part or path.startswith(f"{part}.") or part.startswith(f"{path}."):
            return part
    return None


@dataclass(frozen=True)
class ChangeRow:
    """One proposed change with the names around it, as the moderation pages list it.

    Names are None where what they name has gone: a removed group or account."""

    id: int
    kind: ChangeKind
    status: ChangeStatus
    group_id: int | None
    #: The group's name; for a new group not yet approved, the name it proposes.
    group_name: str | None
    organisation: str | None
    proposer: str | None
    proposed_at: dt.datetime
    note: str
    decider: str | None
    decided_at: dt.datetime | None
    reason: str
    based_on: int | None
    #: What waits for approval.
    patch: dict[str, Any]
    #: What went live when it was sent (places, status), to review after.
    applied: dict[str, Any]


@dataclass(frozen=True)
class ModerationQueue:
    waiting: list[ChangeRow]
    #: How many changes wait in all (``waiting`` is one page of them).
    total: int
    recently_decided: list[ChangeRow]


def moderation_queue(
    session: Session, *, offset: int, limit: int, recently_decided: int
) -> ModerationQueue:
    """The changes waiting, oldest first (a page of them), and the latest decided."""
    waiting = PendingChange.status == ChangeStatus.PENDING
    return ModerationQueue(
        waiting=change_rows(
            session,
            waiting,
            order=(PendingChange.proposed_at, PendingChange.id),
            limit=limit,
            offset=offset,
        ),
        total=session.scalar(select(func.count()).select_from(PendingChange).where(waiting)) or 0,
        recently_decided=change_rows(
            session,
            PendingChange.status != ChangeStatus.PENDING,
            order=(PendingChange.decided_at.desc(), PendingChange.id.desc()),
            limit=recently_decided,
        ),
    )


def change_row(session: Session, change_id: int) -> ChangeRow:
    """One change as ``change_rows`` gives it; NotFound if there is none."""
    rows = change_rows(session, PendingChange.id == change_id, order=(PendingChange.id,))
    if not rows:
        raise NotFound(f"no change has id {change_id}")
    return rows[0]


def change_rows(
    session: Session,
    *where: ColumnElement[bool],
    order: Sequence[Any],
    limit: int | None = None,
    offset: int = 0,
) -> list[ChangeRow]:
    """Proposed changes with their group, organisation, proposer and decider, in one query
    (outer joins: any of those may have been removed since)."""
    proposer, decider = aliased(User), aliased(User)
    query = (
        select(
            PendingChange,
            Group.name,
            Organisation.name,
            func.coalesce(func.nullif(proposer.name, ""), proposer.email),
            func.coalesce(func.nullif(decider.name, ""), decider.email),
        )
        .outerjoin(Group, Group.id == PendingChange.group_id)
        .outerjoin(Organisation, Organisation.id == PendingChange.organisation_id)
        .outerjoin(proposer, proposer.id == PendingChange.proposed_by)
        .outerjoin(decider, decider.id == PendingChange.decided_by)
        .where(*where)
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    rows = []
    for change, group_name, organisation, proposed_by, decided_by in session.execute(query):
        patch = loads_patch(change.patch)
        if change.kind is ChangeKind.NEW:
            group_name = group_name or patch.get("name") or None
        rows.append(
            ChangeRow(
                id=change.id,
                kind=change.kind,
                status=change.status,
                group_id=change.group_id,
                group_name=group_name,
                organisation=organisation or patch.get("organisation") or None,
                proposer=proposed_by,
                proposed_at=change.proposed_at,
                note=change.note,
                decider=decided_by,
                decided_at=change.decided_at,
                reason=change.reason,
                based_on=change.based_on,
                patch=patch,
                applied=loads_patch(change.applied),
            )
        )
    return rows


@dataclass(frozen=True)
class ChangeReview:
    """What an admin reviews a change by: for one still waiting, its fields against the
    listing now, and (when the listing moved on since it was proposed) the fields changed
    in between; for one decided, what it proposed as sent."""

    row: ChangeRow
    fields: list[FieldChange]
    changed_since: list[str] | None
    #: The fields that went live when it was sent, with the value they were given.
    applied: list[FieldChange]


def review_change(session: Session, change_id: int) -> ChangeReview:
    """NotFound if there is no such change."""
    row = change_row(session, change_id)
    if row.status is not ChangeStatus.PENDING:
        # Decided: what was proposed, as sent (the listing has moved on since).
        sent = [
            FieldChange(path, None, value, path)
            for path, value in sorted(flatten(row.patch).items())
        ]
        return ChangeReview(
            row, [f for f in sent if not _derived(f.field)], None, _applied_fields(row)
        )
    change = session.get(PendingChange, change_id)
    assert change is not None
    fields = [f for f in pending_diff(session, change) if not _derived(f.field)]
    moved_on = None
    if row.group_id is not None and row.based_on is not None:
        current = session.scalar(select(Group.version).where(Group.id == row.group_id))
        if current is not None and current != row.based_on:
            moved_on = changed_since(session, row.group_id, row.based_on)
    return ChangeReview(row, fields, moved_on, _applied_fields(row))


def _applied_fields(row: ChangeRow) -> list[FieldChange]:
    return [
        FieldChange(path, None, value, path)
        for path, value in sorted(flatten(row.applied).items())
        if not _derived(path)
    ]


def _derived(path: str) -> bool:
    """Derived values (spare places, freshness) follow from the others: not changes."""
    return path.split(".")[-1] in READ_ONLY


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any
    #: The part of the change this field belongs to (what an admin ticks to approve it).
    part: str | None = None


def pending_diff(session: Session, change: PendingChange) -> list[FieldChange]:
    """The change field by field, against the listing as it is now."""
    patch = loads_patch(change.patch)
    before = current_listing(session, change.group_id) if change.group_id else {}
    after = merge_patch(before, patch) if change.group_id else patch
    old, new = flatten(before), flatten(after)
    parts = patch_parts(patch)
    return [
        FieldChange(path, old.get(path), new.get(path), part_of(path, parts))
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path) and path not in READ_ONLY
    ]


__all__ = [
    "URGENT_FIELDS",
    "ChangeReview",
    "ChangeRow",
    "FieldChange",
    "ModerationQueue",
    "change_row",
    "change_rows",
    "live_words",
    "loads_patch",
    "moderation_queue",
    "part_of",
    "patch_parts",
    "pending_diff",
    "review_change",
    "split_patch",
]
