from __future__ import annotations

import math
import statistics
from datetime import time

import pytest

from assetmap.geo.transit.engine import Walking
from assetmap.geo.transit.window import DepartureWindow, WindowTimes
from tests.geo.transit.conftest import (
    FRIARS_WALK_11,
    ROYAL_GWENT,
    TUESDAY,
    direct_rides,
    stop_point,
)


def test_window_departures_every_step_up_to_the_end():
    window = DepartureWindow(TUESDAY, time(10, 0), time(12, 0), 10)
    deps = window.departures()
    assert len(deps) == 12 and deps[0] == 36000 and deps[-1] == 36000 + 110 * 60


def test_a_window_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError):
        DepartureWindow(TUESDAY, time(12, 0), time(10, 0))


def test_median_and_worst_count_the_wait():
    times = WindowTimes.from_arrivals((0, 600, 1200), [1800, 1800, None])
    assert times.minutes == (30.0, 20.0, math.inf)
    assert times.median_minutes == 30.0 and times.worst_minutes == math.inf
    assert times.median_departure == 0


def test_median_and_worst_over_the_morning_are_what_the_timetable_implies(engine):
    window = DepartureWindow(TUESDAY, time(7, 0), time(10, 0), 10)
    rides = direct_rides(FRIARS_WALK_11, ROYAL_GWENT)
    # with at most 100 m of walking each way, only a direct bus from the stand can do it
    expected = []
    for d in window.departures():
        arrivals = [arr for dep, arr, _ in rides if dep > d]
        expected.append((min(arrivals) - d) / 60 if arrivals else math.inf)
    [result] = engine.journeys(
        stop_point(FRIARS_WALK_11), [stop_point(ROYAL_GWENT)], window, Walking(4.8 / 3.6, 100)
    )
    # the walks to and from the poles are a few seconds
    assert result.times.median_minutes == pytest.approx(statistics.median(expected), abs=0.5)
    assert result.times.worst_minutes == pytest.approx(max(expected), abs=0.5)
