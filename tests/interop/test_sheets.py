"""Spreadsheets in and out: a council's CSV with odd headers, the same rows as an Excel
workbook, per-row problems naming the row and the column, and an export that imports again."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from assetmap.directory.importing import ImportRejected
from assetmap.directory.reads import iter_listings
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.interop.formats import ReadOptions, format_of, read_source
from assetmap.interop.load import ParsedSource, load_source
from assetmap.interop.sheet_cells import CellError, read_days, read_flag, read_schedule, read_times
from assetmap.interop.sheet_fields import suggest_mapping
from assetmap.interop.sheets import EXPORT_FIELDS, export_csv, read_csv, read_xlsx
from assetmap.models import Group, ImportFormat, ListingSource, Postcode
from assetmap.verification.policy import FreshnessPolicy
from tests.conftest import _empty
from tests.factories import POSTCODES, TODAY, listing

DATA = Path(__file__).parents[1] / "data" / "interop"
COUNCIL = DATA / "council-groups.csv"
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def _options(**changes) -> ReadOptions:
    return ReadOptions(source="camden", **changes)


def _csv(text: str, **options) -> ParsedSource:
    return read_csv(text.encode("utf-8"), _options(**options))


def _load(database, parsed: ParsedSource, source: str = "camden", now: dt.datetime = NOW):
    with database.session() as session:
        if session.get(Postcode, "NW5 2AA") is None:
            session.add_all(Postcode(postcode=p, lat=a, lon=b) for p, (a, b) in POSTCODES.items())
            session.flush()
        return load_source(session, source, parsed, GazetteerGeocoder(session), now)


def _count(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


# ---- the council's CSV, field by field -----------------------------------------------------


def test_the_council_csv_reads_field_by_field() -> None:
    data = COUNCIL.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data  # a BOM, Windows lines
    parsed = read_source(format_of(COUNCIL.name, data), data, _options())
    assert parsed.problems == []
    knit, walk, grow, digital = (r.listing for r in parsed.records)
    # The empty row 4 is skipped; rows keep the numbers a spreadsheet shows.
    assert [r.label for r in parsed.records] == ["row 2", "row 3", "row 5", "row 6"]
    assert [r.source_id for r in parsed.records] == ["KT-001", "KT-002", "KT-003", "KT-004"]
    assert knit["name"] == "Knit and Natter"
    assert knit["organisation"] == "Kentish Town Community Centre"
    assert knit["categories"] == ["creative"]  # "Arts & crafts"
    assert knit["schedule"] == [
        {"day": "tue", "start": "10:00", "end": "12:00", "frequency": "weekly"}
    ]  # "Tuesdays", "10am-12"
    assert knit["venue"] == {
        "name": "KTCC",
        "address": "1 Kentish Town Road",
        "postcode": "NW5 2AA",
    }
    assert knit["contact"] == {"phone": "020 7946 0001", "email": "knit@example.org"}
    assert knit["accessibility"] == {"wheelchair_accessible": True}  # "Y"
    assert knit["cost"] == {"free": True}
    # "Mon & Wed", "2-4pm": two sessions in the afternoon
    assert [(e["day"], e["start"], e["end"]) for e in walk["schedule"]] == [
        ("mon", "14:00", "16:00"),
        ("wed", "14:00", "16:00"),
    ]
    assert walk["description"] == "A gentle hour round Parliament Hill,\nthen coffee."
    assert walk["venue"]["name"] == "Parliament Hill Cafe"  # no venue name: the address's
    assert walk["accessibility"] == {"wheelchair_accessible": False}
    assert walk["cost"] == {"amount_gbp": 1.5}  # "£1.50"; free not said, so not known
    assert "email" not in walk["contact"]  # an empty cell is not known
    assert grow["categories"] == ["nature", "social"]  # "Gardening; Social"
    assert grow["schedule"][0] | {} == {
        "day": "sat",
        "start": "10:30",
        "end": "12:30",
        "frequency": "weekly",
    }  # "10.30am-12.30pm"
    assert "accessibility" not in grow  # not said: not known, never guessed
    assert digital["categories"] == ["digital"]  # "Computers"
    assert digital["venue"]["postcode"] == "WC1H 9AA"
    # The trailing empty column is no column at all; nothing else is left out.
    assert parsed.gaps == []


def test_lower_case_postcodes_and_mixed_case_headers_are_read() -> None:
    parsed = _csv("GROUP NAME,post-code,CATEGORY,Online\r\nChess,nw51aa,learning,NO\r\n")
    (record,) = parsed.records
    assert record.listing["venue"]["postcode"] == "NW5 1AA"
    assert record.listing["online"] is False
    assert record.source_id is None  # no id column: matched by name when imported


def test_a_semicolon_separated_file_from_excel_in_windows_1252() -> None:
    data = "Name;Category;Cost\r\nCaf\xe9 Club;social;\xa32\r\n".encode("cp1252")
    (record,) = read_csv(data, _options()).records
    assert record.listing["name"] == "Café Club"
    assert record.listing["cost"] == {"amount_gbp": 2.0}


# ---- problems, each naming its row and column ----------------------------------------------


def test_each_problem_names_the_row_and_the_column() -> None:
    parsed = _csv(
        "Group name,Category,Day(s),Time,Post Code,Wheelchair access\n"
        "Fine,social,Tue,10am-12,NW5 1AA,yes\n"
        "Bad postcode,social,Tue,10am,NW5 1A,\n"
        "Bad day,social,Tuesdday,10am,NW5 1AA,\n"
        "Bad time,social,Tue,25 o'clock,NW5 1AA,\n"
        "Unknown category,knitting,Tue,10am,NW5 1AA,\n"
        "Bad flag,social,Tue,10am,NW5 1AA,sometimes\n"
        "Day without time,social,Tue,,NW5 1AA,\n"
        "Ends before,social,Tue,12:00-10:00,NW5 1AA,\n"
    )
    said = [str(p) for p in parsed.problems]
    assert said[0] == "row 3: Post Code: must be a UK postcode like NW5 1AA"
    assert said[1].startswith("row 4: Day(s): 'tuesdday' is not a day")
    assert said[2] == "row 5: Time: must be a time like 10:00, 10.30am or 2pm"
    assert said[3].startswith("row 6: Category: 'knitting' is not one of assetmap's categories")
    assert said[4] == "row 7: Wheelchair access: must be yes or no (or empty: not known)"
    assert said[5] == "row 8: Day(s): needs a start time in the 'Time' column"
    assert said[6] == "row 9: Time: schedule[0].end: must be after the start time"
    assert len(said) == 7


def test_a_default_category_stands_for_terms_that_map_to_none() -> None:
    text = "Name,Category,Postcode\nKnitting circle,knitting,NW5 1AA\nWalk,Sport,NW5 1AA\n"
    parsed = _csv(text, default_category="social")
    assert parsed.problems == []
    assert [r.listing["categories"] for r in parsed.records] == [["social"], ["active"]]


def test_a_file_without_a_name_column_is_refused_at_its_header_row() -> None:
    parsed = _csv("Title of thing,Category\nA,social\n")
    assert [str(p) for p in parsed.problems] == ["row 1: no column holds the group's name"]
    assert "columns not imported: 'Title of thing'" in parsed.gaps


@pytest.mark.parametrize(
    "text",
    [
        "Name,Category,Phone,Tel\nA,social,1,2\n",  # two columns for one field
    ],
)
def test_two_columns_for_one_field_are_a_problem(text: str) -> None:
    (problem,) = _csv(text).problems
    assert str(problem) == "row 1: Tel: holds contact.phone, as the column 'Phone' does"


def test_one_bad_row_writes_nothing(database) -> None:
    text = COUNCIL.read_text(encoding="utf-8-sig").replace("NW1 7AA", "NW1 7A")
    parsed = read_csv(text.encode(), _options())
    with pytest.raises(ImportRejected) as rejected:
        _load(database, parsed)
    assert [str(p) for p in rejected.value.problems] == [
        "row 5: Post Code: must be a UK postcode like NW5 1AA"
    ]
    assert _count(database, Group) == 0
    assert _count(database, ListingSource) == 0


def test_a_postcode_not_in_the_gazetteer_refuses_the_file_naming_the_row(database) -> None:
    text = COUNCIL.read_text(encoding="utf-8-sig").replace("NW1 7AA", "E1 6AN")
    with pytest.raises(ImportRejected, match=r"row 5: venue\.postcode: E1 6AN is not in the"):
        _load(database, read_csv(text.encode(), _options()))
    assert _count(database, Group) == 0


# ---- loading, both backends ----------------------------------------------------------------


def test_the_council_csv_loads_and_again_changes_nothing(database) -> None:
    parsed = read_csv(COUNCIL.read_bytes(), _options())
    first = _load(database, parsed)
    assert (first.created, first.updated, first.unchanged) == (4, 0, 0)
    again = _load(database, read_csv(COUNCIL.read_bytes(), _options()))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    with database.session() as session:
        rows = session.execute(
            select(ListingSource.source_id, Group.name)
            .join(Group, Group.id == ListingSource.group_id)
            .order_by(ListingSource.source_id)
        ).all()
        walk = session.scalar(select(Group).where(Group.name == "Walk and Talk"))
        assert walk.cost_free is None and walk.cost_amount_gbp == 1.5
        assert walk.step_free is None  # never said: not known
    assert rows[0] == ("KT-001", "Knit and Natter")
    assert len(rows) == 4


def _workbook() -> bytes:
    """The council's rows as Excel keeps them: real times, numbers and dates in cells."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Group Name", "Category", "Day", "Start", "Finish", "Post code", "Places",
                  "Last checked", "ID", "Free"])  # fmt: skip
    sheet.append(["Knit and Natter", "Arts", "Tue", dt.time(10, 0), dt.time(12, 0), "nw5 2aa",
                  20, dt.datetime(2026, 11, 3), 101, True])  # fmt: skip
    sheet.append([None] * 10)
    sheet.append(["Walk and Talk", "Sport", "Mon-Wed", "2pm", "4pm", "NW5 1AA", 15.0,
                  "3/11/2026", 102, "no"])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_workbook_reads_its_cells_as_they_are(database) -> None:
    data = _workbook()
    assert format_of("groups.xlsx", data) is ImportFormat.XLSX
    parsed = read_xlsx(data, _options())
    assert parsed.problems == []
    knit, walk = (r.listing for r in parsed.records)
    assert [r.label for r in parsed.records] == ["row 2", "row 4"]
    assert [r.source_id for r in parsed.records] == ["101", "102"]  # not "101.0"
    assert knit["schedule"] == [
        {"day": "tue", "start": "10:00", "end": "12:00", "frequency": "weekly"}
    ]
    assert knit["capacity"] == {"total_places": 20}
    assert knit["last_verified_at"] == "2026-11-03"
    assert knit["cost"] == {"free": True}
    assert [e["day"] for e in walk["schedule"]] == ["mon", "tue", "wed"]
    assert walk["last_verified_at"] == "2026-11-03"  # the UK's day/month/year
    result = _load(database, parsed, source="workbook")
    assert result.created == 2


