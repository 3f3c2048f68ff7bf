"""The next real date of a group's sessions, and whether one is on this week."""

import datetime as dt

from assetmap.directory.sessions import Certainty, next_of_entry, next_session, on_within

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
