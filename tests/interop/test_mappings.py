"""Saved column mappings: named, unique, every target a real field."""

from __future__ import annotations

import datetime as dt

import pytest

from assetmap.errors import Conflict, NotFound, ValidationError
from assetmap.interop.mappings import delete_mapping, find_mapping, list_mappings, save_mapping
from assetmap.models import ImportFormat

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
COLUMNS = {"Group name": "name", "Post Code": "venue.postcode", "Notes": ""}


def test_a_mapping_is_saved_found_and_deleted(database) -> None:
    with database.session() as session:
        saved = save_mapping(session, " Camden sheet ", ImportFormat.CSV, COLUMNS, NOW)
    assert saved.name == "Camden sheet"
    assert saved.columns == {"Group name": "name", "Post Code": "venue.postcode"}  # no Notes
    with database.session() as session:
        assert [m.name for m in list_mappings(session)] == ["Camden sheet"]
        assert find_mapping(session, saved.id) == find_mapping(session, "Camden sheet")
        delete_mapping(session, "Camden sheet")
    with database.session() as session:
        assert list_mappings(session) == []
        with pytest.raises(NotFound, match="no saved column mapping 'Camden sheet'"):
            find_mapping(session, "Camden sheet")


def test_a_name_is_unique_unless_replacing(database) -> None:
    with database.session() as session:
        save_mapping(session, "A", ImportFormat.CSV, COLUMNS, NOW)
    with database.session() as session, pytest.raises(Conflict, match="already a mapping"):
        save_mapping(session, "A", ImportFormat.XLSX, COLUMNS, NOW)
    with database.session() as session:
        again = save_mapping(session, "A", ImportFormat.XLSX, {"Title": "name"}, NOW, replace=True)
    assert again.format is ImportFormat.XLSX and again.columns == {"Title": "name"}


@pytest.mark.parametrize(
    ("name", "fmt", "columns", "said"),
    [
        ("A", ImportFormat.CSV, {"Where": "venue.post_code"}, "'venue.post_code' is not"),
        ("A", ImportFormat.CSV, {"A": "name", "B": "name"}, "name is already the column 'A'"),
        ("A", ImportFormat.CSV, {"A": ""}, "map at least one column"),
        ("A", ImportFormat.CSV, {" ": "name"}, "its column has no header"),
        ("", ImportFormat.CSV, {"A": "name"}, "give the mapping a name"),
        ("A" * 201, ImportFormat.CSV, {"A": "name"}, "at most 200 characters"),
        ("A", ImportFormat.ORUK, {"A": "name"}, "only CSV and Excel files"),
    ],
)
def test_a_mapping_is_checked_before_it_is_saved(database, name, fmt, columns, said) -> None:
    with database.session() as session, pytest.raises(ValidationError, match=said):
        save_mapping(session, name, fmt, columns, NOW)
    with database.session() as session:
        assert list_mappings(session) == []
