"""Set-based writes and look-ups for imports: many rows per statement on both backends.

On PostgreSQL rows go in with ``COPY`` (psycopg 3's ``cursor.copy()``), and updates through a
temporary table COPY fills and one ``UPDATE … FROM``: a hundred thousand rows in a second or
two where statement-per-row takes minutes. On SQLite, whose writes are in-process, one
``executemany`` per table inside the caller's transaction is as fast. Look-ups pass their keys
as one parameter (an array on PostgreSQL, a JSON list read by ``json_each`` on SQLite) so a
chunk of thousands is one indexed query.

Both paths write what SQLAlchemy would: column defaults and ``onupdate`` values are filled in
Python, and every value goes through its column type's bind processing (enums by value, JSON
as JSON, times in UTC), so a row written here reads back as one written through Core.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import count
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Table,
    any_,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.schema import ColumnDefault

from assetmap.db import Backend, chunks, session_backend
from assetmap.geo.geocoders import ChainGeocoder, GazetteerGeocoder
from assetmap.geo.interfaces import Geocoder, Place
from assetmap.models import Postcode

#: Keys per look-up query: one parameter holds them all, so this only bounds memory.
LOOKUP_CHUNK = 5000
#: Below this many rows, PostgreSQL gets plain statements too: a COPY (and, for updates, its
#: temporary table) costs more round trips than it saves on a single edit.
COPY_FROM = 100
_temp_names = count(1)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off Python's cycle collector while an import builds its objects: it would walk
    every listing held so far each time a few hundred more are made (two thirds of checking
    50,000 listings), and an import makes no cycles worth collecting early."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def values_in(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values`` with the values as one parameter, for any column type."""
    if session_backend(session) is Backend.POSTGIS:
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    listed = func.json_each(bindparam(None, json.dumps(list(values)))).table_valued("value")
    return column.in_(select(listed.c.value))


def lookup(session: Session, statement: Any, column: Any, keys: Iterable[Any]) -> list[Any]:
    """Every row of ``statement`` whose ``column`` is one of ``keys``, chunk by chunk."""
    rows: list[Any] = []
    for chunk in chunks(sorted(set(keys)), LOOKUP_CHUNK):
        rows += session.execute(statement.where(values_in(session, column, chunk))).all()
    return rows


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``."""
    if len(rows) < COPY_FROM:
        if rows:
            session.execute(insert(table), list(rows))
        return
    names = _with_defaults(table, rows, onupdate=False)
    if session_backend(session) is Backend.POSTGIS:
        _copy(session, table.name, table, names, rows)
    else:
        values: dict[str, Any] = {name: bindparam(f"b_{name}") for name in names}
        _executemany(session, insert(table).values(values), table, rows)


def update_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], key: str = "id"
) -> None:
    """Update the rows of ``table`` named by ``key`` with the other values of ``rows`` (dicts
    with the same keys); ``onupdate`` columns not given move on as an ORM update would."""
    if len(rows) < COPY_FROM:
        if rows:
            columns = [name for name in rows[0] if name != key]
            statement = (
                update(table)
                .where(table.c[key] == bindparam("b_key"))
                .values({name: bindparam(f"b_{name}") for name in columns})
            )
            session.execute(
                statement,
                [{"b_key": row[key], **{f"b_{n}": row[n] for n in columns}} for row in rows],
            )
        return
    names = _with_defaults(table, rows, onupdate=True)
    if session_backend(session) is not Backend.POSTGIS:
        statement = (
            update(table)
            .where(table.c[key] == bindparam(f"b_{key}"))
            .values({name: bindparam(f"b_{name}") for name in names if name != key})
        )
        _executemany(session, statement, table, rows)
        return
    temp = f"bulk_{table.name}_{next(_temp_names)}"
    listed = ", ".join(f'"{name}"' for name in names)
    session.execute(
        text(
            f'CREATE TEMP TABLE "{temp}" ON COMMIT DROP AS '
            f'SELECT {listed} FROM "{table.name}" WITH NO DATA'
        )
    )
    _copy(session, temp, table, names, rows)
    assignments = ", ".join(f'"{name}" = s."{name}"' for name in names if name != key)
    session.execute(
        text(
            f'UPDATE "{table.name}" AS t SET {assignments} FROM "{temp}" AS s '
            f'WHERE t."{key}" = s."{key}"'
        )
    )
    session.execute(text(f'DROP TABLE "{temp}"'))


def _executemany(
    session: Session, statement: Any, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Run ``statement`` (its parameters named ``b_<column>``) once per row as one DB-API
    executemany: the SQL SQLAlchemy compiles, the values bound as their columns bind them,
    without its per-row parameter handling (most of the cost of a big executemany)."""
    dialect = session.get_bind().dialect
    compiled = statement.compile(dialect=dialect)
    names = [name.removeprefix("b_") for name in compiled.positiontup or []]
    bound = _binder(table, names, dialect)
    session.connection().exec_driver_sql(str(compiled), [tuple(bound(row)) for row in rows])


