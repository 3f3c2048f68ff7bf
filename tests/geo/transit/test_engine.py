from __future__ import annotations

import itertools
import math
from datetime import time

import pytest

from assetmap.geo.transit.engine import Walking
from assetmap.geo.transit.ferrobus_legs import walk_legs
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


#: About 350 m north-east of Friars Walk 11 as the crow flies; 710 m on foot to its stop.
NORTH_OF_FRIARS = (0.003, 0.001)


def _north_of_friars():
    friars = stop_point(FRIARS_WALK_11)
    return type(friars)(friars.lat + NORTH_OF_FRIARS[0], friars.lon + NORTH_OF_FRIARS[1])


def test_a_slow_walker_who_would_miss_the_bus_is_routed_on_from_the_stop(engine):
    # At 1.4 m/s the 710 m takes 8.5 min and the 09:18 route 1 is caught; at 0.8 m/s it takes
    # 15 min, the person reaches Friars Walk at 09:21 and the 09:18 has gone.
    window = DepartureWindow(TUESDAY, time(9, 6), time(9, 7), step_minutes=1)
    there = [stop_point(THORNBURY_PARK)]
    [typical] = engine.journeys(_north_of_friars(), there, window, Walking(1.4))
    [slow] = engine.journeys(_north_of_friars(), there, window, Walking(0.8))

    [ride] = typical.itinerary.rides
    assert (ride.route_name, ride.start) == ("1", 9 * 3600 + 18 * 60)
    legs = slow.itinerary.legs
    assert legs[0].start == 9 * 3600 + 6 * 60, "they set off when they are ready, not before"
    for before, leg in itertools.pairwise(legs):
        assert leg.start >= before.end, f"{leg.clause()} leaves before they get there"
    assert all(r.start != ride.start or r.route_name != "1" for r in slow.itinerary.rides)
    assert slow.times.median_minutes == pytest.approx(slow.itinerary.minutes)
    assert slow.times.median_minutes > typical.times.median_minutes + 10


def test_walks_one_after_another_count_as_one_against_the_longest_walk(engine):
    # From here at 07:42 ferrobus's quickest is on foot, in pieces through stops it does not
    # board at; together they are 2.7 km, beyond a 1.6 km walk.
    friars = stop_point(FRIARS_WALK_11)
    origin = type(friars)(friars.lat + 0.002, friars.lon + 0.001)
    window = DepartureWindow(TUESDAY, time(7, 42), time(7, 43), step_minutes=1)
    [result] = engine.journeys(origin, [stop_point(ROYAL_GWENT)], window, Walking(1.4, 1600))
    legs = result.itinerary.legs if result.itinerary else ()
    assert all(leg.metres <= 1600 for leg in legs if leg.kind is LegKind.WALK)
    assert all(not (a.kind is b.kind is LegKind.WALK) for a, b in itertools.pairwise(legs)), (
        "two walks in a row read as one"
    )


def test_the_summary_ranks_and_the_shown_departure_is_followed_in_full(engine):
    window = DepartureWindow(TUESDAY, time(7, 0), time(10, 0))
    there = [stop_point(ROYAL_GWENT), stop_point(THORNBURY_PARK)]
    for result in engine.journeys(stop_point(FRIARS_WALK_11), there, window, Walking(1.3)):
        shown = result.itinerary.departure
        at_shown = result.times.minutes[result.times.departures.index(shown)]
        assert at_shown == pytest.approx(result.itinerary.minutes)
