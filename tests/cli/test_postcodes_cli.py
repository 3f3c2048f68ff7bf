"""`assetmap import-postcodes` on a national gazetteer's files (issue 17, item 5): OS Code-Point
Open's zip and the ONS Postcode Directory, told apart from the file or by --format, on the
real subsets in tests/data."""

from __future__ import annotations

import zipfile

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from assetmap.cli import cli
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import Postcode
from tests.geo.gazetteer_files import CODEPOINT, LOCATED, ONSPD, codepoint_zip


@pytest.fixture
def run(database):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--database-url", database.config.database_url, *args])

    return invoke


def _count(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Postcode))


def test_the_code_point_zip_loads_and_districts_resolve(run, database, tmp_path) -> None:
    path = codepoint_zip(tmp_path)
    for _ in range(2):  # the second time changes nothing and says the same
        result = run("import-postcodes", str(path))
        assert result.exit_code == 0, result.output
        assert f"imported {LOCATED} postcodes, 2 without a location skipped" in result.output
    assert _count(database) == LOCATED
    with database.session() as session:
        place = GazetteerGeocoder(session).geocode("NW5")
    assert place is not None and place.label == "NW5"
    assert 51.54 < place.lat < 51.56 and -0.15 < place.lon < -0.13


def test_the_onspd_csv_skips_terminated_postcodes(run, database) -> None:
    result = run("import-postcodes", str(ONSPD))
    assert result.exit_code == 0, result.output
    assert (
        "imported 52 postcodes, 1 without a location skipped, 2 terminated skipped" in result.output
    )
    with database.session() as session:
        assert session.get(Postcode, "NW1 7ZZ") is None
        assert session.get(Postcode, "NW1 7AA").area_code == "E01000863"


def test_format_is_explained_and_can_be_given(run, database) -> None:
    help_text = run("import-postcodes", "--help").output
    assert "codepoint" in help_text and "onspd" in help_text
    one_area = CODEPOINT / "Data" / "CSV" / "wc.csv"
    result = run("import-postcodes", "--format", "codepoint", str(one_area))
    assert result.exit_code == 0, result.output
    assert "imported 154 postcodes" in result.output
    wrong = run("import-postcodes", "--format", "codepoint", str(ONSPD))
    assert wrong.exit_code == 1
    assert "ONSPD_subset_UK.csv line 1: 'pcd' is not a UK postcode" in wrong.output
    assert _count(database) == 154


def test_a_bad_row_is_named_and_nothing_is_written(run, database, tmp_path) -> None:
    path = tmp_path / "codepo_gb.zip"
    nw = (CODEPOINT / "Data" / "CSV" / "nw.csv").read_text()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Data/CSV/nw.csv", nw)
        archive.writestr("Data/CSV/wc.csv", '"WC1H 9AA",10,529900\n')
    result = run("import-postcodes", str(path))
    assert result.exit_code == 1
    assert "codepo_gb.zip:Data/CSV/wc.csv line 1: expected Code-Point Open's columns" in (
        result.output
    )
    assert "Traceback" not in result.output
    assert _count(database) == 0


def test_a_zip_without_postcodes_is_refused(run, database, tmp_path) -> None:
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "nothing here")
    result = run("import-postcodes", str(path))
    assert result.exit_code == 1
    assert "other.zip: a zip without Code-Point Open's Data/CSV/*.csv" in result.output
