"""OS Code-Point Open into the gazetteer (issue 17, item 5): National Grid references become
WGS84 where published positions say, quality-90 postcodes are skipped, a re-import changes
nothing, districts and sectors are the centre of their postcodes through an index, and a bad row
names its file and line and writes nothing. On the real subset in tests/data/codepoint."""

from __future__ import annotations

import io
import shutil
import zipfile

import numpy as np
import pytest
from sqlalchemy import func, select, text

from assetmap.db import Backend
from assetmap.errors import ValidationError
from assetmap.geo import gazetteer
from assetmap.geo.codepoint import grid_to_wgs84, looks_like_codepoint, read_codepoint_lines
from assetmap.geo.gazetteer import Skipped, import_postcodes
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.geo.journeys import geodesic_m
from assetmap.geo.postcode_files import open_postcode_file
from assetmap.geo.spatial import Point
from assetmap.models import Postcode
from tests.geo.gazetteer_files import CODEPOINT, LOCATED, codepoint_zip, grid_points

NW = CODEPOINT / "Data" / "CSV" / "nw.csv"
# SW1A 1AA (Buckingham Palace) at its Code-Point grid reference, and the WGS84 position
# postcodes.io (built from the ONS Postcode Directory) publishes for it.
SW1A_1AA_GRID = (529090.0, 179645.0)
SW1A_1AA_PUBLISHED = Point(51.501009, -0.141588)


def test_a_grid_reference_becomes_its_published_wgs84_position() -> None:
    lat, lon = grid_to_wgs84(np.array([SW1A_1AA_GRID[0]]), np.array([SW1A_1AA_GRID[1]]))
    assert geodesic_m(SW1A_1AA_PUBLISHED, lat, lon)[0] < 2.0


def test_conversion_is_vectorised_over_arrays() -> None:
    eastings = np.array([529090.0, 528839.0, 530000.0])
    northings = np.array([179645.0, 183850.0, 180000.0])
    lat, lon = grid_to_wgs84(eastings, northings)
    assert lat.shape == lon.shape == (3,)
    # A kilometre north is about 0.009 degrees of latitude; the order is kept.
    assert 51.49 < lat.min() < lat.max() < 51.54
    assert lon[2] > lon[0] > lon[1]


def test_one_area_file_is_read_with_quality_90_skipped() -> None:
    with NW.open(newline="") as handle:
        rows = list(read_codepoint_lines(handle, "nw.csv"))
    located = {row[0]: row for row in rows if isinstance(row, tuple)}
    assert len(located) == 345
    assert rows.count(Skipped.NO_LOCATION) == 2
    assert "NW1W 6AA" not in located
    expected = grid_points("NW1 7AA")["NW1 7AA"]
    _, lat, lon, area = located["NW1 7AA"]
    assert (lat, lon) == pytest.approx(expected, abs=1e-6)
    assert area is None  # Code-Point has no LSOA: an earlier one is kept


def test_a_data_row_is_told_from_a_header() -> None:
    assert looks_like_codepoint(["NW1 7AA", "10", "528839", "183850", "E92000001"])
    assert not looks_like_codepoint(["pcd", "pcd2", "pcds", "dointr"])
    assert not looks_like_codepoint(["postcode", "latitude", "longitude"])


@pytest.mark.parametrize(
    ("row", "detail"),
    [
        ('"NOT A PC",10,529090,179645', "'NOT A PC' is not a UK postcode"),
        ('"SW1A 1AA",15,529090,179645', "Positional_quality_indicator '15'"),
        ('"SW1A 1AA",10,east,179645', "Eastings/Northings is not a number"),
        ('"SW1A 1AA",10,529090', "expected Code-Point Open's columns"),
        ('"SW1A 1AA",10,-5,179645', "outside the British National Grid"),
        ('"SW1A 1AA",10,529090,1400000', "outside the British National Grid"),
    ],
)
def test_a_malformed_row_is_refused_naming_file_and_line(row: str, detail: str) -> None:
    lines = io.StringIO(f'"SW1A 1AB",10,529362,180104\n{row}\n"SW1A 1AG",10,529121,180259\n')
    with pytest.raises(ValidationError) as raised:
        list(read_codepoint_lines(lines, "sw.csv"))
    assert raised.value.message.startswith("sw.csv line 2: ")
    assert detail in raised.value.message


# ---- into the database, both backends -------------------------------------------------------


def _load(database, path) -> gazetteer.PostcodeImport:
    with database.session() as session:
        return import_postcodes(session, open_postcode_file(path).rows())


