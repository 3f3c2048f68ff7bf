"""One ferrobus engine over the real Newport feed per test module (it loads in about a second)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest

from assetmap.geo.spatial import Point
from assetmap.geo.transit.ferrobus_engine import FerrobusEngine

DATA = Path(__file__).resolve().parents[2] / "data" / "newport"
GTFS = DATA / "newport-20230613_gtfs.zip"
OSM = DATA / "newport-2023-06-13.osm.pbf"
TUESDAY = date(2023, 6, 13)
FRIARS_WALK_11 = "5310AWB32207"
ROYAL_GWENT = "5310AWB30508"
THORNBURY_PARK = "5310AWB30355"


def feed_rows(name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(GTFS) as archive, archive.open(name) as raw:
        return list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig")))


def stop_point(stop_id: str) -> Point:
    row = next(r for r in feed_rows("stops.txt") if r["stop_id"] == stop_id)
    return Point(float(row["stop_lat"]), float(row["stop_lon"]))


def seconds(hhmmss: str) -> int:
    h, m, s = (int(x) for x in hhmmss.split(":"))
    return h * 3600 + m * 60 + s


def direct_rides(from_stop: str, to_stop: str) -> list[tuple[int, int, str]]:
    """(departure from A, arrival at B, route short name) of every trip calling at A then B."""
    routes = {r["route_id"]: r["route_short_name"] for r in feed_rows("routes.txt")}
    trips = {r["trip_id"]: routes[r["route_id"]] for r in feed_rows("trips.txt")}
    calls: dict[str, list[dict[str, str]]] = {}
    for r in feed_rows("stop_times.txt"):
        calls.setdefault(r["trip_id"], []).append(r)
    out = []
    for trip, rows in calls.items():
        rows.sort(key=lambda r: int(r["stop_sequence"]))
        ids = [r["stop_id"] for r in rows]
        if from_stop in ids and to_stop in ids[ids.index(from_stop) + 1 :]:
            a = rows[ids.index(from_stop)]
            b = rows[ids.index(to_stop, ids.index(from_stop) + 1)]
            out.append((seconds(a["departure_time"]), seconds(b["arrival_time"]), trips[trip]))
    return sorted(out)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> FerrobusEngine:
    return FerrobusEngine.load(GTFS, OSM, TUESDAY, tmp_path_factory.mktemp("feeds"))
