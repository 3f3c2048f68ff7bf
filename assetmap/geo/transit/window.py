"""A departure window and the journey times over it: "not one lucky departure".

A window is a day, a start, an end and a step (Tuesday 10:00-12:00 every 10 minutes). Each
departure in it is a moment the person is ready to leave; the journey from that moment counts
the wait at the stop, so a departure at 10:00 for a bus at 10:40 is a 40-minute wait plus the
ride. The median over the window is the journey a person can expect, the worst the one they
should plan for.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date, time


def seconds_of(t: time) -> int:
    """Seconds since midnight of a clock time."""
    return t.hour * 3600 + t.minute * 60 + t.second


def clock(seconds: float) -> str:
    """Seconds since midnight as HH:MM (hours past 24 kept, as GTFS writes them)."""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}"


@dataclass(frozen=True)
class DepartureWindow:
    """Departures from ``start`` up to, not including, ``end``, every ``step_minutes``."""

    day: date
    start: time
    end: time
    step_minutes: int = 10

    def __post_init__(self) -> None:
        if self.step_minutes <= 0:
            raise ValueError("the step must be at least a minute")
        if seconds_of(self.end) <= seconds_of(self.start):
            raise ValueError("the window must end after it starts")

    def departures(self) -> tuple[int, ...]:
        """The departures, in seconds since midnight."""
        return tuple(range(seconds_of(self.start), seconds_of(self.end), self.step_minutes * 60))


@dataclass(frozen=True)
class WindowTimes:
    """Journey minutes from each departure of a window (inf where there is no way)."""

    departures: tuple[int, ...]
    minutes: tuple[float, ...]

    @classmethod
    def from_arrivals(
        cls, departures: tuple[int, ...], arrivals: list[float | None]
    ) -> WindowTimes:
        """From the arrival (seconds since midnight, None when unreachable) for each departure."""
        return cls(
            departures=departures,
            minutes=tuple(
                math.inf if a is None else (a - d) / 60
                for d, a in zip(departures, arrivals, strict=False)
            ),
        )

    def with_arrival(self, departure: int, arrival: float | None) -> WindowTimes:
        """The same times with one departure's journey replaced (its arrival, None for no
        way): a detailed journey's time over the summary's."""
        minutes = tuple(
            (math.inf if arrival is None else (arrival - d) / 60) if d == departure else m
            for d, m in zip(self.departures, self.minutes, strict=False)
        )
        return WindowTimes(departures=self.departures, minutes=minutes)

    @property
    def reachable(self) -> bool:
        return any(math.isfinite(m) for m in self.minutes)

    @property
    def median_minutes(self) -> float:
        """The median journey over the window (inf when more than half are impossible)."""
        return statistics.median(self.minutes) if self.minutes else math.inf

    @property
    def worst_minutes(self) -> float:
        """The longest journey over the window: the one to plan for."""
        return max(self.minutes, default=math.inf)

    @property
    def median_departure(self) -> int | None:
        """The departure whose journey is the (lower) median: the one an itinerary shows."""
        if not self.reachable:
            return None
        target = statistics.median_low(self.minutes)
        if not math.isfinite(target):
            return None
        return next(d for d, m in zip(self.departures, self.minutes, strict=False) if m == target)
