"""Answering a gap question: once per question and state of the data, then from the cache.

The page, the API and the command line all ask here; the cache (``cache.ResultCache``) is
the caller's (one per web app), and its fingerprint covers every table the answer reads.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from assetmap.gaps.analysis import GapResult, WhatIf, analyse, what_if
from assetmap.gaps.cache import ResultCache, fingerprint
from assetmap.gaps.demand import unmet_points
from assetmap.gaps.export import attribution, result_geojson
from assetmap.gaps.requests import GapQuestion
from assetmap.gaps.unmet import SUPPRESS_BELOW
from assetmap.geo.interfaces import TravelTimeProvider
from assetmap.models import Area, Group, Postcode, UnmetNeed, Venue, table_of

#: What an answer reads: a change to any of these makes a kept answer stale.
READS = tuple(table_of(model) for model in (Group, Venue, Postcode, Area, UnmetNeed))


def answer(
    session: Session,
    question: GapQuestion,
    travel: TravelTimeProvider,
    today: dt.date,
    cache: ResultCache[GapResult] | None = None,
) -> GapResult:
    """The analysis for ``question``, from ``cache`` while nothing it read has changed (and it
    is the same day: the unmet needs counted are the last year's)."""
    if cache is None:
        return analyse(session, question.profile, travel, today)
    current = (*fingerprint(session, *READS), (today.isoformat(), travel.name))
    return cache.get_or_compute(
        question.key, current, lambda: analyse(session, question.profile, travel, today)
    )


@dataclass(frozen=True)
class Exploration:
    """What the gap page shows: the answer, its areas as GeoJSON, and a what-if if asked."""

    result: GapResult
    areas: dict[str, Any]
    what_if: WhatIf | None
    #: The fitting groups (and those that may fit) as (lat, lon, fits) for the map.
    groups: list[tuple[float, float, bool]]
    #: The lines the areas' open data asks to be shown beside it (none for other data).
    attribution: tuple[str, ...]
    #: Grid cells with at least SUPPRESS_BELOW unmet needs, as (lat, lon, count): fewer are
    #: never drawn, as they could point at a person.
    unmet_cells: list[tuple[float, float, int]]


def explore(
    session: Session,
    question: GapQuestion,
    travel: TravelTimeProvider,
    today: dt.date,
    cache: ResultCache[GapResult] | None = None,
    *,
    new_group: tuple[float, float, float] | None = None,
) -> Exploration:
    """The answer (cached), its areas for the map, and, with ``new_group`` (lat, lon,
    places), how much of the target population a new group there would reach."""
    result = answer(session, question, travel, today, cache)
    change = None
    if new_group is not None:
        lat, lon, places = new_group
        change = what_if(result, lat, lon, places)
    supply = result.inputs.supply
    groups = [
        (float(a), float(b), bool(fits))
        for a, b, fits in zip(supply.lat, supply.lon, supply.fits, strict=True)
    ]
    cell_lat, cell_lon = unmet_points(session, question.profile, today)
    cells = Counter(
        (round(float(a), 4), round(float(b), 4)) for a, b in zip(cell_lat, cell_lon, strict=True)
    )
    return Exploration(
        result=result,
        areas=result_geojson(session, result),
        what_if=change,
        groups=groups,
        attribution=tuple(attribution(session)),
        unmet_cells=[(a, b, n) for (a, b), n in sorted(cells.items()) if n >= SUPPRESS_BELOW],
    )


__all__ = ["READS", "Exploration", "answer", "explore"]
