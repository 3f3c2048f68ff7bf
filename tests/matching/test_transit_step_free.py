"""Step-free unknowns are a warning, never silently fine (real Newport feed: no served stop
there is known step-free). A wheelchair user at Friars Walk 11 gets no step-free bus to
Thornbury Park Shops, though bus 1 runs there: the time is estimated, and the stops and the bus
that could not be vouched for travel with it, to the match result."""

from __future__ import annotations

import datetime as dt

from assetmap.geo.journeys import Departure, Destinations, Mobility, Mode
from tests.matching.test_transit_matching import (
    EAST,
    FRIARS_WALK_11,
    THORNBURY_PARK_SHOPS,
    TUESDAY,
    at,
    run,
    transit,
)

__all__ = ["transit"]  # the module-scoped provider fixture

WHEELCHAIR = Mobility(
    modes=(Mode.WHEELCHAIR, Mode.BUS),
    max_travel_minutes=90,
    departure=Departure(TUESDAY, dt.time(9, 10), dt.time(9, 20)),
)
BOARDING = "step-free boarding at Friars Walk 11: not known"


def test_no_step_free_bus_is_estimated_and_says_which_stops_are_not_known(transit) -> None:
    destinations = Destinations.of(
        [THORNBURY_PARK_SHOPS.lat, EAST.lat], [THORNBURY_PARK_SHOPS.lon, EAST.lon]
    )

    journeys = transit.minutes(FRIARS_WALK_11, destinations, WHEELCHAIR)

    assert journeys.mode[0] is Mode.WHEELCHAIR and journeys.estimated[0]
    warned = journeys.transit_warnings[0]
    assert warned[0] == BOARDING
    assert "step-free alighting at Thornbury Park Shops: not known" in warned
    assert "step-free bus 1: not known" in warned
    assert journeys.transit_warnings[1] == ()  # nothing on the timetable to warn of


def test_a_walker_gets_no_step_free_warnings(transit) -> None:
    walker = Mobility(modes=(Mode.WALK, Mode.BUS), departure=WHEELCHAIR.departure)
    destinations = Destinations.of([THORNBURY_PARK_SHOPS.lat], [THORNBURY_PARK_SHOPS.lon])

    assert transit.minutes(FRIARS_WALK_11, destinations, walker).transit_warnings == ((),)


def test_the_match_result_carries_the_warnings(database, add_groups, transit) -> None:
    add_groups(at("Thornbury", THORNBURY_PARK_SHOPS))

    (option,) = run(database, transit, WHEELCHAIR).options

    assert option.travel.estimated
    assert option.travel.transit_warnings[0] == BOARDING
