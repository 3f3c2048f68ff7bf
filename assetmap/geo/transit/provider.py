"""Travel times by the timetable where a feed covers the journey, honestly estimated elsewhere.

:class:`TransitTravel` is a :class:`~assetmap.geo.interfaces.TravelTimeProvider`
(``ASSETMAP_TRAVEL_PROVIDER=transit``). For a person who uses the bus, a destination is routed
over a feed's timetable (a :class:`~assetmap.geo.transit.engine.TransitEngine`, loaded once per
feed and travel day, lazily, and cached) when the person and the venue both lie on the feed's
street network (within ``MAX_SNAP_M`` of a walkable street of its OpenStreetMap extract: the
feed's stop box is far too wide, see ``registry``) and the travel day is inside the feed's
dates. Everywhere else, and for every other way of travelling, the time is the estimate's
(:class:`~assetmap.geo.travel.EstimatedTravel`) and is flagged ``estimated``. Gap analysis's
``matrix`` and ``pairs`` follow the same split, through the engine's many-to-many
``bulk_matrix`` and a cache of their own (``bus_matrix``).

The departure windows are the person's (``Mobility.departures``: matching sets one from each
of their first free times, else the next Tuesday 10:00-12:00, see ``matching.profile``), every
10 minutes; a caller that gives none gets :func:`default_window`, Tuesday 10:00-12:00 on the
first Tuesday of the feed's dates. Each window is routed and each destination takes the one
with its quickest bus (the person can go in any of their free times; the itinerary then says
which day). The median over the window ranks, the worst is kept (``Journeys.worst_minutes``)
and the median departure's itinerary sentence is kept per destination. Gap analysis's matrix
routes the first window only: it is about an area, not one person's week.

A timetable bus journey is compared with the person's other ways (walking, car, taxi) by the
estimate's rules: the quickest wins, and the group's door-to-door transport only takes over
where none of their own ways, the timetable bus included, is within their budget.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assetmap.errors import ConfigError
from assetmap.geo.journeys import Departure, Destinations, Journeys, Mobility, Mode
from assetmap.geo.spatial import Point
from assetmap.geo.street_network import MAX_SNAP_M, street_network_travel
from assetmap.geo.transit.bus_matrix import (
    MatrixCache,
    cache_key,
    coordinates_hash,
    quickest_with_bus,
)
from assetmap.geo.transit.engine import DestinationJourneys, TransitEngine, Walking
from assetmap.geo.transit.registry import list_feeds
from assetmap.geo.transit.window import DepartureWindow

if TYPE_CHECKING:
    from assetmap.db import Database
    from assetmap.geo.interfaces import TravelTimeProvider

#: The window when the person gives no free time: a weekday late morning, when most groups
#: meet and services run their daytime timetable.
DEFAULT_WEEKDAY = 1  # Tuesday (Monday is 0)
DEFAULT_START = dt.time(10, 0)
DEFAULT_END = dt.time(12, 0)

EngineLoader = Callable[[Path, Path, dt.date, Path], TransitEngine]


@dataclass(frozen=True)
class FeedSource:
    """What routing needs of one registered feed (read from its ``transit_feeds`` row)."""

    name: str
    gtfs_path: Path
    osm_path: Path
    start_date: dt.date
    end_date: dt.date

    def runs_on(self, day: dt.date) -> bool:
        return self.start_date <= day <= self.end_date


def default_window(feed: FeedSource) -> DepartureWindow:
    """Tuesday 10:00-12:00 every 10 minutes, on the first Tuesday on or after the feed's
    first day (a day its timetable certainly covers, if any Tuesday does)."""
    ahead = (DEFAULT_WEEKDAY - feed.start_date.weekday()) % 7
    return DepartureWindow(feed.start_date + dt.timedelta(days=ahead), DEFAULT_START, DEFAULT_END)


def window_of(departure: Departure | None, feed: FeedSource) -> DepartureWindow:
    """The person's departure as a window of departures every 10 minutes, else the default."""
    if departure is None or departure.end <= departure.start:
        return default_window(feed)
    return DepartureWindow(departure.day, departure.start, departure.end)


