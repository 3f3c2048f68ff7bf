"""iCalendar in: a group organiser's calendar of sessions becomes listings with their schedule,
cancelled dates and venue; what a calendar cannot say is left not known; broken input is a
problem naming the event and the property, and nothing is written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assetmap.directory.importing import ImportRejected
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.interop.formats import ReadOptions, format_of, read_source
from assetmap.interop.ics_in import category_of, read_ics
from assetmap.interop.load import ParsedSource, load_source
from assetmap.models import Category, Group, ImportFormat, ListingSource, Postcode, ScheduleEntry
from tests.factories import POSTCODES

DATA = Path(__file__).parent.parent / "data" / "interop"
TODAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
OPTIONS = ReadOptions(source="ktcc", today=TODAY)


def _read(data: bytes | str, **options) -> ParsedSource:
    raw = data.encode() if isinstance(data, str) else data
    return read_ics(raw, ReadOptions(source="ktcc", today=TODAY, **options))


def _calendar(*events: str) -> str:
    """A calendar of these events, CRLF line ends as RFC 5545 asks."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    for event in events:
        lines += ["BEGIN:VEVENT", *event.strip().splitlines(), "END:VEVENT"]
    return "\r\n".join([*lines, "END:VCALENDAR", ""])


def _event(summary: str = "Knit and Natter", uid: str = "k1", **props: str) -> str:
    """A weekly Tuesday session; each of ``props`` (by property name) replaces the property of
    that name (parameters and all) or, when empty, removes it."""
    base = {
        "UID": uid,
        "DTSTAMP": "20261120T093000Z",
        "SUMMARY": summary,
        "DTSTART;TZID=Europe/London": "20260901T100000",
        "DTEND;TZID=Europe/London": "20260901T120000",
        "RRULE": "FREQ=WEEKLY;BYDAY=TU",
        "LOCATION": "Kentish Town Community Centre\\, London NW5 2AA",
        "CATEGORIES": "Creative",
    }
    for name, value in props.items():
        for existing in [k for k in base if k.split(";")[0] == name.split(";")[0]]:
            del base[existing]
        if value:
            base[name] = value
    return "\n".join(f"{k}:{v}" for k, v in base.items())


def _only(parsed: ParsedSource) -> dict:
    assert not parsed.problems, parsed.problems
    assert len(parsed.records) == 1, parsed.records
    return parsed.records[0].listing


def test_the_fixture_calendar_gives_each_group_its_schedule():
    parsed = read_source(ImportFormat.ICS, (DATA / "ktcc-sessions.ics").read_bytes(), OPTIONS)
    assert not parsed.problems
    by_name = {r.listing["name"]: r for r in parsed.records}
    assert sorted(by_name) == ["Carers' Café", "Knit and Natter", "Memory Lane Singing"]
    knit = by_name["Knit and Natter"].listing
    assert knit["schedule"] == [
        {"day": "tue", "start": "10:00", "end": "12:00", "frequency": "weekly", "from_date": None}
    ]
    # the October EXDATE is past; December's two are kept
    assert knit["cancelled_dates"] == ["2026-12-22", "2026-12-29"]
    assert knit["venue"] == {
        "name": "Kentish Town Community Centre",
        "address": "17 Busby Place, London",
        "postcode": "NW5 2AA",
        "lat": 51.5485,
        "lon": -0.1412,
    }
    assert knit["categories"] == ["creative", "social"] and knit["interests"] == ["knitting"]
    assert knit["contact"]["website"] == "https://ktcc.example.org/knit-and-natter"
    assert knit["description"].startswith("Bring your knitting or learn from scratch")
    cafe = by_name["Carers' Café"].listing
    assert cafe["schedule"] == [
        {
            "day": "thu",
            "start": "14:00",
            "end": "15:30",
            "frequency": "fortnightly",
            "from_date": "2026-09-10",
        }
    ]
    assert cafe["cancelled_dates"] == ["2026-12-31"]  # the occurrence marked CANCELLED
    assert cafe["categories"] == ["peer_support"]
    singing = by_name["Memory Lane Singing"].listing
    assert singing["schedule"][0]["frequency"] == "monthly"
    assert singing["schedule"][0]["from_date"] == "2026-09-08"  # a second Tuesday
    assert singing["cancelled_dates"] == ["2027-01-12"]
    assert "lat" not in singing["venue"]  # no GEO: load_source geocodes the postcode
    assert by_name["Knit and Natter"].source_id == "summary:knit and natter"


