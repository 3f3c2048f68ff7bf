"""The timetable router's protocol, so ferrobus, r5py or OpenTripPlanner can sit behind it.

An engine is built from a GTFS feed and a street network for one travel day. It answers two
questions, both over a :class:`~assetmap.geo.transit.window.DepartureWindow` (never one lucky
departure): ``journeys`` from one origin to many destinations (the times from every departure
and the itinerary of the median one) and ``matrix`` for many origins (median and worst
minutes), with ``bulk_matrix`` its vectorised form for thousands of origins (gap analysis).

:class:`Walking` carries what the person's walking means for the router: their speed (slow pace
applies to every walking leg), the longest walk they can make in one go, and step-free mode
(only stops with ``wheelchair_boarding`` = 1 and trips with ``wheelchair_accessible`` = 1 count;
a journey the timetable would otherwise offer through stops not known to be step-free comes
with warnings naming them, never silently fine).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from assetmap.geo.journeys import WHEELCHAIR_M_PER_S, Mobility, Mode

if TYPE_CHECKING:
    import numpy as np

    from assetmap.geo.spatial import Point
    from assetmap.geo.transit.itinerary import Itinerary
    from assetmap.geo.transit.window import DepartureWindow, WindowTimes

#: The longest walk to or from a stop (and the whole way on foot) when the person gives none:
#: 20 minutes at the typical pace, about 1.6 km.
DEFAULT_MAX_WALK_M = 1600.0


@dataclass(frozen=True)
class Walking:
    """How the person walks (or wheels) for a timetable journey."""

    m_per_s: float
    max_walk_m: float = DEFAULT_MAX_WALK_M
    step_free: bool = False

    def __post_init__(self) -> None:
        if self.m_per_s <= 0 or self.max_walk_m <= 0:
            raise ValueError("walking speed and the longest walk must be positive")

    @classmethod
    def of(cls, mobility: Mobility, step_free: bool | None = None) -> Walking:
        """From a person's mobility: their own-power speed (slow pace, wheelchair, scooter),
        their longest walk, and step-free when they use a wheelchair or scooter unless told."""
        if step_free is None:
            step_free = Mode.WHEELCHAIR in mobility.modes or Mode.SCOOTER in mobility.modes
        speed = mobility.own_power_m_per_s
        if step_free and speed > WHEELCHAIR_M_PER_S and Mode.SCOOTER not in mobility.modes:
            speed = WHEELCHAIR_M_PER_S
        return cls(
            m_per_s=speed,
            max_walk_m=mobility.max_walk_metres or DEFAULT_MAX_WALK_M,
            step_free=step_free,
        )


@dataclass(frozen=True)
class DestinationJourneys:
    """One destination: the journey from every departure of the window, and the itinerary of
    the median one (None when it cannot be reached in the window)."""

    times: WindowTimes
    itinerary: Itinerary | None
    #: What the person should know even when there is no itinerary (a step-free journey the
    #: timetable offers only through stops not known to be step-free).
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class WindowMatrix:
    """Median and worst minutes over the window, one row per origin, one column per
    destination; inf where there is no way."""

    median: np.ndarray
    worst: np.ndarray


class TransitEngine(Protocol):
    """A timetable router over one feed and street network, for one travel day."""

    name: str

    def journeys(
        self,
        origin: Point,
        destinations: Sequence[Point],
        window: DepartureWindow,
        walking: Walking,
    ) -> list[DestinationJourneys]:
        """Per destination, in order: the earliest arrival from each departure of the window
        and the itinerary of the median one."""
        ...

    def matrix(
        self,
        origins: Sequence[Point],
        destinations: Sequence[Point],
        window: DepartureWindow,
        walking: Walking,
    ) -> WindowMatrix:
        """Median and worst minutes from every origin to every destination over the window,
        for tens of origins."""
        ...

    def bulk_matrix(
        self,
        origins: Sequence[Point],
        destinations: Sequence[Point],
        window: DepartureWindow,
        walking: Walking,
    ) -> WindowMatrix:
        """:meth:`matrix` for thousands of origins (gap analysis), vectorised by the engine:
        it may be coarser on walking than :meth:`journeys`, and says how in its docstring."""
        ...
