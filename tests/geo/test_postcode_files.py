"""Which postcode file it is, told from the file (or given): Code-Point Open's zip or one of its
CSVs, the ONS Postcode Directory's CSV or zip, our own CSV; ONSPD's terminated postcodes and
those without a grid reference are skipped, and it agrees with Code-Point where both have a
postcode (the real files in tests/data)."""

from __future__ import annotations

import zipfile

import pytest
from sqlalchemy import select

from assetmap.errors import ValidationError
from assetmap.geo.gazetteer import Skipped, import_postcodes
from assetmap.geo.postcode_files import PostcodeFormat, open_postcode_file
from assetmap.models import Postcode
from tests.geo.gazetteer_files import CODEPOINT, LOCATED, ONSPD, codepoint_zip

NW = CODEPOINT / "Data" / "CSV" / "nw.csv"
ONSPD_LOCATED = 52


def _onspd_zip(folder):
    """ONSPD as ONS publishes it: the national CSV under Data/, beside per-area CSVs."""
    path = folder / "ONSPD_MAY_2025.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(ONSPD, "Data/ONSPD_MAY_2025_UK.csv")
        archive.write(ONSPD, "Data/multi_csv/ONSPD_MAY_2025_UK_NW.csv")
        archive.writestr("User Guide/README.txt", "the user guide")
    return path


def _located(rows):
    return {row[0]: row for row in rows if isinstance(row, tuple)}


def test_a_code_point_zip_is_read_area_by_area(tmp_path) -> None:
    source = open_postcode_file(codepoint_zip(tmp_path))
    assert source.format is PostcodeFormat.CODEPOINT
    assert source.members == ("Data/CSV/nw.csv", "Data/CSV/sw.csv", "Data/CSV/wc.csv")
    assert source.count_rows() == LOCATED + 2
    assert len(_located(source.rows())) == LOCATED


def test_one_code_point_csv_is_told_by_its_headerless_first_row() -> None:
    source = open_postcode_file(NW)
    assert source.format is PostcodeFormat.CODEPOINT
    assert len(_located(source.rows())) == 345


def test_onspd_skips_terminated_and_unlocated_postcodes_and_keeps_the_lsoa() -> None:
    source = open_postcode_file(ONSPD)
    assert source.format is PostcodeFormat.CSV  # read by its header, as our own CSV is
    rows = list(source.rows())
    located = _located(rows)
    assert len(located) == ONSPD_LOCATED
    assert rows.count(Skipped.TERMINATED) == 2
    assert rows.count(Skipped.NO_LOCATION) == 1
    assert {"NW1 7ZZ", "NW5 2ZZ", "NW1W 6AA"}.isdisjoint(located)
    assert located["NW1 7AA"] == ("NW1 7AA", 51.538855, -0.143666, "E01000863")
    assert located["SW1A 1AA"][3] is None  # no LSOA in the file for it


def test_onspd_and_code_point_agree_on_every_postcode_they_share(tmp_path) -> None:
    onspd = _located(open_postcode_file(ONSPD).rows())
    codepoint = _located(open_postcode_file(codepoint_zip(tmp_path)).rows())
    assert set(onspd) < set(codepoint)
    for postcode, (_, lat, lon, _) in onspd.items():
        assert codepoint[postcode][1:3] == pytest.approx((lat, lon), abs=1e-6), postcode


def test_the_onspd_zip_is_read_from_its_national_csv(tmp_path) -> None:
    source = open_postcode_file(_onspd_zip(tmp_path))
    assert source.format is PostcodeFormat.ONSPD
    assert source.members == ("Data/ONSPD_MAY_2025_UK.csv",)
    assert source.count_rows() == 55
    assert len(_located(source.rows())) == ONSPD_LOCATED


def test_our_own_csv_is_read_by_its_header(tmp_path) -> None:
    path = tmp_path / "ours.csv"
    path.write_text("postcode,latitude,longitude\nnw51aa,51.5505,-0.141\n")
    source = open_postcode_file(path)
    assert source.format is PostcodeFormat.CSV
    assert list(source.rows()) == [("NW5 1AA", 51.5505, -0.141, None)]


def test_format_onspd_wants_onspd_columns(tmp_path) -> None:
    path = tmp_path / "ours.csv"
    path.write_text("postcode,latitude,longitude\nNW5 1AA,51.5505,-0.141\n")
    with pytest.raises(ValidationError, match=r"ours.csv: no pcds column"):
        list(open_postcode_file(path, PostcodeFormat.ONSPD).rows())


def test_format_codepoint_on_a_headed_csv_names_its_first_line() -> None:
    with pytest.raises(ValidationError) as raised:
        list(open_postcode_file(ONSPD, PostcodeFormat.CODEPOINT).rows())
    assert raised.value.message.startswith("ONSPD_subset_UK.csv line 1: ")


def test_a_zip_of_something_else_is_refused_naming_it(tmp_path) -> None:
    path = tmp_path / "groups.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("groups.json", "[]")
    with pytest.raises(ValidationError) as raised:
        open_postcode_file(path)
    assert raised.value.message.startswith("groups.zip: a zip without Code-Point Open's")


def test_a_file_that_is_not_text_is_refused_naming_it(tmp_path) -> None:
    path = tmp_path / "postcodes.csv"
    path.write_bytes(b"postcode,latitude,longitude\n\xff\xfe\x00NW5,1,2\n")
    with pytest.raises(ValidationError, match=r"postcodes.csv: not UTF-8 text"):
        list(open_postcode_file(path).rows())


def test_code_point_keeps_the_lsoa_onspd_gave_and_agrees_on_places(database, tmp_path) -> None:
    with database.session() as session:
        first = import_postcodes(session, open_postcode_file(ONSPD).rows())
        second = import_postcodes(session, open_postcode_file(codepoint_zip(tmp_path)).rows())
    assert (first.imported, first.skipped_terminated, first.skipped_no_location) == (52, 2, 1)
    assert second.imported == LOCATED
    with database.session() as session:
        rows = {
            row.postcode: row
            for row in session.execute(select(Postcode.postcode, Postcode.area_code))
        }
        assert len(rows) == LOCATED
        assert rows["NW1 7AA"].area_code == "E01000863"  # kept: Code-Point has none
        assert "NW1 7ZZ" not in rows