def test_what_the_calendar_cannot_say_is_a_gap_not_a_guess():
    parsed = read_ics((DATA / "ktcc-sessions.ics").read_bytes(), OPTIONS)
    gaps = "\n".join(parsed.gaps)
    assert (
        "event 'Summer Health Walks' (UID health-walks-2026@ktcc.example.org): no session left "
        "(ended or cancelled): not imported"
    ) in gaps
    assert "a one-off session on 2026-12-12" in gaps
    assert "Summer Health Walks" not in {r.listing["name"] for r in parsed.records}


def test_the_broken_fixture_names_each_event_and_property():
    parsed = read_ics((DATA / "broken-sessions.ics").read_bytes(), OPTIONS)
    said = [str(p) for p in parsed.problems]
    assert len(said) == 2
    assert said[0].startswith(
        "event 'Knit and Natter' (UID knit-natter-tue@ktcc.example.org): RRULE: cannot be read"
    )
    assert "FORTNIGHTLY" in said[0]
    assert said[1].startswith('event "Carers\' Café" (UID carers-cafe@ktcc.example.org): DTSTART')


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b'[{"name": "Knit and Natter"}]', "the file is not iCalendar"),
        (b"\xff\xfe\x00B", "not UTF-8"),
        (_calendar().encode(), "the calendar holds no events"),
        (b"BEGIN:VCALENDAR\r\nthis is not a content line\r\n", "the file is not iCalendar"),
    ],
)
def test_a_file_that_is_not_a_calendar_is_one_problem(data, said):
    parsed = read_ics(data, OPTIONS)
    assert not parsed.records
    assert said in str(parsed.problems[0])


def test_utc_and_floating_times_are_read_as_uk_time():
    summer_utc = _event(DTSTART="20260707T090000Z", DTEND="20260707T110000Z")
    floating = _event(
        "Carers' Café", "c1", DTSTART="20260709T140000", DTEND="20260709T153000",
        RRULE="FREQ=WEEKLY;BYDAY=TH",
    )  # fmt: skip
    parsed = _read(_calendar(summer_utc, floating))
    first, second = (r.listing["schedule"][0] for r in parsed.records)
    assert (first["start"], first["end"]) == ("10:00", "12:00")  # 09:00 UTC is 10:00 BST
    assert (second["start"], second["end"]) == ("14:00", "15:30")


def test_monthly_by_setpos_and_the_last_weekday():
    second = _event(RRULE="FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2")
    last = _event("Lunch Club", "l1", RRULE="FREQ=MONTHLY;BYDAY=-1FR")
    parsed = _read(_calendar(second, last))
    by_name = {r.listing["name"]: r.listing["schedule"] for r in parsed.records}
    assert by_name["Knit and Natter"][0]["from_date"] == "2026-09-08"
    # anchored on a fifth Friday, which the directory reads as "the last Friday"
    assert by_name["Lunch Club"] == [
        {"day": "fri", "start": "10:00", "end": "12:00", "frequency": "monthly",
         "from_date": "2026-10-30"}
    ]  # fmt: skip


def test_several_days_and_daily_rules_are_one_entry_a_day():
    twice = _event(RRULE="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH")
    weekdays = _event("Coffee Morning", "m1", RRULE="FREQ=DAILY;BYDAY=MO,WE,FR")
    parsed = _read(_calendar(twice, weekdays))
    by_name = {r.listing["name"]: r.listing["schedule"] for r in parsed.records}
    assert [(e["day"], e["from_date"]) for e in by_name["Knit and Natter"]] == [
        ("tue", "2026-09-01"),
        ("thu", "2026-09-03"),
    ]
    assert [(e["day"], e["frequency"]) for e in by_name["Coffee Morning"]] == [
        ("mon", "weekly"),
        ("wed", "weekly"),
        ("fri", "weekly"),
    ]


