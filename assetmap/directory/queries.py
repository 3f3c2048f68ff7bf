"""Reads of the directory: find groups by place, text and filters, and serve their listings.

Finding works on narrow rows (ids, distances); serving splices each group's stored Feature
text (see ``documents``), so a page of 100 listings is two queries and no per-row objects.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from assetmap.directory.documents import feature_text
from assetmap.errors import NotFound
from assetmap.freshness.policy import Freshness, FreshnessPolicy
from assetmap.geo.spatial import BBox, Point, SpatialDialect, circle_bbox
from assetmap.models import (
    Category,
    Day,
    Group,
    GroupCategory,
    GroupInterest,
    ScheduleEntry,
    Status,
    Venue,
)

#: Closed groups are hidden unless asked for by ``status``: nobody should be sent to them.
DEFAULT_STATUSES: tuple[Status, ...] = tuple(s for s in Status if s is not Status.CLOSED)


@dataclass(frozen=True)
class GroupQuery:
    """What a caller wants from the directory; every part is optional."""

    q: str | None = None
    categories: tuple[Category, ...] = ()
    interests: tuple[str, ...] = ()
    statuses: tuple[Status, ...] = DEFAULT_STATUSES
    near: Point | None = None
    radius_m: float | None = None
    bbox: BBox | None = None
    access: tuple[tuple[str, bool], ...] = ()
    days: tuple[Day, ...] = ()
    free: bool | None = None
    freshness: tuple[Freshness, ...] = ()
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class GroupPage:
    """One page of matches, as GeoJSON Feature texts in order, and how many matched in all."""

    features: list[str]
    number_matched: int
    ids: list[int] = field(default_factory=list)


def _conditions(
    query: GroupQuery, dialect: SpatialDialect, policy: FreshnessPolicy, today: dt.date
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.statuses:
        conditions.append(Group.status.in_(query.statuses))
    if query.q:
        text = query.q.strip()
        conditions.append(
            Group.name.icontains(text, autoescape=True)
            | Group.description.icontains(text, autoescape=True)
            | Group.id.in_(
                select(GroupInterest.group_id).where(
                    GroupInterest.interest.icontains(text.lower(), autoescape=True)
                )
            )
        )
    if query.categories:
        conditions.append(
            Group.id.in_(
                select(GroupCategory.group_id).where(GroupCategory.category.in_(query.categories))
            )
        )
    if query.interests:
        conditions.append(
            Group.id.in_(
                select(GroupInterest.group_id).where(GroupInterest.interest.in_(query.interests))
            )
        )
    if query.days:
        conditions.append(
            Group.id.in_(select(ScheduleEntry.group_id).where(ScheduleEntry.day.in_(query.days)))
        )
    for flag, wanted in query.access:
        conditions.append(getattr(Group, flag).is_(wanted))
    if query.free is not None:
        conditions.append(Group.cost_free.is_(query.free))
    if query.freshness:
        conditions.append(
            _any_of(
                policy.condition(Group.last_verified_at, state, today) for state in query.freshness
            )
        )
    if query.bbox is not None:
        conditions.append(dialect.venues_in_box(query.bbox))
    if query.near is not None and query.radius_m is not None:
        conditions.append(dialect.venues_in_box(circle_bbox(query.near, query.radius_m)))
    return conditions


def _any_of(conditions: Iterable[ColumnElement[bool]]) -> ColumnElement[bool]:
    items = list(conditions)
    combined = items[0]
    for item in items[1:]:
        combined = combined | item
    return combined


def search_groups(
    session: Session,
    query: GroupQuery,
    dialect: SpatialDialect,
    policy: FreshnessPolicy,
    today: dt.date,
) -> GroupPage:
    """Listings matching ``query``: nearest first when ``near`` is given, else by id.

    Two steps: rank narrow (id, distance) rows for every match, counting them with a window
    function, then load full rows for the page alone. Sorting thousands of wide rows to keep
    a hundred would cost more than everything else put together.
    """
    conditions = _conditions(query, dialect, policy, today)
    total = func.count().over().label("number_matched")
    candidates = select(Group.id).outerjoin(Venue, Group.venue_id == Venue.id).where(*conditions)
    if query.near is not None:
        # Materialised so the distance is computed once per candidate, not again to sort.
        measured = (
            candidates.add_columns(dialect.distance_m(query.near).label("distance_m"))
            .cte("candidates")
            .prefix_with("MATERIALIZED")
        )
        ranked = (
            select(measured.c.id, measured.c.distance_m, total)
            .where(measured.c.distance_m <= (query.radius_m or 0))
            .order_by(measured.c.distance_m, measured.c.id)
        )
    else:
        ranked = candidates.add_columns(total).order_by(Group.id)
    page = session.execute(ranked.limit(query.limit).offset(query.offset)).all()

    if page:
        matched = page[0].number_matched
    elif query.offset == 0:
        matched = 0
    else:  # paged past the end: count separately
        matched = _count(session, query, dialect, policy, today)

    ids = [row.id for row in page]
    distances = [float(row.distance_m) for row in page] if query.near is not None else None
    features = _features(session, ids, policy, today, distances)
    return GroupPage(features=features, number_matched=matched, ids=ids)


def _features(
    session: Session,
    ids: list[int],
    policy: FreshnessPolicy,
    today: dt.date,
    distances: list[float] | None = None,
) -> list[str]:
    """The stored Features of ``ids``, in that order, with freshness as of ``today``."""
    if not ids:
        return []
    stored = {
        row.id: row
        for row in session.execute(
            select(Group.id, Group.document, Group.last_verified_at).where(Group.id.in_(ids))
        )
    }
    return [
        feature_text(
            stored[group_id].document,
            policy.freshness_of(stored[group_id].last_verified_at, today),
            distances[index] if distances is not None else None,
        )
        for index, group_id in enumerate(ids)
    ]


def _count(
    session: Session,
    query: GroupQuery,
    dialect: SpatialDialect,
    policy: FreshnessPolicy,
    today: dt.date,
) -> int:
    conditions = _conditions(query, dialect, policy, today)
    if query.near is not None:
        conditions.append(dialect.distance_m(query.near) <= (query.radius_m or 0))
    counter = (
        select(func.count())
        .select_from(Group)
        .outerjoin(Venue, Group.venue_id == Venue.id)
        .where(*conditions)
    )
    return session.execute(counter).scalar_one()


def get_feature(session: Session, group_id: int, policy: FreshnessPolicy, today: dt.date) -> str:
    """One group's GeoJSON Feature text, or NotFound."""
    row = session.execute(
        select(Group.document, Group.last_verified_at).where(Group.id == group_id)
    ).first()
    if row is None:
        raise NotFound(f"there is no group {group_id}", field="id")
    return feature_text(row.document, policy.freshness_of(row.last_verified_at, today))


def get_listing(
    session: Session, group_id: int, policy: FreshnessPolicy, today: dt.date
) -> dict[str, Any]:
    """One listing as a dict in the contract shape, or NotFound."""
    listing: dict[str, Any] = json.loads(get_feature(session, group_id, policy, today))[
        "properties"
    ]
    return listing


def iter_listings(
    session: Session, policy: FreshnessPolicy, today: dt.date, batch: int = 1000
) -> Iterable[dict[str, Any]]:
    """Every listing, closed ones included, in id order: what an export writes."""
    last_id = 0
    while True:
        rows = session.execute(
            select(Group.id, Group.document, Group.last_verified_at)
            .where(Group.id > last_id)
            .order_by(Group.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            text = feature_text(row.document, policy.freshness_of(row.last_verified_at, today))
            yield json.loads(text)["properties"]
        last_id = rows[-1].id
