"""What the admin's duplicate queue reads: the open pairs, and one pair field by field.

The pages decide nothing here; they show what :mod:`assetmap.interop.duplicates` found and
hand the admin's choice to :mod:`assetmap.interop.merge`. A pair is shown side by side as
the two listings' public documents flattened to their fields ("venue.postcode"), each field
marked the same or different, so the admin sees in words what merging would lose.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from assetmap.directory.edits import flatten
from assetmap.errors import NotFound
from assetmap.models import DuplicatePair, DuplicateStatus, Group, ListingSource

#: Served or derived, never part of what an admin compares.
_NOT_SHOWN = frozenset(
    {"id", "external_id", "freshness", "very_stale", "capacity.spare_places"}
    | {"capacity.places_held", "referral.paused_until", "distance_m"}
)


@dataclass(frozen=True)
class PairRow:
    id: int
    first_id: int
    first_name: str
    second_id: int
    second_name: str
    score: float
    reasons: list[str]
    found_at: dt.datetime


@dataclass(frozen=True)
class FieldDiff:
    """One field of the two listings: its dotted path, both values, and whether they agree."""

    path: str
    first: Any
    second: Any

    @property
    def same(self) -> bool:
        return _comparable(self.first) == _comparable(self.second)


@dataclass(frozen=True)
class Side:
    id: int
    name: str
    source: str | None
    imported_at: dt.datetime | None


@dataclass(frozen=True)
class PairView:
    row: PairRow
    status: DuplicateStatus
    first: Side
    second: Side
    fields: list[FieldDiff]

    @property
    def differences(self) -> int:
        return sum(1 for f in self.fields if not f.same)


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return sorted(json.dumps(_comparable(v), sort_keys=True) for v in value)
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    return value


def _row(pair: DuplicatePair, first_name: str, second_name: str) -> PairRow:
    reasons: list[Any] = pair.reasons if isinstance(pair.reasons, list) else []
    return PairRow(
        pair.id,
        pair.first_id,
        first_name,
        pair.second_id,
        second_name,
        pair.score,
        [str(r) for r in reasons],
        pair.found_at,
    )


def open_pairs(session: Session, *, offset: int = 0, limit: int = 50) -> tuple[list[PairRow], int]:
    """A page of open pairs, likeliest first, and how many are open in all."""
    first, second = aliased(Group), aliased(Group)
    rows = session.execute(
        select(DuplicatePair, first.name, second.name)
        .join(first, first.id == DuplicatePair.first_id)
        .join(second, second.id == DuplicatePair.second_id)
        .where(DuplicatePair.status == DuplicateStatus.OPEN)
        .order_by(DuplicatePair.score.desc(), DuplicatePair.id)
        .offset(offset)
        .limit(limit)
    )
    total = session.scalar(
        select(func.count())
        .select_from(DuplicatePair)
        .where(DuplicatePair.status == DuplicateStatus.OPEN)
    )
    return [_row(pair, a, b) for pair, a, b in rows], int(total or 0)


def _listing(group: Group) -> dict[str, Any]:
    if not group.document:
        return {"name": group.name}
    properties: dict[str, Any] = json.loads(group.document).get("properties") or {}
    return properties


def _side(session: Session, group: Group) -> Side:
    source = session.scalar(
        select(ListingSource)
        .where(ListingSource.group_id == group.id)
        .order_by(ListingSource.imported_at, ListingSource.id)
        .limit(1)
    )
    return Side(
        group.id,
        group.name,
        source.source if source else None,
        source.imported_at if source else None,
    )


def pair_view(session: Session, pair_id: int) -> PairView:
    """One pair side by side, every field with both values; NotFound once it is gone."""
    pair = session.get(DuplicatePair, pair_id)
    if pair is None:
        raise NotFound(f"no duplicate pair has id {pair_id} (it may have been merged)")
    first = session.get(Group, pair.first_id)
    second = session.get(Group, pair.second_id)
    if first is None or second is None:
        raise NotFound(f"no duplicate pair has id {pair_id}")
    a, b = flatten(_listing(first)), flatten(_listing(second))
    paths = [p for p in dict.fromkeys([*a, *b]) if p not in _NOT_SHOWN]
    fields = [FieldDiff(p, a.get(p), b.get(p)) for p in paths]
    return PairView(
        _row(pair, first.name, second.name),
        DuplicateStatus(pair.status),
        _side(session, first),
        _side(session, second),
        fields,
    )


__all__ = ["FieldDiff", "PairRow", "PairView", "Side", "open_pairs", "pair_view"]
