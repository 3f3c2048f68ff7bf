"""A page of markers written by PostgreSQL: the Features' text and their count in one row.

Writing a hundred Features in Python (a row object each, its freshness judged, its name
escaped, an f-string) was a third of the marker view's CPU time under load; PostgreSQL writes
the same text in C over the page it has already found. The text is ``marker_text``'s, judged
by the same rules (``verification.policy``'s SQL conditions are its ``classify`` and
``very_stale`` in SQL), and ``tests/directory/test_marker_text_sql.py`` compares the two on
a built directory: same ids, same order, the same JSON. Two spellings differ in bytes but
not in value: a whole-degree coordinate is written ``51`` (Python writes ``51.0``), and
``-0`` for ``-0.0``.

SQLite's aggregates have no reliable order, so SpatiaLite keeps writing markers in Python.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    Text,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import Compiled
from sqlalchemy.sql.util import ClauseAdapter

from assetmap.verification.policy import Freshness, freshness_condition, very_stale_condition


def _text(value: str) -> ColumnElement[str]:
    return literal(value, Text)


def feature_text(page: Any, periods: tuple[int, ...], near: bool) -> ColumnElement[str]:
    """The text ``markers.marker_text`` writes for a row of ``page``, as a SQL expression."""
    adapt = ClauseAdapter(page).traverse
    freshness = case(
        (adapt(freshness_condition(Freshness.FRESH, periods)), _text(Freshness.FRESH.value)),
        (adapt(freshness_condition(Freshness.DUE, periods)), _text(Freshness.DUE.value)),
        else_=_text(Freshness.STALE.value),
    )
    very_stale = case((adapt(very_stale_condition(periods)), _text("true")), else_=_text("false"))
    geometry = case(
        (or_(page.c.lat.is_(None), page.c.lon.is_(None)), _text("null")),
        else_=func.concat(
            _text('{"type":"Point","coordinates":['),
            cast(page.c.lon, Text),
            _text(","),
            cast(page.c.lat, Text),
            _text("]}"),
        ),
    )
    parts: list[Any] = [
        _text('{"type":"Feature","id":'),
        cast(page.c.id, Text),
        _text(',"geometry":'),
        geometry,
        _text(',"properties":{"name":'),
        func.coalesce(cast(func.to_json(page.c.name), Text), _text("null")),
        _text(',"status":"'),
        cast(page.c.status, Text),
        _text('","freshness":"'),
        freshness,
        _text('","very_stale":'),
        very_stale,
    ]
    if near:
        # round() of a double is rint(): half to even, as Python's round().
        parts += [
            _text(',"distance_m":'),
            cast(cast(func.round(page.c.distance_m), BigInteger), Text),
        ]
    parts.append(_text("}}"))
    return func.concat(*parts)


@functools.lru_cache(maxsize=256)
def page_text_statement(
    page_statement: Select[Any], periods: tuple[int, ...], near: bool
) -> Select[Any]:
    """One row: how many markers ``page_statement`` found and their Features joined by
    commas in its order (NULL for none). Bind the policy's ``parameters(today)`` too."""
    page = page_statement.subquery("page")
    order = (page.c.distance_m, page.c.id) if near else (page.c.id,)
    text = func.string_agg(feature_text(page, periods, near), _text(",")).aggregate_order_by(*order)
    return select(func.count().label("returned"), text.label("features")).select_from(page)


@dataclass(frozen=True)
class DriverStatement:
    """A statement compiled once into the driver's own SQL: executed with
    ``exec_driver_sql``, it skips SQLAlchemy's per-execution compile-cache look-up, bind
    processing and expansion of ``IN`` lists (a third of the call's CPU time). Each
    expanding ``IN (…)`` list is one array parameter (``= ANY(%(name)s)``) instead."""

    sql: str
    compiled: Compiled
    #: The expanding parameters, each with its type's bind processor (or None).
    arrays: tuple[tuple[str, Callable[[Any], Any] | None], ...]

    def parameters(self, values: dict[str, Any]) -> dict[str, Any]:
        bound = dict(self.compiled.construct_params(values) or {})
        for name, process in self.arrays:
            items = bound[name]
            bound[name] = [process(item) for item in items] if process else list(items)
        return bound


@functools.lru_cache(maxsize=256)
def driver_statement(statement: Select[Any], dialect: Dialect) -> DriverStatement | None:
    """``statement`` in the driver's SQL (PostgreSQL), or None if a part of it cannot be
    (then execute it as usual)."""
    compiled = statement.compile(dialect=dialect)
    sql = compiled.string
    arrays = []
    for name, parameter in compiled.binds.items():
        if not parameter.expanding:
            continue
        token = f" IN (__[POSTCOMPILE_{name}])"
        if sql.count(token) != sql.count(f"__[POSTCOMPILE_{name}]"):
            return None  # NOT IN, or another form: leave it to SQLAlchemy
        sql = sql.replace(token, f" = ANY(%({name})s)")
        arrays.append((name, parameter.type._cached_bind_processor(dialect)))
    if "__[POSTCOMPILE_" in sql:
        return None
    return DriverStatement(sql, compiled, tuple(arrays))
