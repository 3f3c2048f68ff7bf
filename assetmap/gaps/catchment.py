"""The access arithmetic, in numpy over a travel matrix: no database, no travel provider.

Notation: ``t[i, j]`` minutes from demand point i to supply point j (inf: no way);
``P[i]`` the people point i stands for; ``S[j]`` the places at j; ``b`` the time budget.

Enhanced two-step floating catchment (E2SFCA; Luo & Qi 2009, after the 2SFCA of Luo & Wang
2003), with the catchment cut into three equal travel-time bands:

    W(t) = 1.00  for 0     < t ≤ b/3      (b = 30: 0–10 min)
           0.68  for b/3   < t ≤ 2b/3     (10–20 min)
           0.22  for 2b/3  < t ≤ b        (20–30 min)
           0     beyond b, or no way

The weights are Luo & Qi's: a Gaussian decay exp(-t² / 2σ²) with σ ≈ 0.38 b read at each
band's inner edge (b/3: 0.68; 2b/3: 0.22). Bands in thirds of the budget, not fixed 10-minute
ones, so a 20-minute question still has three bands rather than two and an empty third.

    step 1, each supply point:  R[j] = S[j] / Σ_i P[i] W(t[i, j])        (0 if nobody reaches j)
    step 2, each demand point:  A[i] = Σ_j R[j] W(t[i, j])

A[i] is places per person; ×1000 gives places per 1,000 target people. Where every place is
reached by someone, Σ_i P[i] A[i] = Σ_j S[j]: the method shares places out, never makes them.

PySAL's ``access`` package computes the same thing, but from pandas frames of supply, demand
and a long-form cost table, and it imports geopandas (which brings its own GDAL, GEOS and PROJ
beside SpatiaLite's; see tests/geo/test_street_network.py for what that did to a test run).
We hold the band weights as a (sparse) matrix, so the two steps are two matrix products here.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix

#: The three bands' upper edges as fractions of the budget, and their weights.
BAND_EDGES: tuple[float, ...] = (1 / 3, 2 / 3, 1.0)
BAND_WEIGHTS: tuple[float, ...] = (1.0, 0.68, 0.22)


def band_weights(minutes: np.ndarray, budget: float) -> np.ndarray:
    """W(t) of the module docstring, element by element (0 for inf and beyond the budget)."""
    weights = np.zeros_like(minutes, dtype=float)
    # Outermost band first, so each nearer band overwrites the farther ones it lies within.
    for edge, weight in zip(reversed(BAND_EDGES), reversed(BAND_WEIGHTS), strict=True):
        weights[minutes <= edge * budget] = weight
    return weights


def e2sfca(
    minutes: np.ndarray, people: np.ndarray, places: np.ndarray, budget: float
) -> np.ndarray:
    """A[i], places per person at each demand point (steps 1 and 2 of the docstring)."""
    if minutes.shape[1] == 0:
        return np.zeros(minutes.shape[0])
    return e2sfca_weighted(band_weights(minutes, budget), people, places)


def e2sfca_weighted(
    w: np.ndarray | csr_matrix, people: np.ndarray, places: np.ndarray
) -> np.ndarray:
    """A[i] from the band weights W[i, j] themselves, dense or sparse (zero beyond reach):
    R = S / (Wᵀ P), A = W R."""
    if w.shape[1] == 0:
        return np.zeros(w.shape[0])
    demand_on_j = np.asarray(w.T @ people, dtype=float).ravel()
    ratio = np.divide(places, demand_on_j, out=np.zeros_like(demand_on_j), where=demand_on_j > 0)
    return np.asarray(w @ ratio, dtype=float).ravel()


def in_reach(minutes: np.ndarray, budget: float) -> np.ndarray:
    """How many supply points each demand point reaches within the budget."""
    return (minutes <= budget).sum(axis=1)


def nearest(minutes: np.ndarray) -> np.ndarray:
    """Minutes from each demand point to its nearest supply point (inf with none)."""
    if minutes.shape[1] == 0:
        return np.full(minutes.shape[0], np.inf)
    return np.asarray(minutes.min(axis=1), dtype=float)


def membership(area: np.ndarray, n_areas: int) -> csr_matrix:
    """The areas × points 0/1 matrix: row a has a 1 for every point in area a."""
    n = area.shape[0]
    return csr_matrix((np.ones(n), (area, np.arange(n))), shape=(n_areas, n))


def weighted_mean(
    values: np.ndarray, weight: np.ndarray, area: np.ndarray, n_areas: int
) -> np.ndarray:
    """Σ w·v / Σ w over each area's points; inf if a weighted point's value is inf; NaN for an
    area without weight."""
    total = np.bincount(area, weights=weight, minlength=n_areas)
    finite = np.isfinite(values)
    sums = np.bincount(area, weights=np.where(finite, values, 0.0) * weight, minlength=n_areas)
    infinite = np.bincount(area, weights=(~finite & (weight > 0)).astype(float), minlength=n_areas)
    mean = np.divide(sums, total, out=np.full(n_areas, np.nan), where=total > 0)
    return np.where(infinite > 0, np.inf, mean)


def worst(values: np.ndarray, area: np.ndarray, n_areas: int) -> np.ndarray:
    """The largest value over each area's points (NaN for an area without points)."""
    out = np.full(n_areas, -np.inf)
    np.maximum.at(out, area, values)
    return np.where(np.isneginf(out), np.nan, out)


def share(mask: np.ndarray, weight: np.ndarray, area: np.ndarray, n_areas: int) -> np.ndarray:
    """The weighted share of each area's points where ``mask`` holds (NaN without weight)."""
    return weighted_mean(mask.astype(float), weight, area, n_areas)


def gap_scores(people: np.ndarray, coverage: np.ndarray) -> np.ndarray:
    """gap[a] = 100 × (T[a] / max T) × (1 − C[a]).

    T[a]: the area's target people; C[a]: the share of them with at least one fitting group
    within the budget. So the score is the people left without a group in reach, as a
    percentage of the largest area's target population: 100 is the area with the most target
    people and no coverage at all, 0 an area where all of them reach one. A proportional score
    rather than a rank: a score of 50 keeps its meaning, and a what-if shows by how much an
    area improves, not only whether it swapped places with another. NaN where T is not known.
    """
    largest = np.nanmax(people) if np.isfinite(people).any() else np.nan
    if not largest or not np.isfinite(largest):
        return np.where(np.isfinite(people), 0.0, np.nan)
    return 100 * (people / largest) * (1 - np.nan_to_num(coverage))
