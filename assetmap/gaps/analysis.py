"""Gap analysis, end to end: which small areas have the most target people and the least
provision that fits a need profile, and what one new group would change.

``analyse`` reads supply (``supply``) and demand (``demand``), asks the travel provider for
one matrix of minutes from every postcode to every candidate group, and summarises it per area
with the arithmetic in ``catchment``. ``what_if`` adds a hypothetical group to that matrix as
one more column and summarises again: nothing is read twice.

The dense matrix holds one float per postcode and candidate group (Camden's 8,225 postcodes
and a hundred groups: under 7 MB); the provider builds it in blocks, so only the answer is
whole. Past ``DENSE_MAX_PAIRS`` (England: 1.5 million postcodes × thousands of groups would be
tens of GB) the travel is pruned by reach instead (``reach.sparse_access``): minutes only for
the pairs that can be within the budget, kept sparse, with the same figures.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sqlalchemy.orm import Session

from assetmap.gaps import catchment
from assetmap.gaps.demand import Demand, assign_to_areas, load_demand, unmet_points
from assetmap.gaps.profile import NeedProfile, Target
from assetmap.gaps.reach import Access, dense_access, sparse_access
from assetmap.gaps.supply import Supply, load_supply
from assetmap.geo.interfaces import TravelTimeProvider
from assetmap.geo.journeys import Destinations, Mobility

#: "Enough choice": the second coverage figure counts people with at least this many groups.
CHOICE = 3
#: Up to this many postcode-group pairs (8 bytes each: 32 MB) the matrix is built whole.
DENSE_MAX_PAIRS = 4_000_000


@dataclass(frozen=True)
class AreaGap:
    """One area's access to what fits the profile. Minutes and shares are over its target
    people (each postcode weighted as in ``demand``), or over its postcodes equally where its
    people are not known (``people`` None; then it has no gap score)."""

    code: str
    name: str
    people: float | None
    imd_decile: int | None
    #: Fitting groups within the budget of at least one of the area's postcodes.
    groups_in_reach: int
    #: Groups within reach whose fit is not known (an access answer, or session times, missing).
    not_known_in_reach: int
    #: not_known_in_reach / all groups within reach; None when nothing is within reach.
    not_known_share: float | None
    #: Minutes to the nearest fitting group: the weighted mean over postcodes, and the worst
    #: (inf when some postcode has no way to any).
    nearest_minutes: float
    nearest_minutes_worst: float
    #: E2SFCA places per 1,000 target people (``catchment``).
    places_per_1000: float
    #: Shares of target people with at least one, and at least CHOICE, fitting groups in reach.
    coverage: float
    coverage_choice: float
    #: Unmet needs recorded in the area (last year, matching the profile) and people waiting
    #: for fitting groups that meet in it.
    unmet_needs: int
    waiting_list: int
    #: ``catchment.gap_scores``: 0 to 100, higher is a bigger gap; None without people figures.
    gap_score: float | None


@dataclass(frozen=True)
class GapInputs:
    """What an analysis was computed from, kept for ``what_if``."""

    demand: Demand
    supply: Supply
    #: Band weights within the budget (postcodes by supply groups) and nearest minutes.
    access: Access
    unmet_area: np.ndarray
    travel: TravelTimeProvider


@dataclass(frozen=True)
class GapResult:
    profile: NeedProfile
    target: Target
    #: "areas" or "postcodes" (no areas loaded: H3 hexagons, every postcode one unit).
    basis: str
    #: Sorted by gap score, biggest first (areas without one last).
    areas: list[AreaGap]
    groups_fitting: int
    groups_not_known: int
    people: float
    inputs: GapInputs = field(repr=False, compare=False)


@dataclass(frozen=True)
class AreaChange:
    code: str
    name: str
    gap_before: float | None
    gap_after: float | None
    coverage_before: float
    coverage_after: float


@dataclass(frozen=True)
class WhatIf:
    """A new group of ``places`` at a point: whom it would reach and how the top areas move."""

    #: Target people within the budget of the point, and as a share of all target people.
    people_reached: float
    share_reached: float
    #: Of them, people who had no fitting group in reach before.
    newly_covered: float
    changes: list[AreaChange]
    areas: list[AreaGap]


def _opt(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def summarise(
    demand: Demand, supply: Supply, access: Access, unmet_area: np.ndarray
) -> list[AreaGap]:
    """Every area's figures, in the areas' order, from the band weights and nearest minutes.

    Long on purpose: each figure is one whole-array expression over all areas, and splitting
    them would pass the same dozen arrays between functions.
    """
    areas = demand.areas
    n_areas, area = len(areas), demand.area
    fits = supply.fits
    w_fit, w_unknown = (
        access.weights[:, np.flatnonzero(fits)],
        access.weights[:, np.flatnonzero(~fits)],
    )
    # Weights for the per-area means: the people where known, else every postcode alike.
    known = np.isfinite(areas.people)
    mean_weight = np.where(known[area], demand.weight, 1.0)

    count = np.asarray((w_fit > 0).sum(axis=1)).ravel()
    coverage = catchment.share(count >= 1, mean_weight, area, n_areas)
    choice = catchment.share(count >= CHOICE, mean_weight, area, n_areas)
    near = access.nearest
    near_mean = catchment.weighted_mean(near, mean_weight, area, n_areas)
    near_worst = catchment.worst(near, area, n_areas)
    access_i = catchment.e2sfca_weighted(w_fit, demand.weight, supply.places[fits])
    per_1000 = 1000 * catchment.weighted_mean(access_i, mean_weight, area, n_areas)

    members = catchment.membership(area, n_areas)
    fit_groups = ((members @ (w_fit > 0).astype(float)) > 0).sum(axis=1).A1
    unknown_groups = ((members @ (w_unknown > 0).astype(float)) > 0).sum(axis=1).A1
    scores = catchment.gap_scores(areas.people, coverage)

    venue_area = assign_to_areas(demand, supply.lat[fits], supply.lon[fits])
    in_area = venue_area >= 0
    waiting = np.bincount(
        venue_area[in_area], weights=supply.waiting_list[fits][in_area], minlength=n_areas
    )
    unmet = np.bincount(unmet_area[unmet_area >= 0], minlength=n_areas)

    out = []
    for a in range(n_areas):
        reach_all = int(fit_groups[a] + unknown_groups[a])
        out.append(
            AreaGap(
                code=areas.code[a],
                name=areas.name[a],
                people=_opt(areas.people[a]),
                imd_decile=areas.imd_decile[a],
                groups_in_reach=int(fit_groups[a]),
                not_known_in_reach=int(unknown_groups[a]),
                not_known_share=float(unknown_groups[a] / reach_all) if reach_all else None,
                nearest_minutes=float(near_mean[a]),
                nearest_minutes_worst=float(near_worst[a]),
                places_per_1000=float(np.nan_to_num(per_1000[a])),
                coverage=float(np.nan_to_num(coverage[a])),
                coverage_choice=float(np.nan_to_num(choice[a])),
                unmet_needs=int(unmet[a]),
                waiting_list=int(waiting[a]),
                gap_score=_opt(scores[a]),
            )
        )
    return out


def ranked(areas: list[AreaGap]) -> list[AreaGap]:
    """Biggest gap first; ties by fewer places per 1,000, then the longer way to the nearest."""
    return sorted(
        areas,
        key=lambda g: (
            g.gap_score is None,
            -(g.gap_score or 0.0),
            g.places_per_1000,
            -g.nearest_minutes if math.isfinite(g.nearest_minutes) else -math.inf,
            g.code,
        ),
    )


def travel_access(
    demand: Demand,
    supply: Supply,
    travel: TravelTimeProvider,
    mobility: Mobility,
    method: str = "auto",
) -> Access:
    """Band weights and nearest minutes, from the whole matrix ("dense") or only the pairs in
    reach ("sparse"); "auto" is dense up to ``DENSE_MAX_PAIRS`` pairs. Both give the same."""
    if method == "auto":
        method = "dense" if len(demand.lat) * len(supply) <= DENSE_MAX_PAIRS else "sparse"
    if method not in ("dense", "sparse"):
        raise ValueError(f"method must be auto, dense or sparse, not {method!r}")
    destinations = supply.destinations()
    if method == "sparse":
        return sparse_access(demand.lat, demand.lon, destinations, supply.fits, travel, mobility)
    minutes = travel.matrix(demand.lat, demand.lon, destinations, mobility)
    return dense_access(minutes, supply.fits, mobility.max_travel_minutes)


def analyse(
    session: Session,
    profile: NeedProfile,
    travel: TravelTimeProvider,
    today: dt.date,
    *,
    target: Target | None = None,
    method: str = "auto",
) -> GapResult:
    """The gap analysis for ``profile`` (its own target population unless one is given);
    ``method`` as in ``travel_access``."""
    who = profile.target if target is None else target
    demand = load_demand(session, who)
    supply = load_supply(session, profile)
    access = travel_access(demand, supply, travel, profile.mobility, method)
    unmet_area = assign_to_areas(demand, *unmet_points(session, profile, today))
    areas = summarise(demand, supply, access, unmet_area)
    return GapResult(
        profile=profile,
        target=who,
        basis=demand.areas.basis,
        areas=ranked(areas),
        groups_fitting=int(supply.fits.sum()),
        groups_not_known=int((~supply.fits).sum()),
        people=float(demand.weight.sum()),
        inputs=GapInputs(demand, supply, access, unmet_area, travel),
    )


def what_if(
    result: GapResult, lat: float, lon: float, places: float = 1.0, *, top: int = 10
) -> WhatIf:
    """A new fitting group of ``places`` at (lat, lon): the target people it would have within
    the budget, and the gap scores of the ``top`` areas before and after it."""
    inputs, profile = result.inputs, result.profile
    demand, budget = inputs.demand, profile.budget_minutes
    column = inputs.travel.matrix(
        demand.lat, demand.lon, Destinations.of([lat], [lon]), profile.mobility
    )
    reached = column[:, 0] <= budget
    fit_weights = inputs.access.weights[:, np.flatnonzero(inputs.supply.fits)]
    before = np.asarray((fit_weights > 0).sum(axis=1)).ravel()
    after = Access(
        weights=hstack(
            [inputs.access.weights, csr_matrix(catchment.band_weights(column, budget))]
        ).tocsr(),
        nearest=np.minimum(inputs.access.nearest, column[:, 0]),
        pairs=inputs.access.pairs + len(column),
    )
    after_areas = summarise(
        demand, inputs.supply.with_group(lat, lon, places), after, inputs.unmet_area
    )
    by_code = {a.code: a for a in after_areas}
    people = float(demand.weight[reached].sum())
    return WhatIf(
        people_reached=people,
        share_reached=people / result.people if result.people else 0.0,
        newly_covered=float(demand.weight[reached & (before == 0)].sum()),
        changes=[
            AreaChange(
                code=a.code,
                name=a.name,
                gap_before=a.gap_score,
                gap_after=by_code[a.code].gap_score,
                coverage_before=a.coverage,
                coverage_after=by_code[a.code].coverage,
            )
            for a in result.areas[:top]
        ],
        areas=ranked(after_areas),
    )
