"""The next real date of a group's sessions, and whether one is on this week."""

import datetime as dt
import json

from assetmap.directory.queries import GroupQuery, search_groups
from assetmap.directory.sessions import Certainty, next_of_entry, next_session, on_within
from assetmap.verification.policy import FreshnessPolicy
from tests.factories import listing

#: Monday 23 November 2026, 12:00 in London.
NOON = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def test_a_session_that_has_started_today_is_not_next():
    found = next_of_entry({"day": "mon", "start": "11:59"}, NOON)
    assert found is not None
    assert found.starts.date() == dt.date(2026, 11, 30)
    assert found.certainty is Certainty.KNOWN


def test_a_fifth_weekday_anchor_means_the_last_of_the_month():
    # 29 December 2026 is the fifth Tuesday; February 2027 has four, so its last is the 23rd.
    entry = {"day": "tue", "start": "10:00", "frequency": "monthly", "from_date": "2026-12-29"}
    found = next_of_entry(entry, dt.datetime(2027, 2, 1, tzinfo=dt.UTC))
    assert found is not None and found.starts.date() == dt.date(2027, 2, 23)


def test_an_anchor_on_another_weekday_is_ignored():
    entry = {"day": "tue", "start": "10:00", "frequency": "fortnightly", "from_date": "2026-12-02"}
    found = next_of_entry(entry, NOON)
    assert found is not None and found.certainty is Certainty.ONE_OF_TWO


def test_a_known_date_wins_over_a_guess_and_unreadable_entries_are_skipped():
    schedule = [
        {"day": "tue", "start": "10:00", "frequency": "monthly"},
        {"day": "tue", "start": "10:00", "frequency": "weekly"},
        {"day": "someday", "start": "10:00"},
    ]
    found = next_session(schedule, NOON)
    assert found is not None and found.certainty is Certainty.KNOWN
    assert next_session([{"day": "mon", "start": "late"}], NOON) is None


def test_on_this_week_counts_only_known_sessions_in_the_next_seven_days():
    assert on_within([{"day": "sun", "start": "10:00"}], NOON, 7)
    # Monday 09:00 has gone; the next is a week today, outside today and the six days after.
    assert not on_within([{"day": "mon", "start": "09:00"}], NOON, 7)
    assert not on_within([{"day": "wed", "start": "10:00", "frequency": "fortnightly"}], NOON, 7)
    anchored = {"day": "wed", "start": "10:00", "frequency": "fortnightly"}
    assert on_within([{**anchored, "from_date": "2026-11-11"}], NOON, 7)
    assert not on_within([{**anchored, "from_date": "2026-11-18"}], NOON, 7)


# ---- the same rule as a search filter, on both backends ----------------------------------------


def _entry(day: str, start: str, frequency: str = "weekly", from_date: str | None = None) -> dict:
    return {"day": day, "start": start, "end": None, "frequency": frequency, "from_date": from_date}


#: Each group's one session, and whether it is on in the week from Monday 23 November, noon.
WEEK_CASES = {
    "weekly later today": (_entry("mon", "14:00"), True),
    "weekly earlier today": (_entry("mon", "09:00"), False),
    "weekly on Sunday": (_entry("sun", "10:00"), True),
    "fortnightly, no date": (_entry("wed", "10:00", "fortnightly"), False),
    "fortnightly, this week": (_entry("wed", "10:00", "fortnightly", "2026-11-11"), True),
    "fortnightly, next week": (_entry("wed", "10:00", "fortnightly", "2026-11-18"), False),
    "fortnightly, dated ahead": (_entry("wed", "10:00", "fortnightly", "2027-01-06"), True),
    "monthly, no date": (_entry("thu", "10:00", "monthly"), False),
    "fourth Thursday": (_entry("thu", "10:00", "monthly", "2026-10-22"), True),
    "first Thursday": (_entry("thu", "10:00", "monthly", "2026-10-01"), False),
    "fifth Saturday means last": (_entry("sat", "10:00", "monthly", "2026-08-29"), True),
    "other": (_entry("tue", "10:00", "other"), False),
}


def test_on_this_week_filters_the_search_as_the_rule_says(database, add_groups):
    names = list(WEEK_CASES)
    add_groups(*(listing(name, at="NW5 1AA", schedule=[WEEK_CASES[name][0]]) for name in names))
    expected = {name for name, (_, on) in WEEK_CASES.items() if on}
    assert expected == {n for n, (e, _) in WEEK_CASES.items() if on_within([e], NOON, 7)}
    with database.session() as session:
        page = search_groups(
            session,
            GroupQuery(meets_from=NOON, limit=100),
            database.backend,
            FreshnessPolicy(),
            NOON.date(),
        )
    found = {json.loads(text)["properties"]["name"] for text in page.features}
    assert found == expected
    assert page.number_matched == len(expected)
