"""The text index rebuilt in one set-based pass, for bulk loads.

The triggers of migration 0024 keep the index true on every write, but a large import pays
for them several times over: on PostgreSQL each group's words are rebuilt once when the group
is written and again when its interests are (and a third time on an update, whose interests
are deleted and re-inserted); on SQLite each interest rewrites its group's FTS5 row. A bulk
load instead turns the triggers off inside its own transaction (``deferred_text_index``),
writes, and rebuilds the words of the groups it wrote in one statement per table at the end.
Turning them off is transactional on both backends (PostgreSQL ``ALTER TABLE … DISABLE
TRIGGER``; SQLite drops and re-creates them), so a failed load rolls back data, index and
triggers together. While the load runs, other writers to ``groups`` and ``group_interests``
wait for it (PostgreSQL's SHARE ROW EXCLUSIVE lock); readers do not.

A rebuild of most of the directory on PostgreSQL (a first load, a reload) sets
``group_words``' keys aside, inserts, and builds them again: inserting 2.1 million rows of
100,000 groups into both of its B-trees at once, in no order either can use, took 49 s where
the insert alone takes 4 s and building the keys afterwards 4.5 s (issue 18). Text searches
then wait for the load's commit (the keys' ACCESS EXCLUSIVE lock), for the few seconds from
the rebuild to the commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from assetmap.db import Backend, session_backend

#: Migration 0024's triggers on PostgreSQL, by table.
POSTGRES_TRIGGERS = {
    "groups": ("group_search_groups_insert", "group_search_groups_update"),
    "group_interests": (
        "group_search_interests_insert",
        "group_search_interests_delete",
        "group_search_interests_update",
    ),
}


def _unquoted(expression: str) -> str:
    """The text with its apostrophes removed, in SQL, as the triggers index it."""
    for mark in ("''", "’", "‘", "`"):
        expression = f"replace({expression}, '{mark}', '')"
    return expression


# The words of the groups listed in ``:ids`` (PostgreSQL), with their venue's cell:
# group_search_refresh's expression (migration 0029), with the ids joined as a table rather
# than tested by ``= ANY`` row by row.
_POSTGRES_WORDS = (
    "INSERT INTO group_words (word, group_id, cell)"
    " SELECT DISTINCT w.lexeme, g.id, venue_cell(v.lat, v.lon)"
    " FROM unnest(CAST(:ids AS integer[])) AS t (id) JOIN groups AS g ON g.id = t.id"
    " LEFT JOIN venues AS v ON v.id = g.venue_id"
    " LEFT JOIN LATERAL (SELECT string_agg(interest, ' ') AS interests"
    " FROM group_interests WHERE group_id = g.id) AS i ON true,"
    " unnest(to_tsvector('assetmap_words'::regconfig, "
    + _unquoted("coalesce(i.interests, '') || ' ' || g.name || ' ' || coalesce(g.description, '')")
    + ")) AS w"
)
_POSTGRES_VOCABULARY = (
    "INSERT INTO search_words (word) SELECT DISTINCT w.word"
    " FROM unnest(CAST(:ids AS integer[])) AS t (id) JOIN group_words AS w ON w.group_id = t.id"
    " ON CONFLICT DO NOTHING"
)
_DESCRIPTION = "coalesce(g.description, '')"
_SQLITE_IDS = "SELECT value FROM json_each(:ids)"
_SQLITE_TEXT = (
    "INSERT INTO group_text (rowid, interests, name, description)"
    " SELECT g.id, "
    + _unquoted(
        "coalesce((SELECT group_concat(interest, ' ') FROM group_interests"
        " WHERE group_id = g.id), '')"
    )
    + f", {_unquoted('g.name')}, {_unquoted(_DESCRIPTION)}"
    f" FROM groups AS g WHERE g.id IN ({_SQLITE_IDS})"
)


#: A PostgreSQL rebuild sets ``group_words``' keys aside when it rewrites at least this many
#: groups and at least this share of the directory (measured at 100,000 groups: a fifth of
#: them took 5.4 s through the keys, 3.7 s setting them aside; all of them 49 s and 8 s).
SET_ASIDE_FROM = 20_000
SET_ASIDE_SHARE = 0.25

# The table's own keys: primary and unique constraints, then other indexes, then foreign
# keys (which must come back last, checked against their referenced keys).
_CONSTRAINTS = (
    "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint"
    " WHERE conrelid = CAST(:table AS regclass) AND contype IN ('p', 'u', 'f')"
    " ORDER BY contype = 'f', conname"
)
_INDEXES = (
    "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index AS x"
    " JOIN pg_class AS i ON i.oid = x.indexrelid WHERE x.indrelid = CAST(:table AS regclass)"
    " AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = x.indexrelid)"
    " ORDER BY i.relname"
)
_REFERENCED = (
    "SELECT count(*) FROM pg_constraint"
    " WHERE confrelid = CAST(:table AS regclass) AND conrelid <> confrelid"
)


@contextmanager
def keys_set_aside(session: Session, table: str) -> Iterator[None]:
    """PostgreSQL: ``table``'s constraints and indexes dropped for the block and built again,
    from their own definitions, on leaving (in the caller's transaction, so an error rolls
    the drop back too). For a table no other table's foreign key references."""
    if session.execute(text(_REFERENCED), {"table": table}).scalar():
        raise ValueError(f"{table} is referenced by another table's foreign key")
    constraints = session.execute(text(_CONSTRAINTS), {"table": table}).all()
    indexes = session.execute(text(_INDEXES), {"table": table}).all()
    for name, _, _ in reversed(constraints):
        session.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        session.execute(text(f'DROP INDEX "{name}"'))
    yield
    keys = [(name, definition) for name, definition, kind in constraints if kind != "f"]
    foreign = [(name, definition) for name, definition, kind in constraints if kind == "f"]
    for name, definition in keys:
        session.execute(text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))
    for _, definition in indexes:
        session.execute(text(definition))
    for name, definition in foreign:
        session.execute(text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))
    session.execute(text(f'ANALYZE "{table}"'))


