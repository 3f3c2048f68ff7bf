"""`assetmap import-source`: a file into the directory, all or nothing, twice harmlessly."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from assetmap.cli import cli
from assetmap.interop.oruk_out import oruk_id
from assetmap.models import Group, ListingSource
from tests.factories import listing


@pytest.fixture
def run(database):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--database-url", database.config.database_url, *args])

    return invoke


def test_a_contract_file_imports_then_reimports_unchanged(run, database, tmp_path) -> None:
    path = tmp_path / "ktcc.json"
    path.write_text(json.dumps([listing("Knit and Natter"), listing("Men's Shed")]))
    first = run("import-source", str(path))
    assert first.exit_code == 0, first.output
    assert "imported 2 listings from 'ktcc' (contract): 2 new, 0 updated" in first.stdout
    again = run("import-source", str(path))
    assert "0 new, 2 updated" in again.stdout or "2 unchanged" in again.stdout
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Group)) == 2
        sources = session.scalars(select(ListingSource.source)).all()
    assert sources == ["ktcc", "ktcc"]


def test_a_bad_record_is_named_and_nothing_is_written(run, database, tmp_path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([listing("Fine"), listing("Broken", categories=["knitting"])]))
    result = run("import-source", str(path), "--source", "council")
    assert result.exit_code != 0
    assert "record 2: categories[0]" in result.output
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Group)) == 0


def test_an_unknown_file_kind_and_mapping_are_clear_errors(run, tmp_path) -> None:
    path = tmp_path / "groups.txt"
    path.write_text("hello")
    result = run("import-source", str(path))
    assert result.exit_code != 0 and ".json" in result.output and "Traceback" not in result.output
    csv = tmp_path / "groups.csv"
    csv.write_text("name\nA\n")
    result = run("import-source", str(csv), "--mapping", "council sheet")
    assert "there is no saved column mapping 'council sheet'" in result.output


def test_export_oruk_writes_every_listing_as_a_full_service(run, add_groups, tmp_path) -> None:
    ids = add_groups(
        listing("Knit and Natter", at="NW5 1AA"),
        listing("Lunch Club", at="WC1H 9AA", status="closed"),
    )
    out = tmp_path / "services.json"
    result = run("export-oruk", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "exported 2 services" in result.output
    services = json.loads(out.read_text())
    assert [s["name"] for s in services] == ["Knit and Natter", "Lunch Club"]
    assert [s["status"] for s in services] == ["active", "inactive"]
    assert services[0]["id"] == oruk_id("service", ids[0])
    assert services[0]["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == (
        "NW5 1AA"
    )
    assert json.loads(run("export-oruk").stdout) == services