def test_events_with_one_summary_are_one_listing():
    tuesday = _event(uid="k1")
    thursday = _event("knit  and natter", "k2", RRULE="FREQ=WEEKLY;BYDAY=TH")
    listing = _only(_read(_calendar(tuesday, thursday)))
    assert [e["day"] for e in listing["schedule"]] == ["tue", "thu"]


@pytest.mark.parametrize(
    "rule",
    ["FREQ=WEEKLY;INTERVAL=3;BYDAY=TU", "FREQ=MONTHLY;BYMONTHDAY=15", "FREQ=YEARLY"],
)
def test_a_rule_the_directory_cannot_list_leaves_the_schedule_not_known(rule):
    parsed = _read(_calendar(_event(RRULE=rule)))
    assert _only(parsed)["schedule"] == []
    assert any("is not a pattern the directory can list" in gap for gap in parsed.gaps)
    assert any("when it meets is not known" in gap for gap in parsed.gaps)


def test_an_ended_series_of_a_group_that_moved_day_is_not_scheduled():
    monday = _event(uid="old", RRULE="FREQ=WEEKLY;BYDAY=MO;UNTIL=20261001T000000Z")
    tuesday = _event(uid="new", RRULE="FREQ=WEEKLY;BYDAY=TU;COUNT=200")
    parsed = _read(_calendar(monday, tuesday))
    assert [e["day"] for e in _only(parsed)["schedule"]] == ["tue"]
    assert any("(UID old): the series has ended" in gap for gap in parsed.gaps)


def test_exdates_are_kept_only_when_future_and_on_a_meeting_day():
    event = _event(
        **{"EXDATE;TZID=Europe/London": "20261124T100000,20261208T100000,20261209T100000"}
    )
    assert _only(_read(_calendar(event)))["cancelled_dates"] == ["2026-12-08"]


def test_a_location_without_a_postcode_keeps_its_words_and_no_location_is_not_known():
    hall = _event(LOCATION="St Luke's Church Hall\\, Kentish Town")
    venue = _only(_read(_calendar(hall)))["venue"]
    assert venue == {"name": "St Luke's Church Hall", "address": "Kentish Town", "postcode": None}
    parsed = _read(_calendar(_event(LOCATION="")))
    assert _only(parsed)["venue"] is None
    assert any("no LOCATION: the venue is not known" in gap for gap in parsed.gaps)


def test_a_category_comes_from_the_calendar_or_the_default_or_is_a_problem():
    event = _event(CATEGORIES="Knitting,Crafts")
    parsed = _read(_calendar(event))
    assert len(parsed.problems) == 1
    said = str(parsed.problems[0])
    assert said.startswith("event 'Knit and Natter' (UID k1): CATEGORIES: names no assetmap")
    defaulted = _only(_read(_calendar(event), default_category="creative"))
    assert defaulted["categories"] == ["creative"]
    assert defaulted["interests"] == ["knitting", "crafts"]
    assert category_of("Faith & culture") is Category.FAITH_CULTURE
    assert category_of("Peer Support") is Category.PEER_SUPPORT
    assert category_of("crafts") is None


def test_an_event_without_a_summary_is_a_problem():
    parsed = _read(_calendar(_event(SUMMARY="")))
    assert str(parsed.problems[0]) == (
        "an event with no SUMMARY (UID k1): SUMMARY: is required: it is the group's name"
    )


def test_the_ics_suffix_picks_this_reader():
    assert format_of("sessions.ICS", b"") is ImportFormat.ICS


# ---- through load_source, on both backends ---------------------------------------------------


def _load(database, data: bytes, now: dt.datetime = NOW):
    parsed = read_ics(data, OPTIONS)
    with database.session() as session:
        if session.get(Postcode, "NW5 2AA") is None:
            session.add_all(Postcode(postcode=p, lat=a, lon=b) for p, (a, b) in POSTCODES.items())
            session.flush()
        return load_source(session, "ktcc", parsed, GazetteerGeocoder(session), now)