def test_a_broken_workbook_is_a_problem_not_a_crash() -> None:
    parsed = read_xlsx(b"PK\x03\x04 not really a zip", _options())
    assert [str(p) for p in parsed.problems] == [
        "record 0: the file is not an Excel workbook (.xlsx)"
    ]


# ---- a saved mapping, and suggestions ------------------------------------------------------


def test_a_saved_mapping_says_which_column_is_which() -> None:
    columns = {"Activity": "name", "Kind": "categories", "Where": "venue.postcode", "Notes": ""}
    parsed = _csv(
        "activity ,KIND,WHERE,Notes\nChess,learning,NW5 1AA,bring a board\n", columns=columns
    )
    (record,) = parsed.records
    assert record.listing == {
        "transport": {"door_to_door": {}},
        "name": "Chess",
        "categories": ["learning"],
        "venue": {"postcode": "NW5 1AA", "name": "NW5 1AA"},
    }
    assert parsed.gaps == [
        "columns not imported: 'Notes'",
        "1 row gives no days or times: the schedule is not known",
    ]


def test_suggestions_for_the_headers_people_use() -> None:
    headers = ["Group name", "Org", "Post code", "Tel", "Day(s)", "Start", "Finish",
               "Organisaton", "Emial adress", "Notes", "", "Phone"]  # fmt: skip
    assert suggest_mapping(headers) == {
        "Group name": "name",
        "Org": "organisation",
        "Post code": "venue.postcode",
        "Tel": "contact.phone",
        "Day(s)": "schedule.day",
        "Start": "schedule.start",
        "Finish": "schedule.end",
        "Organisaton": None,  # near "organisation", but Org has it
        "Emial adress": "contact.email",
        "Notes": None,  # too far from anything to guess
        "": None,
        "Phone": None,  # Tel has it
    }


