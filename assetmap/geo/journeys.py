"""The journey rules: how a person travels and how long a journey takes, given its routes.

A travel-time provider (``travel.py``) measures how long the walking and the road route to each
venue are; the rules here turn those into minutes by the quickest of the person's ways
(:func:`journeys_over_routes`), so every provider applies the same rules.

Every assumption is a named constant below, with where its figure comes from. They are
deliberately plain: a link worker reads "about 14 min by bus" as a guide, not a timetable.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from assetmap.geo.spatial import EARTH_RADIUS_M, Point


class Mode(enum.StrEnum):
    """A way of getting to a group. The first six a person can choose; the group may offer
    door-to-door transport (a minibus, volunteer drivers) within a radius of its venue."""

    WALK = "walk"
    WHEELCHAIR = "wheelchair"
    SCOOTER = "scooter"
    BUS = "bus"
    CAR = "car"
    TAXI = "taxi"
    DOOR_TO_DOOR = "door_to_door"


#: The modes a person can say they use (door-to-door is the group's offer, not their choice).
PERSON_MODES: tuple[Mode, ...] = tuple(m for m in Mode if m is not Mode.DOOR_TO_DOOR)
#: Modes that move under the person's own power: also how they reach and leave a bus stop.
OWN_POWER_MODES: tuple[Mode, ...] = (Mode.WALK, Mode.WHEELCHAIR, Mode.SCOOTER)


class Pace(enum.StrEnum):
    """How fast a person walks: most people, or slowly (a stick, a frame, breathlessness)."""

    TYPICAL = "typical"
    SLOW = "slow"


# ---- the assumptions, in one place -----------------------------------------------------------

#: Walking speed, 4.8 km/h: the speed Transport for London's PTAL method assumes.
WALK_M_PER_S = 4.8 / 3.6
#: A slow walker, 0.8 m/s: about the mean walking speed of women over 65 in England (men:
#: 0.9 m/s; Asher et al., Age and Ageing 2012, English Longitudinal Study of Ageing data).
SLOW_WALK_M_PER_S = 0.8
#: A self-propelled manual wheelchair on pavements: about 1 m/s in published field studies.
WHEELCHAIR_M_PER_S = 1.0
#: A class 2/3 mobility scooter on the pavement, legally capped at 4 mph (1.8 m/s) in the UK;
#: a little under the cap for kerbs and crossings.
SCOOTER_M_PER_S = 1.6
#: A London bus averages about 9 to 10 mph including stops (TfL bus performance figures).
BUS_M_PER_S = 15 / 3.6
#: Waiting at the stop: PTAL's half the headway of a 12-minute service plus 2 minutes for
#: reliability.
BUS_WAIT_MIN = 8.0
#: From home to a boarding stop: planning guidance aims for a bus stop within 400 m of homes.
BUS_ACCESS_M = 400.0
#: From the alighting stop to the venue when the listing names no stop: the same 400 m.
BUS_EGRESS_UNKNOWN_M = 400.0
#: Urban traffic, about 15 mph (24 km/h): DfT's average speed on urban A roads is near it.
CAR_M_PER_S = 24 / 3.6
#: Getting to the car, parking and walking in from it.
CAR_OVERHEAD_MIN = 5.0
#: Waiting for a booked taxi or accessible cab to arrive.
TAXI_WAIT_MIN = 10.0
#: A group's minibus or volunteer driver collects others on the way: a fixed extra.
PICKUP_OVERHEAD_MIN = 15.0
#: Routes are longer than straight lines. Detour (circuity) factors of 1.2 to 1.4 are typical of
#: urban street networks in published studies (e.g. Ballou et al. 2002; Boeing 2019).
WALK_DETOUR = 1.25
ROAD_DETOUR = 1.3


@dataclass(frozen=True)
class Departure:
    """When a person would set off: a day and the span of moments they could leave in (a
    timetable provider routes a window of departures over it; the estimate ignores it)."""

    day: dt.date
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Mobility:
    """How a person can travel: the modes they use, the most time they can spend each way,
    how far they can walk (or wheel) in one go, and whether they must be collected."""

    modes: tuple[Mode, ...] = (Mode.WALK,)
    max_travel_minutes: float = 30.0
    max_walk_metres: float | None = None
    pace: Pace = Pace.TYPICAL
    door_to_door_needed: bool = False
    # Access needs the venue must meet (accessibility flags of the listing contract).
    needs: tuple[str, ...] = ()
    #: How far their nearest bus stop is from home, where the directory tells us; None means
    #: not known, and ``BUS_ACCESS_M`` is assumed.
    stop_from_home_m: float | None = None
    #: When they would set off (from when they are free), for a provider that reads a
    #: timetable; None lets it use its default window. The estimate ignores it.
    departure: Departure | None = None
    #: Their other free times, each routed like ``departure``: a destination takes the one
    #: with its quickest journey (the person can go in any of them).
    other_departures: tuple[Departure, ...] = ()

    @property
    def departures(self) -> tuple[Departure, ...]:
        """Every window of theirs a timetable provider should route, first free time first."""
        first = () if self.departure is None else (self.departure,)
        return first + self.other_departures

    @property
    def bus_access_m(self) -> float:
        """The walk from home to a boarding stop: the known one, else the assumption."""
        return BUS_ACCESS_M if self.stop_from_home_m is None else self.stop_from_home_m

    @property
    def bus_ruled_out_by_walk(self) -> bool:
        """They use the bus but cannot walk as far as the stop from home."""
        return (
            Mode.BUS in self.modes
            and not self.door_to_door_needed
            and not self.can_go_on_foot(self.bus_access_m)
        )

    @property
    def own_power_m_per_s(self) -> float:
        """How fast they move on their own, also to and from a bus stop."""
        if Mode.SCOOTER in self.modes:
            return SCOOTER_M_PER_S
        if Mode.WHEELCHAIR in self.modes:
            return WHEELCHAIR_M_PER_S
        return SLOW_WALK_M_PER_S if self.pace is Pace.SLOW else WALK_M_PER_S

    @property
    def own_power_mode(self) -> Mode | None:
        """The own-power mode they would make a whole journey by, if any."""
        return next(
            (m for m in (Mode.SCOOTER, Mode.WHEELCHAIR, Mode.WALK) if m in self.modes), None
        )

    def can_go_on_foot(self, metres: float) -> bool:
        return self.max_walk_metres is None or metres <= self.max_walk_metres


@dataclass(frozen=True)
class Destinations:
    """The venues to reach, as parallel arrays (one element per candidate group)."""

    lat: np.ndarray
    lon: np.ndarray
    #: Distance from the venue to its nearest listed bus stop; NaN where none is listed.
    stop_m: np.ndarray
    #: How far from the venue the group collects people; 0 where it offers no transport.
    pickup_radius_m: np.ndarray

    @classmethod
    def of(
        cls,
        lat: Any,
        lon: Any,
        stop_m: Any | None = None,
        pickup_radius_m: Any | None = None,
    ) -> Destinations:
        lat_a = np.asarray(lat, dtype=float)
        n = lat_a.shape[0]
        return cls(
            lat=lat_a,
            lon=np.asarray(lon, dtype=float),
            stop_m=np.full(n, np.nan) if stop_m is None else np.asarray(stop_m, dtype=float),
            pickup_radius_m=np.zeros(n)
            if pickup_radius_m is None
            else np.nan_to_num(np.asarray(pickup_radius_m, dtype=float)),
        )

    def __len__(self) -> int:
        return int(self.lat.shape[0])

    def take(self, index: np.ndarray) -> Destinations:
        """These destinations at ``index`` (repeats allowed), in that order."""
        return Destinations(
            lat=self.lat[index],
            lon=self.lon[index],
            stop_m=self.stop_m[index],
            pickup_radius_m=self.pickup_radius_m[index],
        )


@dataclass(frozen=True)
class Journeys:
    """The quickest way to each destination. ``minutes`` is inf where there is no way within
    the person's limits (walking distance, modes); ``mode`` is then None."""

    minutes: np.ndarray
    mode: np.ndarray  # of Mode | None
    #: Straight-line distance in metres.
    distance_m: np.ndarray
    #: The group's door-to-door transport reaches the person.
    pickup_covers: np.ndarray
    #: A bus time that assumed the stop distance because the listing names no stop.
    stop_assumed: np.ndarray
    #: The time is an estimate (the journey rules), not routed over a timetable; None (the
    #: default, for providers that only estimate) means estimated everywhere.
    estimated: np.ndarray | None = None
    #: The worst journey over the departure window where routed by the timetable (else the
    #: minutes); None means the same as ``minutes``.
    worst_minutes: np.ndarray | None = None
    #: The sentence of the median departure's itinerary where routed, else None.
    itineraries: tuple[str | None, ...] | None = None
    #: Per destination, what a step-free timetable journey could not vouch for ("step-free
    #: boarding at Friars Walk 11: not known"); None (the default) means nothing anywhere.
    transit_warnings: tuple[tuple[str, ...], ...] | None = None

    def __post_init__(self) -> None:
        n = int(np.asarray(self.minutes).shape[0])
        if self.estimated is None:
            object.__setattr__(self, "estimated", np.ones(n, dtype=bool))
        if self.worst_minutes is None:
            object.__setattr__(self, "worst_minutes", np.asarray(self.minutes, dtype=float))
        if self.itineraries is None:
            object.__setattr__(self, "itineraries", (None,) * n)
        if self.transit_warnings is None:
            object.__setattr__(self, "transit_warnings", ((),) * n)

    def within(self, max_minutes: float) -> np.ndarray:
        """Reachable within the budget, or collected from the door whatever the time."""
        return (self.minutes <= max_minutes) | self.pickup_covers


