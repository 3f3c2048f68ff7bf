"""What an organiser's dashboard lists: their groups (an admin's: every group), most in need
of a check first, with the changes of theirs still waiting for an admin.

Queries only; the words are the web layer's. Freshness is judged by the function passed in
(the policy's classifier for today), so this package need not know the freshness policy.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assetmap.accounts.users import Permissions
from assetmap.directory.contract import spare_places
from assetmap.directory.documents import build_documents
from assetmap.models import (
    ChangeKind,
    ChangeStatus,
    Group,
    Organisation,
    PendingChange,
    Role,
    Status,
    User,
)
from assetmap.verification.policy import FACT_COLUMNS, Freshness, FreshnessFacts


@dataclass(frozen=True)
class WaitingChange:
    """A change to a group that waits for an admin: when it was sent and what it touches."""

    kind: ChangeKind
    proposed_at: dt.datetime
    #: The listing's top-level fields it changes ("capacity", "schedule"…).
    fields: list[str]


@dataclass(frozen=True)
class GroupSummary:
    id: int
    name: str
    organisation: str | None
    status: Status
    freshness: Freshness
    last_verified_at: dt.date | None
    spare_places: int | None
    waiting_list: int | None
    waiting: list[WaitingChange] = field(default_factory=list)
    #: The listing as the public sees it: what "still running" confirms.
    listing: dict[str, Any] = field(default_factory=dict)
    #: The last day referrals are paused (referrals/pause.py), or None.
    referrals_paused_until: dt.date | None = None
    #: Places people referred through assetmap take (accepted) and hold (not answered yet),
    #: on top of the organiser's own count; ``spare_places`` counts them once filled in by
    #: ``referrals.listings.organiser_groups``.
    places_referred: int = 0
    places_held: int = 0


@dataclass(frozen=True)
class ProposedGroup:
    """A new group this person's organisations proposed, not yet approved."""

    name: str | None
    proposed_at: dt.datetime


@dataclass(frozen=True)
class MyGroups:
    groups: list[GroupSummary]
    #: How many groups in all (``groups`` is one page).
    total: int
    proposed: list[ProposedGroup]
    #: The organisations an organiser manages, by name (empty for an admin: all of them).
    organisations: list[str]


def my_groups(
    session: Session,
    user: User,
    *,
    classify: Callable[[FreshnessFacts], Freshness],
    limit: int,
    offset: int = 0,
) -> MyGroups:
    """One page of the groups ``user`` may change: never checked first, then the longest ago."""
    permissions = Permissions.of(session, user)
    is_admin = user.role is Role.ADMIN
    ids = sorted(permissions.organisation_ids)
    query = select(
        Group.id,
        Group.name,
        Group.status,
        *FACT_COLUMNS,
        Group.total_places,
        Group.places_taken,
        Group.waiting_list,
        Group.referrals_paused_until,
        Organisation.name.label("organisation"),
    ).outerjoin(Organisation, Group.organisation_id == Organisation.id)
    if not is_admin:
        query = query.where(Group.organisation_id.in_(ids))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = session.execute(
        query.order_by(Group.last_verified_at.asc().nulls_first(), Group.name, Group.id)
        .limit(limit)
        .offset(offset)
    ).all()
    waiting = waiting_changes(session, [row.id for row in found])
    documents = build_documents(session, [row.id for row in found])
    groups = [
        GroupSummary(
            id=row.id,
            name=row.name,
            organisation=row.organisation,
            status=row.status,
            freshness=classify(row),
            last_verified_at=row.last_verified_at,
            spare_places=spare_places(row.total_places, row.places_taken),
            waiting_list=row.waiting_list,
            waiting=waiting.get(row.id, []),
            listing=json.loads(documents[row.id])["properties"] if row.id in documents else {},
            referrals_paused_until=row.referrals_paused_until,
        )
        for row in found
    ]
    if is_admin:
        return MyGroups(groups, total, proposed=[], organisations=[])
    names = session.scalars(select(Organisation.name).where(Organisation.id.in_(ids)))
    return MyGroups(groups, total, _proposed_groups(session, ids), sorted(names))


def waiting_changes(session: Session, group_ids: Iterable[int]) -> dict[int, list[WaitingChange]]:
    """The changes waiting for an admin, by group, oldest first."""
    ids = sorted(set(group_ids))
    waiting: dict[int, list[WaitingChange]] = {}
    if not ids:
        return waiting
    for change in session.scalars(
        select(PendingChange)
        .where(
            PendingChange.group_id.in_(ids),
            PendingChange.status == ChangeStatus.PENDING,
            # Only places or status, live already (for an admin to review after): not waiting.
            PendingChange.patch != "{}",
        )
        .order_by(PendingChange.proposed_at)
    ):
        assert change.group_id is not None
        patch = json.loads(change.patch)
        waiting.setdefault(change.group_id, []).append(
            WaitingChange(change.kind, change.proposed_at, sorted(_keys(patch)))
        )
    return waiting


def _keys(patch: Any) -> list[str]:
    return list(patch) if isinstance(patch, dict) else []


def _proposed_groups(session: Session, organisation_ids: list[int]) -> list[ProposedGroup]:
    if not organisation_ids:
        return []
    return [
        ProposedGroup(json.loads(change.patch).get("name") or None, change.proposed_at)
        for change in session.scalars(
            select(PendingChange)
            .where(
                PendingChange.kind == ChangeKind.NEW,
                PendingChange.status == ChangeStatus.PENDING,
                PendingChange.organisation_id.in_(organisation_ids),
            )
            .order_by(PendingChange.proposed_at)
        )
    ]
