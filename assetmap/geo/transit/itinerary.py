"""An itinerary: its legs (walk, ride) and the sentence a person can follow.

"Bus 2C from Friars Walk 11 at 07:50, 6 min, then 250 m walk." Walks shorter than
``SHORT_WALK_M`` (crossing from the kerb to the pole) are left out of the sentence, not of the
times. Warnings (a stop whose step-free boarding is not known) travel with the itinerary, so no
caller can show the journey without them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from assetmap.geo.transit.window import clock

#: Walks shorter than this are not worth a clause of the sentence.
SHORT_WALK_M = 30.0

#: How GTFS ``route_type`` values read in a sentence (the extended 200 range is coaches).
VEHICLE_WORDS: dict[int, str] = {0: "Tram", 1: "Metro", 2: "Train", 3: "Bus", 4: "Ferry"}


def vehicle_word(route_type: int) -> str:
    """ "Bus", "Train", "Coach" for a GTFS route type (basic or extended)."""
    if 200 <= route_type < 300:
        return "Coach"
    if 100 <= route_type < 200:
        return "Train"
    if 700 <= route_type < 800:
        return "Bus"
    return VEHICLE_WORDS.get(route_type, "Service")


class LegKind(enum.StrEnum):
    WALK = "walk"
    RIDE = "ride"


@dataclass(frozen=True)
class Stop:
    """A stop as a person reads it, with its step-free boarding (1 yes, 2 no, 0 not known)."""

    stop_id: str
    name: str
    wheelchair_boarding: int = 0


@dataclass(frozen=True)
class Leg:
    """One part of a journey; times are seconds since midnight of the travel day."""

    kind: LegKind
    start: int
    end: int
    from_stop: Stop | None = None
    to_stop: Stop | None = None
    #: Ride legs: the route's short name ("2C"), its vehicle word and the trip's headsign.
    route_name: str = ""
    vehicle: str = ""
    headsign: str = ""
    trip_id: str = ""
    #: Ride legs: the trip's step-free access (1 yes, 2 no, 0 not known).
    wheelchair_accessible: int = 0
    #: Walk legs: how far (metres).
    metres: float = 0.0

    @property
    def minutes(self) -> float:
        return (self.end - self.start) / 60

    def clause(self) -> str:
        """This leg in words."""
        if self.kind is LegKind.RIDE:
            origin = self.from_stop.name if self.from_stop else "the stop"
            text = (
                f"{self.vehicle} {self.route_name} from {origin} at {clock(self.start)}, "
                f"{round(self.minutes)} min"
            )
            if self.to_stop is not None:
                text += f", to {self.to_stop.name}"
            return text
        where = f" to {self.to_stop.name}" if self.to_stop is not None else ""
        return f"{round(self.metres / 10) * 10:.0f} m walk{where}"


@dataclass(frozen=True)
class Itinerary:
    """A whole journey from a departure: its legs in order and what the person should know."""

    departure: int
    legs: tuple[Leg, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def arrival(self) -> int:
        return self.legs[-1].end if self.legs else self.departure

    @property
    def minutes(self) -> float:
        """From the departure (the moment they are ready) to arrival, waits included."""
        return (self.arrival - self.departure) / 60

    @property
    def rides(self) -> tuple[Leg, ...]:
        return tuple(leg for leg in self.legs if leg.kind is LegKind.RIDE)

    def sentence(self) -> str:
        """The journey as one sentence a person can follow."""
        clauses = [
            leg.clause()
            for leg in self.legs
            if leg.kind is LegKind.RIDE or leg.metres >= SHORT_WALK_M
        ]
        if not clauses:
            return "Walk there."
        if not self.rides:
            metres = sum(leg.metres for leg in self.legs)
            return f"Walk all the way: {round(metres / 10) * 10:.0f} m."
        text = clauses[0][0].upper() + clauses[0][1:]
        for clause in clauses[1:]:
            text += f", then {clause}"
        return text + "."


def joined_walks(legs: tuple[Leg, ...]) -> tuple[Leg, ...]:
    """Walks one after another as one walk (from the first's start to the last's end, their
    metres added, to the last's stop): ferrobus gives a walk through a stop it does not board
    at as two, and a person reads it as one."""
    out: list[Leg] = []
    for leg in legs:
        last = out[-1] if out else None
        if last is not None and leg.kind is LegKind.WALK and last.kind is LegKind.WALK:
            out[-1] = Leg(
                LegKind.WALK,
                last.start,
                leg.end,
                last.from_stop,
                leg.to_stop,
                metres=last.metres + leg.metres,
            )
        else:
            out.append(leg)
    return tuple(out)


def step_free_warnings(legs: tuple[Leg, ...]) -> tuple[str, ...]:
    """One warning for every boarding or alighting stop, and every vehicle, whose step-free
    access is not known to be yes ("step-free boarding at Friars Walk 11: not known"), in
    journey order."""
    out: list[str] = []
    for leg in legs:
        if leg.kind is not LegKind.RIDE:
            continue
        for verb, stop in (("boarding", leg.from_stop), ("alighting", leg.to_stop)):
            if stop is None or stop.wheelchair_boarding == 1:
                continue
            state = "no" if stop.wheelchair_boarding == 2 else "not known"
            message = f"step-free {verb} at {stop.name}: {state}"
            if message not in out:
                out.append(message)
        if leg.wheelchair_accessible != 1:
            state = "no" if leg.wheelchair_accessible == 2 else "not known"
            message = f"step-free {leg.vehicle.lower()} {leg.route_name}: {state}"
            if message not in out:
                out.append(message)
    return tuple(out)