def test_the_zip_loads_every_located_postcode(database, tmp_path) -> None:
    result = _load(database, codepoint_zip(tmp_path))
    assert (result.imported, result.skipped_no_location) == (LOCATED, 2)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Postcode)) == LOCATED
        assert session.get(Postcode, "NW1W 6AA") is None
        palace = session.get(Postcode, "SW1A 1AA")
        assert (palace.district, palace.sector) == ("SW1A", "SW1A 1")
        distance = geodesic_m(SW1A_1AA_PUBLISHED, np.array([palace.lat]), np.array([palace.lon]))
        assert distance[0] < 2.0


def test_a_reimport_changes_nothing(database, tmp_path) -> None:
    path = codepoint_zip(tmp_path)
    _load(database, path)
    query = select(Postcode.postcode, Postcode.lat, Postcode.lon, Postcode.updated_at)
    with database.session() as session:
        before = sorted(session.execute(query).all())
    again = _load(database, path)
    with database.session() as session:
        after = sorted(session.execute(query).all())
    assert again.imported == LOCATED
    assert after == before  # same rows, same places, not even re-stamped


def test_a_moved_postcode_is_updated_in_place(database, tmp_path) -> None:
    _load(database, codepoint_zip(tmp_path))
    moved = tmp_path / "sw.csv"
    moved.write_text('"SW1A 1AA",10,529190,179645,"E92000001","","","","E09000033",""\n')
    assert _load(database, moved).imported == 1
    with database.session() as session:
        palace = session.get(Postcode, "SW1A 1AA")
        assert session.scalar(select(func.count()).select_from(Postcode)) == LOCATED
    east = geodesic_m(SW1A_1AA_PUBLISHED, np.array([palace.lat]), np.array([palace.lon]))[0]
    assert 98 < east < 102  # 100 m east


@pytest.mark.parametrize(
    ("typed", "prefix", "count"),
    [
        ("NW5", "NW5 ", 199),
        ("nw1", "NW1 ", 146),  # the subset's NW1 is its sector 7
        ("NW1 7", "NW1 7", 146),
        ("NW52", "NW5 2", 199),  # no district NW52: the sector NW5 2
        ("WC1H", "WC1H ", 154),
        ("SW1A 1", "SW1A 1", 10),
    ],
)
def test_a_district_or_sector_is_the_centroid_of_its_postcodes(
    database, tmp_path, typed: str, prefix: str, count: int
) -> None:
    _load(database, codepoint_zip(tmp_path))
    points = grid_points(prefix)
    assert len(points) == count
    lat = float(np.mean([p[0] for p in points.values()]))
    lon = float(np.mean([p[1] for p in points.values()]))
    with database.session() as session:
        place = GazetteerGeocoder(session).geocode(typed)
    assert place is not None
    assert place.label == prefix.strip()
    assert (place.lat, place.lon) == pytest.approx((lat, lon), abs=1e-6)


def test_unknown_districts_and_sectors_are_not_found(database, tmp_path) -> None:
    _load(database, codepoint_zip(tmp_path))
    with database.session() as session:
        geocoder = GazetteerGeocoder(session)
        assert geocoder.geocode("NW1W") is None  # only quality-90 postcodes: none loaded
        assert geocoder.geocode("NW5 9") is None
        assert geocoder.geocode("N1") is None  # not the start of N16 or NW1


def test_district_and_sector_lookups_use_the_index(database, backend) -> None:
    query = (
        "SELECT avg(lat), avg(lon), count(*) FROM postcodes"
        " WHERE district = 'NW5' AND sector = 'NW5 2'"
    )
    with database.engine.begin() as connection:
        if backend is Backend.POSTGIS:
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(row[0] for row in connection.execute(text(f"EXPLAIN {query}")))
        else:
            plan = " ".join(
                str(row[3]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {query}"))
            )
    assert "ix_postcodes_district_sector" in plan


def test_a_bad_row_in_a_later_file_writes_nothing(database, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(gazetteer, "BATCH", 50)  # earlier batches are sent before the error
    folder = tmp_path / "copy"
    shutil.copytree(CODEPOINT, folder)
    wc = folder / "Data" / "CSV" / "wc.csv"
    lines = wc.read_text().splitlines(keepends=True)
    lines[99] = '"WC1H 9ZZ",10,five,183000,"E92000001","","","","",""\n'
    wc.write_text("".join(lines))
    path = tmp_path / "codepo_gb.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(folder.rglob("*.csv")):
            archive.write(file, file.relative_to(folder).as_posix())
    with pytest.raises(ValidationError) as raised:
        _load(database, path)
    assert raised.value.message == (
        "codepo_gb.zip:Data/CSV/wc.csv line 100: Eastings/Northings is not a number"
    )
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Postcode)) == 0
