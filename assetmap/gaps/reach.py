"""What the access figures need from travel, dense or pruned by reach.

``summarise`` (``analysis``) needs two things from the journeys, not the whole matrix:

    W[i, j]   the E2SFCA band weight of postcode i to group j (``catchment.band_weights``),
              which is 0 beyond the budget b: a sparse postcodes × groups matrix;
    near[i]   min_j t[i, j] over the fitting groups j: minutes to the nearest, in or out of
              reach (the page says "the nearest is N minutes away").

``dense_access`` takes them from a full matrix ``t`` (n postcodes × m groups × 8 bytes: fine
for a borough, 1.5 million × 5,000 × 8 = 60 GB for England). ``sparse_access`` computes
minutes only where they can be within the budget:

    t[i, j] ≤ b  ⇒  d(i, j) ≤ max(r, p[j])

where d is the straight line, r = ``TravelTimeProvider.reach_m(mobility)`` (no own way goes
further in b) and p[j] the radius within which group j collects people itself. A KD-tree
over the postcodes (unit vectors, so the chord 2 sin(d / 2R) bounds the great circle
anywhere in England) finds those pairs; memory grows with the pairs in reach, not n × m.

The nearest beyond reach, for a postcode with nothing fitting within b: take the k nearest
fitting groups by straight line and their minutes, the best of them m*; no other group can
be quicker than m* unless it lies within r* = reach_m(mobility with budget m*) (pickups are
among the pairs above already), so the groups within r* are timed too and the minimum is the
dense path's, exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from itertools import chain

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.spatial import cKDTree

from assetmap.gaps import catchment
from assetmap.geo.interfaces import TravelTimeProvider
from assetmap.geo.journeys import Destinations, Mobility
from assetmap.geo.spatial import EARTH_RADIUS_M

#: Fitting groups timed first for a postcode with none in reach (their best bounds the rest).
NEAREST_FIRST = 8
#: Groups whose pairs in reach are found and timed at once, and postcodes whose nearest
#: beyond reach is: memory for the pairs of one block, whatever the whole.
GROUP_BLOCK = 2_000
POSTCODE_BLOCK = 20_000
#: Budgets are rounded up to this many minutes when bounding the reach of the nearest.
REACH_STEP_MIN = 0.25
#: Slack added to every search radius, in metres: rounding never loses a pair on the edge.
EDGE_M = 1.0


@dataclass(frozen=True)
class Access:
    """Band weights of the pairs within the budget (postcodes × supply groups, sparse) and
    minutes to the nearest fitting group from each postcode (inf with no way to any)."""

    weights: csr_matrix
    nearest: np.ndarray
    #: Minutes computed to get here: postcodes by groups for the dense path, far fewer pruned.
    pairs: int


def dense_access(minutes: np.ndarray, fits: np.ndarray, budget: float) -> Access:
    """W and near from the full matrix ``minutes`` (postcodes × supply groups)."""
    return Access(
        weights=csr_matrix(catchment.band_weights(minutes, budget)),
        nearest=catchment.nearest(minutes[:, fits]),
        pairs=int(minutes.size),
    )


def unit_xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points as unit vectors (x, y, z): chord lengths on them bound great-circle distances."""
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def chord(metres: np.ndarray | float) -> np.ndarray:
    """The chord 2 sin(θ / 2) of a great-circle distance θ R (plus ``EDGE_M``), at most 2."""
    theta = np.minimum((np.asarray(metres, dtype=float) + EDGE_M) / EARTH_RADIUS_M, math.pi)
    return np.asarray(2 * np.sin(theta / 2))


def _ball_pairs(tree: cKDTree, centres: np.ndarray, radii: np.ndarray) -> tuple[np.ndarray, ...]:
    """(centre index, tree index) for every tree point within its centre's radius."""
    found = tree.query_ball_point(centres, radii, return_sorted=False)
    counts = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
    inner = np.fromiter(chain.from_iterable(found), dtype=np.int64, count=int(counts.sum()))
    return np.repeat(np.arange(len(found)), counts), inner


