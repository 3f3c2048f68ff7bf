"""The pluggable parts of the geo package, as small protocols, all in one place.

Implementations: geocoders in ``geocoders.py``, travel-time providers in ``travel.py`` and
``street_network.py``, spatial dialects in ``spatial.py``. Each factory (``geocoder_for``,
``travel_provider_for``, ``spatial_dialect``) picks one by configuration or backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import ColumnElement

if TYPE_CHECKING:
    from assetmap.geo.journeys import Destinations, Journeys, Mobility
    from assetmap.geo.spatial import Point

#: A coordinate given as a number, or as a bound parameter of a cached statement.
Coordinate = float | ColumnElement[Any]


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
    """Journey times from one origin to many destinations, for a person's mobility."""

    name: str

    def minutes(
        self, origin: Point, destinations: Destinations, mobility: Mobility
    ) -> Journeys: ...

    def reach_m(self, mobility: Mobility) -> float:
        """No destination further than this in a straight line can be within the budget:
        the matcher searches venues within it (door-to-door transport aside)."""
        ...


class SpatialDialect(Protocol):
    """The two spatial questions the SQL asks, written for each backend."""

    def venues_in_box(
        self, min_lon: Coordinate, min_lat: Coordinate, max_lon: Coordinate, max_lat: Coordinate
    ) -> ColumnElement[bool]:
        """Venues whose location is inside the box, found through the spatial index."""
        ...

    def distance_m(self, lat: Coordinate, lon: Coordinate) -> ColumnElement[float]:
        """Geodesic distance in metres from each venue to the point (lat, lon)."""
        ...
