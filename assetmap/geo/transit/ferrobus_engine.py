"""The timetable router on ferrobus (RAPTOR over GTFS and an OpenStreetMap street network).

What ferrobus 0.2.1 (PyPI wheel, Rust core) gives, checked on the Newport feed and extract
(``tests/data/newport/``; the model loads in about half a second):

(a) earliest arrival for a departure: yes, ``find_route`` and ``find_routes_one_to_many`` (the
    second scans more egress stops and is the one used here); times are seconds since midnight,
    the travel time counts the wait at the stop.
(b) a range of departures: ``range_multimodal_routing`` (rRAPTOR) returns the Pareto profile of
    a departure range for one pair only. The window here samples its departures instead (one
    one-to-many query per departure), which answers many destinations at once and is what
    median and worst over a window need.
(c) a detailed journey: ``detailed_journey`` / ``parallel_detailed_journeys`` return GeoJSON
    legs (``access_walk``, ``transit`` with ``route_id``, ``trip_id`` and times, transfers,
    ``egress_walk``); stops come as stop ids, so names, routes and headsigns are read from
    the feed here.
(d) many-to-many: ``travel_time_matrix`` (all points to all points, one departure). ``matrix``
    here runs one detailed one-to-many query per origin and departure instead (every walking
    leg measured, the person's pace applied: seconds per origin); ``bulk_matrix`` calls
    ``travel_time_matrix`` on chunks of origins with the destinations (thousands of origins in
    seconds, at ferrobus's own walking speed).
(e) step-free: no option. This module writes a filtered copy of the feed (stops whose
    ``wheelchair_boarding`` is not 1 and trips whose ``wheelchair_accessible`` is not 1
    removed) and routes step-free journeys over a second model built from it.
(f) walking: the speed is fixed at 1.4 m/s in ferrobus-core (``WALKING_SPEED``); only the
    longest walk to or from the network (``max_walking_time`` of a point, seconds) and the
    longest walk between two stops when changing (``max_transfer_time``, fixed per model) can
    be set. ``walking_time_seconds`` of ``find_routes_one_to_many`` counts only the walks to
    and from the network, not those between stops (with the model's 600 s transfer walk, a
    100 m limit came back as a ride to a stop 780 m from the hospital and a walk from there,
    reported as 9 s of walking).

The person's longest walk is held here, on every walking leg: a point links to stops within
it (``max_walking_time`` = the limit at ferrobus's speed), the model used has its transfer walk
cut to the same limit (one model per limit, built on first use, about half a second each), and
each departure's detailed journey is measured: every walking leg (``access_walk``,
``transfer``, ``egress_walk``) counts as the longer of its drawn GeoJSON line and its duration
at 1.4 m/s. A departure with a walking leg over the limit is no journey for that departure:
ferrobus 0.2.1 has no query for "the next best option without this walk" (no excluded stops or
legs), so none is asked for; with the limits above, ferrobus's own answer already fits and the
check only guards against it not holding them. The person's pace is applied to the measured
walking legs (all of them, changes included): each is stretched by 1.4 / their speed and the
arrival moved by the difference. A bus a slower walker would miss on the way to the stop or
between stops is not re-checked (the stretch is added after routing): slow-pace times are an
approximation on the short side.

The Newport feed has ``wheelchair_accessible`` 0 (not known) on every trip and unknown boarding
at every served stop in the extract, so there a step-free journey is on foot, and its warnings
name the stops of the bus journey the timetable would otherwise offer.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import ferrobus
import numpy as np

from assetmap.geo.spatial import Point
from assetmap.geo.transit.engine import DestinationJourneys, Walking, WindowMatrix
from assetmap.geo.transit.itinerary import (
    Itinerary,
    Leg,
    LegKind,
    Stop,
    step_free_warnings,
    vehicle_word,
)
from assetmap.geo.transit.window import DepartureWindow, WindowTimes

#: ferrobus-core's fixed walking speed (``WALKING_SPEED``, m/s).
FERROBUS_WALK_M_PER_S = 1.4
#: ferrobus's ``max_transfers`` (it counts rides: 3 allows two changes).
MAX_TRANSFERS = 3
#: The longest walk between two stops when changing, seconds at ferrobus's speed.
MAX_TRANSFER_S = 600
#: Stops each point is linked to.
NEAREST_STOPS = 10
#: ferrobus's leg types that are on foot.
WALK_LEG_TYPES = frozenset({"access_walk", "transfer", "egress_walk"})
EARTH_RADIUS_M = 6_371_000.0
#: Origins per ``travel_time_matrix`` call in :meth:`FerrobusEngine.bulk_matrix` (each call
#: routes from every point it is given, destinations included).
MATRIX_CHUNK = 500


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _read(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    with archive.open(name) as raw:
        return list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig")))


@dataclass(frozen=True)
class FeedTables:
    """What an itinerary needs from the feed: stops, routes and trips by id."""

    stops: dict[str, Stop]
    routes: dict[str, tuple[str, int]]
    trips: dict[str, tuple[str, str, int]]

    @classmethod
    def read(cls, gtfs_zip: Path) -> FeedTables:
        with zipfile.ZipFile(gtfs_zip) as archive:
            stops = {
                r["stop_id"]: Stop(r["stop_id"], r["stop_name"], _int(r.get("wheelchair_boarding")))
                for r in _read(archive, "stops.txt")
            }
            routes = {
                r["route_id"]: (
                    r.get("route_short_name") or r.get("route_long_name") or "",
                    _int(r.get("route_type")),
                )
                for r in _read(archive, "routes.txt")
            }
            trips = {
                r["trip_id"]: (
                    r["route_id"],
                    r.get("trip_headsign") or "",
                    _int(r.get("wheelchair_accessible")),
                )
                for r in _read(archive, "trips.txt")
            }
        return cls(stops=stops, routes=routes, trips=trips)


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
        stops = _read(archive, "stops.txt")
        kept_stops = [r for r in stops if _int(r.get("wheelchair_boarding")) == 1]
        stop_ids = {r["stop_id"] for r in kept_stops}
        trips = _read(archive, "trips.txt")
        kept_trips = [r for r in trips if _int(r.get("wheelchair_accessible")) == 1]
        times = _read(archive, "stop_times.txt")
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


def line_metres(coordinates: Sequence[Sequence[float]]) -> float:
    """The length of a GeoJSON line (``[lon, lat]`` pairs) in metres, on a sphere."""
    total = 0.0
    for (lon1, lat1), (lon2, lat2) in itertools.pairwise(c[:2] for c in coordinates):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        dp, dl = p2 - p1, math.radians(lon2 - lon1)
        h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        total += 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))
    return total


def walk_legs(features: Sequence[dict[str, Any]]) -> list[tuple[float, float]]:
    """(seconds at ferrobus's speed, metres) of every walking leg of a detailed journey: the
    walk to the first stop, each walk between stops and the walk from the last stop. The
    metres are the longer of the leg's geometry and its duration at ferrobus's speed, so a
    leg drawn as a straight line is never measured shorter than the time ferrobus gives it."""
    out: list[tuple[float, float]] = []
    for f in features:
        p = f.get("properties", {})
        if p.get("leg_type") not in WALK_LEG_TYPES:
            continue
        seconds = float(p.get("duration", 0))
        coordinates = (f.get("geometry") or {}).get("coordinates") or []
        drawn = line_metres(coordinates) if len(coordinates) >= 2 else 0.0
        out.append((seconds, max(drawn, seconds * FERROBUS_WALK_M_PER_S)))
    return out


def _kept(leg: dict[str, Any]) -> bool:
    """Whether a ferrobus leg is part of the journey a person follows: not its waits (the
    times carry them) and not a ride that boards and alights at one stop in no time (ferrobus
    emits those when it changes between two walks)."""
    if leg.get("leg_type") == "transit":
        return not (leg.get("from_name") == leg.get("to_name") and not leg.get("duration"))
    return leg.get("leg_type") in WALK_LEG_TYPES


class FerrobusEngine:
    """:class:`~assetmap.geo.transit.engine.TransitEngine` on ferrobus, for one travel day."""

    name = "ferrobus"

    def __init__(
        self,
        model: Any,
        step_free_model: Any | None,
        tables: FeedTables,
        sources: tuple[Path, Path, Path, date] | None = None,
    ) -> None:
        self._model = model
        self._step_free_model = step_free_model
        self.tables = tables
        #: (street network, feed directory, step-free feed directory, day): what models with a
        #: shorter transfer walk are built from; None keeps the two given models only.
        self._sources = sources
        self._models: dict[tuple[bool, int], Any] = {
            (False, MAX_TRANSFER_S): model,
            (True, MAX_TRANSFER_S): step_free_model,
        }

    @classmethod
    def load(cls, gtfs_zip: Path, osm_pbf: Path, day: date, workdir: Path) -> FerrobusEngine:
        """Build the models (the feed as it is, and its step-free copy) for ``day``;
        ``workdir`` holds the unpacked feeds."""
        full = unpack_feed(gtfs_zip, workdir / "gtfs")
        model = ferrobus.create_transit_model(str(osm_pbf), [str(full)], day, MAX_TRANSFER_S)
        step_free_dir = unpack_feed(gtfs_zip, workdir / "gtfs-step-free", step_free=True)
        step_free = ferrobus.create_transit_model(
            str(osm_pbf), [str(step_free_dir)], day, MAX_TRANSFER_S
        )
        sources = (osm_pbf, full, step_free_dir, day)
        return cls(model, step_free, FeedTables.read(gtfs_zip), sources)

    def _model_for(self, walking: Walking) -> Any:
        """The model whose transfer walks fit the person's longest walk (built once per
        limit, about half a second each): ferrobus fixes the transfer walk per model."""
        limit = min(MAX_TRANSFER_S, int(walking.max_walk_m / FERROBUS_WALK_M_PER_S))
        key = (walking.step_free, limit)
        if key not in self._models:
            if self._sources is None:
                return self._models[(walking.step_free, MAX_TRANSFER_S)]
            osm_pbf, full, step_free_dir, day = self._sources
            feed = step_free_dir if walking.step_free else full
            self._models[key] = ferrobus.create_transit_model(str(osm_pbf), [str(feed)], day, limit)
        return self._models[key]

    # ---- routing ---------------------------------------------------------------------------

    def _points(self, model: Any, points: Sequence[Point], walking: Walking) -> list[Any]:
        reach_s = int(walking.max_walk_m / FERROBUS_WALK_M_PER_S)
        out: list[Any] = []
        for p in points:
            try:
                out.append(
                    ferrobus.create_transit_point(p.lat, p.lon, model, reach_s, NEAREST_STOPS)
                )
            except (ValueError, RuntimeError):
                out.append(None)
        return out

    def _arrivals(
        self, model: Any, origin: Any, targets: list[Any], departure: int, walking: Walking
    ) -> list[float | None]:
        """Earliest arrival at each target for one departure, the person's pace applied to
        every measured walking leg, None where a walking leg is longer than they can manage."""
        out: list[float | None] = [None] * len(targets)
        live = [i for i, t in enumerate(targets) if t is not None]
        if origin is None or not live:
            return out
        stretch = FERROBUS_WALK_M_PER_S / walking.m_per_s
        found = ferrobus.parallel_detailed_journeys(
            model, origin, [targets[i] for i in live], departure, MAX_TRANSFERS
        )
        for i, text in zip(live, found, strict=False):
            if text is None or text == "null":
                continue
            features = json.loads(text).get("features", [])
            walks = walk_legs(features)
            if any(metres > walking.max_walk_m for _, metres in walks):
                continue
            walked_s = sum(s for s, _ in walks)
            arrival = max(
                (int(f["properties"].get("arrival_time", departure)) for f in features),
                default=departure,
            )
            out[i] = arrival + walked_s * (stretch - 1)
        return out

    def _times(
        self,
        model: Any,
        origin: Any,
        targets: list[Any],
        window: DepartureWindow,
        walking: Walking,
    ) -> list[WindowTimes]:
        departures = window.departures()
        per_departure = [self._arrivals(model, origin, targets, d, walking) for d in departures]
        return [
            WindowTimes.from_arrivals(departures, [row[j] for row in per_departure])
            for j in range(len(targets))
        ]

    def _itineraries(
        self, model: Any, origin: Any, targets: list[Any], departure: int, walking: Walking
    ) -> list[Itinerary | None]:
        if origin is None:
            return [None] * len(targets)
        live = [i for i, t in enumerate(targets) if t is not None]
        found = ferrobus.parallel_detailed_journeys(
            model, origin, [targets[i] for i in live], departure, MAX_TRANSFERS
        )
        out: list[Itinerary | None] = [None] * len(targets)
        for i, text in zip(live, found, strict=False):
            if text is not None and text != "null":
                out[i] = self._itinerary(json.loads(text), departure, walking)
        return out

    def _itinerary(self, geojson: dict[str, Any], departure: int, walking: Walking) -> Itinerary:
        """Legs from ferrobus's GeoJSON, stop and route names from the feed, walking legs
        stretched to the person's pace."""
        stretch = FERROBUS_WALK_M_PER_S / walking.m_per_s
        drawn = [f for f in geojson.get("features", []) if _kept(f.get("properties", {}))]
        features = [f["properties"] for f in drawn]
        legs: list[Leg] = []
        for n, p in enumerate(features):
            from_stop = self.tables.stops.get(p.get("from_name") or "")
            to_stop = self.tables.stops.get(p.get("to_name") or "")
            start = int(p.get("departure_time", legs[-1].end if legs else departure))
            end = int(p.get("arrival_time", start + int(p.get("duration", 0))))
            if p.get("leg_type") == "transit":
                route_id, headsign, accessible = self.tables.trips.get(
                    p.get("trip_id", ""), (p.get("route_id", ""), "", 0)
                )
                route_name, route_type = self.tables.routes.get(route_id, ("", 3))
                legs.append(
                    Leg(
                        LegKind.RIDE,
                        start,
                        end,
                        from_stop,
                        to_stop,
                        route_name,
                        vehicle_word(route_type),
                        headsign,
                        p.get("trip_id", ""),
                        accessible,
                    )
                )
                continue
            walked = (end - start) * stretch
            before_ride = any(f.get("leg_type") == "transit" for f in features[n + 1 :])
            if before_ride:
                start = int(end - walked)
            else:
                start = legs[-1].end if legs else start
                end = int(start + walked)
            legs.append(
                Leg(
                    LegKind.WALK,
                    start,
                    end,
                    from_stop,
                    to_stop,
                    metres=walk_legs([drawn[n]])[0][1],
                )
            )
        return Itinerary(departure=departure, legs=tuple(legs))

    # ---- the protocol ----------------------------------------------------------------------

    def journeys(
        self,
        origin: Point,
        destinations: Sequence[Point],
        window: DepartureWindow,
        walking: Walking,
    ) -> list[DestinationJourneys]:
        """Per destination: times over the window and the median departure's itinerary. In
        step-free mode the journey the full timetable offers at the same departure is routed
        too, and the stops and vehicles of its rides not known to be step-free are warned
        about (the step-free journey avoids them; the person should know why it is longer)."""
        model = self._model_for(walking)
        o = self._points(model, [origin], walking)[0]
        targets = self._points(model, destinations, walking)
        times = self._times(model, o, targets, window, walking)
        itineraries: list[Itinerary | None] = [None] * len(targets)
        by_departure: dict[int, list[int]] = {}
        for j, t in enumerate(times):
            d = t.median_departure
            if d is not None:
                by_departure.setdefault(d, []).append(j)
        for d, idx in by_departure.items():
            found = self._itineraries(model, o, [targets[j] for j in idx], d, walking)
            for j, it in zip(idx, found, strict=False):
                itineraries[j] = it
        warnings: list[tuple[str, ...]] = [()] * len(targets)
        if walking.step_free:
            warnings = self._step_free_warnings(origin, destinations, window, times, walking)
        return [
            DestinationJourneys(
                times=t,
                itinerary=None if it is None else Itinerary(it.departure, it.legs, w),
                warnings=w,
            )
            for t, it, w in zip(times, itineraries, warnings, strict=False)
        ]

    def _step_free_warnings(
        self,
        origin: Point,
        destinations: Sequence[Point],
        window: DepartureWindow,
        step_free_times: list[WindowTimes],
        walking: Walking,
    ) -> list[tuple[str, ...]]:
        """Warnings from the journey the whole timetable offers at each destination's median
        step-free departure (the window's start where none): the stops and vehicles it uses
        that are not known to be step-free."""
        full = replace(walking, step_free=False)
        model = self._model_for(full)
        o = self._points(model, [origin], full)[0]
        targets = self._points(model, destinations, full)
        out: list[tuple[str, ...]] = [()] * len(targets)
        by_departure: dict[int, list[int]] = {}
        for j, t in enumerate(step_free_times):
            d = t.median_departure or window.departures()[0]
            by_departure.setdefault(d, []).append(j)
        for d, idx in by_departure.items():
            found = self._itineraries(model, o, [targets[j] for j in idx], d, full)
            for j, it in zip(idx, found, strict=False):
                if it is not None:
                    out[j] = step_free_warnings(it.legs)
        return out

    def matrix(
        self,
        origins: Sequence[Point],
        destinations: Sequence[Point],
        window: DepartureWindow,
        walking: Walking,
    ) -> WindowMatrix:
        model = self._model_for(walking)
        targets = self._points(model, destinations, walking)
        starts = self._points(model, origins, walking)
        median = np.full((len(origins), len(destinations)), np.inf)
        worst = np.full((len(origins), len(destinations)), np.inf)
        for i, o in enumerate(starts):
            for j, t in enumerate(self._times(model, o, targets, window, walking)):
                median[i, j] = t.median_minutes
                worst[i, j] = t.worst_minutes
        return WindowMatrix(median=median, worst=worst)

    def bulk_matrix(
        self,
        origins: Sequence[Point],
        destinations: Sequence[Point],
        window: DepartureWindow,
        walking: Walking,
        chunk: int = MATRIX_CHUNK,
    ) -> WindowMatrix:
        """:meth:`matrix` through ferrobus's own ``travel_time_matrix`` (parallel, in Rust):
        thousands of origins in seconds where :meth:`matrix` takes seconds per origin.

        ``travel_time_matrix`` routes every point to every point, so origins go in chunks, each
        with all the destinations, and only the origin-to-destination cells are kept. It has no
        detailed journeys, so unlike :meth:`matrix` the walking legs are not measured: the
        person's longest walk holds through the points' reach and the model's transfer walk
        (as in :meth:`matrix`), but times are at ferrobus's 1.4 m/s, not the person's pace
        (for a slower walker they are on the short side)."""
        model = self._model_for(walking)
        targets = self._points(model, destinations, walking)
        starts = self._points(model, origins, walking)
        columns = [j for j, t in enumerate(targets) if t is not None]
        rows = [i for i, s in enumerate(starts) if s is not None]
        departures = window.departures()
        minutes = np.full((len(departures), len(origins), len(destinations)), np.inf)
        if not columns:
            return WindowMatrix(median=minutes[0].copy(), worst=minutes[0].copy())
        for first in range(0, len(rows), chunk):
            block = rows[first : first + chunk]
            points = [starts[i] for i in block] + [targets[j] for j in columns]
            cells = np.ix_(block, columns)
            for k, departure in enumerate(departures):
                found = ferrobus.travel_time_matrix(model, points, departure, MAX_TRANSFERS)
                seconds = np.array([row[len(block) :] for row in found[: len(block)]], dtype=float)
                minutes[k][cells] = np.where(np.isnan(seconds), np.inf, seconds / 60)
        return WindowMatrix(median=np.median(minutes, axis=0), worst=minutes.max(axis=0))
