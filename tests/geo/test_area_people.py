"""Who lives in each area, from CSV: columns by name in any case, unknown ones named, bad
numbers named by line and column, codes not loaded skipped, and nothing written on an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from assetmap.errors import ValidationError
from assetmap.geo.area_people import import_area_people, read_area_people
from assetmap.geo.areas import import_areas, parse_areas
from assetmap.models import Area


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(text)
    return path


def problem(tmp_path: Path, text: str) -> str:
    with pytest.raises(ValidationError) as raised:
        read_area_people(write(tmp_path, text))
    return raised.value.message


def test_columns_are_found_by_name_in_any_case_and_unknown_ones_named(tmp_path) -> None:
    people = read_area_people(
        write(
            tmp_path,
            "LSOA11NM,Population,LSOA11CD,AGE_65_PLUS,age_75_plus,IMD2019_Decile,"
            "disabled_share,lonely_pct,notes\n"
            "Camden 011A,1868,E01000842,343,156,9,0.095,23.28,x\n"
            "Camden 014A,1990,E01000843,,,7,,,\n",
        )
    )
    assert people.ignored_columns == ["notes"]  # the name column travels with the code
    assert people.rows["E01000842"] == {
        "population": 1868,
        "age_65_plus": 343,
        "age_75_plus": 156,
        "imd_decile": 9,
        "disabled_share": 0.095,
        "lonely_pct": 23.28,
    }
    assert people.rows["E01000843"]["age_65_plus"] is None  # blank is "not known"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "code,population\nA,12.5\n",
            "people.csv line 2, population: '12.5' is not a whole number",
        ),
        ("code,population\nA,1\nB,lots\n", "people.csv line 3, population: 'lots' is not a number"),
        (
            "code,disabled_share\nA,15\n",
            "people.csv line 2, disabled_share: 15 is out of range (0–1)",
        ),
        ("code,imd_decile\nA,0\n", "people.csv line 2, imd_decile: 0 is out of range (1–10)"),
        ("code,lonely_pct\nA,nan\n", "people.csv line 2, lonely_pct: 'nan' is not a number"),
        ("code,population\nA,1\nA,2\n", "people.csv line 3: A appears twice"),
        ("code,population\n,1\n", "people.csv line 2: no area code (code)"),
        (
            "code,population,age_65_plus\nA,10,20\n",
            "people.csv line 2: age_65_plus (20) is more than population (10)",
        ),
        ("population,age_65_plus\n1,1\n", "people.csv: no area code column"),
        ("code,colour\nA,red\n", "people.csv: no people columns"),
        ("", "people.csv: the file is empty"),
    ],
)
def test_bad_rows_are_named_by_line_and_column(tmp_path, text: str, message: str) -> None:
    assert problem(tmp_path, text).startswith(message)


def _two_areas(database) -> None:
    square = {"type": "Polygon", "coordinates": [[[0, 51], [1, 51], [1, 52], [0, 51]]]}
    features = [
        {"type": "Feature", "properties": {"code": code, "name": code}, "geometry": square}
        for code in ("A", "B")
    ]
    with database.session() as session:
        import_areas(session, parse_areas({"type": "FeatureCollection", "features": features}))


def test_people_are_written_on_loaded_areas_and_unknown_codes_returned(database, tmp_path):
    _two_areas(database)
    people = read_area_people(
        write(tmp_path, "code,population,imd_decile\nA,100,3\nZ1,5,5\nZ2,6,6\n")
    )
    with database.session() as session:
        result = import_area_people(session, people)
    assert result.updated == 1
    assert result.unknown_codes == ["Z1", "Z2"]
    with database.session() as session:
        areas = {a.code: a for a in session.scalars(select(Area))}
    assert (areas["A"].population, areas["A"].imd_decile) == (100, 3)
    assert areas["B"].population is None

    # A later file with fewer columns leaves the others as they were.
    with database.session() as session:
        import_area_people(session, read_area_people(write(tmp_path, "code,lonely_pct\nA,30\n")))
    with database.session() as session:
        area = session.scalars(select(Area).where(Area.code == "A")).one()
    assert (area.population, area.lonely_pct) == (100, 30.0)
