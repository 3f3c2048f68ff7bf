"""Areas from GeoJSON: ONS fields found in any case, every feature checked before anything is
saved, re-imports update by code, and postcodes without an area are placed in one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from assetmap.errors import ValidationError
from assetmap.geo.areas import (
    detect_fields,
    import_areas,
    kind_of_field,
    parse_areas,
    read_areas_geojson,
)
from assetmap.models import Area, Postcode


def square(x: float, y: float, size: float = 0.01) -> dict[str, Any]:
    """A square polygon with its south-west corner at (x, y), in lon/lat."""
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(properties: dict[str, Any], geometry: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry or square(0, 51)}


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def problem(data: Any, **options: Any) -> str:
    with pytest.raises(ValidationError) as raised:
        parse_areas(data, **options)
    return raised.value.message


@pytest.mark.parametrize(
    ("code", "name", "kind"),
    [
        ("LSOA11CD", "LSOA11NM", "lsoa11"),
        ("lsoa21cd", "lsoa21nm", "lsoa21"),
        ("Msoa11Cd", "msoa11nm", "msoa11"),
        ("MSOA21CD", "MSOA21NM", "msoa21"),
        ("WD22CD", "WD22NM", "ward"),
        ("wd19cd", "wd19nm", "ward"),
        ("CODE", "Name", "other"),
    ],
)
def test_ons_fields_are_found_in_any_case_with_their_kind(code: str, name: str, kind: str) -> None:
    [area] = parse_areas(collection(feature({code: " E01000842 ", name: "Camden 011A"})))
    assert (area.code, area.name, area.kind) == ("E01000842", "Camden 011A", kind)
    assert area.ewkt.startswith("SRID=4326;MULTIPOLYGON")


def test_the_smallest_area_code_wins_when_parents_ride_along() -> None:
    fields = detect_fields(["MSOA11CD", "MSOA11NM", "LSOA11CD", "LSOA11NM", "LAD22CD"])
    assert (fields.code, fields.name, fields.kind) == ("lsoa11cd", "lsoa11nm", "lsoa11")
    assert kind_of_field("WD23CD") == "ward" and kind_of_field("objectid") == "other"


def test_code_and_name_fields_can_be_named_and_the_kind_given() -> None:
    data = collection(feature({"GSS": "X01", "Label": "Somewhere", "LSOA11CD": "E01"}))
    [area] = parse_areas(data, code_field="gss", name_field="LABEL", kind="ward")
    assert (area.code, area.name, area.kind) == ("X01", "Somewhere", "ward")
    [other] = parse_areas(data, code_field="GSS", name_field="label")
    assert other.kind == "other"
    assert "no 'nope' property" in problem(data, code_field="nope")
    assert "kind must be one of" in problem(data, code_field="GSS", name_field="label", kind="x")


def test_a_file_without_a_known_code_field_says_to_name_it() -> None:
    assert "--code-field" in problem(collection(feature({"id": 1, "title": "x"})))
    assert "--name-field" in problem(collection(feature({"LSOA11CD": "E01"})))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (feature({"LSOA11CD": "", "LSOA11NM": "x"}), "feature 2: no area code (LSOA11CD)"),
        (feature({"LSOA11CD": "E02", "LSOA11NM": " "}), "feature 2 (E02): no name (LSOA11NM)"),
        (feature({"LSOA11CD": "E01", "LSOA11NM": "x"}), "feature 2: code E01 is also feature 1"),
        (
            feature(
                {"LSOA11CD": "E02", "LSOA11NM": "x"}, {"type": "Point", "coordinates": [0, 51]}
            ),
            "feature 2 (E02): geometry must be a Polygon or MultiPolygon, not Point",
        ),
        (
            {"type": "Feature", "properties": {"LSOA11CD": "E02", "LSOA11NM": "x"}},
            "feature 2 (E02): geometry must be a Polygon or MultiPolygon, not missing",
        ),
        (
            feature(
                {"LSOA11CD": "E02", "LSOA11NM": "x"},
                {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            ),
            "feature 2 (E02): invalid Polygon: Self-intersection",
        ),
        (
            feature({"LSOA11CD": "E02", "LSOA11NM": "x"}, {"type": "Polygon", "coordinates": "x"}),
            "feature 2 (E02): the Polygon coordinates are malformed",
        ),
        (
            feature({"LSOA11CD": "E02", "LSOA11NM": "x"}, square(529000, 181000, 500)),
            "feature 2 (E02): coordinates out of longitude/latitude range",
        ),
    ],
)
def test_a_bad_feature_is_named_with_what_is_wrong(bad: dict[str, Any], message: str) -> None:
    good = feature({"LSOA11CD": "E01", "LSOA11NM": "Fine"})
    assert problem(collection(good, bad)).startswith(message)


def test_a_projected_crs_is_refused_and_crs84_accepted() -> None:
    data = collection(feature({"code": "A", "name": "a"}))
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
    assert "not WGS84" in problem(data)
    data["crs"]["properties"]["name"] = "urn:ogc:def:crs:OGC:1.3:CRS84"
    assert len(parse_areas(data)) == 1


def test_not_a_feature_collection_is_explained(tmp_path: Path) -> None:
    assert problem({"type": "Feature"}) == "not a GeoJSON FeatureCollection"
    assert problem(collection()) == "the FeatureCollection has no features"
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    with pytest.raises(ValidationError, match=r"broken.geojson: not valid GeoJSON"):
        read_areas_geojson(broken)


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps(data))
    return path


def test_areas_are_saved_as_multipolygons_and_updated_by_code(database, tmp_path) -> None:
    two = collection(
        feature({"LSOA11CD": "E01", "LSOA11NM": "West"}, square(0.0, 51.0)),
        feature(
            {"LSOA11CD": "E02", "LSOA11NM": "East"},
            {"type": "MultiPolygon", "coordinates": [square(0.01, 51.0)["coordinates"]]},
        ),
    )
    with database.session() as session:
        result = import_areas(session, read_areas_geojson(_write(tmp_path, two)))
    assert (result.created, result.updated) == (2, 0)
    with database.session() as session:
        session.execute(Area.__table__.update().values(population=1500))

    renamed = collection(
        feature({"LSOA11CD": "E01", "LSOA11NM": "West, renamed"}, square(0.0, 51.0, 0.02))
    )
    with database.session() as session:
        again = import_areas(session, parse_areas(renamed))
    assert (again.created, again.updated) == (0, 1)
    with database.session() as session:
        areas = {a.code: a for a in session.scalars(select(Area))}
        assert areas["E01"].name == "West, renamed"
        assert areas["E01"].population == 1500  # an outline update keeps the people
        shape = to_shape(areas["E01"].geometry)
        assert shape.geom_type == "MultiPolygon"
        assert shape.bounds == pytest.approx((0.0, 51.0, 0.02, 51.02))
        assert to_shape(areas["E02"].geometry).geom_type == "MultiPolygon"


def test_postcodes_without_an_area_are_placed_by_their_point(database) -> None:
    with database.session() as session:
        session.add_all(
            [
                Postcode(postcode="AA1 1AA", lat=51.005, lon=0.005),  # in West
                Postcode(postcode="AA1 1AB", lat=51.005, lon=0.015),  # in East
                Postcode(postcode="AA1 1AC", lat=51.005, lon=0.005, area_code="KEPT"),
                Postcode(postcode="AA1 1AD", lat=52.0, lon=1.0),  # in neither
                Postcode(postcode="AA1 1AE", lat=51.005, lon=0.01),  # on the shared edge
            ]
        )
    areas = collection(
        feature({"code": "W", "name": "West"}, square(0.0, 51.0)),
        feature({"code": "E", "name": "East"}, square(0.01, 51.0)),
    )
    with database.session() as session:
        result = import_areas(session, parse_areas(areas))
    assert result.postcodes_placed == 3
    with database.session() as session:
        rows = session.execute(select(Postcode.postcode, Postcode.area_code)).all()
    placed = {row.postcode: row.area_code for row in rows}
    assert placed == {
        "AA1 1AA": "W",
        "AA1 1AB": "E",
        "AA1 1AC": "KEPT",
        "AA1 1AD": None,
        "AA1 1AE": "E",  # the lower code, every time
    }
