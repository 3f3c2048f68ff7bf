"""`assetmap export-csv`, `mappings`, `save-mapping`, `delete-mapping`."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from assetmap.cli import cli
from assetmap.models import ColumnMapping, Group, ListingSource
from tests.conftest import _empty, _ensure_postcodes
from tests.factories import listing


@pytest.fixture
def run(database):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--database-url", database.config.database_url, *args])

    return invoke


def test_export_csv_writes_a_file_that_imports_again(run, database, add_groups, tmp_path):
    add_groups(listing("Men's Shed"), listing("Knit and Natter", at="NW5 1AA"))
    path = tmp_path / "listings.csv"
    result = run("export-csv", str(path))
    assert result.exit_code == 0, result.output
    assert "exported 2 listings to" in result.stderr
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [r["Name"] for r in rows] == ["Men's Shed", "Knit and Natter"]
    assert rows[0]["Schedule"] == "Tue 10:00-12:30" and rows[0]["Step-free"] == "yes"
    assert rows[0]["Hearing loop"] == ""  # not known stays empty
    assert rows[0]["Bus stops"] == "Kentish Town Stn (150 m): 134, 214"
    _empty(database)  # into an empty directory
    add_groups()  # the gazetteer's postcodes back, no groups
    again = run("import-source", str(path), "--source", "old-directory")
    assert again.exit_code == 0, again.output
    assert "imported 2 listings from 'old-directory' (csv): 2 new" in again.stdout
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ListingSource)) == 2
        names = session.scalars(select(Group.name).order_by(Group.name)).all()
    assert names == ["Knit and Natter", "Men's Shed"]


def test_import_source_refuses_a_listing_over_a_lists_limit(run, database, add_groups, tmp_path):
    add_groups(listing("Men's Shed"))
    path = tmp_path / "listings.csv"
    assert run("export-csv", str(path)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    rows[0]["ID"] = ""
    rows[0]["Interests"] = ", ".join(f"craft {i}" for i in range(10_000))
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = run("import-source", str(path), "--source", "big-sheet")
    assert result.exit_code == 1
    # The sheet's own column, by its row.
    assert "row 2: Interests: must have at most 50 entries" in result.output
    assert "Traceback" not in result.output
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ListingSource)) == 0


def test_export_csv_to_standard_output(run, add_groups):
    add_groups(listing("Men's Shed"))
    result = run("export-csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("ID,External ID,Name,")
    assert "Men's Shed" in result.stdout


def test_mappings_are_saved_listed_used_and_deleted(run, database, tmp_path):
    assert run("mappings").stdout == "no saved column mappings\n"
    saved = run(
        "save-mapping", "Camden sheet", "--column", "Activity=name",
        "--column", "Kind=categories", "--column", "Where=venue.postcode",
    )  # fmt: skip
    assert saved.exit_code == 0, saved.output
    assert "saved the mapping 'Camden sheet': 3 columns" in saved.stdout
    listed = run("mappings").stdout
    assert "Camden sheet (csv)" in listed and "  Where = venue.postcode" in listed
    sheet = tmp_path / "camden.csv"
    sheet.write_text("Activity,Kind,Where\r\nChess,learning,NW5 1AA\r\n", encoding="utf-8")
    with database.session() as session:
        _ensure_postcodes(session)
    used = run("import-source", str(sheet), "--mapping", "Camden sheet")
    assert used.exit_code == 0, used.output
    assert "1 new" in used.stdout
    gone = run("delete-mapping", "Camden sheet")
    assert gone.exit_code == 0 and "deleted the mapping 'Camden sheet'" in gone.stdout
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ColumnMapping)) == 0


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("save-mapping", "A", "--column", "Where=venue.post_code"),
         "'venue.post_code' is not a listing field"),
        (("save-mapping", "A", "--column", "Where"), "give each column as 'Header=field'"),
        (("save-mapping", "A"), "map at least one column"),
        (("save-mapping", "A", "--column", "X=name", "--column", "Y=name"),
         "is already the column 'X'"),
        (("delete-mapping", "Nope"), "there is no saved column mapping 'Nope'"),
    ],
)  # fmt: skip
def test_mapping_mistakes_are_clear_errors(run, args, said):
    result = run(*args)
    assert result.exit_code != 0
    assert said in result.output and "Traceback" not in result.output


def test_a_mapping_name_is_unique(run):
    assert run("save-mapping", "A", "--column", "X=name").exit_code == 0
    taken = run("save-mapping", "A", "--column", "X=name")
    assert taken.exit_code != 0 and "there is already a mapping called 'A'" in taken.output
    assert run("save-mapping", "A", "--column", "Y=name", "--replace").exit_code == 0
    assert "  Y = name" in run("mappings").stdout
