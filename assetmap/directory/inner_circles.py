"""Where a text search with a place looks first for its short list: a smaller circle round
the same point, when one is likely to hold the whole list.

Any ``n`` matches within ``d`` of the point mean the ``n`` nearest are within ``d`` too, so
a smaller circle that fills the list gives the same list in the same order, and only its
matches are looked up. A circle that does not fill it costs one wasted pass, after which the
whole circle is searched. How small a circle to try:

- on PostgreSQL, the text index says how many matches each of its cells holds, read from
  its key alone (``matches_by_cell``); the circle tried is the smallest whose cells, counted
  whole, hold the list. This follows the directory's density: at 1,000,000 listings a
  10 km search for "mens shed" tries 1.8 km, at 100,000 5 km;
- on SQLite, which has no cells, half the radius of a circle of ``NARROW_FROM_M`` or more.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from assetmap.geo.journeys import geodesic_m
from assetmap.geo.spatial import Point, circle_bbox
from assetmap.text.index import cell_bounds, cells_of_box, matches_by_cell

#: Radii from which a text search on SQLite first looks in the inner half of its circle: at
#: 100,000 listings a 3 km circle holds fewer matches than the list (the first pass would be
#: wasted), a 10 km one thousands (the half circle's box is a quarter of the whole's).
NARROW_FROM_M = 5000.0
#: The fractions of a wide circle's radius tried, in turn, before the whole circle (SQLite).
#: A quarter would hold a 10 km list at a million, but trying it first made the 100,000 case
#: 1.3-1.6x slower (each pass has a fixed cost: the text index's side is read again).
INNER_FRACTIONS = (0.5,)
#: Counted matches wanted per place on the short list: other filters (status, access,
#: cost) drop some of them, and a circle that falls short costs a pass.
HEADROOM = 1.1
#: A circle tried first must be at most this share of the radius: nearer the whole, the
#: pass it might save is barely dearer than the one it costs.
MOST_OF_RADIUS = 0.8
#: The shares of the radius whose boxes' cells are counted in turn.
COUNTED_SHARES = (0.25, 0.5, 1.0)
#: Counting stops when the matches counted so far, at the same density in every cell of the
#: whole box, would come to less than this share of the list: a sparse search's pass would
#: be the whole circle anyway, and each further count is a round trip.
HOPELESS = 0.5
#: The haversine's distance to a corner is within 0.5% of the database's on the spheroid.
_SPHEROID_MARGIN = 1.01


def inner_radii(
    session: Session, centre: Point, radius_m: float, values: dict[str, Any]
) -> list[float]:
    """The radii, smallest first, to try before ``radius_m``: from the text index's cells
    when the statement reads them (``text_cells`` in ``values``), else ``INNER_FRACTIONS``."""
    if "text_cells" in values:
        inner = _counted_radius(session, centre, radius_m, values)
        return [inner] if inner is not None and inner < radius_m * MOST_OF_RADIUS else []
    if radius_m >= NARROW_FROM_M:
        return [radius_m * fraction for fraction in INNER_FRACTIONS]
    return []


def _counted_radius(
    session: Session, centre: Point, radius_m: float, values: dict[str, Any]
) -> float | None:
    """``holding``'s radius for the matches of the bound words, counted outwards: the cells
    of each of ``COUNTED_SHARES``' boxes in turn, those not counted yet, until the counted
    cells hold the list. Counting more cells could only shorten the radius, and not below
    the last box that held too few, so it is all but the shortest, and a dense
    city's wide search counts a small box, not the 54,000 matches of its whole one (40 ms
    at 1,000,000 listings)."""
    wanted = values["candidates"] * HEADROOM
    whole = values["text_cells"]
    counts: dict[int, int] = {}
    for share in COUNTED_SHARES:
        box = circle_bbox(centre, radius_m * share)
        cells = cells_of_box(box.min_lon, box.min_lat, box.max_lon, box.max_lat) or []
        new = [cell for cell in cells if cell not in counts]
        counts.update(dict.fromkeys(new, 0))
        counts.update(matches_by_cell(session, values["text_match"], new))
        inner = holding(counts, centre, wanted)
        if inner is not None:
            return inner
        if sum(counts.values()) * len(whole) < wanted * HOPELESS * len(counts):
            return None  # as dense all round, the whole box would hold too few as well
    return None


def holding(counts: dict[int, int], centre: Point, wanted: float) -> float | None:
    """The smallest radius round ``centre`` that wholly holds cells whose ``counts`` add up
    to ``wanted``; None if all of them together hold fewer."""
    if sum(counts.values()) < wanted:
        return None
    cells = list(counts)
    bounds = np.array([cell_bounds(cell) for cell in cells])
    corners = [
        geodesic_m(centre, bounds[:, lat], bounds[:, lon]) for lat in (0, 2) for lon in (1, 3)
    ]
    farthest = np.max(corners, axis=0)
    held = np.cumsum(np.array([counts[cell] for cell in cells])[np.argsort(farthest)])
    reach = np.sort(farthest)[int(np.searchsorted(held, wanted))]
    return float(reach) * _SPHEROID_MARGIN


def within(centre: Point, radius_m: float, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` for the circle of ``radius_m`` round ``centre``: its box and radius (and
    the index's cells covering it, if the statement reads them)."""
    box = circle_bbox(centre, radius_m)
    corners = {
        "near_min_lon": box.min_lon,
        "near_min_lat": box.min_lat,
        "near_max_lon": box.max_lon,
        "near_max_lat": box.max_lat,
    }
    narrowed = {**values, **corners, "radius_m": radius_m}
    if "text_cells" in values:
        narrowed["text_cells"] = cells_of_box(box.min_lon, box.min_lat, box.max_lon, box.max_lat)
    return narrowed
