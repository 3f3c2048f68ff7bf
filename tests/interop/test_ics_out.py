"""iCalendar out: a group's sessions as recurring events a phone's calendar shows on the right
days, in UK time, without the cancelled ones; a plan's next sessions; and back in again to the
same schedule."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from assetmap.errors import NotFound
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.interop.formats import ReadOptions
from assetmap.interop.ics_in import read_ics
from assetmap.interop.ics_out import group_calendar, group_ics, plan_ics, safe_filename
from assetmap.interop.load import load_source
from assetmap.models import Group
from tests.factories import listing

LONDON = ZoneInfo("Europe/London")
#: Tuesday 1 December 2026, 09:00 UTC.
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
PUBLIC = "https://map.camden.example.org/"
SCHEDULE = [
    {"day": "tue", "start": "10:00", "end": "12:00", "frequency": "weekly", "from_date": None},
    {"day": "thu", "start": "14:00", "end": "15:30", "frequency": "fortnightly",
     "from_date": "2026-09-10"},
    {"day": "tue", "start": "13:30", "end": "15:00", "frequency": "monthly",
     "from_date": "2026-09-08"},
    {"day": "fri", "start": "10:30", "end": None, "frequency": "monthly",
     "from_date": "2026-10-30"},
]  # fmt: skip
CANCELLED = ["2026-12-08", "2026-12-17", "2026-12-24", "2027-01-12", "2027-01-29"]
#: The cancelled dates that are sessions: 24 December is a Thursday of the other fortnight.
ON_SESSIONS = [day for day in CANCELLED if day != "2026-12-24"]


def _group(**changes) -> dict:
    data = listing("Knit and Natter", at="NW5 2AA", schedule=SCHEDULE, cancelled_dates=CANCELLED)
    data.update({"id": 17, **changes})
    return data


def _events(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def _rule(event: icalendar.Event) -> str:
    return event["RRULE"].to_ical().decode()


def test_each_session_is_a_recurring_event_in_uk_time():
    events = _events(group_ics(_group(), public_url=PUBLIC, now=NOW))
    host = "map.camden.example.org"
    weekly = events[f"group-17-tue-1000-weekly@{host}"]
    assert _rule(weekly) == "FREQ=WEEKLY;BYDAY=TU"
    assert weekly.start == dt.datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)  # the next Tuesday
    assert weekly.end == dt.datetime(2026, 12, 1, 12, 0, tzinfo=LONDON)
    assert weekly["DTSTART"].params["TZID"] == "Europe/London"
    # a cancelled day is cancelled for every session that day
    assert weekly.exdates == [
        dt.datetime(2026, 12, 8, 10, 0, tzinfo=LONDON),
        dt.datetime(2027, 1, 12, 10, 0, tzinfo=LONDON),
    ]
    fortnightly = events[f"group-17-thu-1400-fortnightly@{host}"]
    assert _rule(fortnightly) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"
    assert fortnightly.start == dt.datetime(2026, 9, 10, 14, 0, tzinfo=LONDON)
    # 17 December is one of its Thursdays; the 24th is not (the other fortnight)
    assert fortnightly.exdates == [dt.datetime(2026, 12, 17, 14, 0, tzinfo=LONDON)]
    second_tuesday = events[f"group-17-tue-1330-monthly@{host}"]
    assert _rule(second_tuesday) == "FREQ=MONTHLY;BYDAY=2TU"
    assert second_tuesday.exdates == [
        dt.datetime(2026, 12, 8, 13, 30, tzinfo=LONDON),
        dt.datetime(2027, 1, 12, 13, 30, tzinfo=LONDON),
    ]
    last_friday = events[f"group-17-fri-1030-monthly@{host}"]
    assert _rule(last_friday) == "FREQ=MONTHLY;BYDAY=-1FR"
    assert last_friday.exdates == [dt.datetime(2027, 1, 29, 10, 30, tzinfo=LONDON)]
    assert "DTEND" not in last_friday  # its end is not known


def test_the_event_says_where_and_links_to_the_public_listing():
    calendar = icalendar.Calendar.from_ical(group_ics(_group(), public_url=PUBLIC, now=NOW))
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["LOCATION"]) == "Hall at NW5 2AA, NW5 2AA"
    assert (event["GEO"].latitude, event["GEO"].longitude) == (51.5485, -0.1412)
    assert str(event["URL"]) == "https://map.camden.example.org/groups/17"
    description = str(event["DESCRIPTION"])
    assert "Contact: Jo, 020 7946 0000, jo@example.org" in description
    assert str(event["SUMMARY"]) == "Knit and Natter"
    zone = next(iter(calendar.walk("VTIMEZONE")))
    assert str(zone["TZID"]) == "Europe/London"
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}


def test_uids_stay_the_same_from_one_download_to_the_next():
    first = _events(group_ics(_group(), public_url=PUBLIC, now=NOW))
    later = _events(group_ics(_group(), public_url=PUBLIC, now=NOW + dt.timedelta(days=9)))
    assert set(first) == set(later) and len(first) == 4


def test_sessions_whose_dates_are_not_known_are_left_out_and_the_calendar_says_to_ask():
    unsure = [
        {"day": "wed", "start": "11:00", "end": None, "frequency": "fortnightly"},
        {"day": "sat", "start": "09:00", "end": None, "frequency": "other"},
    ]
    body = group_ics(_group(schedule=unsure, cancelled_dates=[]), public_url=PUBLIC, now=NOW)
    calendar = icalendar.Calendar.from_ical(body)
    assert not calendar.walk("VEVENT")
    assert "ask them which weeks" in str(calendar["X-WR-CALDESC"])


def test_a_closed_group_has_no_sessions():
    body = group_ics(_group(status="closed"), public_url=PUBLIC, now=NOW)
    calendar = icalendar.Calendar.from_ical(body)
    assert not calendar.walk("VEVENT")
    assert "not meeting" in str(calendar["X-WR-CALDESC"])


def test_a_groups_calendar_read_back_gives_the_same_schedule():
    body = group_ics(_group(), public_url=PUBLIC, now=NOW)
    parsed = read_ics(body, ReadOptions(source="back", today=NOW.date()))
    assert not parsed.problems and not parsed.gaps
    (record,) = parsed.records
    assert sorted(record.listing["schedule"], key=str) == sorted(SCHEDULE, key=str)
    assert record.listing["cancelled_dates"] == ON_SESSIONS
    assert record.listing["categories"] == ["creative", "social"]


def test_a_stored_group_round_trips_through_its_calendar(database, add_groups):
    (group_id,) = add_groups(_group(id=None))
    with database.session() as session:
        exported = group_calendar(session, group_id, public_url=PUBLIC, now=NOW)
    assert exported.filename == "knit-and-natter.ics"
    parsed = read_ics(exported.body, ReadOptions(source="back", today=NOW.date()))
    with database.session() as session:
        result = load_source(session, "calendar", parsed, GazetteerGeocoder(session), NOW)
        original, copy = (session.get(Group, i) for i in (group_id, result.created_ids[0]))

        def said(group: Group) -> list[tuple]:
            return sorted((e.day, e.start, e.end, e.frequency, e.from_date) for e in group.schedule)

        assert said(copy) == said(original)
        assert sorted(copy.cancelled_dates) == ON_SESSIONS
        assert (copy.venue.lat, copy.venue.lon) == (original.venue.lat, original.venue.lon)


def test_a_group_not_listed_has_no_calendar(database):
    with database.session() as session:
        assert session.scalar(select(Group.id)) is None
        with pytest.raises(NotFound):
            group_calendar(session, 4, public_url=PUBLIC, now=NOW)
        with pytest.raises(NotFound):
            group_calendar(session, 2**40, public_url=PUBLIC, now=NOW)


def test_a_plan_holds_each_groups_next_session_only():
    knit = _group()
    lunch = listing("Lunch Club", at="NW5 1AA", schedule=[
        {"day": "fri", "start": "12:00", "end": "13:30", "frequency": "weekly"}
    ])  # fmt: skip
    lunch["id"] = 18
    unsure = listing("Walking Netball", schedule=[
        {"day": "sat", "start": "09:00", "frequency": "fortnightly"}
    ])  # fmt: skip
    unsure["id"] = 19
    calendar = icalendar.Calendar.from_ical(
        plan_ics([knit, lunch, unsure], public_url=PUBLIC, now=NOW)
    )
    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Knit and Natter", "Lunch Club"]
    knit_event, lunch_event = events
    assert "RRULE" not in knit_event
    # 09:00 UTC on Tuesday 1 December is before the 10:00 session: it is today's
    assert knit_event.start == dt.datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)
    assert knit_event.end == dt.datetime(2026, 12, 1, 12, 0, tzinfo=LONDON)
    assert lunch_event.start == dt.datetime(2026, 12, 4, 12, 0, tzinfo=LONDON)
    assert str(lunch_event["URL"]) == "https://map.camden.example.org/groups/18"
    assert "Walking Netball" in str(calendar["X-WR-CALDESC"])


def test_a_cancelled_next_session_is_stepped_over_on_the_plan():
    group = _group(schedule=SCHEDULE[:1], cancelled_dates=["2026-12-01"])
    event = next(iter(icalendar.Calendar.from_ical(
        plan_ics([group], public_url=PUBLIC, now=NOW)
    ).walk("VEVENT")))  # fmt: skip
    assert event.start == dt.datetime(2026, 12, 8, 10, 0, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("name", "filename"),
    [
        ("Knit & Natter", "knit-natter.ics"),
        ('Café "Ladies" /../ Lunch', "caf-ladies-lunch.ics"),
        ("ÅÄÖ", "group-3.ics"),
    ],
)
def test_the_filename_is_safe_in_a_header(name, filename):
    assert safe_filename(name, "group-3") == filename


def test_listing_text_cannot_end_a_property_or_start_an_event():
    sneaky = _group(
        name="Knit\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Free money",
        description="Bring wool.\rAsk at the desk;\nno booking, needed\\",
    )
    body = group_ics(sneaky, public_url=PUBLIC, now=NOW)
    events = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert len(events) == 4  # one a session, as before
    assert str(events[0]["SUMMARY"]) == "Knit END:VEVENT BEGIN:VEVENT SUMMARY:Free money"
    assert str(events[0]["DESCRIPTION"]).startswith(
        "Bring wool.\nAsk at the desk;\nno booking, needed\\"
    )
    assert b"\r\nSUMMARY:Free money" not in body
