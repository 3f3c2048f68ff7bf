"""The pluggable parts of the geo package that the rest of assetmap is handed, as protocols.

Implementations: geocoders in ``geocoders.py``, travel-time providers in ``travel.py`` and
``street_network.py``; ``geocoder_for`` and ``travel_provider_for`` pick one by configuration.
(The SQL dialect protocol lives with its two implementations in ``spatial.py``: it is internal
to the SQL the directory and the matcher write.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from assetmap.geo.journeys import Destinations, Journeys, Mobility
    from assetmap.geo.spatial import Point


@dataclass(frozen=True)
class Place:
    """A geocoded place: where a postcode or address is, and who said so."""

    lat: float
    lon: float
    label: str
    source: str


class Geocoder(Protocol):
    """Turns a postcode or place name into a point, or None when it does not know it."""

    name: str

    def geocode(self, query: str) -> Place | None: ...


class TravelTimeProvider(Protocol):
    """Journey times from one origin (or many) to many destinations, for a person's mobility."""

    name: str

    def minutes(
        self, origin: Point, destinations: Destinations, mobility: Mobility
    ) -> Journeys: ...

    def matrix(
        self,
        origins_lat: np.ndarray,
        origins_lon: np.ndarray,
        destinations: Destinations,
        mobility: Mobility,
    ) -> np.ndarray:
        """Minutes from every origin to every destination (n_origins × n_destinations), inf
        where there is no way: the journeys ``minutes`` gives, for many origins at once (gap
        analysis asks it for every postcode of a borough)."""
        ...

    def pairs(
        self,
        origins_lat: np.ndarray,
        origins_lon: np.ndarray,
        destinations: Destinations,
        origin_index: np.ndarray,
        destination_index: np.ndarray,
        mobility: Mobility,
    ) -> np.ndarray:
        """Minutes for chosen pairs only: element k is what ``matrix`` holds at
        (origin_index[k], destination_index[k]), without computing the rest of it (gap
        analysis asks only for the pairs within reach)."""
        ...

    def reach_m(self, mobility: Mobility) -> float:
        """No destination further than this in a straight line can be within the budget:
        the matcher searches venues within it (door-to-door transport aside)."""
        ...