def _ferrobus(gtfs: Path, osm: Path, day: dt.date, workdir: Path) -> TransitEngine:
    from assetmap.geo.transit.ferrobus_engine import FerrobusEngine

    return FerrobusEngine.load(gtfs, osm, day, workdir)


class TransitTravel:
    """Timetable journeys by bus where a feed covers them, the estimate elsewhere."""

    name = "transit"

    def __init__(
        self,
        feeds: Sequence[FeedSource],
        estimate: TravelTimeProvider,
        *,
        workdir: Path | None = None,
        load_engine: EngineLoader = _ferrobus,
    ) -> None:
        if not feeds:
            raise ConfigError(
                "ASSETMAP_TRAVEL_PROVIDER=transit needs a timetable feed with its street "
                "extract: load one with assetmap import-transit GTFS.zip --osm EXTRACT.osm.pbf"
            )
        self.feeds = tuple(feeds)
        self.estimate = estimate
        self._workdir = workdir
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._load_engine = load_engine
        self._engines: dict[tuple[str, dt.date], TransitEngine] = {}
        self._lock = threading.Lock()
        self._matrices = MatrixCache()

    # ---- what covers what ------------------------------------------------------------------

    def on_network(self, feed: FeedSource, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Which points lie on the feed's street network (a walkable street within
        ``MAX_SNAP_M``); none when its extract can no longer be read (moved or deleted since
        it was imported): the estimate then stands in, rather than the request failing."""
        try:
            graph = street_network_travel(str(feed.osm_path)).walk
        except ConfigError:
            return np.zeros(np.asarray(lat).shape[0], dtype=bool)
        _, metres = graph.snap(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
        return np.asarray(metres <= MAX_SNAP_M)

    def feed_for(
        self, origin: Point, departures: Sequence[Departure]
    ) -> tuple[FeedSource, list[DepartureWindow]] | None:
        """The first feed whose network holds the origin and whose dates hold one of the
        person's departures, with the windows of those it holds (its default window when
        the person gives none)."""
        for feed in self.feeds:
            windows = [window_of(d, feed) for d in departures] or [default_window(feed)]
            windows = [w for w in windows if feed.runs_on(w.day)]
            if windows and self.on_network(feed, np.array([origin.lat]), np.array([origin.lon]))[0]:
                return feed, windows
        return None

    def _root(self) -> Path:
        """Where engines unpack their feeds: the given folder, else one temporary folder for
        this provider, removed with it (or when the process ends)."""
        if self._workdir is not None:
            return self._workdir
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="assetmap-transit-")
        return Path(self._scratch.name)

    def engine(self, feed: FeedSource, day: dt.date) -> TransitEngine:
        """The feed's engine for ``day``, loaded on first use and kept."""
        key = (feed.name, day)
        with self._lock:
            if key not in self._engines:
                folder = self._root() / f"{feed.name}-{day.isoformat()}"
                self._engines[key] = self._load_engine(feed.gtfs_path, feed.osm_path, day, folder)
            return self._engines[key]

    # ---- the protocol ----------------------------------------------------------------------

    def minutes(self, origin: Point, destinations: Destinations, mobility: Mobility) -> Journeys:
        estimated = self.estimate.minutes(origin, destinations, mobility)
        if Mode.BUS not in mobility.modes or mobility.door_to_door_needed or not len(destinations):
            return estimated
        covering = self.feed_for(origin, mobility.departures)
        if covering is None:
            return estimated
        feed, windows = covering
        routed = np.flatnonzero(self.on_network(feed, destinations.lat, destinations.lon))
        if not routed.size:
            return estimated
        points = [Point(float(destinations.lat[j]), float(destinations.lon[j])) for j in routed]
        walking = Walking.of(mobility)
        per_window = [
            self.engine(feed, w.day).journeys(origin, points, w, walking) for w in windows
        ]
        chosen = [_quickest_by_bus(options) for options in zip(*per_window, strict=True)]
        found = [per_window[k][i] for i, k in enumerate(chosen)]
        # A journey the router found on foot alone is no bus: their own ways are weighed apart.
        by_bus = [_by_bus(f) for f in found]
        median = np.where(by_bus, [f.times.median_minutes for f in found], np.inf)
        worst = np.array([f.times.worst_minutes for f in found])
        sentences = [
            _sentence(f, windows[k].day if len(windows) > 1 else None)
            for f, k in zip(found, chosen, strict=True)
        ]
        journeys = _with_timetable(
            estimated,
            self._without_bus(origin, destinations, mobility),
            routed,
            median,
            worst,
            sentences,
            mobility,
        )
        warned: list[tuple[str, ...]] = [()] * len(destinations)
        for k, j in enumerate(routed):
            warned[j] = tuple(found[k].warnings)
        return replace(journeys, transit_warnings=tuple(warned))

    def _without_bus(
        self, origin: Point, destinations: Destinations, mobility: Mobility
    ) -> Journeys:
        others = tuple(m for m in mobility.modes if m is not Mode.BUS)
        return self.estimate.minutes(origin, destinations, replace(mobility, modes=others))

    def matrix(
        self,
        origins_lat: np.ndarray,
        origins_lon: np.ndarray,
        destinations: Destinations,
        mobility: Mobility,
    ) -> np.ndarray:
        """Gap analysis's matrix: for a person who uses the bus, the timetable's median over
        the window (the engine's many-to-many ``bulk_matrix``) between origins and
        destinations on a feed's streets inside its dates, the estimate elsewhere; combined
        with their other ways as the estimate does (see ``bus_matrix``). The bus minutes are
        kept in this provider's own cache (``bus_matrix.MatrixCache``, keyed by the feed, the
        day and window, the walk limit, step-free and the coordinates); ``gaps/cache.py``
        keeps whole answers on top."""
        estimated = self.estimate.matrix(origins_lat, origins_lon, destinations, mobility)
        if Mode.BUS not in mobility.modes or mobility.door_to_door_needed or not len(destinations):
            return estimated
        olat = np.asarray(origins_lat, dtype=float)
        olon = np.asarray(origins_lon, dtype=float)
        bus = np.full(estimated.shape, np.inf)
        routed = np.zeros(estimated.shape, dtype=bool)
        left = np.ones(olat.shape[0], dtype=bool)
        walking = Walking.of(mobility)
        for feed in self.feeds:
            window = window_of(mobility.departure, feed)
            if not feed.runs_on(window.day) or not left.any():
                continue
            rows = np.flatnonzero(left & self.on_network(feed, olat, olon))
            cols = np.flatnonzero(self.on_network(feed, destinations.lat, destinations.lon))
            if not rows.size or not cols.size:
                continue
            left[rows] = False
            routed[np.ix_(rows, cols)] = True
            bus[np.ix_(rows, cols)] = self._bus_block(
                feed, window, walking, olat[rows], olon[rows], destinations.take(cols)
            )
        if not routed.any():
            return estimated
        others = tuple(m for m in mobility.modes if m is not Mode.BUS)
        without_bus = replace(mobility, modes=others)
        no_pickup = replace(destinations, pickup_radius_m=np.zeros(len(destinations)))
        timetable = quickest_with_bus(
            self.estimate.matrix(olat, olon, no_pickup, without_bus),
            self.estimate.matrix(olat, olon, destinations, without_bus),
            bus,
            mobility.max_travel_minutes,
        )
        # Off the feed's streets or dates the estimate's bus still stands, as in ``minutes``.
        return np.where(routed, timetable, estimated)

    def _bus_block(
        self,
        feed: FeedSource,
        window: DepartureWindow,
        walking: Walking,
        olat: np.ndarray,
        olon: np.ndarray,
        destinations: Destinations,
    ) -> np.ndarray:
        """The bus's median minutes over the window, from the cache or the engine."""
        points = coordinates_hash(olat, olon, destinations.lat, destinations.lon)

        def route() -> np.ndarray:
            engine = self.engine(feed, window.day)
            origins = [Point(float(a), float(b)) for a, b in zip(olat, olon, strict=True)]
            targets = [
                Point(float(a), float(b))
                for a, b in zip(destinations.lat, destinations.lon, strict=True)
            ]
            found = engine.bulk_matrix(origins, targets, window, walking)
            return np.asarray(found.median, dtype=float)

        return self._matrices.get_or_compute(cache_key(feed.name, window, walking, points), route)

    def pairs(
        self,
        origins_lat: np.ndarray,
        origins_lon: np.ndarray,
        destinations: Destinations,
        origin_index: np.ndarray,
        destination_index: np.ndarray,
        mobility: Mobility,
    ) -> np.ndarray:
        """:meth:`matrix` over the origins that have pairs, to the destinations they pair
        with, read at each pair."""
        origin_index = np.asarray(origin_index, dtype=int)
        destination_index = np.asarray(destination_index, dtype=int)
        if Mode.BUS not in mobility.modes or not origin_index.size:
            return self.estimate.pairs(
                origins_lat, origins_lon, destinations, origin_index, destination_index, mobility
            )
        rows, row_of = np.unique(origin_index, return_inverse=True)
        cols, col_of = np.unique(destination_index, return_inverse=True)
        block = self.matrix(
            np.asarray(origins_lat, dtype=float)[rows],
            np.asarray(origins_lon, dtype=float)[rows],
            destinations.take(cols),
            mobility,
        )
        return np.asarray(block[row_of, col_of], dtype=float)

    def reach_m(self, mobility: Mobility) -> float:
        """The estimate's reach: a bus over the timetable is no faster than its 15 km/h with
        the wait, as a bound on where venues are searched for."""
        return self.estimate.reach_m(mobility)


