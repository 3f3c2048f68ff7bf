"""FerrobusEngine.bulk_matrix: ferrobus's all-to-all matrix, kept to origins × destinations."""

from __future__ import annotations

import math
from datetime import time

import numpy as np
import pytest

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


def test_the_bulk_matrix_reads_walks_at_the_persons_pace_and_limit(engine):
    # 350 m north-east of Friars Walk 11, and 1.5 km on foot from the hospital
    friars = stop_point(FRIARS_WALK_11)
    origins = [Point(friars.lat + 0.003, friars.lon + 0.001), stop_point(ROYAL_GWENT)]
    destinations = [stop_point(THORNBURY_PARK), stop_point(ROYAL_GWENT)]
    typical = engine.bulk_matrix(origins, destinations, WINDOW, Walking(1.4))
    slow = engine.bulk_matrix(origins, destinations, WINDOW, Walking(0.7))

    reached = np.isfinite(typical.median)
    assert np.all(slow.median[reached] >= typical.median[reached])
    # ferrobus walks to the hospital at 1.4 m/s: at half the pace it takes twice as long
    assert slow.median[0, 1] == pytest.approx(2 * typical.median[0, 1])
    assert slow.median[0, 0] > typical.median[0, 0], "the walk to the bus takes longer"
    for walking in (Walking(0.7), Walking(1.4, max_walk_m=1000)):
        bulk = engine.bulk_matrix(origins, destinations, WINDOW, walking).median
        summary = engine.matrix(origins, destinations, WINDOW, walking).median
        assert np.array_equal(np.isfinite(bulk), np.isfinite(summary))
        both = np.isfinite(bulk)
        assert np.all(np.abs(bulk[both] - summary[both]) <= 3)
    short = engine.bulk_matrix(origins, destinations, WINDOW, Walking(1.4, max_walk_m=1000))
    assert short.median[0, 1] != typical.median[0, 1], "a 1.5 km walk is past a 1 km limit"
