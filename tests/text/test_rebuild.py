"""A bulk import writes with the text index's triggers off and rebuilds the index in one pass:
the index it leaves equals the triggers' own, a failed import leaves data and index as they
were, and the triggers are back on for the next edit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from assetmap.db import Backend
from assetmap.directory import importing
from assetmap.directory.importing import save_listings, validate_records
from assetmap.errors import ValidationError
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import Group
from assetmap.text import rebuild
from assetmap.text.rebuild import keys_set_aside, rebuild_text_index
from tests.factories import listing
from tests.text.test_index import assert_index_true, found


@pytest.fixture
def bulk(monkeypatch):
    """Every import of three or more listings takes the bulk path, two listings a batch."""
    monkeypatch.setattr(importing, "BULK_INDEX_FROM", 3)
    monkeypatch.setattr(importing, "WRITE_BATCH", 2)


def _records(word: str, count: int = 5) -> list[dict]:
    return [
        listing(
            f"{word.title()} club {n}",
            external_id=f"club-{n}",
            interests=[word, "tea"],
            description=f"A {word} group, number {n}.",
        )
        for n in range(count)
    ]


def _save(session, records) -> list[int]:
    return save_listings(session, validate_records(records, GazetteerGeocoder(session))).group_ids


def test_the_bulk_path_leaves_the_index_the_triggers_would(database, backend, add_groups, bulk):
    ids = add_groups(*_records("walking"))
    with database.session() as session:
        assert_index_true(session, backend)
        assert found(session, backend, "walking") == set(ids)
        # Again, as updates: names, descriptions and interests all change.
        assert _save(session, _records("knitting")) == ids
        assert_index_true(session, backend)
        assert found(session, backend, "walking") == set()
        assert found(session, backend, "knitting") == set(ids)


def test_a_full_rebuild_equals_the_triggers_index(database, backend, add_groups):
    add_groups(*_records("walking", 3))  # below the bulk size: through the triggers
    with database.session() as session:
        assert rebuild_text_index(session) == 3
        assert_index_true(session, backend)


def test_the_triggers_are_back_on_after_a_bulk_import(database, backend, add_groups, bulk):
    first, *_ = add_groups(*_records("walking"))
    with database.session() as session:
        session.get(Group, first).name = "Pottery corner"
    with database.session() as session:
        assert first in found(session, backend, "pottery")
        assert_index_true(session, backend)


def test_a_failed_bulk_import_leaves_data_and_index_as_they_were(
    database, backend, add_groups, bulk
):
    ids = add_groups(*_records("walking"))
    records = _records("knitting", 6)
    # The last batch fails after the first two were written: its listing names group 1 by
    # id while bringing group 2's external id.
    records[5] = {**records[5], "id": ids[0], "external_id": "club-1"}
    with pytest.raises(ValidationError), database.session() as session:
        _save(session, records)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Group)) == len(ids)
        assert_index_true(session, backend)
        assert found(session, backend, "knitting") == set()
        assert found(session, backend, "walking") == set(ids)
        # and the triggers are on again
        session.get(Group, ids[0]).description = "Now with ukulele."
        session.flush()
        assert found(session, backend, "ukulele") == {ids[0]}


# PostgreSQL: a rebuild of most of the directory sets group_words' keys aside and builds them
# again from their own definitions.

_KEYS = (
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE conrelid = 'group_words'::regclass"
    " UNION ALL SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'group_words'"
    " ORDER BY 1"
)


def _keys(session) -> list[tuple[str, str]]:
    return [tuple(row) for row in session.execute(text(_KEYS))]


def _set_aside_counter(monkeypatch) -> list[str]:
    """Rebuilds of three or more groups set the keys aside; the tables it was asked for."""
    monkeypatch.setattr(rebuild, "SET_ASIDE_FROM", 3)
    calls: list[str] = []
    real = rebuild.keys_set_aside

    def counting(session, table):
        calls.append(table)
        return real(session, table)

    monkeypatch.setattr(rebuild, "keys_set_aside", counting)
    return calls


@pytest.fixture
def postgres(backend):
    if backend is not Backend.POSTGIS:
        pytest.skip("group_words and its keys are PostgreSQL's")


def test_a_bulk_load_sets_the_keys_aside_and_brings_them_back_the_same(
    database, backend, add_groups, bulk, monkeypatch, postgres
):
    with database.session() as session:
        keys = _keys(session)
    assert {"group_words_pkey", "group_words_group_id_fkey", "ix_group_words_word_cell"} <= {
        name for name, _ in keys
    }
    calls = _set_aside_counter(monkeypatch)
    ids = add_groups(*_records("walking"))
    assert calls == ["group_words"]
    with database.session() as session:
        assert _keys(session) == keys
        assert_index_true(session, backend)
        assert found(session, backend, "walking") == set(ids)
        # The keys work again: the primary key refuses a second row, the foreign key a
        # group that is not there.
        copy = "INSERT INTO group_words (word, group_id, cell) SELECT word, {}, cell"
        copy += " FROM group_words LIMIT 1"
        for group, key in (("group_id", "group_words_pkey"), ("-1", "group_words_group_id_fkey")):
            with pytest.raises(DBAPIError, match=key), session.begin_nested():
                session.execute(text(copy.format(group)))


def test_a_small_rebuild_keeps_the_keys(database, backend, add_groups, monkeypatch, postgres):
    add_groups(*_records("walking", 6))
    calls = _set_aside_counter(monkeypatch)
    with database.session() as session:
        first = session.scalars(select(Group.id).order_by(Group.id)).first()
        assert rebuild_text_index(session, [first]) == 1  # one group in six: not most of it
        assert rebuild_text_index(session) == 6
    assert calls == ["group_words"]


def test_keys_set_aside_come_back_when_the_load_fails(database, add_groups, postgres):
    ids = add_groups(*_records("walking"))
    with database.session() as session:
        keys = _keys(session)
    with (
        pytest.raises(RuntimeError),
        database.session() as session,
        keys_set_aside(session, "group_words"),
    ):
        session.execute(text("DELETE FROM group_words"))
        assert _keys(session) == []
        raise RuntimeError("the load failed")
    with database.session() as session:
        assert _keys(session) == keys
        assert found(session, Backend.POSTGIS, "walking") == set(ids)


def test_a_table_another_references_is_not_set_aside(database, postgres):
    with (
        database.session() as session,
        pytest.raises(ValueError, match="referenced"),
        keys_set_aside(session, "groups"),
    ):
        pass