# ---- cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [("Tue", ["tue"]), ("Tuesdays", ["tue"]), ("mon & Thurs", ["mon", "thu"]),
     ("Mon to Wed", ["mon", "tue", "wed"]), ("weekdays", ["mon", "tue", "wed", "thu", "fri"]),
     ("Sat, Sun", ["sat", "sun"])],
)  # fmt: skip
def test_days(text: str, days: list[str]) -> None:
    assert read_days(text) == days


@pytest.mark.parametrize(
    ("text", "times"),
    [("10am-12", ("10:00", "12:00")), ("10:00", ("10:00", None)), ("10.30am", ("10:30", None)),
     ("2-4pm", ("14:00", "16:00")), ("11-1pm", ("11:00", "13:00")), ("10am-2", ("10:00", "14:00")),
     ("noon to 2pm", ("12:00", "14:00")), ("18:30 - 20:00", ("18:30", "20:00")),
     ("12am", ("00:00", None))],
)  # fmt: skip
def test_times(text: str, times: tuple[str, str | None]) -> None:
    assert read_times(text) == times


def test_a_written_out_schedule_and_yes_no_cells() -> None:
    assert read_schedule("Tuesdays 10am-12; Thu 14:00-16:00 fortnightly from 2026-09-03") == [
        {"day": "tue", "start": "10:00", "end": "12:00", "frequency": "weekly", "from_date": None},
        {"day": "thu", "start": "14:00", "end": "16:00", "frequency": "fortnightly",
         "from_date": "2026-09-03"},
    ]  # fmt: skip
    assert [read_flag(v) for v in ("Y", "no", "TRUE", "0", "not known", True)] == [
        True, False, True, False, None, True
    ]  # fmt: skip
    with pytest.raises(CellError):
        read_flag("maybe")
    with pytest.raises(CellError):
        read_schedule("every so often")


