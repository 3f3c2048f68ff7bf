"""`assetmap import-transit` and `assetmap transit-feeds`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from assetmap.cli import cli
from assetmap.models import TransitFeed
from tests.geo.transit.gtfs_files import NEWPORT_GTFS, NEWPORT_OSM, rewrite, set_cell

# The feed ended on 1 March 2024, so "today" is always outside it from here on.
OUTSIDE = "The timetable Newport runs from 5 June 2023 to 1 March 2024: today ("


@pytest.fixture
def instance(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "instance"
    monkeypatch.setenv("ASSETMAP_INSTANCE_PATH", str(folder))
    return folder


@pytest.fixture
def run(database, instance):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--database-url", database.config.database_url, *args])

    return invoke


def test_import_prints_the_summary_and_the_dates_warning(run, database, instance) -> None:
    result = run(
        "import-transit", str(NEWPORT_GTFS), "--osm", str(NEWPORT_OSM), "--name", "Newport"
    )
    assert result.exit_code == 0, result.output
    assert "timetable 'Newport' loaded" in result.stdout
    for figure in ("7,765", "655", "176", "2023-06-05 to 2024-03-01", "Newport Bus"):
        assert figure in result.stdout
    assert OUTSIDE in result.stderr and "so journeys by bus are estimated" in result.stderr
    with database.sessions() as session:
        feed = session.scalars(select(TransitFeed)).one()
    assert Path(feed.gtfs_path).parent == instance.resolve() / "transit" / "newport"
    assert Path(feed.osm_path or "").is_file()


def test_import_again_says_already_loaded(run) -> None:
    assert run("import-transit", str(NEWPORT_GTFS), "--name", "Newport").exit_code == 0
    again = run("import-transit", str(NEWPORT_GTFS), "--name", "Newport")
    assert again.exit_code == 0 and "already loaded" in again.stdout


def test_a_broken_feed_exits_1_with_the_line_and_writes_nothing(
    run, database, instance, tmp_path
) -> None:
    broken = rewrite(
        tmp_path / "broken.zip",
        edit={"stop_times.txt": lambda rows: set_cell(rows, 42, "departure_time", "25:7:00")},
    )
    result = run("import-transit", str(broken))
    assert result.exit_code == 1
    assert "stop_times.txt line 42: departure_time '25:7:00' is not a time like 08:30:00" in (
        result.stderr
    )
    with database.sessions() as session:
        assert session.scalars(select(TransitFeed)).all() == []
    assert not instance.exists()


def test_a_missing_file_is_a_usage_error(run, tmp_path) -> None:
    result = run("import-transit", str(tmp_path / "nope.zip"))
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_transit_feeds_lists_the_feeds(run) -> None:
    empty = run("transit-feeds")
    assert empty.exit_code == 0 and "no timetable feeds loaded" in empty.stdout
    run("import-transit", str(NEWPORT_GTFS), "--name", "Newport")
    listed = run("transit-feeds")
    assert listed.exit_code == 0
    assert "Newport" in listed.stdout and "2023-06-05" in listed.stdout
    assert OUTSIDE in listed.stderr
