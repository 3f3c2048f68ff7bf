"""The default travel-time estimator: journeys a link worker can sanity-check by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assetmap.config import Config
from assetmap.geo import journeys as travel
from assetmap.geo.journeys import Destinations, Mobility, Mode, Pace, geodesic_m
from assetmap.geo.spatial import Point
from assetmap.geo.travel import EstimatedTravel, travel_provider_for

HOME = Point(51.5505, -0.1410)
KM_NORTH = 1000 / 111_200  # degrees of latitude in a kilometre, near enough


def _north(*km: float, stop_m: float | None = 150, pickup_km: float = 0) -> Destinations:
    lats = [HOME.lat + k * KM_NORTH for k in km]
    return Destinations.of(
        lats,
        [HOME.lon] * len(km),
        [math.nan if stop_m is None else stop_m] * len(km),
        [pickup_km * 1000] * len(km),
    )


def _minutes(mobility: Mobility, *km: float, **kwargs: float | None) -> list[float]:
    return EstimatedTravel().minutes(HOME, _north(*km, **kwargs), mobility).minutes.tolist()


def test_walking_time_is_distance_with_detour_over_walking_speed() -> None:
    (minutes,) = _minutes(Mobility(modes=(Mode.WALK,)), 1.0)
    expected = 1000 * travel.WALK_DETOUR / travel.WALK_M_PER_S / 60
    assert minutes == pytest.approx(expected, rel=0.01)  # about 15.6 minutes


def test_slow_walkers_wheelchairs_and_scooters_move_at_their_own_speeds() -> None:
    typical, slow, wheelchair, scooter = (
        _minutes(mobility, 1.0)[0]
        for mobility in (
            Mobility(modes=(Mode.WALK,)),
            Mobility(modes=(Mode.WALK,), pace=Pace.SLOW),
            Mobility(modes=(Mode.WHEELCHAIR,)),
            Mobility(modes=(Mode.SCOOTER,)),
        )
    )
    assert scooter < typical < wheelchair < slow


def test_a_walk_longer_than_the_person_can_manage_is_no_way_at_all() -> None:
    near, far = _minutes(Mobility(modes=(Mode.WALK,), max_walk_metres=500), 0.3, 0.5)
    assert math.isfinite(near)
    assert far == math.inf  # 500 m straight is 625 m on the streets


def test_bus_is_walk_wait_ride_walk_and_wins_over_distance() -> None:
    mobility = Mobility(modes=(Mode.WALK, Mode.BUS), max_travel_minutes=60)
    result = EstimatedTravel().minutes(HOME, _north(0.3, 4.0, stop_m=200), mobility)
    assert result.mode.tolist() == [Mode.WALK, Mode.BUS]
    walk = (travel.BUS_ACCESS_M + 200) / travel.WALK_M_PER_S / 60
    ride = 4000 * travel.ROAD_DETOUR / travel.BUS_M_PER_S / 60
    assert result.minutes[1] == pytest.approx(walk + travel.BUS_WAIT_MIN + ride, rel=0.01)


def test_bus_needs_both_walks_within_the_limit_and_says_when_the_stop_was_assumed() -> None:
    short_walks = Mobility(modes=(Mode.BUS,), max_walk_metres=300)
    assert _minutes(short_walks, 3.0) == [math.inf]  # the walk to a boarding stop is 400 m
    unlisted = EstimatedTravel().minutes(HOME, _north(3.0, stop_m=None), Mobility((Mode.BUS,)))
    assert unlisted.mode[0] is Mode.BUS and unlisted.stop_assumed[0]


def test_door_to_door_transport_reaches_only_within_its_radius() -> None:
    mobility = Mobility(modes=(Mode.WALK,), max_walk_metres=200, max_travel_minutes=20)
    result = EstimatedTravel().minutes(HOME, _north(4.0, 6.0, pickup_km=5), mobility)
    assert result.pickup_covers.tolist() == [True, False]
    assert result.mode.tolist() == [Mode.DOOR_TO_DOOR, None]
    assert result.within(20).tolist() == [True, False]
    expected = 4000 * travel.ROAD_DETOUR / travel.CAR_M_PER_S / 60 + travel.PICKUP_OVERHEAD_MIN
    assert result.minutes[0] == pytest.approx(expected, rel=0.01)


def test_door_to_door_needed_leaves_pickup_as_the_only_way() -> None:
    mobility = Mobility(modes=(Mode.WALK, Mode.CAR), door_to_door_needed=True)
    result = EstimatedTravel().minutes(HOME, _north(0.2, 0.2, pickup_km=0), mobility)
    assert np.isinf(result.minutes).all()
    assert EstimatedTravel().reach_m(mobility) == 0


def test_the_quickest_of_the_persons_modes_is_chosen() -> None:
    mobility = Mobility(modes=(Mode.WALK, Mode.CAR, Mode.TAXI), max_travel_minutes=60)
    result = EstimatedTravel().minutes(HOME, _north(0.1, 5.0), mobility)
    assert result.mode.tolist() == [Mode.WALK, Mode.CAR]


def test_reach_bounds_every_journey_within_budget() -> None:
    provider = EstimatedTravel()
    for mobility in (
        Mobility(modes=(Mode.WALK,), max_travel_minutes=20),
        Mobility(modes=(Mode.WALK, Mode.BUS), max_travel_minutes=30),
        Mobility(modes=(Mode.CAR,), max_travel_minutes=15),
        Mobility(modes=(Mode.WHEELCHAIR, Mode.TAXI), max_travel_minutes=45),
    ):
        reach_km = provider.reach_m(mobility) / 1000
        # A bus stop at the door: the furthest a bus journey can then go.
        inside, outside = _minutes(mobility, reach_km * 0.98, reach_km * 1.02, stop_m=0)
        assert inside <= mobility.max_travel_minutes < outside


def test_geodesic_distance_agrees_with_geopy() -> None:
    from geopy.distance import geodesic

    lat, lon = np.array([51.60, 52.2053]), np.array([-0.20, 0.1218])
    ours = geodesic_m(HOME, lat, lon)
    for mine, a, b in zip(ours, lat, lon, strict=True):
        assert mine == pytest.approx(geodesic((HOME.lat, HOME.lon), (a, b)).m, rel=0.005)


def test_configuration_picks_the_estimator_by_default() -> None:
    assert travel_provider_for(Config()).name == "estimate"


def test_their_own_way_within_budget_beats_a_quicker_pickup() -> None:
    # 1.3 km: about 20 minutes on foot, a little less by minibus with its round.
    mobility = Mobility(modes=(Mode.WALK,), max_travel_minutes=30)
    result = EstimatedTravel().minutes(HOME, _north(1.3, pickup_km=5), mobility)
    assert result.mode[0] is Mode.WALK
    assert result.pickup_covers[0]
    tight = Mobility(modes=(Mode.WALK,), max_travel_minutes=15)
    assert EstimatedTravel().minutes(HOME, _north(1.3, pickup_km=5), tight).mode[0] is (
        Mode.DOOR_TO_DOOR
    )
