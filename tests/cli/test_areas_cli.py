"""`import-areas`, `import-area-people` and the area column of `import-postcodes`, on small
built files and on the real Camden data the demo ships (seed/camden, OGL v3)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from assetmap import PROJECT_ROOT
from assetmap.cli import cli
from assetmap.geo.areas import CAMDEN_ATTRIBUTION
from assetmap.models import Area, Postcode

CAMDEN = PROJECT_ROOT / "seed" / "camden"


@pytest.fixture
def run(database):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--database-url", database.config.database_url, *args])

    return invoke


def square(x: float, y: float) -> dict:
    ring = [[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def areas_file(tmp_path: Path, *features: tuple[dict, dict]) -> Path:
    path = tmp_path / "areas.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": p, "geometry": g} for p, g in features
                ],
            }
        )
    )
    return path


def count(database, model) -> int:
    with database.session() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_import_areas_reports_and_updates_by_code(run, database, tmp_path):
    path = areas_file(
        tmp_path,
        ({"WD22CD": "E05000128", "WD22NM": "Belsize"}, square(-0.17, 51.54)),
        ({"WD22CD": "E05000129", "WD22NM": "Bloomsbury"}, square(-0.13, 51.52)),
    )
    result = run("import-areas", str(path))
    assert result.exit_code == 0, result.output
    assert "imported 2 areas (ward): 2 new, 0 updated; 0 postcodes placed" in result.output
    assert "2 areas (ward): 0 new, 2 updated" in run("import-areas", str(path)).output
    renamed = areas_file(tmp_path, ({"id": "A1", "label": "Somewhere"}, square(0, 51)))
    result = run(
        "import-areas",
        str(renamed),
        "--code-field",
        "id",
        "--name-field",
        "label",
        "--kind",
        "other",
    )
    assert "imported 1 areas (other): 1 new" in result.output
    assert count(database, Area) == 3


def test_a_bad_feature_fails_in_one_line_and_writes_nothing(run, database, tmp_path):
    path = areas_file(
        tmp_path,
        ({"LSOA11CD": "E01000001", "LSOA11NM": "Good"}, square(-0.1, 51.5)),
        ({"LSOA11CD": "E01000002", "LSOA11NM": "Bad"}, {"type": "Polygon", "coordinates": []}),
    )
    result = run("import-areas", str(path))
    assert result.exit_code == 1
    assert (
        result.output.strip() == "Error: areas.geojson: feature 2 (E01000002): the Polygon is empty"
    )
    assert count(database, Area) == 0


def test_import_area_people_warns_and_reports_codes_not_loaded(run, database, tmp_path):
    run("import-areas", str(areas_file(tmp_path, ({"code": "A", "name": "a"}, square(0, 51)))))
    people = tmp_path / "people.csv"
    people.write_text(
        "CODE,population,colour\nA,10,red\nX1,1,\nX2,1,\nX3,1,\nX4,1,\nX5,1,\nX6,1,\n"
    )
    result = run("import-area-people", str(people))
    assert result.exit_code == 0, result.output
    assert "warning: ignored column(s): colour" in result.output
    assert "updated 1 areas" in result.output
    assert (
        "skipped 6 row(s) for areas not loaded (run import-areas first): X1, X2, X3, X4, X5, …"
        in (result.output)
    )
    people.write_text("code,population\nA,20\nX1,minus one\n")
    result = run("import-area-people", str(people))
    assert result.exit_code == 1
    assert "people.csv line 3, population: 'minus one' is not a number" in result.output
    assert "Traceback" not in result.output
    with database.session() as session:
        assert session.scalars(select(Area.population)).one() == 10  # all or nothing


def test_import_postcodes_reads_the_lsoa_column_and_keeps_it_when_absent(run, database, tmp_path):
    with_area = tmp_path / "with.csv"
    with_area.write_text("postcode,latitude,longitude,LSOA21CD\nNW5 1AA,51.55,-0.14,E01000001\n")
    without = tmp_path / "without.csv"
    without.write_text("postcode,latitude,longitude\nNW5 1AA,51.56,-0.14\nNW5 1AB,51.55,-0.14\n")
    assert run("import-postcodes", str(with_area)).exit_code == 0
    assert run("import-postcodes", str(without)).exit_code == 0
    with database.session() as session:
        rows = session.execute(select(Postcode.postcode, Postcode.area_code, Postcode.lat)).all()
    assert {row.postcode: (row.area_code, row.lat) for row in rows} == {
        "NW5 1AA": ("E01000001", 51.56),
        "NW5 1AB": (None, 51.55),
    }


def test_the_real_camden_data_loads_whole(run, database):
    """The demo's open data: 133 LSOAs with their people, 8,225 postcodes each in a loaded
    area but W1T 1UN, which the ONS places in Westminster (seed/camden/README.md)."""
    assert run("import-postcodes", str(CAMDEN / "postcodes.csv")).exit_code == 0
    result = run("import-areas", str(CAMDEN / "lsoa11.geojson"))
    assert "imported 133 areas (lsoa11): 133 new, 0 updated; 0 postcodes placed" in result.output
    result = run("import-area-people", str(CAMDEN / "lsoa11_people.csv"))
    assert "updated 133 areas" in result.output
    assert "ignored column(s): lsoa11_21_change" in result.output
    with database.session() as session:
        codes = set(session.scalars(select(Area.code)))
        postcodes = dict(session.execute(select(Postcode.postcode, Postcode.area_code)).all())
        totals = session.execute(
            select(
                func.sum(Area.population),
                func.sum(Area.age_65_plus),
                func.sum(Area.age_75_plus),
                func.min(Area.imd_decile),
                func.count(Area.lonely_pct),
            )
        ).one()
    assert len(codes) == 133 and len(postcodes) == 8225
    assert {p: a for p, a in postcodes.items() if a not in codes} == {"W1T 1UN": "E01004763"}
    assert tuple(totals) == (279_516, 33_599, 15_460, 2, 133)


def test_the_attribution_is_the_one_the_data_asks_for():
    readme = (CAMDEN / "README.md").read_text(encoding="utf-8")
    flat = " ".join(readme.split())
    for line in CAMDEN_ATTRIBUTION:
        assert line in flat


def test_seed_loads_real_camden_and_keeps_the_demo_venue_postcodes(run, database):
    result = run("seed")
    assert result.exit_code == 0, result.output
    assert "8225 Camden postcodes (+65 demo-only), 133 areas (133 with people)" in result.output
    with open(PROJECT_ROOT / "seed" / "camden_postcodes.csv", newline="") as handle:
        demo = {row["postcode"] for row in csv.DictReader(handle)}
    with database.session() as session:
        known = dict(session.execute(select(Postcode.postcode, Postcode.area_code)).all())
        population = session.scalar(select(func.sum(Area.population)))
    assert demo <= known.keys()  # every demo venue's postcode still geocodes
    assert population == 279_516
    # Fictional postcodes count for no area, so gap analysis never weighs them as people.
    lines = (CAMDEN / "postcodes.csv").read_text(encoding="utf-8").splitlines()
    real = {row["postcode"] for row in csv.DictReader(lines)}
    assert all(known[p] is None for p in demo - real)


def test_seed_if_empty_adds_the_areas_to_a_demo_seeded_before_them(run, database):
    assert run("seed").exit_code == 0
    with database.session() as session:
        session.execute(Area.__table__.delete())
        session.execute(Postcode.__table__.update().values(area_code=None))
    result = run("seed", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "133 areas (133 with people)" in result.output
    assert "not seeding groups" in result.output
    assert count(database, Area) == 133
    with database.session() as session:
        placed = session.scalar(select(func.count()).where(Postcode.area_code.is_not(None)))
    assert placed == 8225  # the real ones, from the gazetteer; the made-up ones stay out
