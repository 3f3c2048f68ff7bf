"""The feed as ferrobus reads it (a directory, optionally filtered to step-free) and what the
itineraries need from it (stops with their names, places and step-free boarding; routes; trips).

ferrobus 0.2.1 reads GTFS directories, not zips, and has no step-free option: a step-free
journey is routed over a second copy of the feed that keeps only stops with
``wheelchair_boarding`` = 1 and trips with ``wheelchair_accessible`` = 1.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assetmap.geo.spatial import Point
from assetmap.geo.transit.itinerary import Stop


def as_int(value: str | None) -> int:
    """A GTFS integer field, 0 when blank or not a number (GTFS's "not known")."""
    try:
        return int(value or 0)
    except ValueError:
        return 0


def read_rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    """One file of the feed as rows (a UTF-8 byte-order mark is allowed)."""
    with archive.open(name) as raw:
        return list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig")))


def _point(row: dict[str, str]) -> Point | None:
    try:
        return Point(float(row["stop_lat"]), float(row["stop_lon"]))
    except (KeyError, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class FeedTables:
    """What an itinerary needs from the feed: stops, routes and trips by id, where each stop
    is, and which stops a trip calls at (the stops a person can walk to and board)."""

    stops: dict[str, Stop]
    routes: dict[str, tuple[str, int]]
    trips: dict[str, tuple[str, str, int]]
    places: dict[str, Point]
    served: frozenset[str]

    @classmethod
    def read(cls, gtfs_zip: Path) -> FeedTables:
        with zipfile.ZipFile(gtfs_zip) as archive:
            stop_rows = read_rows(archive, "stops.txt")
            routes = {
                r["route_id"]: (
                    r.get("route_short_name") or r.get("route_long_name") or "",
                    as_int(r.get("route_type")),
                )
                for r in read_rows(archive, "routes.txt")
            }
            trips = {
                r["trip_id"]: (
                    r["route_id"],
                    r.get("trip_headsign") or "",
                    as_int(r.get("wheelchair_accessible")),
                )
                for r in read_rows(archive, "trips.txt")
            }
            served = frozenset(r["stop_id"] for r in read_rows(archive, "stop_times.txt"))
        stops = {
            r["stop_id"]: Stop(r["stop_id"], r["stop_name"], as_int(r.get("wheelchair_boarding")))
            for r in stop_rows
        }
        places = {r["stop_id"]: p for r in stop_rows if (p := _point(r)) is not None}
        return cls(stops=stops, routes=routes, trips=trips, places=places, served=served)

    def served_places(self, step_free: bool = False) -> list[Point]:
        """Where the stops served by a trip are (step-free: only those known to be)."""
        return [
            self.places[s]
            for s in sorted(self.served)
            if s in self.places and (not step_free or self.stops[s].wheelchair_boarding == 1)
        ]


def _write(path: Path, rows: list[dict[str, str]], fields: Sequence[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(fields))
        writer.writeheader()
        writer.writerows(rows)


def unpack_feed(gtfs_zip: Path, into: Path, step_free: bool = False) -> Path:
    """The feed as a directory (ferrobus reads directories). ``step_free`` keeps only stops
    with ``wheelchair_boarding`` 1 and trips with ``wheelchair_accessible`` 1, and the stop
    times of both; everything else is copied unchanged."""
    into.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(gtfs_zip) as archive:
        names = [n for n in archive.namelist() if n.endswith(".txt") and "/" not in n]
        for name in names:
            if step_free and name in ("stops.txt", "trips.txt", "stop_times.txt"):
                continue
            (into / name).write_bytes(archive.read(name))
        if not step_free:
            return into
        stops = read_rows(archive, "stops.txt")
        kept_stops = [r for r in stops if as_int(r.get("wheelchair_boarding")) == 1]
        stop_ids = {r["stop_id"] for r in kept_stops}
        trips = read_rows(archive, "trips.txt")
        kept_trips = [r for r in trips if as_int(r.get("wheelchair_accessible")) == 1]
        times = read_rows(archive, "stop_times.txt")
        trip_ids = {r["trip_id"] for r in kept_trips}
        kept_times = [r for r in times if r["trip_id"] in trip_ids and r["stop_id"] in stop_ids]
        calls: dict[str, int] = {}
        for r in kept_times:
            calls[r["trip_id"]] = calls.get(r["trip_id"], 0) + 1
        kept_trips = [r for r in kept_trips if calls.get(r["trip_id"], 0) >= 2]
        trip_ids = {r["trip_id"] for r in kept_trips}
        kept_times = [r for r in kept_times if r["trip_id"] in trip_ids]
        _write(into / "stops.txt", kept_stops, list(stops[0].keys()) if stops else ["stop_id"])
        _write(into / "trips.txt", kept_trips, list(trips[0].keys()) if trips else ["trip_id"])
        _write(into / "stop_times.txt", kept_times, list(times[0].keys()) if times else ["trip_id"])
    return into
