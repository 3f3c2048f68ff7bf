"""Which groups' door-to-door transport could reach a point, through migration 0031's index.

``pickup_areas`` holds, for each group that collects people from its venue, a box that holds
every point its radius reaches (kept by triggers on groups and venues). Asking which boxes
hold the person reads a handful of index entries, where probing every venue within the
longest pickup radius read thousands. The boxes are generous: the caller keeps the exact
test of the distance, so the groups found are exactly those whose transport reaches.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, column, func, select, table

from assetmap.db import Backend
from assetmap.geo.spatial import Point

# SQLite: an R*Tree virtual table; PostgreSQL: a table with a GiST index on the corners' box.
_areas = table(
    "pickup_areas",
    column("group_id"),
    column("min_lon"),
    column("max_lon"),
    column("min_lat"),
    column("max_lat"),
)


def collecting_at(backend: Backend, point: Point) -> Select[Any]:
    """The ids of the groups whose pickup box holds ``point``: every group whose transport
    reaches it, and a few near the edge of their box that the exact test leaves out."""
    area = _areas.c
    if backend is Backend.POSTGIS:
        # The index's expression, as migration 0031 wrote it.
        box = func.box(
            func.point(area.min_lon, area.min_lat), func.point(area.max_lon, area.max_lat)
        )
        here = func.point(point.lon, point.lat)
        return select(area.group_id).where(box.op("@>")(func.box(here, here)))
    return select(area.group_id).where(
        area.min_lon <= point.lon,
        area.max_lon >= point.lon,
        area.min_lat <= point.lat,
        area.max_lat >= point.lat,
    )


__all__ = ["collecting_at"]