# ---- the CSV export ------------------------------------------------------------------------


def _exported(database) -> str:
    out = io.StringIO()
    with database.session() as session:
        export_csv(session, FreshnessPolicy(), TODAY, out)
    return out.getvalue()


def _without_ids(found: list[dict]) -> list[dict]:
    return sorted(
        ({k: v for k, v in item.items() if k not in {"id"}} for item in found),
        key=lambda item: item["name"],
    )


def test_the_csv_export_imports_again_as_the_same_listings(database, add_groups) -> None:
    thursday = TODAY + dt.timedelta(days=(3 - TODAY.weekday()) % 7 or 7)
    ids = add_groups(
        listing("Men's Shed"),
        listing(
            "=Formula Club",
            at="NW1 7AA",
            online=True,
            categories=["digital", "learning"],
            interests=["computers", "phones"],
            schedule=[
                {
                    "day": "thu",
                    "start": "14:00",
                    "end": "16:00",
                    "frequency": "fortnightly",
                    "from_date": thursday.isoformat(),
                },
                {"day": "sat", "start": "10:00", "end": None, "frequency": "monthly"},
            ],
            cancelled_dates=[(thursday + dt.timedelta(days=14)).isoformat()],
            contact={"phone": "+44 20 7946 0000", "website": "https://example.org/club"},
            transport={"bus_stops": [], "rail_station": None},
            audience={"languages": ["en", "bn"], "max_age": 90},
        ),
    )
    text = _exported(database)
    header = text.splitlines()[0]
    assert header.split(",")[:4] == ["ID", "External ID", "Name", "Description"]
    assert "'=Formula Club" in text  # never a formula in a spreadsheet program
    with database.session() as session:
        before = _without_ids(list(iter_listings(session, FreshnessPolicy(), TODAY)))
    parsed = read_csv(text.encode("utf-8"), _options())  # no mapping: the headers say it
    assert parsed.problems == [] and parsed.gaps == []
    _empty(database)  # into an empty directory
    result = _load(database, parsed, source="export")
    assert result.created == 2
    with database.session() as session:
        again = [
            item
            for item in iter_listings(session, FreshnessPolicy(), TODAY)
            if item["id"] in result.group_ids
        ]
    assert _without_ids(again) == before
    assert {r.source_id for r in parsed.records} == {str(i) for i in ids}
    # Every exported column is one the reader takes back.
    assert len(EXPORT_FIELDS) == len(header.split(","))
