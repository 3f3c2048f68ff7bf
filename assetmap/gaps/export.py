"""Gap results as files a community builder can take away: CSV for a spreadsheet, GeoJSON
for a GIS. The same figures as the page, in the same order (biggest gap first)."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assetmap.gaps.analysis import AreaGap, GapResult
from assetmap.gaps.requests import GapQuestion
from assetmap.gaps.unmet import SUPPRESS_BELOW
from assetmap.geo.areas import CAMDEN_ATTRIBUTION
from assetmap.models import Area

COLUMNS = (
    "code",
    "name",
    "gap_score",
    "people",
    "groups_in_reach",
    "not_known_in_reach",
    "nearest_minutes",
    "nearest_minutes_worst",
    "places_per_1000",
    "coverage",
    "coverage_choice",
    "unmet_needs",
    "waiting_list",
    "imd_decile",
)


def area_row(area: AreaGap) -> dict[str, Any]:
    """One area's figures, JSON-ready: no infinities (None: no way there within reach of
    anything), rounded as they are meaningful, and unmet-need counts under five suppressed."""

    def minutes(value: float) -> float | None:
        return round(value, 1) if math.isfinite(value) else None

    def rounded(value: float | None, places: int) -> float | None:
        return None if value is None or not math.isfinite(value) else round(value, places)

    return {
        "code": area.code,
        "name": area.name,
        "gap_score": rounded(area.gap_score, 1),
        "people": rounded(area.people, 0),
        "groups_in_reach": area.groups_in_reach,
        "not_known_in_reach": area.not_known_in_reach,
        "nearest_minutes": minutes(area.nearest_minutes),
        "nearest_minutes_worst": minutes(area.nearest_minutes_worst),
        "places_per_1000": rounded(area.places_per_1000, 2),
        "coverage": rounded(area.coverage, 3),
        "coverage_choice": rounded(area.coverage_choice, 3),
        "unmet_needs": suppressed(area.unmet_needs),
        "waiting_list": area.waiting_list,
        "imd_decile": area.imd_decile,
    }


def suppressed(count: int) -> int | str:
    """Counts that could point at a person are given as "<5", never as the number."""
    return f"<{SUPPRESS_BELOW}" if 0 < count < SUPPRESS_BELOW else count


def result_csv(result: GapResult) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for area in result.areas:
        writer.writerow({k: "" if v is None else v for k, v in area_row(area).items()})
    return out.getvalue()


def result_geojson(session: Session, result: GapResult) -> dict[str, Any]:
    """A FeatureCollection of the areas with their figures: the loaded outlines, or the
    hexagons the analysis made where no areas are loaded."""
    outlines = _outlines(session, result)
    features = [
        {"type": "Feature", "properties": area_row(area), "geometry": outlines.get(area.code)}
        for area in result.areas
    ]
    return {
        "type": "FeatureCollection",
        "question": result.profile.name,
        "target": result.target.value,
        "basis": result.basis,
        "features": features,
    }


def answer_geojson(session: Session, question: GapQuestion, result: GapResult) -> dict[str, Any]:
    """``result_geojson`` with what was asked and found overall, and the attribution the
    areas' open data asks for: the document the API answers and the command line writes."""
    collection = result_geojson(session, result)
    features = collection.pop("features")
    collection.update(
        ready_made=question.question,
        groups_fitting=result.groups_fitting,
        groups_not_known=result.groups_not_known,
        people=round(result.people),
    )
    lines = attribution(session)
    if lines:
        collection["attribution"] = list(lines)
    return {**collection, "features": features}


def attribution(session: Session) -> tuple[str, ...]:
    """The lines to show with the figures when the areas are the Camden demo's (ONS LSOA 2011
    outlines, named "Camden 011A" and so on, as ``assetmap seed`` loads them); none for areas
    from elsewhere, whose source the database does not record."""
    camden = select(Area.id).where(Area.kind == "lsoa11", Area.name.like("Camden %")).limit(1)
    return CAMDEN_ATTRIBUTION if session.scalar(camden) is not None else ()


def _polygon(ring: tuple[tuple[float, float], ...]) -> dict[str, Any]:
    """A (lat, lon) ring as a GeoJSON polygon: lon first, and closed."""
    points = [[lon, lat] for lat, lon in ring]
    if points and points[0] != points[-1]:
        points.append(points[0])
    return {"type": "Polygon", "coordinates": [points]}


def _outlines(session: Session, result: GapResult) -> dict[str, Any]:
    if result.basis != "areas":
        rings = result.inputs.demand.areas.outlines
        return {code: _polygon(ring) for code, ring in rings.items()}
    rows = session.execute(select(Area.code, func.ST_AsGeoJSON(Area.geometry)))
    return {code: json.loads(text) for code, text in rows if text}


__all__ = [
    "COLUMNS",
    "answer_geojson",
    "area_row",
    "attribution",
    "result_csv",
    "result_geojson",
    "suppressed",
]
