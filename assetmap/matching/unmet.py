"""Demand nobody is meeting: a match with fewer than three results leaves an anonymous row.

Only what gap analysis needs is kept: what was wanted, how the person can travel, the day,
and a grid cell of about a kilometre (never the postcode, never the person).
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy.orm import Session

from assetmap.matching.profile import Profile
from assetmap.models import UnmetNeed

#: Fewer results than this and the need counts as unmet.
UNMET_BELOW = 3
#: Cell size: 0.01° is about 1.1 km north-south and 0.7 km east-west in Britain.
CELL_DEGREES = 0.01


def cell_of(lat: float, lon: float) -> tuple[float, float]:
    """The south-west corner of the grid cell holding the point."""
    return (
        round(math.floor(lat / CELL_DEGREES) * CELL_DEGREES, 2),
        round(math.floor(lon / CELL_DEGREES) * CELL_DEGREES, 2),
    )


def record_unmet_need(
    session: Session, profile: Profile, results: int, today: dt.date
) -> UnmetNeed:
    cell_lat, cell_lon = cell_of(profile.location.lat, profile.location.lon)
    mobility = profile.mobility
    need = UnmetNeed(
        recorded_on=today,
        interests=list(profile.interests),
        categories=[c.value for c in profile.categories],
        cell_lat=cell_lat,
        cell_lon=cell_lon,
        modes=[m.value for m in mobility.modes],
        max_travel_minutes=round(mobility.max_travel_minutes),
        max_walk_metres=None
        if mobility.max_walk_metres is None
        else round(mobility.max_walk_metres),
        access_needs=list(mobility.needs),
        door_to_door_needed=mobility.door_to_door_needed,
        complexity=profile.complexity,
        results=results,
    )
    session.add(need)
    session.flush()
    return need
