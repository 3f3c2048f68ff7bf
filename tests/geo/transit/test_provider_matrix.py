"""TransitTravel.matrix and .pairs on the real Newport feed: the timetable bus where a feed
covers the pair (bus 1 from Friars Walk 11 to Thornbury Park Shops beats its estimate), the
estimate off the feed's streets, and a second identical call served from the provider's cache."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assetmap.geo.journeys import Departure, Destinations, Mobility, Mode
from assetmap.geo.transit.ferrobus_engine import FerrobusEngine
from assetmap.geo.transit.provider import TransitTravel
from assetmap.geo.travel import EstimatedTravel
from tests.matching.test_transit_matching import (
    FRIARS_WALK_11,
    NEWPORT,
    NORTH_OFF_NETWORK,
    THORNBURY_PARK_SHOPS,
    TUESDAY,
)

BUS = Mobility(
    modes=(Mode.WALK, Mode.BUS),
    max_travel_minutes=45,
    departure=Departure(TUESDAY, dt.time(9, 10), dt.time(9, 20)),
)


class Counting:
    """The engine, counting the matrix calls made of it."""

    def __init__(self, engine: FerrobusEngine) -> None:
        self.engine = engine
        self.name = engine.name
        self.calls = 0

    def journeys(self, *args: Any, **kwargs: Any) -> Any:
        return self.engine.journeys(*args, **kwargs)

    def matrix(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.engine.matrix(*args, **kwargs)

    def bulk_matrix(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.engine.bulk_matrix(*args, **kwargs)


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> tuple[TransitTravel, list[Counting]]:
    engines: list[Counting] = []

    def load(gtfs: Path, osm: Path, day: dt.date, workdir: Path) -> Counting:
        engines.append(Counting(FerrobusEngine.load(gtfs, osm, day, workdir)))
        return engines[-1]

    travel = TransitTravel(
        [NEWPORT],
        EstimatedTravel(),
        workdir=tmp_path_factory.mktemp("transit"),
        load_engine=load,  # type: ignore[arg-type]
    )
    return travel, engines


DESTINATIONS = Destinations.of(
    [THORNBURY_PARK_SHOPS.lat, NORTH_OFF_NETWORK.lat],
    [THORNBURY_PARK_SHOPS.lon, NORTH_OFF_NETWORK.lon],
)
ORIGINS_LAT = np.array([FRIARS_WALK_11.lat])
ORIGINS_LON = np.array([FRIARS_WALK_11.lon])


def test_the_timetable_bus_beats_its_estimate_and_off_network_keeps_the_estimate(counted):
    travel, _ = counted
    estimate = EstimatedTravel().matrix(ORIGINS_LAT, ORIGINS_LON, DESTINATIONS, BUS)

    minutes = travel.matrix(ORIGINS_LAT, ORIGINS_LON, DESTINATIONS, BUS)

    assert minutes.shape == (1, 2)
    assert np.isfinite(minutes[0, 0]) and minutes[0, 0] < estimate[0, 0]
    assert minutes[0, 1] == estimate[0, 1]


def test_a_second_identical_call_is_served_from_the_cache(counted):
    travel, engines = counted
    first = travel.matrix(ORIGINS_LAT, ORIGINS_LON, DESTINATIONS, BUS)
    calls = sum(e.calls for e in engines)

    second = travel.matrix(ORIGINS_LAT, ORIGINS_LON, DESTINATIONS, BUS)

    assert calls >= 1
    assert sum(e.calls for e in engines) == calls
    np.testing.assert_array_equal(first, second)


def test_pairs_read_the_matrix_at_each_pair(counted):
    travel, _ = counted
    whole = travel.matrix(ORIGINS_LAT, ORIGINS_LON, DESTINATIONS, BUS)

    got = travel.pairs(
        ORIGINS_LAT, ORIGINS_LON, DESTINATIONS, np.array([0, 0]), np.array([1, 0]), BUS
    )

    np.testing.assert_array_equal(got, [whole[0, 1], whole[0, 0]])


def test_without_the_bus_the_matrix_is_the_estimate(counted):
    travel, _ = counted
    walk = Mobility(modes=(Mode.WALK,), max_travel_minutes=45)

    np.testing.assert_array_equal(
        travel.matrix(ORIGINS_LAT, ORIGINS_LON, DESTINATIONS, walk),
        EstimatedTravel().matrix(ORIGINS_LAT, ORIGINS_LON, DESTINATIONS, walk),
    )
