"""The smaller circle a text search tries first, from the text index's counts per cell."""

import numpy as np
import pytest

from assetmap.directory.inner_circles import holding
from assetmap.geo.journeys import geodesic_m
from assetmap.geo.spatial import Point
from assetmap.text.index import cell_bounds, cell_of

CENTRE = Point(51.555, -0.145)  # the middle of a cell


def _farthest_corner_m(cell: int) -> float:
    min_lat, min_lon, max_lat, max_lon = cell_bounds(cell)
    lats, lons = [min_lat, min_lat, max_lat, max_lat], [min_lon, max_lon, min_lon, max_lon]
    return float(geodesic_m(CENTRE, np.array(lats), np.array(lons)).max())


def _ring(step: int) -> int:
    """The cell ``step`` cells east of the centre's."""
    return cell_of(CENTRE.lat, CENTRE.lon + 0.01 * step)


def test_a_cell_holds_the_points_its_number_says() -> None:
    min_lat, min_lon, max_lat, max_lon = cell_bounds(cell_of(CENTRE.lat, CENTRE.lon))
    assert min_lat <= CENTRE.lat < max_lat and min_lon <= CENTRE.lon < max_lon
    assert max_lat - min_lat == pytest.approx(0.01) and max_lon - min_lon == pytest.approx(0.01)


def test_the_circle_reaches_just_the_cells_that_hold_enough() -> None:
    counts = {_ring(0): 5, _ring(1): 5, _ring(2): 5, _ring(3): 5}
    radius = holding(counts, CENTRE, 12)
    # The first three cells hold 15 >= 12: the circle wholly holds the third, not the fourth.
    assert radius >= _farthest_corner_m(_ring(2))
    assert radius < _farthest_corner_m(_ring(3))
    assert holding(counts, CENTRE, 5) < holding(counts, CENTRE, 6)


def test_cells_are_taken_nearest_first_whatever_their_order() -> None:
    near_first = {_ring(0): 10, _ring(5): 10}
    far_first = {_ring(5): 10, _ring(0): 10}
    assert holding(near_first, CENTRE, 10) == holding(far_first, CENTRE, 10)
    assert holding(near_first, CENTRE, 10) < _farthest_corner_m(_ring(5))


def test_no_circle_when_every_cell_together_holds_too_few() -> None:
    assert holding({_ring(0): 3, _ring(1): 3}, CENTRE, 7) is None
    assert holding({}, CENTRE, 1) is None
