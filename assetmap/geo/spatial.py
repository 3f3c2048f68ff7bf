"""The few spatial expressions where SpatiaLite and PostGIS differ, one function each.

Both backends filter venues through their spatial index first (a box around the search area)
and only then measure exact distances, in metres on the WGS84 spheroid, for what is left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Boolean, ColumnElement, Float, column, func, select, table, type_coerce

from assetmap.db import Backend
from assetmap.models import SRID, Venue

# Mean radius of the Earth (IUGG), for turning a search radius into a box in degrees.
EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


def circle_bbox(centre: Point, radius_m: float) -> BBox:
    """The smallest lat/lon box that holds every point within ``radius_m`` of ``centre``."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    # Widen a little: a box edge on the sphere is not a parallel, and the spheroid is not a sphere.
    dlat *= 1.01
    cos_lat = max(math.cos(math.radians(min(abs(centre.lat) + dlat, 90.0))), 1e-6)
    dlon = min(dlat / cos_lat, 180.0)
    return BBox(
        min_lon=max(centre.lon - dlon, -180.0),
        min_lat=max(centre.lat - dlat, -90.0),
        max_lon=min(centre.lon + dlon, 180.0),
        max_lat=min(centre.lat + dlat, 90.0),
    )


def point_ewkt(lat: float, lon: float) -> str:
    """A point as extended WKT, which GeoAlchemy2 binds on both backends."""
    return f"SRID={SRID};POINT({lon!r} {lat!r})"


#: A coordinate given as a number, or as a bound parameter of a cached statement.
Coordinate = float | ColumnElement[Any]


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


# SpatiaLite keeps its R*Tree as a plain virtual table; it is never used unless queried.
_rtree = table(
    "idx_venues_location",
    column("pkid"),
    column("xmin"),
    column("xmax"),
    column("ymin"),
    column("ymax"),
)


def _exactly_in(
    min_lon: Coordinate, min_lat: Coordinate, max_lon: Coordinate, max_lat: Coordinate
) -> ColumnElement[bool]:
    return Venue.lon.between(min_lon, max_lon) & Venue.lat.between(min_lat, max_lat)


class SpatiaLiteDialect:
    def venues_in_box(
        self, min_lon: Coordinate, min_lat: Coordinate, max_lon: Coordinate, max_lat: Coordinate
    ) -> ColumnElement[bool]:
        # The R*Tree holds 32-bit boxes rounded outwards, so confirm on the exact columns.
        candidates = select(_rtree.c.pkid).where(
            _rtree.c.xmin <= max_lon,
            _rtree.c.xmax >= min_lon,
            _rtree.c.ymin <= max_lat,
            _rtree.c.ymax >= min_lat,
        )
        return Venue.id.in_(candidates) & _exactly_in(min_lon, min_lat, max_lon, max_lat)

    def distance_m(self, lat: Coordinate, lon: Coordinate) -> ColumnElement[float]:
        # SpatiaLite's ellipsoidal ST_Distance parses each geometry blob and costs ~10 µs a
        # row (15 ms for a dense 3 km circle at 100k listings). The FCC's ellipsoidal
        # flat-earth formula on the lat/lon columns is within 0.01% of the geodesic up to
        # 200 km (0.1 m at 3 km) for a fraction of that.
        mean_lat = func.radians((Venue.lat + lat) / 2)
        km_per_deg_lat = (
            111.13209 - 0.56605 * func.cos(2 * mean_lat) + 0.00120 * func.cos(4 * mean_lat)
        )
        km_per_deg_lon = (
            111.41513 * func.cos(mean_lat)
            - 0.09455 * func.cos(3 * mean_lat)
            + 0.00012 * func.cos(5 * mean_lat)
        )
        dlat, dlon = Venue.lat - lat, Venue.lon - lon
        return 1000 * func.sqrt(
            (km_per_deg_lat * dlat) * (km_per_deg_lat * dlat)
            + (km_per_deg_lon * dlon) * (km_per_deg_lon * dlon)
        )


#: How far past the sphere's distance the spheroid's may be, with room to spare: the two
#: differ by at most about 0.56% (the flattening, 1/298, and its share of the mean radius).
SPHERE_TO_SPHEROID_SLACK = 1.01


def _point(lat: Coordinate, lon: Coordinate) -> ColumnElement[Any]:
    """The point (lat, lon) as PostGIS geography, for distances in metres."""
    return func.geography(func.ST_SetSRID(func.ST_MakePoint(lon, lat), SRID))


class PostGISDialect:
    def venues_in_box(
        self, min_lon: Coordinate, min_lat: Coordinate, max_lon: Coordinate, max_lat: Coordinate
    ) -> ColumnElement[bool]:
        envelope = func.ST_MakeEnvelope(min_lon, min_lat, max_lon, max_lat, SRID)
        return Venue.location.op("&&")(envelope) & _exactly_in(min_lon, min_lat, max_lon, max_lat)

    def distance_m(self, lat: Coordinate, lon: Coordinate) -> ColumnElement[float]:
        return func.ST_Distance(func.geography(Venue.location), _point(lat, lon), True)

    def sphere_distance_m(self, lat: Coordinate, lon: Coordinate) -> ColumnElement[float]:
        """Metres on PostGIS's sphere (the spheroid's geodesic is within 0.6% of it), in an
        order the GiST index on ``geography(location)`` (migration 0033) walks nearest first
        and stops at the LIMIT."""
        return type_coerce(func.geography(Venue.location).op("<->")(_point(lat, lon)), Float)

    def venues_within_on_sphere(
        self, lat: Coordinate, lon: Coordinate, metres: Coordinate
    ) -> ColumnElement[bool]:
        """Venues within ``metres`` of the point on the sphere, through that index: a circle,
        where a box round it holds a quarter more."""
        return func.ST_DWithin(
            func.geography(Venue.location), _point(lat, lon), metres, False, type_=Boolean
        )


def spatial_dialect(backend: Backend) -> SpatialDialect:
    """The spatial expressions for ``backend``."""
    return PostGISDialect() if backend is Backend.POSTGIS else SpatiaLiteDialect()
