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


def test_next_session_is_the_soonest_from_today():
    schedule = [{"day": "mon", "start": "09:00"}, {"day": "wed", "start": "18:00"}]
    assert next_session(schedule, MONDAY) == "Monday 09:00"
    assert next_session(schedule, MONDAY + dt.timedelta(days=1)) == "Wednesday 18:00"
    assert next_session([], MONDAY) is None


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
