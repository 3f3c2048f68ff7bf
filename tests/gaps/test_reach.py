"""Travel pruned by reach gives what the whole matrix gives: the same band weights within the
budget, the same nearest minutes (out of reach too), and so the same answer per area."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from assetmap.db import Database
from assetmap.gaps import reach
from assetmap.gaps.analysis import GapResult, what_if
from assetmap.gaps.profile import NeedProfile
from assetmap.gaps.reach import dense_access, sparse_access
from assetmap.geo.journeys import Destinations, Mobility, Mode
from assetmap.geo.travel import EstimatedTravel
from tests.gaps.test_analysis import PROFILE, _analyse, borough, centre  # noqa: F401 (the fixture)

KM = 1 / 111.2  # degrees of latitude in a kilometre, near enough

MOBILITIES = [
    Mobility(modes=(Mode.WHEELCHAIR, Mode.BUS), max_travel_minutes=20),
    Mobility(modes=(Mode.WALK, Mode.BUS), max_travel_minutes=30, max_walk_metres=600),
    Mobility(modes=(Mode.WALK,), max_travel_minutes=15),
    Mobility(modes=(Mode.CAR, Mode.TAXI), max_travel_minutes=25),
    Mobility(modes=(Mode.WALK,), max_travel_minutes=30, door_to_door_needed=True),
]


def _random_case(seed: int) -> tuple[np.ndarray, np.ndarray, Destinations, np.ndarray]:
    """Postcodes over 30 km by 30 km, a few clustered groups (some with a listed stop, some
    collecting people within a few km), a third of them only "not known"."""
    rng = np.random.default_rng(seed)
    n, m = 400, 25
    lat = 51.3 + rng.uniform(0, 30, n) * KM
    lon = -0.3 + rng.uniform(0, 30, n) * KM * 1.6
    glat = 51.3 + rng.uniform(5, 12, m) * KM
    glon = -0.3 + rng.uniform(5, 12, m) * KM * 1.6
    stop = np.where(rng.uniform(size=m) < 0.5, rng.uniform(20, 500, m), math.nan)
    pickup = np.where(rng.uniform(size=m) < 0.2, rng.uniform(1000, 6000, m), 0.0)
    fits = rng.uniform(size=m) < 0.67
    return lat, lon, Destinations.of(glat, glon, stop, pickup), fits


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("mobility", MOBILITIES, ids=lambda m: "+".join(m.modes))
def test_pruned_travel_equals_the_whole_matrix(seed: int, mobility: Mobility) -> None:
    lat, lon, destinations, fits = _random_case(seed)
    travel = EstimatedTravel()
    minutes = travel.matrix(lat, lon, destinations, mobility)
    dense = dense_access(minutes, fits, mobility.max_travel_minutes)
    sparse = sparse_access(lat, lon, destinations, fits, travel, mobility)
    np.testing.assert_array_equal(sparse.weights.toarray(), dense.weights.toarray())
    np.testing.assert_allclose(sparse.nearest, dense.nearest, rtol=1e-12)
    assert sparse.pairs < dense.pairs or mobility.modes == (Mode.CAR, Mode.TAXI)
    # Most of these postcodes are far from every group: their nearest is out of reach, and
    # still the true one.
    assert (dense.nearest > mobility.max_travel_minutes).any()


def test_nothing_to_reach_and_no_one_to_reach_it() -> None:
    travel, mobility = EstimatedTravel(), MOBILITIES[0]
    lat, lon, destinations, fits = _random_case(4)
    none = sparse_access(lat, lon, Destinations.of([], []), np.zeros(0, bool), travel, mobility)
    assert none.weights.shape == (400, 0) and np.isinf(none.nearest).all()
    empty = np.zeros(0)
    nobody = sparse_access(empty, empty, destinations, fits, travel, mobility)
    assert nobody.weights.shape == (0, 25) and nobody.nearest.shape == (0,)


def _same(a: GapResult, b: GapResult) -> None:
    assert [x.code for x in a.areas] == [x.code for x in b.areas]
    for x, y in zip(a.areas, b.areas, strict=True):
        for name, value in dataclasses.asdict(x).items():
            other = getattr(y, name)
            if isinstance(value, float):
                assert other == pytest.approx(value, rel=1e-12), name
            else:
                assert other == value, name


@pytest.mark.parametrize(
    "profile",
    [PROFILE, NeedProfile(name="social", mobility=PROFILE.mobility, categories=PROFILE.categories)],
    ids=["step-free", "any-access"],
)
def test_the_built_borough_gets_the_same_answer_either_way(
    request: pytest.FixtureRequest, database: Database, profile: NeedProfile
) -> None:
    # The borough of test_analysis, on this test's backend (``database`` parametrises it).
    town: Database = request.getfixturevalue("borough")
    dense = _analyse(town, profile, method="dense")
    sparse = _analyse(town, profile, method="sparse")
    _same(dense, sparse)
    # And a what-if on top of either.
    _same_what_if = [what_if(r, *centre("E"), places=12) for r in (dense, sparse)]
    assert _same_what_if[0].people_reached == pytest.approx(_same_what_if[1].people_reached)
    assert [c.gap_after for c in _same_what_if[0].changes] == [
        c.gap_after for c in _same_what_if[1].changes
    ]


def test_blocks_of_groups_and_postcodes_join_without_a_seam(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lat, lon, destinations, fits = _random_case(5)
    travel, mobility = EstimatedTravel(), MOBILITIES[1]
    whole = sparse_access(lat, lon, destinations, fits, travel, mobility)
    monkeypatch.setattr(reach, "GROUP_BLOCK", 3)
    monkeypatch.setattr(reach, "POSTCODE_BLOCK", 7)
    blocks = sparse_access(lat, lon, destinations, fits, travel, mobility)
    np.testing.assert_array_equal(blocks.weights.toarray(), whole.weights.toarray())
    np.testing.assert_array_equal(blocks.nearest, whole.nearest)