def _by_bus(found: DestinationJourneys) -> bool:
    return found.itinerary is not None and bool(found.itinerary.rides)


def _quickest_by_bus(options: Sequence[DestinationJourneys]) -> int:
    """Which window has the quickest median journey by bus (the first when none has a bus)."""
    medians = [o.times.median_minutes if _by_bus(o) else math.inf for o in options]
    return medians.index(min(medians))


def _sentence(found: DestinationJourneys, day: dt.date | None) -> str | None:
    """The itinerary's sentence, led by the weekday when the person has several free times
    ("Thursday: Bus 2C from Friars Walk 11 at 14:50, ...")."""
    if found.itinerary is None:
        return None
    text = found.itinerary.sentence()
    return text if day is None else f"{day.strftime('%A')}: {text}"


def _with_timetable(
    estimated: Journeys,
    others: Journeys,
    routed: np.ndarray,
    median: np.ndarray,
    worst: np.ndarray,
    sentences: list[str | None],
    mobility: Mobility,
) -> Journeys:
    """The estimate's journeys with the routed destinations' bus replaced by the timetable's:
    the bus where it is quicker than their other own ways (or where those are over budget
    and only door-to-door transport was left), else those ways."""
    minutes = np.array(estimated.minutes, dtype=float)
    mode = np.array(estimated.mode, dtype=object)
    stop_assumed = np.array(estimated.stop_assumed, dtype=bool)
    flags = np.ones(len(minutes), dtype=bool)
    worst_out = np.array(minutes)
    itineraries: list[str | None] = [None] * len(minutes)
    budget = mobility.max_travel_minutes
    for k, j in enumerate(routed):
        other_mode = others.mode[j]
        other = float(others.minutes[j])
        bus = float(median[k])
        door = other_mode is Mode.DOOR_TO_DOOR
        takes_bus = np.isfinite(bus) and (bus <= budget if door else bus < other)
        stop_assumed[j] = False
        if takes_bus:
            minutes[j], mode[j], worst_out[j] = bus, Mode.BUS, float(worst[k])
            itineraries[j] = sentences[k]
            flags[j] = False
        else:  # their other ways, by the estimate's rules (still an estimate)
            minutes[j], mode[j], worst_out[j] = other, other_mode, other
    return Journeys(
        minutes=minutes,
        mode=mode,
        distance_m=estimated.distance_m,
        pickup_covers=estimated.pickup_covers,
        stop_assumed=stop_assumed,
        estimated=flags,
        worst_minutes=worst_out,
        itineraries=tuple(itineraries),
    )


def feed_sources(database: Database) -> list[FeedSource]:
    """Every feed in the registry that has a street extract (routing needs both)."""
    with database.session() as session:
        return [
            FeedSource(
                name=row.name,
                gtfs_path=Path(row.gtfs_path),
                osm_path=Path(row.osm_path),
                start_date=row.start_date,
                end_date=row.end_date,
            )
            for row in list_feeds(session)
            if row.osm_path
        ]