def candidate_pairs(
    points: cKDTree, destinations: Destinations, reach: float, offset: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(postcode, group) pairs with d ≤ max(r, p[j]): the only ones that can be within b
    (group indices counted from ``offset``)."""
    if len(destinations) == 0 or points.n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    radii = chord(np.maximum(reach, destinations.pickup_radius_m))
    groups, postcodes = _ball_pairs(points, unit_xyz(destinations.lat, destinations.lon), radii)
    return postcodes, groups + offset


def _blocks(n: int, size: int) -> list[slice]:
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


def sparse_access(
    lat: np.ndarray,
    lon: np.ndarray,
    destinations: Destinations,
    fits: np.ndarray,
    travel: TravelTimeProvider,
    mobility: Mobility,
) -> Access:
    """W and near as ``dense_access`` gives them, timing only pairs that can matter, a block
    of ``GROUP_BLOCK`` groups at a time: only the pairs within the budget are kept."""
    n, m, budget = len(lat), len(destinations), mobility.max_travel_minutes
    points = cKDTree(unit_xyz(lat, lon)) if n else cKDTree(np.zeros((0, 3)))
    reach = travel.reach_m(mobility)
    nearest = np.full(n, np.inf)
    kept_rows, kept_cols, kept_w, timed = [], [], [], 0
    for block in _blocks(m, GROUP_BLOCK):
        chosen = destinations.take(np.arange(m)[block])
        rows, cols = candidate_pairs(points, chosen, reach, offset=block.start)
        minutes = travel.pairs(lat, lon, destinations, rows, cols, mobility)
        w = catchment.band_weights(minutes, budget)
        kept = w > 0
        kept_rows.append(rows[kept])
        kept_cols.append(cols[kept])
        kept_w.append(w[kept])
        fit_pair = fits[cols]
        np.minimum.at(nearest, rows[fit_pair], minutes[fit_pair])
        timed += len(rows)
    pairs = (np.concatenate(kept_rows), np.concatenate(kept_cols)) if m else ([], [])
    w_all = np.concatenate(kept_w) if m else np.zeros(0)
    weights = coo_matrix((w_all, pairs), shape=(n, m)).tocsr()
    unreached = np.flatnonzero(~(nearest <= budget))
    for block in _blocks(len(unreached), POSTCODE_BLOCK):
        timed += _nearest_beyond(
            lat, lon, destinations, fits, travel, mobility, unreached[block], nearest
        )
    return Access(weights=weights, nearest=nearest, pairs=timed)


def _reach_within(
    travel: TravelTimeProvider, mobility: Mobility, minutes: np.ndarray
) -> np.ndarray:
    """reach_m(mobility with budget t) for each t in ``minutes``, read at t rounded up to the
    next ``REACH_STEP_MIN``: reach only grows with the budget, so this never falls short, and
    a few hundred distinct budgets serve a whole country."""
    steps = np.ceil(np.nan_to_num(minutes, posinf=-1.0) / REACH_STEP_MIN)
    unique, index = np.unique(steps, return_inverse=True)
    reach = np.array(
        [
            travel.reach_m(replace(mobility, max_travel_minutes=s * REACH_STEP_MIN))
            if s >= 0
            else travel.reach_m(replace(mobility, max_travel_minutes=math.inf))
            for s in unique
        ]
    )
    return reach[index.ravel()]


def _nearest_beyond(
    lat: np.ndarray,
    lon: np.ndarray,
    destinations: Destinations,
    fits: np.ndarray,
    travel: TravelTimeProvider,
    mobility: Mobility,
    unreached: np.ndarray,
    nearest: np.ndarray,
) -> int:
    """Complete ``nearest`` in place for the ``unreached`` postcodes (the module docstring's
    m* and r*); returns how many minutes it computed."""
    fit_index = np.flatnonzero(fits)
    if len(unreached) == 0 or len(fit_index) == 0:
        return 0
    tree = cKDTree(unit_xyz(destinations.lat[fit_index], destinations.lon[fit_index]))
    xyz = unit_xyz(lat[unreached], lon[unreached])
    k = min(NEAREST_FIRST, len(fit_index))
    _, first = tree.query(xyz, k=k)
    first = np.asarray(first).reshape(len(unreached), k)
    rows = np.repeat(unreached, k)
    cols = fit_index[first.ravel()]
    best = travel.pairs(lat, lon, destinations, rows, cols, mobility).reshape(-1, k).min(axis=1)
    best = np.minimum(best, nearest[unreached])
    bound = _reach_within(travel, mobility, best)
    centre, inner = _ball_pairs(tree, xyz, chord(bound))
    rows, cols = unreached[centre], fit_index[inner]
    ring = travel.pairs(lat, lon, destinations, rows, cols, mobility)
    np.minimum.at(best, centre, ring)
    nearest[unreached] = best
    return len(unreached) * k + len(rows)


__all__ = ["Access", "candidate_pairs", "dense_access", "sparse_access", "unit_xyz"]
