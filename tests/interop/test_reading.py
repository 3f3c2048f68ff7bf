"""What the directory readers share: the terms table, values, and problems said in the
source's own field names."""

from __future__ import annotations

import pytest

from assetmap.interop.reading import Draft, Gaps, date_of, normal, terms, time_of
from assetmap.models import ACCESSIBILITY_FLAGS, Category


def test_the_terms_table_names_only_assetmaps_categories_and_flags() -> None:
    table = terms()
    assert {c for cats in table.categories.values() for c in cats} <= {c.value for c in Category}
    assert set(table.accessibility.values()) <= set(ACCESSIBILITY_FLAGS)
    # a slug, odd case and '&' match the same term
    assert table.categories_of(["Arts-and-Crafts"]) == ["creative"]
    assert table.categories_of(["ARTS & CRAFTS", "Walking"]) == ["creative", "active"]
    assert table.categories_of(["Men's sheds"]) == ["creative", "social"]
    assert table.categories_of(["Model railways", None]) == []
    assert normal("  Step_free   access ") == "step free access"


def test_times_and_dates_in_the_shapes_directories_write_them() -> None:
    assert [time_of(t) for t in ("9:30", "10:00:00", "18:15:00Z", "07:05:00.000")] == [
        "09:30",
        "10:00",
        "18:15",
        "07:05",
    ]
    for bad in ("24:00", "10.30", "10:60", 1000, None):
        with pytest.raises(ValueError):
            time_of(bad)
    assert str(date_of("2026-09-01")) == str(date_of("2026-09-01T23:10:00.000Z"))
    with pytest.raises(ValueError):
        date_of("01/09/2026")


def test_a_contract_path_is_said_in_the_sources_words() -> None:
    draft = Draft(1, "service 'A' (id 1)")
    draft.where.update({"venue": "locations[0]", "venue.lat": "locations[0].latitude"})
    assert draft.source_path("venue.lat") == "locations[0].latitude"
    assert draft.source_path("venue.name") == "locations[0].name"
    assert draft.source_path("venue") == "locations[0]"
    assert draft.source_path("categories[0]") == "categories[0]"


def test_gaps_gather_by_kind_naming_a_few_records() -> None:
    gaps = Gaps()
    for n in range(1, 8):
        gaps.add("where it meets (no location)", f"service {n}")
    gaps.add("when it meets (no schedule)", "service 2")
    assert gaps.lines() == [
        "where it meets (no location): 7 services (service 1, service 2, service 3, "
        "service 4, service 5 and 2 more)",
        "when it meets (no schedule): 1 service (service 2)",
    ]
