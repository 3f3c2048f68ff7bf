"""How far the person's nearest bus stop is from home, where the directory tells us.

Listings name the bus stops near their venue and how far each is, but not where the stops
are. A venue a short walk from the person's home that lists a stop 150 m away puts a stop
within that walk plus 150 m of home, so the nearest of those bounds is what the journey
rules use instead of the planning assumption (``geo.journeys.BUS_ACCESS_M``). Where no venue
that close lists a stop, or the bound is no better than the assumption, the assumption stays
and the page says it was assumed.
"""

from __future__ import annotations

import math

import numpy as np
from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from assetmap.db import Backend, fetch_all
from assetmap.geo.journeys import BUS_ACCESS_M, WALK_DETOUR, geodesic_m
from assetmap.geo.spatial import Point, circle_bbox, spatial_dialect
from assetmap.matching.explain import nearest_stop_m
from assetmap.models import Group, Status, Venue

#: Venues within this straight line of home are looked at: further ones cannot bound a stop
#: nearer than the assumption (their walk alone is close to it).
HOME_STOP_RADIUS_M = BUS_ACCESS_M
#: At most this many nearby listings are read (a dense street has a few dozen).
MAX_LISTINGS = 200


def stop_from_home_m(session: Session, home: Point, backend: Backend) -> float | None:
    """The walk to the nearest bus stop the directory puts near ``home``, in metres (rounded
    up to 10 m), or None when it knows of none nearer than the assumption."""
    box = circle_bbox(home, HOME_STOP_RADIUS_M)
    dialect = spatial_dialect(backend)
    rows = fetch_all(
        session,
        # As text: the nearest stop's distance is read from it, without parsing the JSON.
        select(Venue.lat, Venue.lon, cast(Group.bus_stops, Text).label("bus_stops"))
        .join(Group, Group.venue_id == Venue.id)
        .where(
            dialect.venues_in_box(box.min_lon, box.min_lat, box.max_lon, box.max_lat),
            Group.status != Status.CLOSED,
        )
        .limit(MAX_LISTINGS),
    )
    listed = [(row.lat, row.lon, nearest_stop_m(row.bus_stops)) for row in rows]
    known = [(lat, lon, stop) for lat, lon, stop in listed if not math.isnan(stop)]
    if not known:
        return None
    walk = geodesic_m(
        home, np.array([k[0] for k in known]), np.array([k[1] for k in known])
    ) * WALK_DETOUR + np.array([k[2] for k in known])
    best = float(walk.min())
    if best >= BUS_ACCESS_M:
        return None
    return float(np.ceil(best / 10) * 10)


__all__ = ["HOME_STOP_RADIUS_M", "stop_from_home_m"]
