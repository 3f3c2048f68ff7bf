"""The timetable router on ferrobus (RAPTOR over GTFS and an OpenStreetMap street network).

What ferrobus 0.2.1 (PyPI wheel, Rust core) gives, checked on the Newport feed and extract
(``tests/data/newport/``; the model loads in about half a second):

(a) earliest arrival for a departure: ``find_routes_one_to_many`` answers one origin to many
    destinations in a summary (total seconds, seconds walking to and from the network, whether
    a vehicle was used): about 3 ms for 300 destinations. ``parallel_detailed_journeys`` gives
    the journey as GeoJSON legs (``access_walk``, ``transit`` with ``route_id``, ``trip_id``
    and times, transfers, ``egress_walk``; stops as stop ids, so names, routes and headsigns
    are read from the feed, see ``ferrobus_feed``): about 200 ms for the same 300.
(b) a range of departures: ``range_multimodal_routing`` (rRAPTOR) is one pair only, so the
    window samples its departures instead: one summary query per departure answers every
    destination at once, and is what median and worst over a window need.
(c) many-to-many: ``travel_time_matrix`` (all points to all points, one departure, in
    parallel): ``bulk_matrix`` calls it on chunks of origins with the destinations.
(d) step-free: no option; a filtered copy of the feed is routed over a second model
    (``ferrobus_feed.unpack_feed``).
(e) walking: fixed at 1.4 m/s; only the longest walk to or from the network of a point
    (``max_walking_time``) and the longest walk between two stops when changing
    (``max_transfer_time``, fixed per model) can be set.

How the person's walking is held:

- *The longest walk*, on every walking leg: a point links to stops within it, the model used
  has its transfer walk cut to it (one model per limit, built on first use, about half a
  second each), a journey on foot all the way is refused past it, and every walking leg of a
  detailed journey is measured (the longer of its drawn line and its duration at 1.4 m/s): a
  departure with a leg over the limit is no journey for that departure (ferrobus 0.2.1 has no
  "next best without this walk" query).
- *Their pace*: one person's journeys (``journeys``) rank on the summary, its walks to and
  from the network stretched to their pace, and the departure each destination's itinerary
  shows (the median one) is followed leg by leg at their pace (``ferrobus_legs.follow``): a
  bus they would reach after it has left is missed, and the journey is routed on from that
  stop at the moment they get there (up to ``MAX_RECHECKS`` times), so the time shown and the
  itinerary are ones a slow walker can make. Walks between stops of the other departures stay
  at ferrobus's pace. ``bulk_matrix`` (gap analysis) adds the slow walker's extra time on the
  walks from each origin to its nearest served stop and from each venue's, measured on the
  street network (``_NearestStopWalks``); a missed connection is not re-checked there.

The Newport feed has ``wheelchair_accessible`` 0 (not known) on every trip and unknown boarding
at every served stop in the extract, so there a step-free journey is on foot, and its warnings
name the stops of the bus journey the timetable would otherwise offer.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import ferrobus
import numpy as np
from scipy.sparse.csgraph import dijkstra

from assetmap.geo.spatial import Point
from assetmap.geo.street_network import MAX_SNAP_M, street_network_travel
from assetmap.geo.transit.engine import DestinationJourneys, Walking, WindowMatrix
from assetmap.geo.transit.ferrobus_feed import FeedTables, unpack_feed
from assetmap.geo.transit.ferrobus_legs import (
    FERROBUS_WALK_M_PER_S,
    Followed,
    follow,
    summary_arrival,
)
from assetmap.geo.transit.itinerary import Itinerary, LegKind, joined_walks, step_free_warnings
from assetmap.geo.transit.window import DepartureWindow, WindowTimes

#: ferrobus's ``max_transfers`` (it counts rides: 3 allows two changes).
MAX_TRANSFERS = 3
#: The longest walk between two stops when changing, seconds at ferrobus's speed.
MAX_TRANSFER_S = 600
#: Stops each point is linked to.
NEAREST_STOPS = 10
#: Origins per ``travel_time_matrix`` call in :meth:`FerrobusEngine.bulk_matrix` (each call
#: routes from every point it is given, destinations included).
MATRIX_CHUNK = 500
#: A matrix cell within this share (and half a minute) of the walk's time at 1.4 m/s is taken
#: to be ferrobus's walk all the way; walks are looked for up to ``WALK_MATCH_REACH`` times the
#: longest walk. ferrobus's street network and ``street_network``'s measure the same streets a
#: few per cent apart.
WALK_MATCH = 0.1
WALK_MATCH_REACH = 1.25
#: How many missed connections one journey is routed on from before it counts as no way.
MAX_RECHECKS = 3

Features = list[Mapping[str, Any]]


def _features(text: str | None) -> Features | None:
    if text is None or text == "null":
        return None
    return list(json.loads(text).get("features", []))


class _Walks:
    """Walks over the extract's walking network, for reading ``travel_time_matrix`` at a
    person's pace: from any point to the nearest stop a trip calls at (one multi-source search
    per stop set and walk limit, kept), and between origins and destinations up to the longest
    walk (one bounded search per destination)."""

    #: Destinations per bounded search (each holds a row per node of the network).
    CHUNK = 20

    def __init__(self, osm_pbf: Path, tables: FeedTables) -> None:
        self._graph = street_network_travel(str(osm_pbf)).walk
        self._tables = tables
        self._from_stops: dict[tuple[bool, float], np.ndarray] = {}

    def _snap(self, points: Sequence[Point]) -> tuple[np.ndarray, np.ndarray]:
        lat = np.array([p.lat for p in points], dtype=float)
        lon = np.array([p.lon for p in points], dtype=float)
        nodes, snapped = self._graph.snap(lat, lon)
        return nodes, np.where(snapped <= MAX_SNAP_M, snapped, np.inf)

    def to_nearest_stop(self, points: Sequence[Point], walking: Walking) -> np.ndarray:
        """Per point: metres to its nearest served stop, inf past the person's longest walk
        or off the network."""
        key = (walking.step_free, walking.max_walk_m)
        if key not in self._from_stops:
            stop_nodes, stop_snap = self._snap(self._tables.served_places(walking.step_free))
            sources = np.unique(stop_nodes[np.isfinite(stop_snap)])
            self._from_stops[key] = (
                dijkstra(
                    self._graph.graph,
                    directed=False,
                    indices=sources,
                    min_only=True,
                    limit=walking.max_walk_m,
                )
                if sources.size
                else np.full(self._graph.graph.shape[0], np.inf)
            )
        nodes, snapped = self._snap(points)
        metres = self._from_stops[key][nodes] + snapped
        return np.where(metres <= walking.max_walk_m, metres, np.inf)

    def between(
        self, origins: Sequence[Point], destinations: Sequence[Point], walking: Walking
    ) -> np.ndarray:
        """Metres on foot from each origin to each destination, inf past the longest walk."""
        o_nodes, o_snap = self._snap(origins)
        d_nodes, d_snap = self._snap(destinations)
        out = np.full((len(origins), len(destinations)), np.inf)
        for first in range(0, len(destinations), self.CHUNK):
            cols = slice(first, first + self.CHUNK)
            network = dijkstra(
                self._graph.graph,
                directed=False,
                indices=d_nodes[cols],
                limit=walking.max_walk_m,
            )
            out[:, cols] = network[:, o_nodes].T + o_snap[:, None] + d_snap[None, cols]
        return np.where(out <= walking.max_walk_m, out, np.inf)


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
        self.tables = tables
        #: (street network, feed directory, step-free feed directory, day): what models with a
        #: shorter transfer walk are built from; None keeps the two given models only.
        self._sources = sources
        self._models: dict[tuple[bool, int], Any] = {
            (False, MAX_TRANSFER_S): model,
            (True, MAX_TRANSFER_S): step_free_model,
        }
        self._walks: _Walks | None = None

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

    def _summary_times(
        self,
        model: Any,
        origin: Any,
        targets: list[Any],
        window: DepartureWindow,
        walking: Walking,
    ) -> list[WindowTimes]:
        """Every destination's journey from every departure of the window, by the summary
        query (one per departure), walks to and from the network at the person's pace."""
        departures = window.departures()
        stretch = FERROBUS_WALK_M_PER_S / walking.m_per_s
        live = [i for i, t in enumerate(targets) if t is not None]
        rows: list[list[float | None]] = []
        for departure in departures:
            row: list[float | None] = [None] * len(targets)
            if origin is not None and live:
                found = ferrobus.find_routes_one_to_many(
                    model, origin, [targets[i] for i in live], departure, MAX_TRANSFERS
                )
                for i, result in zip(live, found, strict=False):
                    row[i] = summary_arrival(result, departure, stretch, walking.max_walk_m)
            rows.append(row)
        return [
            WindowTimes.from_arrivals(departures, [row[j] for row in rows])
            for j in range(len(targets))
        ]

    def _itineraries(
        self, model: Any, origin: Any, targets: list[Any], departure: int, walking: Walking
    ) -> list[Itinerary | None]:
        """The detailed journey to each target from ``departure``, followed at the person's
        pace (see :meth:`_follow`)."""
        out: list[Itinerary | None] = [None] * len(targets)
        live = [i for i, t in enumerate(targets) if t is not None]
        if origin is None or not live:
            return out
        found = ferrobus.parallel_detailed_journeys(
            model, origin, [targets[i] for i in live], departure, MAX_TRANSFERS
        )
        for i, text in zip(live, found, strict=False):
            features = _features(text)
            if features is not None:
                out[i] = self._follow(model, features, departure, targets[i], walking)
        return out

    def _follow(
        self,
        model: Any,
        features: Features,
        departure: int,
        target: Any,
        walking: Walking,
        rechecks: int = 0,
    ) -> Itinerary | None:
        """The journey as the person makes it: a ride they would miss at their pace is
        replaced by the journey routed on from its stop at the moment they get there; None
        when a walk (walks one after another counted as one) is longer than they can manage."""
        stretch = FERROBUS_WALK_M_PER_S / walking.m_per_s
        followed = follow(features, departure, stretch, self.tables)
        legs = followed.legs
        if followed.missed is not None:
            rest = self._routed_on(model, features, followed, target, walking, rechecks)
            if rest is None:
                return None
            legs += rest.legs
        joined = joined_walks(legs)
        if any(leg.kind is LegKind.WALK and leg.metres > walking.max_walk_m for leg in joined):
            return None
        return Itinerary(departure=departure, legs=joined)

    def _routed_on(
        self,
        model: Any,
        features: Features,
        followed: Followed,
        target: Any,
        walking: Walking,
        rechecks: int,
    ) -> Itinerary | None:
        """The rest of a journey whose ride was missed: from that ride's stop, at the moment
        the person gets there."""
        stop = features[followed.missed or 0].get("properties", {}).get("from_name") or ""
        place = self.tables.places.get(stop)
        if place is None or rechecks >= MAX_RECHECKS:
            return None
        [at_stop] = self._points(model, [place], walking)
        if at_stop is None:
            return None
        moment = math.ceil(followed.at_stop)
        [text] = ferrobus.parallel_detailed_journeys(
            model, at_stop, [target], moment, MAX_TRANSFERS
        )
        rest = _features(text)
        if rest is None:
            return None
        return self._follow(model, rest, moment, target, walking, rechecks + 1)

    # ---- the protocol ----------------------------------------------------------------------

    def journeys(
        self,
        origin: Point,
        destinations: Sequence[Point],
        window: DepartureWindow,
        walking: Walking,
    ) -> list[DestinationJourneys]:
        """Per destination: times over the window (the summary query) and the median
        departure's itinerary, followed at the person's pace, whose time replaces that
        departure's summary time. In step-free mode the journey the full timetable offers at
        the same departure is routed too, and the stops and vehicles of its rides not known
        to be step-free are warned about (the step-free journey avoids them; the person
        should know why it is longer)."""
        model = self._model_for(walking)
        o = self._points(model, [origin], walking)[0]
        targets = self._points(model, destinations, walking)
        times = self._summary_times(model, o, targets, window, walking)
        itineraries: list[Itinerary | None] = [None] * len(targets)
        for d, idx in _by_median_departure(times).items():
            found = self._itineraries(model, o, [targets[j] for j in idx], d, walking)
            for j, it in zip(idx, found, strict=False):
                itineraries[j] = it
                times[j] = times[j].with_arrival(d, None if it is None else it.arrival)
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
        first = window.departures()[0]
        by_departure: dict[int, list[int]] = {}
        for j, t in enumerate(step_free_times):
            by_departure.setdefault(t.median_departure or first, []).append(j)
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
        """One summary query per origin and departure (walks to and from the network at the
        person's pace): for tens of origins; :meth:`bulk_matrix` is for thousands."""
        model = self._model_for(walking)
        targets = self._points(model, destinations, walking)
        starts = self._points(model, origins, walking)
        median = np.full((len(origins), len(destinations)), np.inf)
        worst = np.full((len(origins), len(destinations)), np.inf)
        for i, o in enumerate(starts):
            for j, t in enumerate(self._summary_times(model, o, targets, window, walking)):
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
        thousands of origins in seconds.

        ``travel_time_matrix`` routes every point to every point, so origins go in chunks, each
        with all the destinations, and only the origin-to-destination cells are kept. It gives
        totals only, at ferrobus's 1.4 m/s: the person's pace and longest walk are applied by
        :meth:`_at_pace`."""
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
        minutes = self._at_pace(minutes, origins, destinations, walking)
        return WindowMatrix(median=np.median(minutes, axis=0), worst=minutes.max(axis=0))

    def _at_pace(
        self,
        minutes: np.ndarray,
        origins: Sequence[Point],
        destinations: Sequence[Point],
        walking: Walking,
    ) -> np.ndarray:
        """Matrix minutes (departures × origins × destinations) at 1.4 m/s made the
        person's. A cell as long as walking the way is ferrobus's walk all the way: at
        their pace it takes ``stretch`` times as long, and past their longest walk it is no
        way (an upper bound: a bus they would then prefer is not looked for). Any other cell
        is a ride: the walks from the origin to its nearest served stop and from the venue's
        nearest take their pace. Walks between stops keep ferrobus's."""
        if self._sources is None:
            return minutes
        if self._walks is None:
            self._walks = _Walks(self._sources[0], self.tables)
        stretch = FERROBUS_WALK_M_PER_S / walking.m_per_s
        near = replace(walking, max_walk_m=walking.max_walk_m * WALK_MATCH_REACH)
        at_ferrobus = self._walks.between(origins, destinations, near) / FERROBUS_WALK_M_PER_S
        seconds = minutes * 60
        on_foot = (
            np.isfinite(at_ferrobus)
            & (seconds >= at_ferrobus * (1 - WALK_MATCH) - 30)
            & (seconds <= at_ferrobus * (1 + WALK_MATCH) + 30)
        )
        walked_m = minutes * 60 * FERROBUS_WALK_M_PER_S
        by_foot = np.where(walked_m <= walking.max_walk_m, minutes * stretch, np.inf)
        if math.isclose(stretch, 1.0):
            return np.where(on_foot, by_foot, minutes)
        access = self._walks.to_nearest_stop(origins, walking)
        egress = self._walks.to_nearest_stop(destinations, walking)
        to_stops = (access[:, None] + egress[None, :]) / FERROBUS_WALK_M_PER_S / 60
        ride = minutes + np.where(np.isfinite(to_stops), to_stops * (stretch - 1), 0.0)
        return np.where(on_foot, by_foot, ride)


def _by_median_departure(times: list[WindowTimes]) -> dict[int, list[int]]:
    """The destinations grouped by the departure of their median journey."""
    out: dict[int, list[int]] = {}
    for j, t in enumerate(times):
        d = t.median_departure
        if d is not None:
            out.setdefault(d, []).append(j)
    return out
