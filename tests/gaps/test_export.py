"""Gap results as CSV and GeoJSON, and answered once per state of the data."""

from __future__ import annotations

import csv
import io

from sqlalchemy import update

from assetmap.db import Database
from assetmap.gaps.analysis import GapResult
from assetmap.gaps.cache import ResultCache
from assetmap.gaps.export import COLUMNS, result_csv, result_geojson, suppressed
from assetmap.gaps.requests import parse_gap_question
from assetmap.gaps.service import answer
from assetmap.geo.travel import EstimatedTravel
from assetmap.models import Area, Group, Postcode
from tests.gaps.test_analysis import TODAY, borough  # noqa: F401  (the fixture)


def _answer(database: Database, cache: ResultCache[GapResult] | None = None) -> GapResult:
    with database.session() as session:
        return answer(session, parse_gap_question({}), EstimatedTravel(), TODAY, cache)


def test_csv_has_every_area_worst_first(borough: Database) -> None:  # noqa: F811
    rows = list(csv.DictReader(io.StringIO(result_csv(_answer(borough)))))
    assert [r["code"] for r in rows] == ["E", "M", "W"]
    assert list(rows[0]) == list(COLUMNS)
    assert rows[0]["gap_score"] == "100.0" and rows[0]["nearest_minutes"] in (
        "",
        rows[0]["nearest_minutes"],
    )
    assert rows[2]["coverage"] == "1.0"


def test_geojson_carries_each_areas_outline_and_figures(borough: Database) -> None:  # noqa: F811
    result = _answer(borough)
    with borough.session() as session:
        collection = result_geojson(session, result)
    assert collection["basis"] == "areas"
    east = collection["features"][0]
    assert east["properties"]["code"] == "E" and east["properties"]["gap_score"] == 100.0
    assert east["geometry"]["type"] == "MultiPolygon"
    (ring,) = east["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 5
    assert min(lon for lon, _ in ring) == -0.22


def test_small_counts_are_given_as_under_five() -> None:
    assert [suppressed(n) for n in (0, 1, 4, 5, 12)] == [0, "<5", "<5", 5, 12]


def test_an_answer_is_kept_until_a_listing_changes(borough: Database) -> None:  # noqa: F811
    cache: ResultCache[GapResult] = ResultCache()
    first = _answer(borough, cache)
    assert _answer(borough, cache) is first
    with borough.session() as session:
        session.execute(update(Group).values(version=Group.version + 1))
    assert _answer(borough, cache) is not first
    assert (cache.hits, cache.misses) == (1, 2)


def test_new_people_figures_make_a_kept_answer_stale(borough: Database) -> None:  # noqa: F811
    """Areas and postcodes are re-loaded in place (import-area-people, import-postcodes): their
    change time, not only their count, tells the cache."""
    cache: ResultCache[GapResult] = ResultCache()
    first = _answer(borough, cache)
    with borough.session() as session:
        session.execute(update(Area).where(Area.code == "W").values(population=9000))
    second = _answer(borough, cache)
    assert second is not first
    with borough.session() as session:
        session.execute(update(Postcode).where(Postcode.postcode == "ZW00").values(area_code="E"))
    assert _answer(borough, cache) is not second
