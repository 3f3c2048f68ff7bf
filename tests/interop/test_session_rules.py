"""Recurrence rules as the contract's schedule entries: exactly, or as irregular with the gap
said, never rounded to the nearest thing the contract can say."""

from __future__ import annotations

import datetime as dt

import pytest

from assetmap.interop.session_rules import (
    Rule,
    first_on_or_after,
    monthly_session,
    parse_byday,
    parse_month_days,
    read_rule,
)
from assetmap.models import Day


def _entries(**rule) -> list[tuple[str, str, str | None]]:
    reading = read_rule(Rule(start="10:00", **rule))
    return [(e["day"], e["frequency"], e["from_date"]) for e in reading.entries]


def test_byday_and_bymonthday_parse_or_say_which_token_is_wrong() -> None:
    assert parse_byday("MO, 2tu,-1FR") == [(None, Day.MON), (2, Day.TUE), (-1, Day.FRI)]
    with pytest.raises(ValueError, match="'MONDAY' is not a day"):
        parse_byday("MONDAY")
    assert parse_month_days("1, 15,-1") == [1, 15, -1]
    with pytest.raises(ValueError, match="'32' is not a day of the month"):
        parse_month_days("32")


def test_the_first_session_counts_weeks_from_the_monday_of_dtstart() -> None:
    wednesday = dt.date(2026, 9, 2)
    assert first_on_or_after(wednesday, Day.WED, 2) == wednesday
    assert first_on_or_after(wednesday, Day.FRI, 2) == dt.date(2026, 9, 4)
    # Monday of that week is before dtstart: the fortnight after
    assert first_on_or_after(wednesday, Day.MON, 2) == dt.date(2026, 9, 14)


def test_a_monthly_session_is_on_the_week_it_names() -> None:
    assert monthly_session(dt.date(2026, 1, 1), Day.THU, 2) == dt.date(2026, 1, 8)
    assert monthly_session(dt.date(2026, 1, 10), Day.THU, 2) == dt.date(2026, 2, 12)
    # the last Friday as a fifth one (day 29 or later), which is how the contract says 'last'
    assert monthly_session(dt.date(2026, 2, 1), Day.FRI, -1) == dt.date(2026, 5, 29)


def test_weekly_fortnightly_and_monthly_rules_are_said_exactly() -> None:
    assert _entries(freq="weekly", days=[(None, Day.TUE), (None, Day.THU)]) == [
        ("tue", "weekly", None),
        ("thu", "weekly", None),
    ]
    start = dt.date(2026, 9, 1)
    assert _entries(freq="weekly", interval=2, days=[(None, Day.TUE)], dtstart=start) == [
        ("tue", "fortnightly", "2026-09-01")
    ]
    assert _entries(freq="monthly", days=[(1, Day.TUE), (3, Day.TUE)], anchor=start) == [
        ("tue", "monthly", "2026-09-01"),
        ("tue", "monthly", "2026-09-15"),
    ]


def test_what_the_contract_cannot_say_is_irregular_or_left_out_with_the_gap() -> None:
    every_three = read_rule(Rule("weekly", "10:00", interval=3, days=[(None, Day.MON)]))
    assert [e["frequency"] for e in every_three.entries] == ["other"]
    assert every_three.gaps == [
        "how often it meets (every 3 weeks): listed as irregular, ask the group"
    ]
    no_fortnight = read_rule(Rule("weekly", "10:00", interval=2, days=[(None, Day.MON)]))
    assert no_fortnight.gaps == ["which fortnight it meets (the rule has no dtstart)"]
    no_week = read_rule(Rule("monthly", "10:00", days=[(2, Day.MON)]))
    assert no_week.entries[0]["from_date"] is None
    assert no_week.gaps == ["which week of the month it meets (the rule does not say)"]
    dates_only = read_rule(Rule("monthly", "10:00", month_days=[15]))
    assert dates_only.entries == []
    assert dates_only.gaps == ["when it meets (on days of the month, with no weekday)"]
    second_last = read_rule(Rule("monthly", "10:00", days=[(-2, Day.MON)]))
    assert [e["frequency"] for e in second_last.entries] == ["other"]
    no_freq = read_rule(Rule(None, "10:00", days=[(None, Day.SAT)]))
    assert [e["frequency"] for e in no_freq.entries] == ["other"]
