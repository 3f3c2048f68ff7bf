"""`assetmap gaps`: the ten biggest gaps as a table, and every area to GeoJSON or CSV, over
the small built borough (tests/gaps/test_analysis)."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from assetmap.cli import cli
from assetmap.gaps.export import COLUMNS
from assetmap.geo.areas import CAMDEN_ATTRIBUTION
from assetmap.models import Area
from tests.gaps.test_analysis import borough  # noqa: F401  (the fixture)


@pytest.fixture
def run(borough):  # noqa: F811
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--database-url", borough.config.database_url, "gaps", *args])

    return invoke


def table_rows(output: str) -> list[list[str]]:
    """The table's body rows, as their cells."""
    return [
        [cell.strip() for cell in line.strip("│ ").split("│")]
        for line in output.splitlines()
        if line.startswith("│") and "code" not in line
    ]


def test_prints_the_biggest_gaps_first_and_writes_geojson(run, tmp_path) -> None:
    out = tmp_path / "gaps.geojson"
    result = run("--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Step-free social groups within 20 minutes by bus on weekdays" in result.output
    assert "target: disabled · 3 areas (areas) · groups fitting 1, not known 1" in result.output
    rows = table_rows(result.output)
    assert [row[0] for row in rows] == ["E", "M", "W"]
    assert rows[0][1:4] == ["E area", "100.0", "600"]
    assert rows[2][4] == "1"  # the west reaches its own step-free group
    assert f"wrote 3 areas to {out}" in result.output
    collection = json.loads(out.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert collection["ready_made"] == "step-free-social-weekday-bus"
    assert [f["properties"]["code"] for f in collection["features"]] == ["E", "M", "W"]
    assert collection["features"][0]["geometry"]["type"] == "MultiPolygon"


def test_parts_of_the_question_and_a_csv(run, tmp_path) -> None:
    out = tmp_path / "gaps.csv"
    result = run(
        "--question", "mens-groups", "--target", "all", "--minutes", "25", "--when", "weekdays",
        "--category", "social", "--needs", "step_free", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Your question" in result.output and "target: all" in result.output
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == COLUMNS
    assert {row["code"] for row in rows} == {"E", "M", "W"}


def test_a_bad_question_is_one_line_naming_the_choices(run) -> None:
    result = run("--question", "nonsense")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: question must be one of step-free-social-weekday-bus, evenings-and-weekends,"
        " mens-groups, complex-needs"
    ]
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--minutes", "lots"), "minutes must be a whole number from 1 to 120"),
        (("--needs", "wings"), "needs: 'wings' is not an access need"),
        (("--category", "juggling"), "category: 'juggling' is not one of"),
    ],
)
def test_bad_parts_are_one_line_errors(run, args, message) -> None:
    result = run(*args)
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: ") and message in line


def test_an_unknown_file_extension_is_refused_before_anything_runs(run, tmp_path) -> None:
    result = run("--out", str(tmp_path / "gaps.xlsx"))
    assert result.exit_code == 2
    assert "gaps.xlsx: the file must end in .geojson, .json, .csv" in result.output
    assert not (tmp_path / "gaps.xlsx").exists()


def test_the_camden_demos_areas_bring_their_attribution(run, borough, tmp_path) -> None:  # noqa: F811
    with borough.session() as session:
        session.execute(
            update(Area).where(Area.code == "E").values(kind="lsoa11", name="Camden 011A")
        )
        session.commit()
    out = tmp_path / "gaps.geojson"
    result = run("--out", str(out))
    assert result.exit_code == 0, result.output
    for line in CAMDEN_ATTRIBUTION:
        assert line in result.output
    assert json.loads(out.read_text(encoding="utf-8"))["attribution"] == list(CAMDEN_ATTRIBUTION)
