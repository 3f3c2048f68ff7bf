"""The access arithmetic on cases small enough to work by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assetmap.gaps import catchment

INF = math.inf


def test_e2sfca_three_supply_points_three_demand_points_worked_by_hand() -> None:
    """Budget 30 minutes, so the bands are 0-10 (weight 1.00), 10-20 (0.68), 20-30 (0.22).

    Minutes (rows: demand points with P = 1000, 2000, 500 people; columns: supply points
    with S = 10, 5, 20 places), and the weights they fall in:

                   j0   j1   j2          W:  j0    j1    j2
        i0 (1000)   5   15   40              1.00  0.68  0
        i1 (2000)  25    8   12              0.22  1.00  0.68
        i2  (500)  50   35    9              0     0     1.00

    Step 1, people weighted within each supply point's catchment, and places per person:
        j0: 1000×1.00 + 2000×0.22           = 1440   R0 = 10 / 1440 = 0.0069444
        j1: 1000×0.68 + 2000×1.00           = 2680   R1 =  5 / 2680 = 0.0018657
        j2: 2000×0.68 +  500×1.00           = 1860   R2 = 20 / 1860 = 0.0107527
    Step 2, each demand point sums the ratios it reaches, weighted again:
        A0 = 1.00×R0 + 0.68×R1              = 0.0082131  → 8.213 places per 1,000
        A1 = 0.22×R0 + 1.00×R1 + 0.68×R2    = 0.0107053  → 10.705
        A2 = 1.00×R2                        = 0.0107527  → 10.753
    Check: 1000×A0 + 2000×A1 + 500×A2 = 8.213 + 21.411 + 5.376 = 35.0 = 10 + 5 + 20 places.
    """
    minutes = np.array([[5, 15, 40], [25, 8, 12], [50, 35, 9]], dtype=float)
    people = np.array([1000.0, 2000.0, 500.0])
    places = np.array([10.0, 5.0, 20.0])

    access = catchment.e2sfca(minutes, people, places, budget=30)

    np.testing.assert_allclose(1000 * access, [8.213, 10.705, 10.753], atol=0.001)
    assert people @ access == pytest.approx(places.sum())


def test_band_weights_are_thirds_of_the_budget() -> None:
    minutes = np.array([0, 6.6, 6.7, 13.3, 13.4, 20, 20.1, INF])
    np.testing.assert_allclose(
        catchment.band_weights(minutes, 20), [1, 1, 0.68, 0.68, 0.22, 0.22, 0, 0]
    )


def test_a_place_nobody_reaches_is_shared_with_nobody() -> None:
    minutes = np.array([[5.0, INF], [12.0, 99.0]])
    access = catchment.e2sfca(minutes, np.array([10.0, 10.0]), np.array([4.0, 100.0]), 30)
    # Only the first place is reached: 4 / (10 * 1 + 10 * 0.68) for each, weighted again.
    r0 = 4 / 16.8
    np.testing.assert_allclose(access, [r0, 0.68 * r0])


def test_nearest_reach_and_area_summaries() -> None:
    minutes = np.array([[5.0, 25.0], [30.0, INF], [INF, INF]])
    assert catchment.in_reach(minutes, 20).tolist() == [1, 0, 0]
    near = catchment.nearest(minutes)
    assert near.tolist() == [5.0, 30.0, INF]
    area = np.array([0, 0, 1])
    weight = np.array([3.0, 1.0, 2.0])
    mean = catchment.weighted_mean(near, weight, area, 3)
    assert mean[0] == pytest.approx((3 * 5 + 1 * 30) / 4)
    assert mean[1] == INF  # somebody there has no way to any
    assert math.isnan(mean[2])  # nobody lives in the third area
    assert catchment.worst(near, area, 2).tolist() == [30.0, INF]
    assert catchment.share(near <= 20, weight, area, 2).tolist() == [0.75, 0.0]


def test_gap_score_is_uncovered_people_over_the_largest_areas_people() -> None:
    people = np.array([1000.0, 500.0, 1000.0, math.nan])
    coverage = np.array([0.0, 0.0, 0.9, 0.0])
    scores = catchment.gap_scores(people, coverage)
    np.testing.assert_allclose(scores[:3], [100.0, 50.0, 10.0])
    assert math.isnan(scores[3])
