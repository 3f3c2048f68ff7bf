"""FerrobusEngine.bulk_matrix: ferrobus's all-to-all matrix, kept to origins × destinations."""

from __future__ import annotations

import math
from datetime import time

import numpy as np

from assetmap.geo.spatial import Point
from assetmap.geo.transit.engine import Walking
from assetmap.geo.transit.window import DepartureWindow
from tests.geo.transit.conftest import (
    FRIARS_WALK_11,
    ROYAL_GWENT,
    THORNBURY_PARK,
    TUESDAY,
    stop_point,
)

WINDOW = DepartureWindow(TUESDAY, time(7, 0), time(10, 0), 10)
#: In the Bristol Channel, far from any street of the extract.
AT_SEA = Point(51.40, -3.00)


def test_bulk_matrix_has_a_row_per_origin_and_agrees_with_the_detailed_matrix(engine):
    origins = [stop_point(FRIARS_WALK_11), stop_point(ROYAL_GWENT)]
    destinations = [stop_point(THORNBURY_PARK), stop_point(ROYAL_GWENT), AT_SEA]
    walking = Walking(m_per_s=1.4)

    bulk = engine.bulk_matrix(origins, destinations, WINDOW, walking, chunk=1)
    detailed = engine.matrix(origins, destinations, WINDOW, walking)

    assert bulk.median.shape == bulk.worst.shape == (2, 3)
    assert math.isfinite(bulk.median[0, 0]) and math.isfinite(bulk.median[0, 1])
    assert np.all(bulk.worst >= bulk.median)
    assert abs(bulk.median[0, 1] - detailed.median[0, 1]) <= 5
    assert np.all(np.isinf(bulk.median[:, 2])), "a point off the streets is never reached"
