"""The marker view of a directory search: what a map needs to draw a group, and nothing more.

A map draws a marker per group and opens the listing's page (or its Feature) on demand, so a
page of markers is one query over narrow columns (no stored documents, no referral counts)
and about 150 bytes a group instead of the whole listing's 1.5–2 KB. The count of every
match is given only when it costs nothing (a page that is not full says how many there are);
a full page has a ``next`` link instead, so a dense viewport never counts thousands of rows.

The candidates are materialised first so that the planner always starts at the spatial
index: a bare ``ORDER BY id LIMIT`` lets PostgreSQL walk the primary key and test each
group's venue, which in a sparse viewport reads the whole table.

A ``near`` page is one statement. On PostGIS it first takes the page's worth of candidates
nearest first on the sphere (geography ``<->`` on its GiST index, which stops at the LIMIT):
the farthest of those bounds the page, so the exact geodesic sort measures only the
candidates in that small circle instead of the whole radius's box. SpatiaLite has no such
index order: it sorts the radius's box exactly.
Same rows, same order: only fewer candidates are measured.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, Select, bindparam, func, select
from sqlalchemy.orm import Session

from assetmap.db import Backend, generic_plans
from assetmap.directory.marker_text_sql import driver_statement, page_text_statement
from assetmap.directory.queries import (
    GroupQuery,
    _conditions,
    _distance,
    _joined,
    _parameters,
    _Shape,
    search_text_page,
)
from assetmap.geo.spatial import SPHERE_TO_SPHEROID_SLACK, PostGISDialect
from assetmap.models import Group, Venue
from assetmap.verification.policy import FACT_COLUMNS, FreshnessPolicy

#: The properties a marker carries (``distance_m`` too with ``near``): the OpenAPI document
#: and the README list these.
MARKER_PROPERTIES = ("name", "status", "freshness", "very_stale")


@dataclass(frozen=True)
class MarkerPage:
    """One page of markers: their GeoJSON Features' texts joined by commas, how many, and
    the count of every match when it was free."""

    features_text: str
    returned: int
    #: None when the page is full: there may be more (follow ``next``).
    number_matched: int | None

    @classmethod
    def of(cls, features: list[str], number_matched: int | None) -> MarkerPage:
        return cls(",".join(features), len(features), number_matched)


_COLUMNS: tuple[Any, ...] = (
    Group.id,
    Group.name,
    Group.status,
    Venue.lat,
    Venue.lon,
    *FACT_COLUMNS,
)


@functools.lru_cache(maxsize=256)
def _marker_statement(shape: _Shape) -> Select[Any]:
    """Narrow rows of the page: id, name, status, position, freshness facts (and distance)."""
    bounded = shape.near and shape.backend is Backend.POSTGIS
    candidates = _joined(select(*_COLUMNS), shape).where(*_conditions(shape, near_box=not bounded))
    if shape.near:
        candidates = candidates.add_columns(_distance(shape).label("distance_m"))
    if bounded:
        candidates = candidates.where(_within_nearest_bound(shape))
    found = candidates.cte("candidates").prefix_with("MATERIALIZED")
    statement = select(found)
    if shape.near:
        statement = statement.where(
            found.c.distance_m <= bindparam("radius_m", type_=Float)
        ).order_by(found.c.distance_m, found.c.id)
    else:
        statement = statement.order_by(found.c.id)
    return statement.limit(bindparam("limit", type_=Integer)).offset(
        bindparam("offset", type_=Integer)
    )


def _within_nearest_bound(shape: _Shape) -> ColumnElement[bool]:
    """The circle that surely holds a ``near`` page, in the same statement.

    Any ``n`` candidates within distance ``d`` of the point mean the ``n`` nearest are all
    within ``d`` too; so the first ``n = offset + limit`` in the index's nearest-first order
    on the sphere (PostGIS's geography ``<->``, which stops at the LIMIT) bound the page,
    and the exact sort need only measure the candidates in that circle. Fewer than ``n``
    candidates: their farthest bounds them all. The sphere's distance is within 0.6% of the
    spheroid's either way, so the circle is widened by that twice over (and never past the
    radius's own, widened once): never smaller, so never a row lost.
    """
    lat, lon = bindparam("lat", type_=Float), bindparam("lon", type_=Float)
    dialect = PostGISDialect()
    on_sphere = dialect.sphere_distance_m(lat, lon)
    radius = bindparam("radius_m", type_=Float) * SPHERE_TO_SPHEROID_SLACK
    nearest = (
        _joined(select(on_sphere.label("sphere_m")).select_from(Group), shape)
        .where(
            *_conditions(shape, near_box=False), dialect.venues_within_on_sphere(lat, lon, radius)
        )
        .order_by(on_sphere)
        .limit(bindparam("nearest_n", type_=Integer))
        .cte("nearest")
        .prefix_with("MATERIALIZED")
    )
    slack = SPHERE_TO_SPHEROID_SLACK
    reach = func.least(func.max(nearest.c.sphere_m) * (slack * slack), radius)
    bound = select(reach.label("reach_m")).cte("bound").prefix_with("MATERIALIZED")
    return dialect.venues_within_on_sphere(lat, lon, select(bound.c.reach_m).scalar_subquery())


def _nearest_values(query: GroupQuery, values: dict[str, Any]) -> dict[str, Any]:
    """The bound's parameter: how many to take nearest-first."""
    if query.near is None:
        return values
    return {**values, "nearest_n": query.offset + query.limit}


def _by_id_statement() -> Select[Any]:
    return (
        select(*_COLUMNS)
        .outerjoin(Venue, Group.venue_id == Venue.id)
        .where(Group.id.in_(bindparam("ids", expanding=True)))
    )


def marker_text(row: Any, freshness: str, very_stale: bool, distance_m: float | None) -> str:
    """One marker as the text of its GeoJSON Feature."""
    if row.lat is None or row.lon is None:
        geometry = "null"
    else:
        geometry = f'{{"type":"Point","coordinates":[{row.lon},{row.lat}]}}'
    name = json.dumps(row.name, ensure_ascii=False)
    status = getattr(row.status, "value", row.status)
    extra = "" if distance_m is None else f',"distance_m":{round(distance_m)}'
    return (
        f'{{"type":"Feature","id":{row.id},"geometry":{geometry},"properties":{{"name":{name},'
        f'"status":"{status}","freshness":"{freshness}",'
        f'"very_stale":{"true" if very_stale else "false"}{extra}}}}}'
    )


def search_markers(
    session: Session,
    query: GroupQuery,
    backend: Backend,
    policy: FreshnessPolicy,
    today: dt.date,
    *,
    in_sql: bool | None = None,
) -> MarkerPage:
    """The markers of the groups ``search_groups`` would list for ``query``, in its order.

    ``in_sql``: whether the database writes the Features' text (by default PostGIS does,
    SpatiaLite has no ordered aggregate); the two are the same text, which a test checks."""
    if query.q:
        return _text_markers(session, query, backend, policy, today)
    shape = _Shape.of(query, backend, policy)
    # Core on the session's connection: the ORM's per-statement work is most of what a page
    # of narrow rows would cost otherwise.
    values = _nearest_values(query, _parameters(query, policy, today))
    statement = _marker_statement(shape)
    connection = session.connection()
    if backend is Backend.POSTGIS if in_sql is None else in_sql:
        # PostgreSQL writes the Features (directory/marker_text_sql.py): one row comes back.
        values.update(policy.parameters(today))
        written = page_text_statement(statement, policy.shorter_periods, shape.near)
        driver = driver_statement(written, connection.dialect)
        with generic_plans(connection):
            if driver is None:
                returned, text = connection.execute(written, values).one()
            else:
                found = connection.exec_driver_sql(driver.sql, driver.parameters(values))
                returned, text = found.one()
        page = MarkerPage(text or "", returned, None)
    else:
        classify, very_stale = policy.classifier(today), policy.very_stale_test(today)
        rows = connection.execute(statement, values).all()
        page = MarkerPage.of(
            [
                marker_text(
                    row,
                    classify(row),
                    very_stale(row),
                    row.distance_m if query.near is not None else None,
                )
                for row in rows
            ],
            None,
        )
    matched = None if page.returned == query.limit else query.offset + page.returned
    if not page.returned and query.offset:
        matched = None  # paged past the end: how far is not known without counting
    return MarkerPage(page.features_text, page.returned, matched)


def _text_markers(
    session: Session,
    query: GroupQuery,
    backend: Backend,
    policy: FreshnessPolicy,
    today: dt.date,
) -> MarkerPage:
    """A text search ranks in its own way: take its page's ids, then the narrow rows."""
    page = search_text_page(session, query, backend, policy, today)
    rows = {row.id: row for row in session.execute(_by_id_statement(), {"ids": page.ids})}
    classify, very_stale = policy.classifier(today), policy.very_stale_test(today)
    features = [
        marker_text(rows[i], classify(rows[i]), very_stale(rows[i]), page.distances.get(i))
        for i in page.ids
        if i in rows
    ]
    return MarkerPage.of(features, page.number_matched)