Binder = Callable[[dict[str, Any]], list[Any]]


def _binder(table: Table, names: Sequence[str], dialect: Any) -> Binder:
    """A function from a row to its values in ``names``' order, each bound as its column's
    type binds it for ``dialect`` (only the columns whose type does anything are touched)."""
    pick = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    processors = [
        (position, process)
        for position, name in enumerate(names)
        if (process := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    ]

    def bound(row: dict[str, Any]) -> list[Any]:
        values = list(pick(row))
        for position, process in processors:
            values[position] = process(values[position])
        return values

    return bound


def _with_defaults(table: Table, rows: Sequence[dict[str, Any]], onupdate: bool) -> list[str]:
    """The column names to write: those given, plus the Python-side defaults (or, for an
    update, ``onupdate`` values) SQLAlchemy would have filled, added to each row."""
    given = list(rows[0])
    filled: dict[str, Any] = {}
    for column in table.c:
        if column.name in given:
            continue
        default = column.onupdate if onupdate else column.default
        if not isinstance(default, ColumnDefault) or default.is_sequence:
            continue
        filled[column.name] = default.arg(None) if default.is_callable else default.arg
    for row in rows:
        for name, value in filled.items():
            # a list or dict default is one object: each row gets its own copy
            row.setdefault(name, value.copy() if isinstance(value, list | dict) else value)
    return given + list(filled)


def _copy(
    session: Session, target: str, table: Table, names: list[str], rows: Sequence[dict[str, Any]]
) -> None:
    """COPY ``rows`` into ``target`` (``table`` or a temporary copy of some of its columns),
    each value bound as ``table``'s column would bind it."""
    bound = _binder(table, names, session.get_bind().dialect)
    listed = ", ".join(f'"{name}"' for name in names)
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f'COPY "{target}" ({listed}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(bound(row))


def geocode_postcodes(geocoder: Geocoder, postcodes: Sequence[str]) -> dict[str, Place | None]:
    """Each (normalised) postcode's place: the gazetteer answers them all in one query per
    chunk; any other geocoder is asked once per postcode it is left with."""
    wanted = sorted(set(postcodes))
    found: dict[str, Place | None] = {}
    members = geocoder.geocoders if isinstance(geocoder, ChainGeocoder) else [geocoder]
    for member in members:
        left = [postcode for postcode in wanted if found.get(postcode) is None]
        if not left:
            break
        if isinstance(member, GazetteerGeocoder):
            statement = select(Postcode.postcode, Postcode.lat, Postcode.lon)
            for row in lookup(member.session, statement, Postcode.postcode, left):
                found[row.postcode] = Place(row.lat, row.lon, row.postcode, member.name)
        else:
            for postcode in left:
                found[postcode] = member.geocode(postcode)
    return {postcode: found.get(postcode) for postcode in wanted}


__all__ = ["gc_paused", "geocode_postcodes", "insert_rows", "lookup", "update_rows", "values_in"]
