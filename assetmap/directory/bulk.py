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

import json
from collections.abc import Callable, Sequence
from itertools import count
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

#: Keys per look-up query: one parameter holds them all, so this only bounds memory.
LOOKUP_CHUNK = 5000
_temp_names = count(1)


def values_in(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values`` with the values as one parameter, for any column type."""
    if session_backend(session) is Backend.POSTGIS:
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    listed = func.json_each(bindparam(None, json.dumps(list(values)))).table_valued("value")
    return column.in_(select(listed.c.value))


def lookup(session: Session, statement: Any, column: Any, keys: Sequence[Any]) -> list[Any]:
    """Every row of ``statement`` whose ``column`` is one of ``keys``, chunk by chunk."""
    rows: list[Any] = []
    for chunk in chunks(sorted(set(keys)), LOOKUP_CHUNK):
        rows += session.execute(statement.where(values_in(session, column, chunk))).all()
    return rows


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``."""
    if not rows:
        return
    if session_backend(session) is Backend.POSTGIS:
        names = _with_defaults(table, rows, onupdate=False)
        _copy(session, table.name, table, names, rows)
    else:
        session.execute(insert(table), list(rows))


def update_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], key: str = "id"
) -> None:
    """Update the rows of ``table`` named by ``key`` with the other values of ``rows`` (dicts
    with the same keys); ``onupdate`` columns not given move on as an ORM update would."""
    if not rows:
        return
    if session_backend(session) is not Backend.POSTGIS:
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
    dialect = session.get_bind().dialect
    processors: list[Callable[[Any], Any] | None] = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    ]
    listed = ", ".join(f'"{name}"' for name in names)
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f'COPY "{target}" ({listed}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [
                    value if process is None else process(value)
                    for value, process in zip((row[n] for n in names), processors, strict=True)
                ]
            )


__all__ = ["insert_rows", "lookup", "update_rows", "values_in"]
