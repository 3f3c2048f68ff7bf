"""The preview that sets aside the rows with problems and says what happens to the rest."""

from __future__ import annotations

from assetmap.directory.importing import ImportProblem
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.interop.load import ParsedSource, SourceRecord
from assetmap.interop.review import review_source
from tests.factories import listing


def _record(n: int, **changes) -> SourceRecord:
    return SourceRecord(listing(f"Group {n}", **changes), source_id=str(n), label=f"row {n + 1}")


def test_every_row_gets_its_outcome_or_its_problems(database, add_groups) -> None:
    add_groups()  # the gazetteer's postcodes
    no_where = listing("Group 4")
    no_where["venue"] = {"name": "Hall", "postcode": "E1 6AN"}  # not in the gazetteer
    parsed = ParsedSource(
        records=[
            _record(1),
            _record(2, categories=["knitting"]),
            _record(3, schedule=[]),
            SourceRecord(no_where, source_id="4", label="row 5"),
        ],
        problems=[ImportProblem(2, "Category", "'knitting' is not a category", "row 3")],
        gaps=["1 row gives no days or times: the schedule is not known"],
    )
    with database.session() as session:
        review = review_source(session, "camden", parsed, GazetteerGeocoder(session))
    assert [(r.label, r.action) for r in review.rows] == [
        ("row 2", "create"),
        ("row 3", None),
        ("row 4", "create"),
        ("row 5", None),
    ]
    assert [str(p) for p in review.rows[1].problems] == [
        "row 3: Category: 'knitting' is not a category"
    ]
    assert "E1 6AN is not in the gazetteer" in str(review.rows[3].problems[0])
    assert review.rows[3].problems[0].label == "row 5"
    assert review.rows[2].when is None and review.rows[0].when == "Tue 10:00-12:30"
    assert review.rows[0].where == "KTCC, NW5 2AA"
    assert not review.importable and review.problem_count == 2
    assert review.gaps == parsed.gaps


def test_a_problem_with_the_whole_file(database) -> None:
    parsed = ParsedSource(problems=[ImportProblem(0, "", "no column holds the name", "row 1")])
    with database.session() as session:
        review = review_source(session, "camden", parsed, None)
    assert review.rows == [] and [str(p) for p in review.problems] == [
        "row 1: no column holds the name"
    ]
    assert not review.importable