def geodesic_m(origin: Point, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Great-circle distances in metres (haversine on the mean radius: within 0.5%)."""
    lat1, lon1 = math.radians(origin.lat), math.radians(origin.lon)
    lat2, lon2 = np.radians(lat), np.radians(lon)
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def geodesic_matrix_m(
    origins_lat: np.ndarray, origins_lon: np.ndarray, lat: np.ndarray, lon: np.ndarray
) -> np.ndarray:
    """Great-circle distances in metres, one row per origin and one column per destination
    (the haversine of :func:`geodesic_m`, broadcast)."""
    lat1 = np.radians(np.asarray(origins_lat, dtype=float))[:, None]
    lon1 = np.radians(np.asarray(origins_lon, dtype=float))[:, None]
    lat2, lon2 = np.radians(lat)[None, :], np.radians(lon)[None, :]
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def geodesic_pairs_m(
    origins_lat: np.ndarray, origins_lon: np.ndarray, lat: np.ndarray, lon: np.ndarray
) -> np.ndarray:
    """Great-circle distances in metres between paired points: element k is origin k to
    destination k (the haversine of :func:`geodesic_matrix_m`, without the broadcast)."""
    lat1, lon1 = np.radians(np.asarray(origins_lat, dtype=float)), np.radians(origins_lon)
    lat2, lon2 = np.radians(np.asarray(lat, dtype=float)), np.radians(lon)
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


#: A matrix call works on blocks of origins of about this many origin-destination pairs, so
#: the dozen temporary arrays of the journey rules stay near 100 MB whatever the inputs.
MATRIX_BLOCK_PAIRS = 1_000_000


def origin_blocks(n_origins: int, n_destinations: int) -> Iterator[slice]:
    """Consecutive slices of the origins, each with at most ``MATRIX_BLOCK_PAIRS`` pairs (at
    least one origin per block)."""
    step = max(1, MATRIX_BLOCK_PAIRS // max(n_destinations, 1))
    for start in range(0, n_origins, step):
        yield slice(start, min(start + step, n_origins))


def pair_blocks(n_pairs: int) -> Iterator[slice]:
    """Consecutive slices of ``n_pairs`` pairs, ``MATRIX_BLOCK_PAIRS`` at most each."""
    for start in range(0, n_pairs, MATRIX_BLOCK_PAIRS):
        yield slice(start, min(start + MATRIX_BLOCK_PAIRS, n_pairs))


def minutes_over_route_matrix(
    straight_m: np.ndarray,
    walk_route_m: np.ndarray,
    road_route_m: np.ndarray,
    destinations: Destinations,
    mobility: Mobility,
) -> np.ndarray:
    """:func:`journeys_over_routes` for a block of origins at once: each argument array has one
    row per origin and one column per destination; the answer is minutes in the same shape
    (inf where there is no way). The destinations are repeated once per row, so every origin
    meets exactly the rules a single-origin call applies."""
    k, n = straight_m.shape
    tiled = Destinations(
        lat=np.tile(destinations.lat, k),
        lon=np.tile(destinations.lon, k),
        stop_m=np.tile(destinations.stop_m, k),
        pickup_radius_m=np.tile(destinations.pickup_radius_m, k),
    )
    journeys = journeys_over_routes(
        straight_m.ravel(), walk_route_m.ravel(), road_route_m.ravel(), tiled, mobility
    )
    return np.asarray(journeys.minutes, dtype=float).reshape(k, n)


def journeys_over_routes(
    straight_m: np.ndarray,
    walk_route_m: np.ndarray,
    road_route_m: np.ndarray,
    destinations: Destinations,
    mobility: Mobility,
) -> Journeys:
    """The journey rules, given how long the walking and the road route to each venue are.

    Own power: the whole route on foot (or wheels), if no longer than ``max_walk_metres``.
    Bus: to a stop (their known nearest, else ``BUS_ACCESS_M``), wait, ride the road route,
    then from the venue's nearest listed stop; each walk within ``max_walk_metres``. Car and
    taxi: the road route plus their overheads. The quickest of the person's own ways is
    chosen; only where none is within their budget does the group's door-to-door transport
    (where its radius reaches them: the road route plus the pickup round) take over.
    ``door_to_door_needed`` leaves it the only way.

    Long on purpose: every rule is a whole-array expression over all venues at once (no
    per-venue loop), and the modes are compared in one stack at the end.
    """
    n = len(destinations)
    options: list[tuple[Mode, np.ndarray]] = []
    inf = np.full(n, np.inf)
    speed = mobility.own_power_m_per_s
    if not mobility.door_to_door_needed:
        own = mobility.own_power_mode
        if own is not None:
            on_foot = walk_route_m / speed / 60
            if mobility.max_walk_metres is not None:
                on_foot = np.where(walk_route_m <= mobility.max_walk_metres, on_foot, np.inf)
            options.append((own, on_foot))
        if Mode.BUS in mobility.modes:
            egress = np.where(
                np.isnan(destinations.stop_m), BUS_EGRESS_UNKNOWN_M, destinations.stop_m
            )
            access = mobility.bus_access_m
            bus = (access + egress) / speed / 60 + BUS_WAIT_MIN + road_route_m / BUS_M_PER_S / 60
            if mobility.max_walk_metres is not None:
                walkable = (mobility.max_walk_metres >= access) & (
                    egress <= mobility.max_walk_metres
                )
                bus = np.where(walkable, bus, np.inf)
            options.append((Mode.BUS, bus))
        ride = road_route_m / CAR_M_PER_S / 60
        if Mode.CAR in mobility.modes:
            options.append((Mode.CAR, ride + CAR_OVERHEAD_MIN))
        if Mode.TAXI in mobility.modes:
            options.append((Mode.TAXI, ride + TAXI_WAIT_MIN))
    pickup_covers = (destinations.pickup_radius_m > 0) & (
        straight_m <= destinations.pickup_radius_m
    )
    pickup = np.where(pickup_covers, road_route_m / CAR_M_PER_S / 60 + PICKUP_OVERHEAD_MIN, np.inf)

    times = np.vstack([t for _, t in options]) if options else inf[None, :]
    best = times.argmin(axis=0)
    minutes = times[best, np.arange(n)]
    modes = np.array([m for m, _ in options] or [None], dtype=object)[best]  # type: ignore[list-item]
    # Their own way when it is within budget (booking a pickup to save a minute helps nobody);
    # the group's transport when it is not, or when they must be collected.
    collect = pickup_covers & (minutes > mobility.max_travel_minutes)
    minutes = np.where(collect, pickup, minutes)
    modes[collect] = Mode.DOOR_TO_DOOR
    modes[~np.isfinite(minutes)] = None
    bus_chosen = modes == Mode.BUS
    return Journeys(
        minutes=minutes,
        mode=modes,
        distance_m=straight_m,
        pickup_covers=pickup_covers,
        stop_assumed=bus_chosen & np.isnan(destinations.stop_m),
    )


def straight_line_reach_m(
    mobility: Mobility, detour: float = 1.0, road_detour: float = 1.0
) -> float:
    """The furthest straight-line distance any of the person's own modes covers in budget."""
    if mobility.door_to_door_needed:
        return 0.0
    budget_s = mobility.max_travel_minutes * 60
    reach = 0.0
    if mobility.own_power_mode is not None:
        on_foot = budget_s * mobility.own_power_m_per_s
        if mobility.max_walk_metres is not None:
            on_foot = min(on_foot, mobility.max_walk_metres)
        reach = max(reach, on_foot / detour)
    if Mode.BUS in mobility.modes and mobility.can_go_on_foot(mobility.bus_access_m):
        ride_s = budget_s - BUS_WAIT_MIN * 60 - mobility.bus_access_m / mobility.own_power_m_per_s
        reach = max(reach, ride_s * BUS_M_PER_S / road_detour)
    if Mode.CAR in mobility.modes:
        reach = max(reach, (budget_s - CAR_OVERHEAD_MIN * 60) * CAR_M_PER_S / road_detour)
    if Mode.TAXI in mobility.modes:
        reach = max(reach, (budget_s - TAXI_WAIT_MIN * 60) * CAR_M_PER_S / road_detour)
    return max(reach, 0.0)
