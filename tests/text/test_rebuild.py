"""A bulk import writes with the text index's triggers off and rebuilds the index in one pass:
the index it leaves equals the triggers' own, a failed import leaves data and index as they
were, and the triggers are back on for the next edit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assetmap.directory import importing
from assetmap.directory.importing import save_listings, validate_records
from assetmap.errors import ValidationError
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import Group
from assetmap.text.rebuild import rebuild_text_index
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
