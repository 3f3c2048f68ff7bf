from __future__ import annotations

import math
from datetime import time

import pytest

from assetmap.geo.transit.engine import Walking
from assetmap.geo.transit.ferrobus_engine import walk_legs
from assetmap.geo.transit.itinerary import LegKind
from assetmap.geo.transit.window import DepartureWindow
from tests.geo.transit.conftest import (
    FRIARS_WALK_11,
    ROYAL_GWENT,
    THORNBURY_PARK,
    TUESDAY,
    direct_rides,
    feed_rows,
    stop_point,
)


def test_the_2c_from_friars_walk_arrives_as_stop_times_says(engine):
    rides = [r for r in direct_rides(FRIARS_WALK_11, ROYAL_GWENT) if r[2] == "2C"]
    departs, arrives, _ = rides[0]
    window = DepartureWindow(TUESDAY, time(7, 49), time(7, 50), step_minutes=1)
    [result] = engine.journeys(
        stop_point(FRIARS_WALK_11), [stop_point(ROYAL_GWENT)], window, Walking(4.8 / 3.6, 100)
    )
    [ride] = result.itinerary.rides
    assert (ride.route_name, ride.start, ride.end) == ("2C", departs, arrives)
    assert ride.from_stop.stop_id == FRIARS_WALK_11 and ride.to_stop.stop_id == ROYAL_GWENT
    assert departs == 7 * 3600 + 50 * 60


def test_slow_pace_makes_the_walk_longer(engine):
    window = DepartureWindow(TUESDAY, time(7, 0), time(7, 10))
    there = [stop_point(ROYAL_GWENT)]
    typical = engine.journeys(stop_point(FRIARS_WALK_11), there, window, Walking(4.8 / 3.6))
    slow = engine.journeys(stop_point(FRIARS_WALK_11), there, window, Walking(0.8))
    assert slow[0].times.median_minutes > typical[0].times.median_minutes * 1.5


def test_a_walk_longer_than_the_person_can_manage_is_not_offered(engine):
    window = DepartureWindow(TUESDAY, time(12, 0), time(12, 10))
    [result] = engine.journeys(
        stop_point(FRIARS_WALK_11), [stop_point(ROYAL_GWENT)], window, Walking(1.3, 100)
    )
    # the hospital is 1.1 km on foot: with 100 m at most each way only a bus can do it
    legs = result.itinerary.legs if result.itinerary else ()
    assert sum(leg.metres for leg in legs if leg.kind is LegKind.WALK) <= 200
    assert result.itinerary is None or result.itinerary.rides


def test_step_free_never_uses_a_stop_not_known_step_free_and_says_so(engine):
    boarding = {r["stop_id"]: r["wheelchair_boarding"] for r in feed_rows("stops.txt")}
    window = DepartureWindow(TUESDAY, time(9, 0), time(10, 0))
    origin, there = stop_point(FRIARS_WALK_11), [stop_point(THORNBURY_PARK)]
    regular = engine.journeys(origin, there, window, Walking(1.0))
    assert regular[0].itinerary.rides  # the timetable offers route 1
    [step_free] = engine.journeys(origin, there, window, Walking(1.0, step_free=True))
    rides = step_free.itinerary.rides if step_free.itinerary else ()
    assert all(boarding[r.from_stop.stop_id] == "1" for r in rides)
    assert all(boarding[r.to_stop.stop_id] == "1" for r in rides)
    assert "step-free boarding at Friars Walk 11: not known" in step_free.warnings


def test_matrix_has_median_and_worst_per_pair(engine):
    window = DepartureWindow(TUESDAY, time(7, 0), time(8, 0))
    points = [stop_point(FRIARS_WALK_11), stop_point(ROYAL_GWENT)]
    m = engine.matrix(points, points, window, Walking(4.8 / 3.6))
    assert m.median.shape == (2, 2)
    assert math.isfinite(m.median[0, 1]) and m.worst[0, 1] >= m.median[0, 1]


def test_every_walking_leg_is_measured_changes_included():
    # 0.009 degrees of latitude is about 1 km; the drawn line is longer than the 6 s given
    line = {"type": "LineString", "coordinates": [[-3.0, 51.580], [-3.0, 51.589]]}
    short = {"type": "LineString", "coordinates": [[-3.0, 51.580], [-3.0, 51.581]]}
    features = [
        {"properties": {"leg_type": "access_walk", "duration": 6}, "geometry": line},
        {"properties": {"leg_type": "transit", "duration": 300}, "geometry": line},
        {"properties": {"leg_type": "waiting", "duration": 40}, "geometry": None},
        {"properties": {"leg_type": "transfer", "duration": 600}, "geometry": short},
    ]
    [(access_s, access_m), (change_s, change_m)] = walk_legs(features)
    assert (access_s, change_s) == (6, 600)
    assert access_m == pytest.approx(1000, rel=0.01)
    assert change_m == 600 * 1.4  # its duration at ferrobus's speed is the longer
