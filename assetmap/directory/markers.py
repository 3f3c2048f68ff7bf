"""The marker view of a directory search: what a map needs to draw a group, and nothing more.

A map draws a marker per group and opens the listing's page (or its Feature) on demand, so a
page of markers is one query over narrow columns (no stored documents, no referral counts)
and about 150 bytes a group instead of the whole listing's 1.5–2 KB. The count of every
match is given only when it costs nothing (a page that is not full says how many there are);
a full page has a ``next`` link instead, so a dense viewport never counts thousands of rows.

The candidates are materialised first so that the planner always starts at the spatial
index: a bare ``ORDER BY id LIMIT`` lets PostgreSQL walk the primary key and test each
group's venue, which in a sparse viewport reads the whole table.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, Select, bindparam, select
from sqlalchemy.orm import Session

from assetmap.db import Backend
from assetmap.directory.queries import (
    GroupQuery,
    _conditions,
    _distance,
    _joined,
    _parameters,
    _Shape,
    search_groups,
)
from assetmap.models import Group, Venue
from assetmap.verification.policy import FACT_COLUMNS, FreshnessPolicy

#: The properties a marker carries (``distance_m`` too with ``near``): the OpenAPI document
#: and the README list these.
MARKER_PROPERTIES = ("name", "status", "freshness", "very_stale")


@dataclass(frozen=True)
class MarkerPage:
    """One page of markers as GeoJSON Feature texts, and the count when it was free."""

    features: list[str]
    #: None when the page is full: there may be more (follow ``next``).
    number_matched: int | None


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
    candidates = _joined(select(*_COLUMNS), shape).where(*_conditions(shape))
    if shape.near:
        candidates = candidates.add_columns(_distance(shape).label("distance_m"))
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
) -> MarkerPage:
    """The markers of the groups ``search_groups`` would list for ``query``, in its order."""
    if query.q:
        return _text_markers(session, query, backend, policy, today)
    classify, very_stale = policy.classifier(today), policy.very_stale_test(today)
    shape = _Shape.of(query, backend, policy)
    # Core on the session's connection: the ORM's per-statement work is most of what a page
    # of narrow rows would cost otherwise.
    rows = (
        session.connection()
        .execute(_marker_statement(shape), _parameters(query, policy, today))
        .all()
    )
    features = [
        marker_text(
            row,
            classify(row),
            very_stale(row),
            row.distance_m if query.near is not None else None,
        )
        for row in rows
    ]
    matched = None if len(rows) == query.limit else query.offset + len(rows)
    if not rows and query.offset:
        matched = None  # paged past the end: how far is not known without counting
    return MarkerPage(features, matched)


def _text_markers(
    session: Session,
    query: GroupQuery,
    backend: Backend,
    policy: FreshnessPolicy,
    today: dt.date,
) -> MarkerPage:
    """A text search ranks in its own way: take its page's order, then the narrow rows."""
    page = search_groups(session, query, backend, policy, today)
    order = [json.loads(feature) for feature in page.features]
    ids = [feature["id"] for feature in order]
    distances = {f["id"]: f["properties"].get("distance_m") for f in order}
    rows = {row.id: row for row in session.execute(_by_id_statement(), {"ids": ids})}
    classify, very_stale = policy.classifier(today), policy.very_stale_test(today)
    features = [
        marker_text(rows[i], classify(rows[i]), very_stale(rows[i]), distances.get(i))
        for i in ids
        if i in rows
    ]
    return MarkerPage(features, page.number_matched)
