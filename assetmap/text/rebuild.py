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
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

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


__all__ = ["POSTGRES_TRIGGERS", "deferred_text_index", "rebuild_text_index"]
