"""Reads of the directory: find groups by place, text and filters, and serve their listings.

Finding works on narrow rows (ids, distances); serving splices each group's stored Feature
text (see ``documents``), so a page of 100 listings is one query and no per-row objects.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Float,
    Integer,
    Select,
    Time,
    bindparam,
    case,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from assetmap.db import Backend
from assetmap.directory import inner_circles
from assetmap.directory.documents import feature_text
from assetmap.directory.sessions import meets_soon_condition, meets_soon_parameters
from assetmap.geo.spatial import BBox, Point, circle_bbox, spatial_dialect
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
from assetmap.text.index import (
    cells_of_box,
    found_by_index,
    found_in_cells,
    index_order,
    interests_column,
    join_index,
    search_expression,
    sorted_matches,
    text_candidates,
)
from assetmap.text.ranking import rank_text
from assetmap.verification.policy import (
    FACT_COLUMNS,
    Freshness,
    FreshnessPolicy,
    freshness_condition,
)


class TimeOfDay(enum.StrEnum):
    """When a session starts, in the words a person uses to say when they are free."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


#: Start times (from, before) of each part of the day.
TIME_WINDOWS: dict[TimeOfDay, tuple[dt.time, dt.time]] = {
    TimeOfDay.MORNING: (dt.time(0, 0), dt.time(12, 0)),
    TimeOfDay.AFTERNOON: (dt.time(12, 0), dt.time(17, 0)),
    TimeOfDay.EVENING: (dt.time(17, 0), dt.time(23, 59, 59)),
}

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
    times: tuple[TimeOfDay, ...] = ()
    free: bool | None = None
    # With text: "relevance" (default) or "distance" (needs near).
    sort: str | None = None
    freshness: tuple[Freshness, ...] = ()
    #: Only groups with a session known to start in the seven days from this moment.
    meets_from: dt.datetime | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class GroupPage:
    """One page of matches, as GeoJSON Feature texts in order, and how many matched in all."""

    features: list[str]
    number_matched: int
    #: How many more the same search finds in each status it was asked to count but not show.
    hidden: dict[Status, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Shape:
    """Which filters a query uses, not their values: queries of one shape share a statement."""

    backend: Backend
    text: bool
    categories: bool
    interests: bool
    days: bool
    times: tuple[TimeOfDay, ...]
    statuses: bool
    access: tuple[tuple[str, bool], ...]
    free: bool | None
    freshness: tuple[Freshness, ...]
    # The policy's shorter expiry periods: each is a branch of the freshness condition.
    expiry_periods: tuple[int, ...]
    near: bool
    bbox: bool
    meets_soon: bool = False
    #: Text with a place on PostgreSQL: the index is read for the cells covering the box.
    text_cells: bool = False

    @classmethod
    def of(cls, query: GroupQuery, backend: Backend, policy: FreshnessPolicy) -> _Shape:
        return cls(
            backend=backend,
            text=bool(query.q),
            categories=bool(query.categories),
            interests=bool(query.interests),
            days=bool(query.days),
            times=query.times,
            statuses=bool(query.statuses),
            access=query.access,
            free=query.free,
            freshness=query.freshness,
            expiry_periods=policy.shorter_periods if query.freshness else (),
            near=query.near is not None,
            bbox=query.bbox is not None,
            meets_soon=query.meets_from is not None,
            text_cells=(backend is Backend.POSTGIS and bool(query.q) and _cells(query) is not None),
        )


def _cells(query: GroupQuery) -> list[int] | None:
    """The text index's cells covering the query's place (its circle's box, else its box),
    or None if it has none or needs too many."""
    if query.near is not None:
        box = circle_bbox(query.near, query.radius_m or 0.0)
    elif query.bbox is not None:
        box = query.bbox
    else:
        return None
    return cells_of_box(box.min_lon, box.min_lat, box.max_lon, box.max_lat)


def _in(name: str) -> BindParameter[Any]:
    return bindparam(name, expanding=True)


def _conditions(shape: _Shape, near_box: bool = True) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a search, with a bound parameter for every value (``near_box``
    False: without the box round a ``near`` circle, for a caller that bounds it itself)."""
    dialect = spatial_dialect(shape.backend)
    conditions: list[ColumnElement[bool]] = []
    if shape.statuses:
        conditions.append(Group.status.in_(_in("statuses")))
    if shape.categories:
        conditions.append(
            Group.id.in_(
                select(GroupCategory.group_id).where(GroupCategory.category.in_(_in("categories")))
            )
        )
    if shape.interests:
        conditions.append(
            Group.id.in_(
                select(GroupInterest.group_id).where(GroupInterest.interest.in_(_in("interests")))
            )
        )
    if shape.days or shape.times:
        # Day and time apply to the same session: "Tuesday morning", not Tuesday and a morning.
        when: list[ColumnElement[bool]] = []
        if shape.days:
            when.append(ScheduleEntry.day.in_(_in("days")))
        if shape.times:
            when.append(
                or_(
                    *(
                        ScheduleEntry.start.between(
                            bindparam(f"{time}_from", type_=Time),
                            bindparam(f"{time}_to", type_=Time),
                        )
                        for time in shape.times
                    )
                )
            )
        conditions.append(Group.id.in_(select(ScheduleEntry.group_id).where(*when)))
    if shape.meets_soon:
        conditions.append(meets_soon_condition(shape.backend))
    for flag, wanted in shape.access:
        conditions.append(getattr(Group, flag).is_(wanted))
    if shape.free is not None:
        conditions.append(Group.cost_free.is_(shape.free))
    if shape.freshness:
        conditions.append(
            or_(*(freshness_condition(state, shape.expiry_periods) for state in shape.freshness))
        )
    for prefix, wanted in (("bbox", shape.bbox), ("near", shape.near and near_box)):
        if wanted:
            corners = [bindparam(f"{prefix}_{c}", type_=Float) for c in _CORNERS]
            conditions.append(dialect.venues_in_box(*corners))
    return conditions


_CORNERS = ("min_lon", "min_lat", "max_lon", "max_lat")


def _joined(statement: Select[Any], shape: _Shape) -> Select[Any]:
    """Join the venue: an inner join for a search by place (an outer join there keeps the
    planner from starting at the spatial index: 2x slower), else outer, to keep online groups.
    """
    if shape.near or shape.bbox:
        return statement.join(Venue, Group.venue_id == Venue.id)
    return statement.outerjoin(Venue, Group.venue_id == Venue.id)


def _distance(shape: _Shape) -> ColumnElement[float]:
    lat, lon = bindparam("lat", type_=Float), bindparam("lon", type_=Float)
    return spatial_dialect(shape.backend).distance_m(lat, lon)


@functools.lru_cache(maxsize=512)
def _page_statement(shape: _Shape) -> Select[Any]:
    """Rank narrow (id, distance) rows for every match, counting them with a window
    function, and bring back the stored documents of the requested page alone: sorting
    thousands of wide rows to keep a hundred would cost more than everything else together.

    Built once per shape and process; later queries of the shape only bind new values.
    """
    total = func.count().over().label("number_matched")
    candidates = _joined(select(Group.id), shape).where(*_conditions(shape))
    if shape.near:
        # Materialised so the distance is computed once per candidate, not again to sort.
        measured = (
            candidates.add_columns(_distance(shape).label("distance_m"))
            .cte("candidates")
            .prefix_with("MATERIALIZED")
        )
        ranked = (
            select(measured.c.id, measured.c.distance_m, total)
            .where(measured.c.distance_m <= bindparam("radius_m", type_=Float))
            .order_by(measured.c.distance_m, measured.c.id)
        )
    else:
        ranked = candidates.add_columns(total).order_by(Group.id)
    page = (
        ranked.limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("page")
    )
    order = (page.c.distance_m, page.c.id) if shape.near else (page.c.id,)
    return (
        select(page, Group.document, *FACT_COLUMNS)
        .join(Group, Group.id == page.c.id)
        .order_by(*order)
    )


@functools.lru_cache(maxsize=512)
def _count_statement(shape: _Shape) -> Select[Any]:
    conditions = _conditions(shape)
    if shape.near:
        conditions.append(_distance(shape) <= bindparam("radius_m", type_=Float))
    return _joined(select(func.count()).select_from(Group), shape).where(*conditions)


@functools.lru_cache(maxsize=512)
def _status_count_statement(shape: _Shape) -> Select[Any]:
    """How many groups match, by status: the counts a page gives of the statuses it hides."""
    conditions = _conditions(shape)
    if shape.near:
        conditions.append(_distance(shape) <= bindparam("radius_m", type_=Float))
    statement: Any = select(Group.status, func.count().label("n")).select_from(Group)
    if shape.near or shape.bbox:
        statement = _joined(statement, shape)
    return statement.where(*conditions).group_by(Group.status)


def _parameters(query: GroupQuery, policy: FreshnessPolicy, today: dt.date) -> dict[str, Any]:
    """The values to bind into the statement of the query's shape."""
    values: dict[str, Any] = {"limit": query.limit, "offset": query.offset}
    if query.statuses:
        values["statuses"] = list(query.statuses)
    if query.categories:
        values["categories"] = list(query.categories)
    if query.interests:
        values["interests"] = list(query.interests)
    if query.days:
        values["days"] = list(query.days)
    for time in query.times:
        values[f"{time}_from"], values[f"{time}_to"] = TIME_WINDOWS[time]
    if query.freshness:
        values.update(policy.parameters(today))
    if query.meets_from is not None:
        values.update(meets_soon_parameters(query.meets_from))
    boxes = [("bbox", query.bbox)]
    if query.near is not None:
        radius = query.radius_m or 0.0
        values.update(lat=query.near.lat, lon=query.near.lon, radius_m=radius)
        boxes.append(("near", circle_bbox(query.near, radius)))
    for prefix, box in boxes:
        if box is not None:
            values.update({f"{prefix}_{corner}": getattr(box, corner) for corner in _CORNERS})
    return values


#: The short list a text search ranks in Python: the best the text index finds (by bm25 on
#: SQLite, nearest first with a place), every other filter applied in the same statement.
#: ``number_matched`` counts the matches among these.
TEXT_CANDIDATES = 1000


def _led_by(found: Any, rows: Select[Any], shape: _Shape) -> Any:
    """``rows`` of each group in ``found`` (a subquery of ``group_id``) that passes every
    filter, ``found`` leading in its own order. A LATERAL join, because PostgreSQL cannot
    reorder one: estimating a tenth of a box's venues, its planner starts from the box
    otherwise and probes the index once per group in it (0.3 s at a million listings), and
    without a place it merge-joins every group in key order (41,000 read for 1,000 kept)."""
    if shape.near or shape.bbox:
        rows = _joined(rows, shape)
    per_group = (
        rows.where(Group.id == found.c.group_id, *_conditions(shape))
        .offset(0)  # a fence: else the planner pulls the subquery up and reorders the join
        .lateral("matched")
    )
    return select(per_group).select_from(found).join(per_group, true())


@functools.lru_cache(maxsize=512)
def _candidate_statement(shape: _Shape) -> Select[Any]:
    """The groups a text search ranks: those the text index finds, every other filter
    applied, best by the index first (nearest first with a place), with their texts."""
    texts: list[Any] = [
        Group.name,
        Group.description,
        Group.status,
        interests_column(shape.backend).label("interests"),
    ]
    if not shape.near:
        statement = select(Group.id, *texts)
        limit = bindparam("candidates", type_=Integer)
        if shape.text_cells:
            led = _led_by(found_in_cells(), statement, shape).subquery("led")
            return select(led).order_by(led.c.id).limit(limit)
        if shape.backend is Backend.POSTGIS and not shape.bbox:
            found = sorted_matches()
            return _led_by(found, statement, shape).order_by(found.c.group_id).limit(limit)
        if shape.bbox:  # the box leads, the index's matches are looked up
            matched = found_by_index(shape.backend, Group.id)
            statement = _joined(statement, shape).where(*_conditions(shape), matched)
            return statement.order_by(Group.id).limit(limit)
        statement = join_index(statement.where(*_conditions(shape)), shape.backend, Group.id)
        # The index's own order alone (a second key would sort every match first).
        statement = statement.order_by(*(index_order(shape.backend) or (Group.id,)))
        return statement.limit(limit)
    # With a place, measured once each (materialised), either
    # - on PostgreSQL, the index's matches in the cells covering the box, each then tested
    #   for the box and the other filters (the index leads), or
    # - the box's groups under every other filter, the distance measured for the index's
    #   matches alone: the text test is in the SELECT, not the WHERE, so neither planner
    #   starts from the text index or plans round the test's guessed selectivity.
    measured: Any
    if shape.text_cells:
        rows: Any = select(Group.id, _distance(shape).label("distance_m"))
        measured = select(_led_by(found_in_cells(), rows, shape).subquery("led"))
    else:
        distance = case((found_by_index(shape.backend, Group.id), _distance(shape)), else_=None)
        rows = select(Group.id, distance.label("distance_m"))
        measured = _joined(rows, shape).where(*_conditions(shape))
    measured = measured.cte("candidates").prefix_with("MATERIALIZED")
    nearest = (
        select(measured)
        .where(measured.c.distance_m <= bindparam("radius_m", type_=Float))
        .order_by(measured.c.distance_m, measured.c.id)
        .limit(bindparam("candidates", type_=Integer))
        .subquery("nearest")
    )
    return (
        select(nearest.c.id, *texts, nearest.c.distance_m)
        .join(Group, Group.id == nearest.c.id)
        .order_by(nearest.c.distance_m, nearest.c.id)
    )


def _candidate_rows(
    session: Session, query: GroupQuery, shape: _Shape, values: dict[str, Any]
) -> Sequence[Any]:
    """The short list's rows: from a smaller circle round the same point first when one is
    likely to hold them all (``inner_circles``), else from the whole circle. (PostgreSQL's
    nearest-first walk of the spatial index was tried for this and is slower: its planner
    will not keep it with the text test beside it.)"""
    statement = _candidate_statement(shape)
    if query.near is not None and query.radius_m:
        for radius in inner_circles.inner_radii(session, query.near, query.radius_m, values):
            rows = session.execute(statement, inner_circles.within(query.near, radius, values))
            found = rows.all()
            if len(found) == values["candidates"]:
                return found
    return session.execute(statement, values).all()


def _search_text(
    session: Session,
    query: GroupQuery,
    shape: _Shape,
    values: dict[str, Any],
    shown: tuple[Status, ...] | None = None,
) -> tuple[list[int], dict[int, float], int, dict[Status, int]]:
    """Rank the candidates by how well they match the text: (page ids, distances, matched,
    and the matches of each status not in ``shown``, when given, counted not shown)."""
    expression = search_expression(session, shape.backend, query.q or "")
    if expression is None:
        return [], {}, 0, {}
    values = {**values, "candidates": TEXT_CANDIDATES, "text_match": expression}
    if shape.text_cells:
        values["text_cells"] = _cells(query)
    rows = _candidate_rows(session, query, shape, values)
    distances = {row.id: float(row.distance_m) for row in rows} if query.near else {}
    candidates = text_candidates(session, rows)
    # Reasons ("matches 'woodwork'") are not shown in a list of results; ranking alone is.
    matches = rank_text(query.q or "", candidates, explain=False)
    hidden: dict[Status, int] = {}
    if shown is not None:
        status_of = {row[0]: row.status for row in rows}
        kept = []
        for match in matches:
            status = status_of[match.id]
            if status in shown:
                kept.append(match)
            else:
                hidden[status] = hidden.get(status, 0) + 1
        matches = kept
    if query.sort == "distance" and query.near is not None:
        matches.sort(key=lambda match: (distances[match.id], match.id))
    elif query.near is not None:
        matches.sort(key=lambda match: (-match.score, distances[match.id], match.id))
    page = [match.id for match in matches[query.offset : query.offset + query.limit]]
    return page, distances, len(matches), hidden


@dataclass(frozen=True)
class TextPage:
    """A text search's page as ids in order (with distances given ``near``) and how many
    matched: what a view builds its own rows from (``markers.py``), without the documents."""

    ids: list[int]
    distances: dict[int, float]
    number_matched: int


def search_text_page(
    session: Session,
    query: GroupQuery,
    backend: Backend,
    policy: FreshnessPolicy,
    today: dt.date,
) -> TextPage:
    """The page ``search_groups`` would list for a query with text, as ids only."""
    shape = _Shape.of(query, backend, policy)
    ids, distances, matched, _ = _search_text(
        session, query, shape, _parameters(query, policy, today)
    )
    return TextPage(ids, distances, matched)


def search_groups(
    session: Session,
    query: GroupQuery,
    backend: Backend,
    policy: FreshnessPolicy,
    today: dt.date,
    count_hidden: Sequence[Status] = (),
) -> GroupPage:
    """Listings matching ``query``: best text match first when there is text (or nearest
    first with ``sort="distance"``), else nearest first when ``near`` is given, else by id.

    ``count_hidden``: statuses the query leaves out, each counted (``GroupPage.hidden``) so a
    page can say "2 groups with a waiting list are not shown".

    With text, one ranking serves both: the hidden statuses join the candidate statement
    and their matches are counted, not shown (three searches cost three times one)."""
    extra = tuple(s for s in dict.fromkeys(count_hidden) if s not in query.statuses)
    if query.q and query.statuses and extra:
        wider = replace(query, statuses=query.statuses + extra)
        return _search(session, wider, backend, policy, today, shown=query.statuses)
    found = _search(session, query, backend, policy, today)
    if extra:
        # One grouped count for all of them: no page, no documents, no window.
        others = replace(query, statuses=extra, limit=1, offset=0)
        shape = _Shape.of(others, backend, policy)
        rows = session.execute(_status_count_statement(shape), _parameters(others, policy, today))
        counts: dict[Status, int] = {status: count for status, count in rows}
        found.hidden.update({status: counts[status] for status in extra if counts.get(status)})
    return found


def _search(
    session: Session,
    query: GroupQuery,
    backend: Backend,
    policy: FreshnessPolicy,
    today: dt.date,
    shown: tuple[Status, ...] | None = None,
) -> GroupPage:
    shape = _Shape.of(query, backend, policy)
    values = _parameters(query, policy, today)
    if query.q:
        ids, distances, matched, hidden = _search_text(session, query, shape, values, shown)
        classify, very_stale = policy.classifier(today), policy.very_stale_test(today)
        stored = {
            row.id: row
            for row in session.execute(
                select(Group.id, Group.document, *FACT_COLUMNS).where(Group.id.in_(ids))
            )
        }
        features = [
            feature_text(
                stored[i].document,
                classify(stored[i]),
                distances.get(i),
                very_stale(stored[i]),
            )
            for i in ids
        ]
        return GroupPage(features=features, number_matched=matched, hidden=hidden)

    page = session.execute(_page_statement(shape), values).all()

    if page:
        matched = page[0].number_matched
    elif query.offset == 0:
        matched = 0
    else:  # paged past the end: count separately
        matched = session.execute(_count_statement(shape), values).scalar_one()

    classify, very_stale = policy.classifier(today), policy.very_stale_test(today)
    features = [
        feature_text(
            row.document,
            classify(row),
            row.distance_m if query.near is not None else None,
            very_stale(row),
        )
        for row in page
    ]
    return GroupPage(features=features, number_matched=matched)