def _most_of_the_directory(session: Session, rebuilt: int) -> bool:
    if rebuilt < SET_ASIDE_FROM:
        return False
    groups = session.execute(text("SELECT count(*) FROM groups")).scalar_one()
    return rebuilt >= groups * SET_ASIDE_SHARE


def rebuild_text_index(session: Session, group_ids: list[int] | None = None) -> int:
    """Rebuild the index rows of ``group_ids`` (every group if None) from the tables, in one
    pass per table; the number of groups rebuilt. A group that is gone loses its rows."""
    if group_ids is None:
        group_ids = list(session.scalars(text("SELECT id FROM groups")))
    ids = sorted(set(group_ids))
    if not ids:
        return 0
    if session_backend(session) is Backend.POSTGIS:
        values = {"ids": ids}
        session.execute(
            text(
                "DELETE FROM group_words WHERE group_id IN (SELECT unnest(CAST(:ids AS integer[])))"
            ),
            values,
        )
        aside = _most_of_the_directory(session, len(ids))
        with keys_set_aside(session, "group_words") if aside else nullcontext():
            session.execute(text(_POSTGRES_WORDS), values)
        session.execute(text(_POSTGRES_VOCABULARY), values)
    else:
        listed = {"ids": json.dumps(ids)}
        session.execute(text(f"DELETE FROM group_text WHERE rowid IN ({_SQLITE_IDS})"), listed)
        session.execute(text(_SQLITE_TEXT), listed)
    return len(ids)


def _triggers_off(session: Session) -> list[str]:
    """Turn the index's triggers off in this transaction; what turns them back on."""
    if session_backend(session) is Backend.POSTGIS:
        restore = []
        for table, triggers in POSTGRES_TRIGGERS.items():
            for trigger in triggers:
                session.execute(text(f'ALTER TABLE "{table}" DISABLE TRIGGER "{trigger}"'))
                restore.append(f'ALTER TABLE "{table}" ENABLE TRIGGER "{trigger}"')
        return restore
    found = session.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
            " AND name LIKE 'group\\_text\\_%' ESCAPE '\\' ORDER BY name"
        )
    ).all()
    for name, _ in found:
        session.execute(text(f'DROP TRIGGER "{name}"'))
    return [sql for _, sql in found]


@contextmanager
def deferred_text_index(session: Session) -> Iterator[list[int]]:
    """The index's triggers off for the block; it appends to the yielded list the ids of the
    groups it writes (created, updated or deleted), whose index rows are rebuilt on leaving,
    and the triggers turned back on, all in the caller's transaction. On an error nothing is
    rebuilt: the caller's rollback restores the index and the triggers with the data."""
    restore = _triggers_off(session)
    written: list[int] = []
    try:
        yield written
    except BaseException:
        try:
            for statement in restore:
                session.execute(text(statement))
        except DBAPIError:
            pass  # the transaction has failed: its rollback turns them back on
        raise
    rebuild_text_index(session, written)
    for statement in restore:
        session.execute(text(statement))


__all__ = ["POSTGRES_TRIGGERS", "deferred_text_index", "keys_set_aside", "rebuild_text_index"]
