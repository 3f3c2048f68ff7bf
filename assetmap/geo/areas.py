"""Small areas from GeoJSON: read and check every feature, then save them all, or none.

Gap analysis weighs demand by who lives where, so it needs the areas' outlines (to place
postcodes and draw maps) under the codes that population tables use. ONS publishes both as
open data; this module reads their GeoJSON with the usual ONS property names in any case.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, shape
from shapely.validation import explain_validity
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from assetmap.db import chunks, upsert_insert
from assetmap.errors import ValidationError
from assetmap.models import SRID, Area, Postcode, table_of, utcnow

KINDS = ("lsoa11", "lsoa21", "msoa11", "msoa21", "ward", "other")
CODE_LENGTH = 20
NAME_LENGTH = 200
BATCH = 500
POSTCODE_BATCH = 20_000

#: The lines the open data behind the Camden demo asks to be shown wherever it is shown
#: (seed/camden/README.md); every item is under the Open Government Licence v3.0.
CAMDEN_ATTRIBUTION: tuple[str, ...] = (
    "Contains OS data © Crown copyright and database right 2025",
    "Contains Royal Mail data © Royal Mail copyright and database right 2025",
    "Contains National Statistics data © Crown copyright and database right",
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0"
    " (ONS postcode lookup, LSOA boundaries, mid-2020 population, Census 2021)."
    " The IMD 2019 comes from MHCLG, and the Community Life Survey 2020-21 from DCMS."
    " Both are under OGL v3.",
)

# The ONS code properties we recognise, smallest areas first (a file may carry its parents'
# codes too), each with the kind of area it names. Ward codes carry their year: WD22CD.
_CODE_FIELDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"lsoa21cd"), "lsoa21"),
    (re.compile(r"lsoa11cd"), "lsoa11"),
    (re.compile(r"msoa21cd"), "msoa21"),
    (re.compile(r"msoa11cd"), "msoa11"),
    (re.compile(r"wd\d\dcd"), "ward"),
    (re.compile(r"code"), "other"),
)
# GeoJSON's default coordinate reference system, under the names files give it.
_WGS84_CRS = ("crs84", "epsg::4326", "epsg:4326")


@dataclass(frozen=True)
class AreaIn:
    """One checked feature, ready to save: its geometry as extended WKT (always multi)."""

    code: str
    name: str
    kind: str
    ewkt: str


@dataclass(frozen=True)
class AreaImport:
    created: int
    updated: int
    postcodes_placed: int


@dataclass(frozen=True)
class Fields:
    """Which feature properties hold the code and the name, and what kind of area they are."""

    code: str
    name: str
    kind: str


def kind_of_field(field: str) -> str:
    """The kind of area an ONS code property names ("WD22CD" → "ward"), else "other"."""
    for pattern, kind in _CODE_FIELDS:
        if pattern.fullmatch(field.strip().lower()):
            return kind
    return "other"


def _name_field_for(code_field: str) -> str:
    lowered = code_field.lower()
    if lowered == "code":
        return "name"
    return lowered[:-2] + "nm" if lowered.endswith("cd") else "name"


def detect_fields(
    properties: Iterable[str],
    code_field: str | None = None,
    name_field: str | None = None,
    kind: str | None = None,
) -> Fields:
    """Find the code and name properties among ``properties`` (any case), or check the given
    ones are there; ``kind`` defaults to the one the code property implies."""
    present = {key.lower() for key in properties}
    if code_field is None:
        for pattern, _kind in _CODE_FIELDS:
            found = sorted(key for key in present if pattern.fullmatch(key))
            if found:
                code_field = found[-1]  # the latest ward year, when there are several
                break
        else:
            raise ValidationError(
                "no area code property found (expected one of LSOA21CD, LSOA11CD, MSOA21CD,"
                " MSOA11CD, WDnnCD or code, in any case): name it with --code-field",
                field="code_field",
            )
    elif code_field.lower() not in present:
        raise ValidationError(f"the features have no {code_field!r} property", field="code_field")
    if name_field is None:
        name_field = _name_field_for(code_field)
        if name_field not in present:
            raise ValidationError(
                f"no {name_field.upper()} property beside {code_field.upper()}:"
                " name it with --name-field",
                field="name_field",
            )
    elif name_field.lower() not in present:
        raise ValidationError(f"the features have no {name_field!r} property", field="name_field")
    if kind is not None and kind not in KINDS:
        raise ValidationError(f"kind must be one of {', '.join(KINDS)}", field="kind")
    return Fields(code_field.lower(), name_field.lower(), kind or kind_of_field(code_field))


def _crs_problem(collection: Mapping[str, Any]) -> str | None:
    crs = collection.get("crs")
    if crs is None:
        return None
    name = str((crs.get("properties") or {}).get("name", "")) if isinstance(crs, dict) else ""
    if name.lower().replace("urn:ogc:def:crs:", "").replace("ogc:1.3:", "") in _WGS84_CRS:
        return None
    return (
        f"the file's coordinates are in {name or 'an unnamed system'}, not WGS84"
        " longitude/latitude: reproject it (e.g. ogr2ogr -t_srs EPSG:4326) first"
    )


def _geometry(number: int, code: str, raw: Any) -> MultiPolygon:
    """The feature's outline as a valid 2-D multipolygon, or a ValidationError saying why not."""
    where = f"feature {number} ({code})"
    kind = raw.get("type") if isinstance(raw, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        raise ValidationError(
            f"{where}: geometry must be a Polygon or MultiPolygon, not {kind or 'missing'}",
            field="geometry",
        )
    try:
        geometry = shapely.force_2d(shape(raw))
    except (GEOSException, ValueError, TypeError, KeyError, IndexError, AttributeError):
        raise ValidationError(
            f"{where}: the {kind} coordinates are malformed", field="geometry"
        ) from None
    if geometry.is_empty:
        raise ValidationError(f"{where}: the {kind} is empty", field="geometry")
    min_x, min_y, max_x, max_y = geometry.bounds
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        raise ValidationError(
            f"{where}: coordinates out of longitude/latitude range (x {min_x:g}…{max_x:g},"
            f" y {min_y:g}…{max_y:g}); the file must be WGS84 (EPSG:4326)",
            field="geometry",
        )
    if not geometry.is_valid:
        raise ValidationError(
            f"{where}: invalid {kind}: {explain_validity(geometry)}", field="geometry"
        )
    return geometry if isinstance(geometry, MultiPolygon) else MultiPolygon([geometry])


def _text(properties: Mapping[str, Any], field: str) -> str:
    value = properties.get(field)
    return "" if value is None else str(value).strip()


def parse_areas(
    collection: Any,
    code_field: str | None = None,
    name_field: str | None = None,
    kind: str | None = None,
) -> list[AreaIn]:
    """Check a GeoJSON FeatureCollection and return its areas; the first problem found is a
    ValidationError naming the feature (numbered from 1), so nothing half-checked is saved."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ValidationError("not a GeoJSON FeatureCollection", field="file")
    if problem := _crs_problem(collection):
        raise ValidationError(problem, field="file")
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        raise ValidationError("the FeatureCollection has no features", field="file")
    first = features[0].get("properties") if isinstance(features[0], dict) else None
    fields = detect_fields(first if isinstance(first, dict) else {}, code_field, name_field, kind)
    areas: list[AreaIn] = []
    seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        raw = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(raw, dict):
            raise ValidationError(f"feature {number}: not a Feature with properties", field="file")
        properties = {str(key).lower(): value for key, value in raw.items()}
        code, name = _text(properties, fields.code), _text(properties, fields.name)
        if not code:
            raise ValidationError(
                f"feature {number}: no area code ({fields.code.upper()})", field="code"
            )
        if len(code) > CODE_LENGTH:
            raise ValidationError(
                f"feature {number}: code {code[:30]!r} is longer than {CODE_LENGTH} characters",
                field="code",
            )
        if code in seen:
            raise ValidationError(
                f"feature {number}: code {code} is also feature {seen[code]}", field="code"
            )
        seen[code] = number
        if not name:
            raise ValidationError(
                f"feature {number} ({code}): no name ({fields.name.upper()})", field="name"
            )
        geometry = _geometry(number, code, feature.get("geometry"))
        areas.append(AreaIn(code, name[:NAME_LENGTH], fields.kind, f"SRID={SRID};{geometry.wkt}"))
    return areas


def read_areas_geojson(
    path: Path,
    code_field: str | None = None,
    name_field: str | None = None,
    kind: str | None = None,
) -> list[AreaIn]:
    """Read and check a GeoJSON file of areas (see ``parse_areas``); errors name the file."""
    try:
        collection = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        detail = error.msg if isinstance(error, json.JSONDecodeError) else "not UTF-8 text"
        raise ValidationError(f"{path.name}: not valid GeoJSON ({detail})", field="file") from None
    try:
        return parse_areas(collection, code_field, name_field, kind)
    except ValidationError as error:
        raise ValidationError(f"{path.name}: {error.message}", field=error.field) from None


def import_areas(
    session: Session,
    areas: list[AreaIn],
    progress: Callable[[int], None] | None = None,
    *,
    place: bool = True,
) -> AreaImport:
    """Insert new areas and update known ones by code (their people are kept), in batches,
    then (unless ``place`` is False) place the postcodes that have no area yet; the caller's
    transaction makes it all or nothing."""
    table = table_of(Area)
    created = updated = 0
    for batch in chunks(areas, BATCH):
        codes = [area.code for area in batch]
        known = set(session.scalars(select(Area.code).where(Area.code.in_(codes))))
        stmt = upsert_insert(session, table).values(
            [{"code": a.code, "name": a.name, "kind": a.kind, "geometry": a.ewkt} for a in batch]
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.code],
            set_={
                "name": stmt.excluded.name,
                "kind": stmt.excluded.kind,
                "geometry": stmt.excluded.geometry,
                "updated_at": utcnow(),
            },
        )
        session.execute(stmt)
        updated += len(known)
        created += len(batch) - len(known)
        if progress:
            progress(len(batch))
    placed = place_postcodes(session, areas) if place else 0
    return AreaImport(created=created, updated=updated, postcodes_placed=placed)


def place_postcodes(session: Session, areas: list[AreaIn]) -> int:
    """Give each postcode without an area the code of the area (of these) its point is in.

    Done with shapely in Python rather than in SQL, so both backends share one path; the
    gazetteer's own LSOA code, when it has one, is better near edges than generalised
    outlines, so postcodes that have a code keep it.
    """
    if not areas:
        return 0
    geometries = [shapely.from_wkt(area.ewkt.split(";", 1)[1]) for area in areas]
    tree = shapely.STRtree(geometries)
    placed = 0
    query = (
        select(Postcode.postcode, Postcode.lon, Postcode.lat)
        .where(Postcode.area_code.is_(None))
        .order_by(Postcode.postcode)
    )
    unplaced = list(session.execute(query))
    for batch in chunks(unplaced, POSTCODE_BATCH):
        points = shapely.points([(row.lon, row.lat) for row in batch])
        point_index, area_index = tree.query(points, predicate="intersects")
        found: dict[int, str] = {}
        for p, a in zip(point_index.tolist(), area_index.tolist(), strict=True):
            # A point on a shared edge touches two areas: take the lower code, every time.
            code = areas[a].code
            if p not in found or code < found[p]:
                found[p] = code
        if found:
            session.execute(
                update(table_of(Postcode))
                .where(table_of(Postcode).c.postcode == bindparam("pc"))
                .values(area_code=bindparam("code")),
                [{"pc": batch[p].postcode, "code": code} for p, code in found.items()],
            )
        placed += len(found)
    return placed
