"""Matching with the transit provider on the real Newport feed and street extract, both
backends: a group on a direct bus line ranks above a nearer one with no bus in the person's
window, and a venue off the feed's street network keeps the estimate, flagged as estimated.

The person waits at Friars Walk 11 (Newport bus station), free to leave from 09:10 to 09:20 on
the test day: bus 1 leaves at 09:18 for Thornbury Park Shops (3.7 km west, 19 min on the bus).
Nothing in that window takes them 2 km east any quicker than walking.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assetmap.config import Config
from assetmap.db import Database
from assetmap.errors import ConfigError
from assetmap.geo.journeys import Departure, Destinations, Mobility, Mode
from assetmap.geo.spatial import Point
from assetmap.geo.transit.provider import FeedSource, TransitTravel, default_window
from assetmap.geo.transit.registry import import_feed
from assetmap.geo.travel import EstimatedTravel, travel_provider_for
from assetmap.matching import MatchResult, Profile, match
from assetmap.matching.profile import Window, departure_window, departure_windows, with_departure
from assetmap.models import Day
from tests.factories import TODAY
from tests.matching.test_engine import group

DATA = Path(__file__).resolve().parents[1] / "data" / "newport"
GTFS = DATA / "newport-20230613_gtfs.zip"
OSM = DATA / "newport-2023-06-13.osm.pbf"
TUESDAY = dt.date(2023, 6, 13)
FRIARS_WALK_11 = Point(51.587681, -2.994448)
THORNBURY_PARK_SHOPS = Point(51.585217, -3.047467)
#: 2 km east of the bus station, on the street network, no bus there in the window.
EAST = Point(51.5877, -2.965)
#: 2.7 km north, past the extract's streets: the feed cannot route there.
NORTH_OFF_NETWORK = Point(51.612, -2.99)
NEWPORT = FeedSource("newport", GTFS, OSM, dt.date(2023, 6, 5), dt.date(2024, 3, 1))
BUS = Mobility(
    modes=(Mode.WALK, Mode.BUS),
    max_travel_minutes=45,
    departure=Departure(TUESDAY, dt.time(9, 10), dt.time(9, 20)),
)


@pytest.fixture(scope="module")
def transit(tmp_path_factory: pytest.TempPathFactory) -> TransitTravel:
    """One provider per module: its engine loads once, on first use."""
    return TransitTravel([NEWPORT], EstimatedTravel(), workdir=tmp_path_factory.mktemp("transit"))


def at(name: str, point: Point) -> dict[str, Any]:
    return group(
        name,
        venue={"name": f"{name} hall", "address": None, "postcode": None, **vars(point)},
    )


def run(database: Database, travel: Any, mobility: Mobility = BUS) -> MatchResult:
    with database.session() as session:
        result = match(
            session,
            Profile(location=FRIARS_WALK_11, mobility=mobility),
            10,
            today=TODAY,
            travel=travel,
            record_unmet=False,
        )
    return result


def names(result: MatchResult) -> list[str]:
    return [o.listing["name"] for o in result.options]


def test_a_group_on_a_direct_bus_ranks_above_a_nearer_one_without_a_bus_in_the_window(
    database, add_groups, transit
) -> None:
    add_groups(at("Thornbury", THORNBURY_PARK_SHOPS), at("Eastside", EAST))
    estimated = names(run(database, EstimatedTravel()))
    assert estimated.index("Eastside") < estimated.index("Thornbury")  # nearer, by the estimate

    result = run(database, transit)
    assert names(result)[0] == "Thornbury"
    thornbury, eastside = result.options
    assert thornbury.travel.mode is Mode.BUS
    assert not thornbury.travel.estimated
    # Ready at 09:10 for the 09:18: the wait, 19 min on the bus, the walks.
    assert 27 <= thornbury.travel.minutes <= 33
    assert thornbury.travel.itinerary is not None
    assert thornbury.travel.itinerary.startswith("Bus 1 from Friars Walk 11 at 09:18")
    assert thornbury.travel.worst_minutes is not None
    assert eastside.travel.mode is Mode.WALK
    assert eastside.travel.estimated
    assert eastside.travel.itinerary is None
    assert eastside.travel.minutes > thornbury.travel.minutes


def test_a_venue_off_the_feeds_streets_gets_the_estimate_flagged_estimated(
    database, add_groups, transit
) -> None:
    add_groups(at("Northfield", NORTH_OFF_NETWORK))
    (option,) = run(database, transit).options
    (by_estimate,) = run(database, EstimatedTravel()).options
    assert option.travel == by_estimate.travel
    assert option.travel.mode is Mode.BUS
    assert option.travel.estimated
    assert option.travel.itinerary is None


def test_the_provider_flags_per_destination_and_keeps_the_worst(transit) -> None:
    destinations = Destinations.of(
        [THORNBURY_PARK_SHOPS.lat, NORTH_OFF_NETWORK.lat],
        [THORNBURY_PARK_SHOPS.lon, NORTH_OFF_NETWORK.lon],
    )
    window = Departure(TUESDAY, dt.time(9, 0), dt.time(9, 20))  # leaving 09:00 or 09:10
    journeys = transit.minutes(
        FRIARS_WALK_11, destinations, Mobility(modes=(Mode.BUS,), departure=window)
    )
    assert journeys.estimated is not None and journeys.worst_minutes is not None
    assert list(journeys.estimated) == [False, True]
    # The 09:00 waits ten minutes longer for the 09:18 than the 09:10 does.
    assert journeys.worst_minutes[0] == pytest.approx(journeys.minutes[0] + 5, abs=0.5)
    assert journeys.itineraries is not None and journeys.itineraries[1] is None


def test_walking_alone_and_a_day_outside_the_feed_are_estimated(transit) -> None:
    destinations = Destinations.of([THORNBURY_PARK_SHOPS.lat], [THORNBURY_PARK_SHOPS.lon])
    estimate = EstimatedTravel().minutes(FRIARS_WALK_11, destinations, BUS)
    outside = Departure(dt.date(2024, 6, 11), dt.time(9, 10), dt.time(9, 20))
    for mobility in (Mobility(modes=(Mode.WALK,)), Mobility(modes=BUS.modes, departure=outside)):
        journeys = transit.minutes(FRIARS_WALK_11, destinations, mobility)
        assert journeys.estimated is not None and journeys.estimated.all()
    journeys = transit.minutes(
        FRIARS_WALK_11, destinations, Mobility(modes=BUS.modes, departure=outside)
    )
    assert np.array_equal(journeys.minutes, estimate.minutes)


def test_the_departure_window_comes_from_the_first_free_time_else_a_tuesday_morning() -> None:
    monday = dt.date(2023, 6, 12)
    free = Profile(
        location=FRIARS_WALK_11,
        availability=(Window(Day.WED, dt.time(9), dt.time(17)),),
    )
    assert departure_window(free, monday) == Departure(
        dt.date(2023, 6, 14), dt.time(9), dt.time(12)
    )
    assert departure_window(Profile(location=FRIARS_WALK_11), monday) == Departure(
        dt.date(2023, 6, 13), dt.time(10), dt.time(12)
    )
    window = default_window(NEWPORT)
    assert (window.day, window.start, window.end) == (
        dt.date(2023, 6, 6),
        dt.time(10),
        dt.time(12),
    )


def test_every_free_time_is_routed_and_each_venue_takes_its_quickest(transit) -> None:
    destinations = Destinations.of([THORNBURY_PARK_SHOPS.lat], [THORNBURY_PARK_SHOPS.lon])
    # No local bus runs on a Sunday; on Wednesday they are at Friars Walk for the 09:18.
    sunday = Departure(TUESDAY + dt.timedelta(days=5), dt.time(9, 10), dt.time(9, 20))
    wednesday = Departure(TUESDAY + dt.timedelta(days=1), dt.time(9, 10), dt.time(9, 20))
    only_sunday = Mobility(modes=BUS.modes, max_travel_minutes=90, departure=sunday)
    both = Mobility(
        modes=BUS.modes, max_travel_minutes=90, departure=sunday, other_departures=(wednesday,)
    )
    late = transit.minutes(FRIARS_WALK_11, destinations, only_sunday)
    either = transit.minutes(FRIARS_WALK_11, destinations, both)
    assert late.itineraries is not None and late.itineraries[0] is None
    assert late.mode[0] is not Mode.BUS or late.estimated[0]
    assert either.mode[0] is Mode.BUS and either.minutes[0] < 30
    assert either.itineraries is not None
    assert either.itineraries[0].startswith("Wednesday: Bus 1 from Friars Walk 11 at 09:18")


def test_each_free_time_is_a_window_up_to_three() -> None:
    monday = dt.date(2023, 6, 12)
    free = Profile(
        location=FRIARS_WALK_11,
        availability=tuple(
            Window(day, dt.time(14), dt.time(16)) for day in (Day.TUE, Day.WED, Day.THU, Day.FRI)
        ),
    )
    windows = departure_windows(free, monday)
    assert [w.day for w in windows] == [dt.date(2023, 6, 13 + k) for k in range(3)]
    mobility = with_departure(free, monday).mobility
    assert mobility.departures == windows
    assert mobility.departure == windows[0] and len(mobility.other_departures) == 2


def test_the_transit_setting_needs_a_loaded_feed(database, tmp_path: Path) -> None:
    config = Config(database_url=database.config.database_url, travel_provider="transit")
    with pytest.raises(ConfigError, match="import-transit"):
        travel_provider_for(config, database)
    with database.session() as session:
        import_feed(session, tmp_path, GTFS, now=dt.datetime.now(dt.UTC), osm=OSM)
    provider = travel_provider_for(config, database)
    assert isinstance(provider, TransitTravel)
    assert [f.name for f in provider.feeds] == ["newport-20230613"]
    with pytest.raises(ConfigError, match="transit"):
        Config(travel_provider="tram")


def test_a_feed_whose_extract_is_gone_leaves_the_estimate(tmp_path: Path) -> None:
    gone = FeedSource(
        "gone", GTFS, tmp_path / "moved.osm.pbf", NEWPORT.start_date, NEWPORT.end_date
    )
    provider = TransitTravel([gone], EstimatedTravel(), workdir=tmp_path)
    destinations = Destinations.of([THORNBURY_PARK_SHOPS.lat], [THORNBURY_PARK_SHOPS.lon])
    journeys = provider.minutes(FRIARS_WALK_11, destinations, BUS)
    estimate = EstimatedTravel().minutes(FRIARS_WALK_11, destinations, BUS)
    assert np.array_equal(journeys.minutes, estimate.minutes)
    assert journeys.estimated is not None and journeys.estimated.all()
