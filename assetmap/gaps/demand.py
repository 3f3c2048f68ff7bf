"""Demand: where the people a profile is about live, and where need has gone unmet.

People are measured at postcodes, never at area centroids (as the DfT journey-time statistics
and CDRC's Access to Healthy Assets and Hazards index do): a large area's centroid can be a
park nobody lives in. Each postcode of an area stands for an even share of the area's target
people:

    weight(postcode p in area a) = target(a) / postcodes(a)

where target(a) is the population, the residents aged 65+ or 75+, or population ×
disabled_share. An area whose people are not known gets weight 0 and says so
(``people_known``): a gap is never found, or hidden, on a made-up number.

With no areas loaded, postcodes are grouped into H3 hexagons (resolution 8, about 0.7 km²)
and every postcode counts as one unit of people: the ranking then shows where postcodes (a
rough stand-in for homes) are far from provision, and says that its basis is postcodes.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import h3
import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assetmap.gaps.profile import NeedProfile, Target
from assetmap.models import Area, Postcode, UnmetNeed

#: H3 resolution for the fallback grid: cells of about 0.74 km², a few hundred homes in a city.
HEX_RESOLUTION = 8
#: Unmet needs recorded within this many days before the analysis count.
UNMET_WINDOW_DAYS = 365
#: Side of the unmet-need grid cells (``matching.unmet.CELL_DEGREES``; not imported: gaps and
#: matching stand side by side). A row's point is its cell's centre.
UNMET_CELL_DEGREES = 0.01
#: A point further than this from every postcode belongs to no area.
MAX_ASSIGN_M = 1500.0


@dataclass(frozen=True)
class Areas:
    """The small areas ranked, as parallel lists."""

    code: list[str]
    name: list[str]
    #: Target people in each area; NaN where not known.
    people: np.ndarray
    imd_decile: list[int | None]
    #: "areas" (people from the areas table) or "postcodes" (H3 hexagons, a postcode a unit).
    basis: str
    #: The hexagon outlines as (lat, lon) rings, for the "postcodes" basis only.
    outlines: dict[str, tuple[tuple[float, float], ...]]

    def __len__(self) -> int:
        return len(self.code)


@dataclass(frozen=True)
class Demand:
    """Postcode points with the people each stands for and the area it is in."""

    lat: np.ndarray
    lon: np.ndarray
    area: np.ndarray
    weight: np.ndarray
    areas: Areas


def target_people(area: Any, target: Target) -> float:
    """The target population of one area row; NaN where its figures are not known."""
    if target is Target.ALL:
        value = area.population
    elif target is Target.AGE_65_PLUS:
        value = area.age_65_plus
    elif target is Target.AGE_75_PLUS:
        value = area.age_75_plus
    elif area.population is None or area.disabled_share is None:
        value = None
    else:
        value = area.population * area.disabled_share
    return math.nan if value is None else float(value)


def load_demand(session: Session, target: Target) -> Demand:
    """Postcode points and their weights: from the areas table if any areas are loaded, else
    over an H3 hexagon grid."""
    if session.scalar(select(func.count()).select_from(Area)):
        return _from_areas(session, target)
    return _from_hexagons(session)


def _from_areas(session: Session, target: Target) -> Demand:
    areas = session.execute(
        select(
            Area.code,
            Area.name,
            Area.population,
            Area.age_65_plus,
            Area.age_75_plus,
            Area.disabled_share,
            Area.imd_decile,
        ).order_by(Area.code)
    ).all()
    index = {a.code: i for i, a in enumerate(areas)}
    points = session.execute(
        select(Postcode.lat, Postcode.lon, Postcode.area_code)
        .where(Postcode.area_code.in_(list(index)))
        .order_by(Postcode.postcode)
    ).all()
    area = np.array([index[p.area_code] for p in points], dtype=np.int64)
    people = np.array([target_people(a, target) for a in areas], dtype=float)
    counts = np.bincount(area, minlength=len(areas)).astype(float)
    share = np.where(counts > 0, np.nan_to_num(people) / np.maximum(counts, 1), 0.0)
    return Demand(
        lat=np.array([p.lat for p in points], dtype=float),
        lon=np.array([p.lon for p in points], dtype=float),
        area=area,
        weight=share[area] if len(area) else np.zeros(0),
        areas=Areas(
            code=[a.code for a in areas],
            name=[a.name for a in areas],
            people=people,
            imd_decile=[a.imd_decile for a in areas],
            basis="areas",
            outlines={},
        ),
    )


def _from_hexagons(session: Session) -> Demand:
    points = session.execute(select(Postcode.lat, Postcode.lon).order_by(Postcode.postcode)).all()
    cells = [h3.latlng_to_cell(p.lat, p.lon, HEX_RESOLUTION) for p in points]
    codes = sorted(set(cells))
    index = {c: i for i, c in enumerate(codes)}
    area = np.array([index[c] for c in cells], dtype=np.int64)
    return Demand(
        lat=np.array([p.lat for p in points], dtype=float),
        lon=np.array([p.lon for p in points], dtype=float),
        area=area,
        weight=np.ones(len(points)),
        areas=Areas(
            code=codes,
            name=[f"Hexagon {c}" for c in codes],
            people=np.bincount(area, minlength=len(codes)).astype(float),
            imd_decile=[None] * len(codes),
            basis="postcodes",
            outlines={c: tuple(h3.cell_to_boundary(c)) for c in codes},
        ),
    )


def assign_to_areas(demand: Demand, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """The area of each point's nearest postcode, or -1 beyond ``MAX_ASSIGN_M`` of them all.

    Nearest postcode rather than point-in-polygon: it needs no geometry on either backend and
    is right wherever postcodes are dense, which is where people (and venues) are.
    """
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    if len(demand.lat) == 0 or len(lat) == 0:
        return np.full(len(lat), -1, dtype=np.int64)
    # Metres on a local plane: fine over a borough, and only the nearest one is wanted.
    k = math.cos(math.radians(float(np.mean(demand.lat))))
    scale = 111_195.0
    tree = cKDTree(np.column_stack([demand.lat * scale, demand.lon * scale * k]))
    distance, nearest = tree.query(np.column_stack([lat * scale, lon * scale * k]))
    return np.where(distance <= MAX_ASSIGN_M, demand.area[nearest], -1)


def _relevant(row: Any, profile: NeedProfile) -> bool:
    """An unmet need speaks to this profile when what was wanted overlaps what is asked about
    (a part left open on either side overlaps everything)."""
    wanted_categories = set(row.categories or ())
    asked_categories = {c.value for c in profile.categories}
    if wanted_categories and asked_categories and not wanted_categories & asked_categories:
        return False
    wanted_interests = {i.lower() for i in row.interests or ()}
    asked_interests = {i.lower() for i in profile.interests}
    if wanted_interests and asked_interests and not wanted_interests & asked_interests:
        return False
    return not profile.needs or bool(set(row.access_needs or ()) & set(profile.needs))


def unmet_points(
    session: Session, profile: NeedProfile, today: dt.date
) -> tuple[np.ndarray, np.ndarray]:
    """Centres of the grid cells of the last year's unmet needs that speak to the profile, one
    point per row (so a cell with three rows counts three)."""
    since = today - dt.timedelta(days=UNMET_WINDOW_DAYS)
    rows = session.execute(
        select(
            UnmetNeed.cell_lat,
            UnmetNeed.cell_lon,
            UnmetNeed.categories,
            UnmetNeed.interests,
            UnmetNeed.access_needs,
        ).where(UnmetNeed.recorded_on > since, UnmetNeed.recorded_on <= today)
    ).all()
    kept = [r for r in rows if _relevant(r, profile)]
    half = UNMET_CELL_DEGREES / 2
    return (
        np.array([r.cell_lat + half for r in kept], dtype=float),
        np.array([r.cell_lon + half for r in kept], dtype=float),
    )
