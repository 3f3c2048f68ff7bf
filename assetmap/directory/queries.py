"""Reads of the directory: find groups by place, text and filters; load listings for output.

Reads use Core rows rather than ORM objects: a page of 100 listings is five small queries
(the page, then categories, interests and schedule for those ids) and no per-row objects.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from assetmap.directory.schemas import listing_json
from assetmap.errors import NotFound
from assetmap.freshness.policy import Freshness, FreshnessPolicy
from assetmap.geo.spatial import BBox, Point, SpatialDialect, circle_bbox
from assetmap.models import (
    Category,
    Day,
    Group,
    GroupCategory,
    GroupInterest,
    Organisation,
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
    """One page of listings (contract dicts) and how many matched in all."""

    listings: list[dict[str, Any]]
    number_matched: int
    distances_m: dict[int, float] = field(default_factory=dict)


_LISTING_COLUMNS = (
    *Group.__table__.c,
    Organisation.name.label("organisation_name"),
    Venue.name.label("venue_name"),
    Venue.address.label("venue_address"),
    Venue.postcode.label("venue_postcode"),
    Venue.lat.label("venue_lat"),
    Venue.lon.label("venue_lon"),
)


def _listing_select(*extra: Any) -> Select[Any]:
    return (
        select(*_LISTING_COLUMNS, *extra)
        .outerjoin(Organisation, Group.organisation_id == Organisation.id)
        .outerjoin(Venue, Group.venue_id == Venue.id)
    )


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
        conditions.append(dialect.distance_m(query.near) <= query.radius_m)
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
    """Listings matching ``query``: nearest first when ``near`` is given, else by id."""
    conditions = _conditions(query, dialect, policy, today)
    # The total rides along as a window count: one pass over the matches, not two queries.
    total = func.count().over().label("number_matched")
    if query.near is not None:
        distance = dialect.distance_m(query.near).label("distance_m")
        page = _listing_select(distance, total).where(*conditions).order_by(distance, Group.id)
    else:
        page = _listing_select(total).where(*conditions).order_by(Group.id)
    rows = session.execute(page.limit(query.limit).offset(query.offset)).all()

    if rows:
        matched = rows[0].number_matched
    elif query.offset == 0:
        matched = 0
    else:  # paged past the end: count separately
        counter = select(func.count()).select_from(Group)
        if query.near is not None or query.bbox is not None:
            counter = counter.join(Venue, Group.venue_id == Venue.id)
        matched = session.execute(counter.where(*conditions)).scalar_one()

    listings = _assemble(session, rows, policy, today)
    distances = {row.id: float(row.distance_m) for row in rows} if query.near is not None else {}
    return GroupPage(listings=listings, number_matched=matched, distances_m=distances)


def get_listing(
    session: Session, group_id: int, policy: FreshnessPolicy, today: dt.date
) -> dict[str, Any]:
    """One listing by id, or NotFound."""
    rows = session.execute(_listing_select().where(Group.id == group_id)).all()
    if not rows:
        raise NotFound(f"there is no group {group_id}", field="id")
    return _assemble(session, rows, policy, today)[0]


def iter_listings(
    session: Session, policy: FreshnessPolicy, today: dt.date, batch: int = 1000
) -> Iterable[dict[str, Any]]:
    """Every listing, closed ones included, in id order: what an export writes."""
    last_id = 0
    while True:
        rows = session.execute(
            _listing_select().where(Group.id > last_id).order_by(Group.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from _assemble(session, rows, policy, today)
        last_id = rows[-1].id


def _assemble(
    session: Session, rows: Sequence[Any], policy: FreshnessPolicy, today: dt.date
) -> list[dict[str, Any]]:
    """Turn group rows into contract dicts, fetching their child rows in three queries."""
    ids = [row.id for row in rows]
    if not ids:
        return []
    categories: dict[int, list[str]] = defaultdict(list)
    for group_id, category in session.execute(
        select(GroupCategory.group_id, GroupCategory.category)
        .where(GroupCategory.group_id.in_(ids))
        .order_by(GroupCategory.group_id, GroupCategory.category)
    ):
        categories[group_id].append(category.value)
    interests: dict[int, list[str]] = defaultdict(list)
    for group_id, interest in session.execute(
        select(GroupInterest.group_id, GroupInterest.interest)
        .where(GroupInterest.group_id.in_(ids))
        .order_by(GroupInterest.group_id, GroupInterest.interest)
    ):
        interests[group_id].append(interest)
    schedule: dict[int, list[Any]] = defaultdict(list)
    for entry in session.execute(
        select(
            ScheduleEntry.group_id,
            ScheduleEntry.day,
            ScheduleEntry.start,
            ScheduleEntry.end,
            ScheduleEntry.frequency,
        )
        .where(ScheduleEntry.group_id.in_(ids))
        .order_by(ScheduleEntry.id)
    ):
        schedule[entry.group_id].append(entry)
    return [
        listing_json(
            row,
            categories=categories[row.id],
            interests=interests[row.id],
            schedule=schedule[row.id],
            freshness=policy.freshness_of(row.last_verified_at, today),
        )
        for row in rows
    ]
