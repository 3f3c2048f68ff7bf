"""Reading ferrobus's answers at the person's pace: summaries stretched, journeys followed."""

from __future__ import annotations

import math

import pytest

from assetmap.geo.transit.ferrobus_feed import FeedTables
from assetmap.geo.transit.ferrobus_legs import follow, summary_arrival
from assetmap.geo.transit.itinerary import LegKind, Stop

TABLES = FeedTables(
    stops={"A": Stop("A", "Friars Walk 11"), "B": Stop("B", "Royal Gwent Hospital")},
    routes={"r": ("2C", 3)},
    trips={"t": ("r", "Gaer", 0)},
    places={},
    served=frozenset({"A", "B"}),
)


def _walk(seconds: int, to: str | None = None) -> dict:
    return {"properties": {"leg_type": "access_walk", "duration": seconds, "to_name": to}}


def _ride(boards: int, arrives: int) -> dict:
    return {
        "properties": {
            "leg_type": "transit",
            "from_name": "A",
            "to_name": "B",
            "trip_id": "t",
            "departure_time": boards,
            "arrival_time": arrives,
            "duration": arrives - boards,
        }
    }


def test_a_summary_stretches_only_its_walks_to_the_persons_pace():
    bus = {"travel_time_seconds": 1200, "walking_time_seconds": 300, "used_transit": True}
    assert summary_arrival(bus, 36000, 1.0, 1600) == 37200
    assert summary_arrival(bus, 36000, 2.0, 1600) == 37500  # 300 s of walking take 600 s
    assert summary_arrival(None, 36000, 2.0, 1600) is None


def test_a_summary_on_foot_beyond_the_longest_walk_is_no_way():
    on_foot = {"travel_time_seconds": 1330, "walking_time_seconds": 1330, "used_transit": False}
    assert summary_arrival(on_foot, 0, 1.0, 1600) is None  # 1,862 m at 1.4 m/s
    assert summary_arrival(on_foot, 0, 1.5, 2000) == pytest.approx(1995)


def test_following_a_journey_catches_the_bus_when_there_in_time():
    done = follow([_walk(300, "A"), _ride(28200, 28560)], 27600, 1.5, TABLES)
    assert done.missed is None
    walk, ride = done.legs
    assert (walk.kind, walk.start, walk.end) == (LegKind.WALK, 27600, 28050)
    assert (ride.kind, ride.route_name, ride.start, ride.end) == (LegKind.RIDE, "2C", 28200, 28560)


def test_following_a_journey_at_a_slow_pace_says_which_bus_is_missed_and_when():
    features = [_walk(500, "A"), _ride(28200, 28560)]
    done = follow(features, 27600, 2.0, TABLES)  # 1,000 s on foot: at the stop at 28,600
    assert done.missed == 1 and done.at_stop == 28600
    assert [leg.kind for leg in done.legs] == [LegKind.WALK]
    assert math.isfinite(done.at_stop)
