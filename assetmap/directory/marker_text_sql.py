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
import re
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
    literal_column,
    or_,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import Compiled
from sqlalchemy.sql.util import ClauseAdapter

from assetmap.verification.policy import Freshness, freshness_condition, very_stale_condition


def _text(value: str) -> ColumnElement[str]:
    """A constant of the statement, written into its SQL (not a parameter to send each time)."""
    assert "'" not in value and "%" not in value and "\\" not in value
    return literal_column(f"'{value}'", Text)


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
    #: Each parameter's short name in ``sql``: psycopg caches its parsing of a statement only
    #: up to 4,096 characters, and SQLAlchemy's names (``ST_MakeEnvelope_2``) put a ``near``
    #: page's just past that, to be parsed again on every request.
    short: tuple[tuple[str, str], ...]

    def parameters(self, values: dict[str, Any]) -> dict[str, Any]:
        bound = self.compiled.construct_params(values) or {}
        for name, process in self.arrays:
            items = bound[name]
            bound[name] = [process(item) for item in items] if process else list(items)
        return {short: bound[name] for name, short in self.short}


_PARAMETER = re.compile(r"%\((\w+)\)s")


@functools.lru_cache(maxsize=256)
def driver_statement(statement: Select[Any], dialect: Dialect) -> DriverStatement | None:
    """``statement`` in the driver's SQL (PostgreSQL), or None if a part of it cannot be
    (then execute it as usual)."""
    compiled = statement.compile(dialect=dialect)
    sql = compiled.string
    arrays = []
    names: list[str] = []  # as rendered, in the order of first use
    for parameter, name in compiled.bind_names.items():  # type: ignore[attr-defined]
        if name in names:
            continue
        names.append(name)
        if not parameter.expanding:
            continue
        token = f" IN (__[POSTCOMPILE_{name}])"
        if sql.count(token) != sql.count(f"__[POSTCOMPILE_{name}]"):
            return None  # NOT IN, or another form: leave it to SQLAlchemy
        sql = sql.replace(token, f" = ANY(%({name})s)")
        arrays.append((name, parameter.type._cached_bind_processor(dialect)))
    if "__[POSTCOMPILE_" in sql:
        return None
    short = tuple((name, f"p{n}_") for n, name in enumerate(names))
    if {name for _, name in short} & set(names):
        return None
    for name, name_in_sql in short:
        sql = sql.replace(f"%({name})s", f"%({name_in_sql})s")
    if not set(_PARAMETER.findall(sql)) <= {name for _, name in short}:
        return None  # a parameter not renamed: leave it to SQLAlchemy
    return DriverStatement(sql, compiled, tuple(arrays), short)
