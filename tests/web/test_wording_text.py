"""The plain-English wording pages use for listing facts."""

import datetime as dt

import pytest

from assetmap.web.wording import (
    audience_text,
    distance_text,
    months_ago,
    next_session,
    session_text,
    spare_places_text,
)

MONDAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("metres", "text"),
    [(3, "less than 10 metres"), (348, "350 metres"), (2414, "2.4 km (1.5 miles)")],
)
def test_distances(metres, text):
    assert distance_text(metres) == text


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (None, "never"),
        ("2026-11-23", "today"),
        ("2026-11-20", "3 days ago"),
        ("2026-10-26", "4 weeks ago"),
        ("2026-04-23", "7 months ago"),
    ],
)
def test_how_long_ago(day, text):
    assert months_ago(day, MONDAY) == text


#: Monday 23 November 2026, 12:00 in London (GMT).
NOON = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def test_next_session_is_a_real_date_from_now():
    schedule = [{"day": "mon", "start": "09:00"}, {"day": "wed", "start": "18:00"}]
    # Monday 09:00 has passed at noon: the next is Wednesday, not "Monday 09:00".
    assert next_session(schedule, NOON) == "Wed 25 Nov 18:00"
    assert next_session(schedule, NOON.replace(hour=8)) == "today 09:00"
    assert next_session(schedule, NOON + dt.timedelta(days=1)) == "tomorrow 18:00"
    assert next_session([{"day": "mon", "start": "14:00"}], NOON) == "today 14:00"
    assert next_session([{"day": "mon", "start": "09:00"}], NOON) == "Mon 30 Nov 09:00"
    assert next_session([], NOON) is None
    # Given a day rather than a moment, it counts from the start of that day.
    assert next_session(schedule, NOON.date()) == "today 09:00"


def test_next_session_is_honest_about_fortnights_and_months_without_a_date():
    fortnightly = [{"day": "tue", "start": "10:00", "frequency": "fortnightly"}]
    assert next_session(fortnightly, NOON) == (
        "tomorrow 10:00 or Tue 1 Dec 10:00 (every two weeks, check which)"
    )
    monthly = [{"day": "tue", "start": "10:00", "frequency": "monthly"}]
    assert next_session(monthly, NOON) == "Tuesdays 10:00, once a month: ask which week"


def test_next_session_with_a_date_of_one_session_knows_the_fortnight_and_the_week():
    # 1 December 2026 is a Tuesday: the fortnight after it, not the 24th.
    fortnightly = [
        {"day": "tue", "start": "10:00", "frequency": "fortnightly", "from_date": "2026-12-01"}
    ]
    assert next_session(fortnightly, NOON) == "Tue 1 Dec 10:00"
    # The first Tuesday of the month: 1 December, then 5 January 2027.
    monthly = [{"day": "tue", "start": "10:00", "frequency": "monthly", "from_date": "2026-11-03"}]
    assert next_session(monthly, NOON) == "Tue 1 Dec 10:00"
    assert next_session(monthly, NOON + dt.timedelta(days=9)) == "Tue 5 Jan 2027 10:00"


def test_next_session_counts_in_uk_time():
    # 23:30 UTC on 1 July is 00:30 on 2 July in London (BST): a Thursday session is "today".
    late = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)
    assert next_session([{"day": "thu", "start": "10:00"}], late) == "today 10:00"


def test_session_wording():
    entry = {"day": "tue", "start": "10:00", "end": "12:30", "frequency": "fortnightly"}
    assert session_text(entry) == "Tuesday 10:00 to 12:30, every two weeks"


@pytest.mark.parametrize(
    ("capacity", "text"),
    [
        ({"spare_places": 6, "waiting_list": 0}, "6 places free"),
        ({"spare_places": 1}, "1 place free"),
        ({"spare_places": 0, "waiting_list": 5}, "Full, waiting list of 5"),
        ({"spare_places": None, "waiting_list": None}, None),
    ],
)
def test_places(capacity, text):
    assert spare_places_text(capacity) == text


@pytest.mark.parametrize(
    ("audience", "words"),
    [
        ({"min_age": 50, "max_age": None, "gender": "men", "languages": ["en"]},
         "Men only, aged 50 and over, in English"),
        ({"min_age": 18, "max_age": 65, "gender": "any", "languages": ["bn", "en", "so"]},
         "Aged 18 to 65, in Bengali, English and Somali"),
        ({"min_age": None, "max_age": 25, "gender": "women", "languages": ["xx"]},
         "Women only, aged up to 25, in xx"),
        ({"min_age": None, "max_age": None, "gender": "any", "languages": []}, None),
        (None, None),
    ],
)  # fmt: skip
def test_who_a_group_is_for_in_one_line(audience, words) -> None:
    assert audience_text(audience) == words
