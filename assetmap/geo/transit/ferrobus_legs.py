"""Reading ferrobus's answers at the person's own pace.

ferrobus 0.2.1 walks at a fixed 1.4 m/s (``WALKING_SPEED`` in ferrobus-core) and has no
parameter for it. Two kinds of answer come back and each is read here at the person's pace:

- a *summary* (``find_routes_one_to_many``: total seconds, seconds walking to and from the
  network, whether a vehicle was used), cheap enough for every departure of a window: its walks
  to and from the network are stretched to the person's pace (walks between stops when
  changing are not counted apart by ferrobus and stay at its pace);
- a *detailed journey* (``parallel_detailed_journeys``: GeoJSON legs), followed leg by leg: each
  walk at the person's pace, each ride at its timetabled times. A ride the person reaches after
  it has left is *missed*, and :func:`follow` says where and when, so the engine can route on
  from that stop at that moment: a slow walker is never put on a bus they could not catch.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assetmap.geo.transit.ferrobus_feed import FeedTables
from assetmap.geo.transit.itinerary import Leg, LegKind, vehicle_word

#: ferrobus-core's fixed walking speed (``WALKING_SPEED``, m/s).
FERROBUS_WALK_M_PER_S = 1.4
#: ferrobus's leg types that are on foot.
WALK_LEG_TYPES = frozenset({"access_walk", "transfer", "egress_walk"})
EARTH_RADIUS_M = 6_371_000.0


def line_metres(coordinates: Sequence[Sequence[float]]) -> float:
    """The length of a GeoJSON line (``[lon, lat]`` pairs) in metres, on a sphere."""
    total = 0.0
    for (lon1, lat1), (lon2, lat2) in itertools.pairwise(c[:2] for c in coordinates):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        dp, dl = p2 - p1, math.radians(lon2 - lon1)
        h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        total += 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))
    return total


def walk_legs(features: Sequence[Mapping[str, Any]]) -> list[tuple[float, float]]:
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


def kept(leg: Mapping[str, Any]) -> bool:
    """Whether a ferrobus leg is part of the journey a person follows: not its waits (the
    times carry them) and not a ride that boards and alights at one stop in no time (ferrobus
    emits those when it changes between two walks)."""
    if leg.get("leg_type") == "transit":
        return not (leg.get("from_name") == leg.get("to_name") and not leg.get("duration"))
    return leg.get("leg_type") in WALK_LEG_TYPES


def summary_arrival(
    result: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
    departure: int,
    stretch: float,
    max_walk_m: float,
) -> float | None:
    """When the person arrives by a summary answer (seconds since midnight), its walks to and
    from the network at their pace (``stretch`` = 1.4 m/s over their speed); None when there
    is no way, or when the answer is on foot all the way and longer than they can walk."""
    if not result:
        return None
    if not isinstance(result, Mapping):  # a Pareto set: the earliest arrival
        result = min(result, key=lambda r: float(r.get("travel_time_seconds", math.inf)))
    total = float(result.get("travel_time_seconds", math.inf))
    walked = float(result.get("walking_time_seconds", 0))
    if not math.isfinite(total):
        return None
    if not result.get("used_transit") and walked * FERROBUS_WALK_M_PER_S > max_walk_m:
        return None
    return departure + total + walked * (stretch - 1)


@dataclass(frozen=True)
class Followed:
    """A detailed journey followed at the person's pace: the legs they made, and where it
    broke off (the index of the missed ride in the features, and the moment they reached its
    stop), or None for ``missed`` when they made every connection."""

    legs: tuple[Leg, ...]
    missed: int | None = None
    at_stop: float = 0.0


def _ride(p: Mapping[str, Any], tables: FeedTables, start: int, end: int) -> Leg:
    route_id, headsign, accessible = tables.trips.get(
        p.get("trip_id", ""), (p.get("route_id", ""), "", 0)
    )
    route_name, route_type = tables.routes.get(route_id, ("", 3))
    return Leg(
        LegKind.RIDE,
        start,
        end,
        tables.stops.get(p.get("from_name") or ""),
        tables.stops.get(p.get("to_name") or ""),
        route_name,
        vehicle_word(route_type),
        headsign,
        p.get("trip_id", ""),
        accessible,
    )


def follow(
    features: Sequence[Mapping[str, Any]], departure: float, stretch: float, tables: FeedTables
) -> Followed:
    """The journey leg by leg from ``departure``: walks at the person's pace (each ferrobus
    duration times ``stretch``), rides at their timetabled departure and arrival; stops at the
    first ride that has left before the person reaches its stop."""
    legs: list[Leg] = []
    now = float(departure)
    for n, f in enumerate(features):
        p = f.get("properties", {})
        if not kept(p):
            continue
        if p.get("leg_type") == "transit":
            boards = int(p.get("departure_time", now))
            if now > boards + 0.5:
                return Followed(tuple(legs), missed=n, at_stop=now)
            arrives = int(p.get("arrival_time", boards + int(p.get("duration", 0))))
            legs.append(_ride(p, tables, boards, arrives))
            now = float(arrives)
            continue
        seconds, metres = walk_legs([f])[0]
        end = now + seconds * stretch
        legs.append(
            Leg(
                LegKind.WALK,
                round(now),
                round(end),
                tables.stops.get(p.get("from_name") or ""),
                tables.stops.get(p.get("to_name") or ""),
                metres=metres,
            )
        )
        now = end
    return Followed(tuple(legs))
