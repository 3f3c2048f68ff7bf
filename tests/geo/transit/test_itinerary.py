from __future__ import annotations

from datetime import time

from assetmap.geo.transit.engine import Walking
from assetmap.geo.transit.itinerary import Itinerary, Leg, LegKind, Stop, step_free_warnings
from assetmap.geo.transit.window import DepartureWindow
from tests.geo.transit.conftest import FRIARS_WALK_11, ROYAL_GWENT, TUESDAY, stop_point

FRIARS = Stop(FRIARS_WALK_11, "Friars Walk 11", 0)
GWENT = Stop(ROYAL_GWENT, "Royal Gwent Hospital", 1)


def test_sentence_names_route_stop_and_time():
    legs = (
        Leg(LegKind.RIDE, 28200, 28560, FRIARS, GWENT, "2C", "Bus"),
        Leg(LegKind.WALK, 28560, 28760, GWENT, None, metres=250),
    )
    text = Itinerary(28000, legs).sentence()
    assert text == (
        "Bus 2C from Friars Walk 11 at 07:50, 6 min, to Royal Gwent Hospital, then 250 m walk."
    )


def test_unknown_step_free_stops_and_vehicles_warn():
    legs = (Leg(LegKind.RIDE, 28200, 28560, FRIARS, GWENT, "2C", "Bus"),)
    assert step_free_warnings(legs) == (
        "step-free boarding at Friars Walk 11: not known",
        "step-free bus 2C: not known",
    )


def test_the_real_2c_itinerary_reads_as_a_sentence(engine):
    window = DepartureWindow(TUESDAY, time(7, 49), time(7, 50), 1)
    [result] = engine.journeys(
        stop_point(FRIARS_WALK_11), [stop_point(ROYAL_GWENT)], window, Walking(4.8 / 3.6, 100)
    )
    assert result.itinerary.sentence().startswith("Bus 2C from Friars Walk 11 at 07:50, 6 min")


def test_walks_one_after_another_are_one_walk():
    from assetmap.geo.transit.itinerary import joined_walks

    legs = (
        Leg(LegKind.WALK, 100, 400, None, FRIARS, metres=400),
        Leg(LegKind.WALK, 400, 700, FRIARS, GWENT, metres=350),
        Leg(LegKind.RIDE, 800, 1100, GWENT, FRIARS, "2C", "Bus"),
        Leg(LegKind.WALK, 1100, 1200, FRIARS, None, metres=100),
    )
    walk, ride, last = joined_walks(legs)
    assert (walk.start, walk.end, walk.metres, walk.to_stop) == (100, 700, 750, GWENT)
    assert ride is legs[2] and last is legs[3]
    assert Itinerary(0, (walk,)).sentence() == "Walk all the way: 750 m."
