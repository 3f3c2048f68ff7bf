"""The commissioners' report: counts by category, area and month, small numbers suppressed."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from assetmap.errors import Forbidden, ValidationError
from assetmap.models import WellbeingStage
from assetmap.referrals.privacy import erase_case
from assetmap.referrals.reports import (
    COMPLEMENT,
    SMALL,
    Cell,
    parse_range,
    referral_report,
    report_csv,
)
from tests.referrals.builders import add_case, add_referral, add_wellbeing
from tests.referrals.conftest import NOW

NOV = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
OCT = dt.datetime(2026, 10, 10, 12, 0, tzinfo=dt.UTC)
LOW, HIDDEN = Cell(None, SMALL), Cell(None, COMPLEMENT)
RANGE = (dt.date(2026, 10, 1), dt.date(2026, 11, 30))


def _referrals(session, n, sent_at, *, area="E01000001", category="active", **kw):
    cases = []
    for _ in range(n):
        case = add_case(session, area=area, last_activity=sent_at)
        add_referral(session, case, sent_at, category=category, **kw)
        cases.append(case)
    return cases


def _values(row):
    return (row.referrals.value, row.accepted.value, row.attended.value, row.still_going.value)


def test_counts_referrals_acceptances_attendance_and_still_going_by_category_area_month(
    session, people
) -> None:
    _referrals(session, 6, NOV, accepted=True, attended=True, still_going=True)
    _referrals(session, 6, NOV)
    _referrals(session, 7, OCT, area="E01000002", category="creative", accepted=True)
    report = referral_report(session, people.admin, *RANGE)
    total = report.table("category").total
    assert _values(total) == (19, 13, 6, 6)
    by_category = {row.key: _values(row) for row in report.table("category").rows}
    assert by_category == {"active": (12, 6, 6, 6), "creative": (7, 7, 0, 0)}
    by_area = {row.key: _values(row) for row in report.table("area").rows}
    assert by_area == {"E01000001": (12, 6, 6, 6), "E01000002": (7, 7, 0, 0)}
    # No areas loaded: the code stands for the name.
    assert [row.label for row in report.table("area").rows] == ["E01000001", "E01000002"]
    by_month = {row.key: _values(row) for row in report.table("month").rows}
    assert by_month == {"2026-10": (7, 7, 0, 0), "2026-11": (12, 6, 6, 6)}


def test_referrals_outside_the_range_are_left_out(session, people) -> None:
    _referrals(session, 5, NOV)
    _referrals(session, 5, dt.datetime(2026, 9, 30, 12, tzinfo=dt.UTC))
    report = referral_report(session, people.admin, *RANGE)
    assert report.table("month").total.referrals == Cell(5)


def test_erased_cases_still_count(session, people, settings) -> None:
    cases = _referrals(session, 5, NOV, accepted=True)
    for case in cases[:3]:
        erase_case(session, people.admin, case.id, NOW)
    report = referral_report(session, people.admin, *RANGE)
    assert report.table("area").total.referrals == Cell(5)
    assert report.table("area").rows[0].key == "E01000001"


def test_counts_under_five_are_suppressed_with_their_complement(session, people) -> None:
    _referrals(session, 9, NOV, category="active")
    _referrals(session, 6, NOV, category="creative")
    _referrals(session, 3, NOV, category="learning")
    report = referral_report(session, people.admin, *RANGE)
    table = report.table("category")
    cells = {row.key: row.referrals for row in table.rows}
    # 3 is hidden, and the total (18) is shown, so the next smallest (6) is hidden too:
    # otherwise 18 - 9 - 6 would give the 3 away.
    assert cells == {"active": Cell(9), "creative": HIDDEN, "learning": LOW}
    assert table.total.referrals == Cell(18)
    # Zeros are shown: nothing to protect.
    assert all(row.attended == Cell(0) for row in table.rows)


def test_a_lone_small_cell_with_no_complement_hides_the_total(session, people) -> None:
    _referrals(session, 8, NOV, category="active")
    _referrals(session, 2, NOV, category="creative", accepted=True)
    report = referral_report(session, people.admin, *RANGE)
    table = report.table("category")
    accepted = {row.key: row.accepted for row in table.rows}
    # Only creative accepted anyone (2): the total is small too, and hidden.
    assert accepted == {"active": Cell(0), "creative": LOW}
    assert table.total.accepted == LOW
    assert table.total.referrals == Cell(10)
    assert [row.referrals for row in table.rows] == [HIDDEN, LOW]


def test_two_small_cells_hide_each_other(session, people) -> None:
    _referrals(session, 8, NOV, category="active")
    _referrals(session, 2, NOV, category="creative")
    _referrals(session, 1, NOV, category="learning")
    table = referral_report(session, people.admin, *RANGE).table("category")
    assert [row.referrals for row in table.rows] == [Cell(8), LOW, LOW]


def _scores(session, case, start, later):
    add_wellbeing(session, case, WellbeingStage.START, NOV, *start)
    add_wellbeing(session, case, WellbeingStage.FOLLOW_UP, NOV + dt.timedelta(weeks=2), *later)


def test_ons4_change_is_shown_only_from_five_people(session, people) -> None:
    cases = _referrals(session, 6, NOV, accepted=True)
    for case in cases[:5]:
        # life satisfaction 4 → 6, worthwhile asked only at the start, anxiety 7 → 5
        _scores(session, case, (4, 5, None, 7), (6, None, None, 5))
    # The sixth: a later follow-up replaces the first (latest counts), happiness asked twice.
    _scores(session, cases[5], (4, 5, 6, 7), (5, 5, 6, 8))
    add_wellbeing(
        session, cases[5], WellbeingStage.FOLLOW_UP, NOV + dt.timedelta(weeks=6), 7, 5, 7, 4
    )
    report = referral_report(session, people.admin, *RANGE)
    change = {c.question: c for c in report.table("category").total.wellbeing}
    assert change["life_satisfaction"].people == 6
    assert change["life_satisfaction"].mean == pytest.approx((2 * 5 + 3) / 6, abs=0.01)
    assert change["anxiety"].mean == pytest.approx((-2 * 5 - 3) / 6, abs=0.01)
    assert change["anxiety"].lower_is_better and not change["happiness"].lower_is_better
    # Worthwhile was asked twice of one person only, happiness of one: not shown.
    assert (change["worthwhile"].people, change["worthwhile"].mean) == (None, None)
    assert change["happiness"].mean is None


def test_ons4_change_under_five_people_is_not_shown(session, people) -> None:
    cases = _referrals(session, 4, NOV)
    for case in cases:
        _scores(session, case, (4, 4, 4, 4), (8, 8, 8, 8))
    report = referral_report(session, people.admin, *RANGE)
    assert all(c.mean is None for c in report.table("month").total.wellbeing)


def test_months_are_counted_in_uk_time(session, people) -> None:
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (summer time).
    late = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)
    _referrals(session, 5, late)
    _referrals(session, 5, dt.datetime(2026, 6, 30, 22, 30, tzinfo=dt.UTC))
    report = referral_report(session, people.admin, dt.date(2026, 6, 1), dt.date(2026, 7, 31))
    assert {row.key: row.referrals for row in report.table("month").rows} == {
        "2026-06": Cell(5),
        "2026-07": Cell(5),
    }
    # The range's last day ends at UK midnight: 1 July 00:30 UK is outside a June-only range.
    june = referral_report(session, people.admin, dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert june.table("month").total.referrals == Cell(5)


def test_link_workers_and_organisers_are_refused(session, people) -> None:
    for user in (people.link_worker, people.organiser):
        with pytest.raises(Forbidden):
            referral_report(session, user, *RANGE)
    assert referral_report(session, people.builder, *RANGE).tables


def test_the_range_is_checked() -> None:
    today = dt.date(2026, 12, 1)
    assert parse_range(None, None, today) == (dt.date(2026, 1, 1), today)
    with pytest.raises(ValidationError) as error:
        parse_range("2026-12-02", "2026-12-01", today)
    assert error.value.field == "since"
    with pytest.raises(ValidationError) as error:
        parse_range("1 Dec", None, today)
    assert error.value.field == "since"
    with pytest.raises(ValidationError):
        parse_range("2020-01-01", "2026-01-01", today)


def test_the_csv_has_a_header_and_the_same_suppression(session, people) -> None:
    _referrals(session, 9, NOV, category="active")
    _referrals(session, 3, NOV, category="learning")
    text = report_csv(referral_report(session, people.admin, *RANGE), {"active": "Get active"})
    rows = list(csv.DictReader(io.StringIO(text)))
    first = rows[0]
    # 9 is hidden so that the 3 cannot be worked out from the total of 12.
    assert (first["by"], first["key"], first["name"], first["referrals"]) == (
        "category",
        "active",
        "Get active",
        "not shown",
    )
    assert {r["referrals"] for r in rows if r["key"] == "learning"} == {"fewer than 5"}
    assert "3" not in {r["referrals"] for r in rows}
    assert {r["by"] for r in rows} == {"category", "area", "month"}