def _count(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_the_calendar_loads_geocoded_and_again_changes_nothing(database):
    data = (DATA / "ktcc-sessions.ics").read_bytes()
    first = _load(database, data)
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    assert any("one-off" in gap for gap in first.gaps)
    with database.session() as session:
        singing = session.scalars(select(Group).where(Group.name == "Memory Lane Singing")).one()
        assert (singing.venue.lat, singing.venue.lon) == POSTCODES["NW5 2AA"]
        entry = session.scalars(
            select(ScheduleEntry).where(ScheduleEntry.group_id == singing.id)
        ).one()
        assert (entry.day.value, entry.start, entry.end) == ("tue", dt.time(13, 30), dt.time(15))
        assert entry.from_date == dt.date(2026, 9, 8)
        assert singing.cancelled_dates == ["2027-01-12"]
        versions = dict(session.execute(select(Group.id, Group.version)).all())
    again = _load(database, data, now=NOW + dt.timedelta(days=1))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert again.group_ids == first.group_ids
    with database.session() as session:
        assert dict(session.execute(select(Group.id, Group.version)).all()) == versions
        sources = session.scalars(select(ListingSource.source_id)).all()
    assert sorted(sources) == [
        "summary:carers' café",
        "summary:knit and natter",
        "summary:memory lane singing",
    ]


def test_a_broken_calendar_writes_nothing(database):
    with pytest.raises(ImportRejected) as rejected:
        _load(database, (DATA / "broken-sessions.ics").read_bytes())
    assert "RRULE: cannot be read" in str(rejected.value.problems[0])
    assert _count(database, Group) == 0
    assert _count(database, ListingSource) == 0


def test_an_event_with_no_location_imports_with_its_venue_not_known(database):
    """The reader leaves the venue not known and says so; the load keeps it not known."""
    data = _calendar(_event(LOCATION="")).encode()
    parsed = _read(data.decode())
    assert any("no location" in gap or "not known" in gap for gap in parsed.gaps), parsed.gaps
    _load(database, data)
    with database.session() as session:
        (group,) = session.scalars(select(Group)).all()
        assert group.venue_id is None and not group.online


def test_a_rule_not_listed_is_never_expanded():
    """Every second since 1970 would take hours to work out: it is read as a pattern first."""
    flood = _event(**{"DTSTART": "19700101T000000Z", "RRULE": "FREQ=SECONDLY"})
    parsed = _read(_calendar(flood))
    assert _only(parsed)["schedule"] == []
    assert any("FREQ=SECONDLY is not a pattern" in gap for gap in parsed.gaps)


def test_all_day_cancelled_and_moved_events_are_said_not_guessed():
    all_day = _event("Open Day", "d1", **{"DTSTART;VALUE=DATE": "20261212", "DTEND": "",
                                          "RRULE": ""})  # fmt: skip
    cancelled = _event("Old Club", "o1", STATUS="CANCELLED")
    moved = "\n".join([
        "UID:k1", "DTSTAMP:20261120T093000Z", "SUMMARY:Knit and Natter",
        "RECURRENCE-ID;TZID=Europe/London:20261215T100000",
        "DTSTART;TZID=Europe/London:20261216T100000",
    ])  # fmt: skip
    parsed = _read(_calendar(all_day, cancelled, _event(), moved))
    gaps = "\n".join(parsed.gaps)
    assert "event 'Open Day' (UID d1): an all-day event has no time" in gaps
    assert "event 'Old Club' (UID o1): the whole series is cancelled" in gaps
    assert "the session of 2026-12-15 is moved" in gaps
    names = {r.listing["name"]: r.listing for r in parsed.records}
    assert set(names) == {"Open Day", "Knit and Natter"}  # the cancelled club is not listed
    assert names["Knit and Natter"]["cancelled_dates"] == []  # moved, not cancelled
