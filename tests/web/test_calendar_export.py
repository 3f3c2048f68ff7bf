"""The calendar files: a group's sessions from its page, and the person's plan from the printed
plan, as .ics downloads a phone's calendar takes; nothing of the person in the plan's file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlencode

import icalendar
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from assetmap.models import ListingActivity
from assetmap.web.context import set_clock
from tests.factories import listing
from tests.web.conftest import axe_violations

#: Monday 30 November 2026, noon in London.
NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
#: The person: their area and needs are in the plan's query string, as on the plan page.
PERSON = [("postcode", "NW1 7AA"), ("interests", "knitting"), ("need", "hearing_loop")]


@pytest.fixture
def monday_noon(app):
    set_clock(app, lambda: NOON)
    yield
    set_clock(app, None)


@pytest.fixture
def groups(add_groups) -> dict[str, int]:
    knit, lunch, closed = add_groups(
        listing('Knit & "Natter"', at="NW5 2AA", interests=["knitting"],
                cancelled_dates=["2026-12-08"]),
        listing("Lunch Club", at="NW5 2AA", interests=["knitting"], schedule=[
            {"day": "fri", "start": "12:00", "end": "13:30", "frequency": "weekly"}]),
        listing("Closed Knitters", at="NW5 2AA", interests=["knitting"], status="closed"),
    )  # fmt: skip
    return {"knit": knit, "lunch": lunch, "closed": closed}


def _calendar(response) -> icalendar.Calendar:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.get_data())


def test_a_groups_calendar_downloads_with_its_sessions(client, groups, monday_noon):
    path = f"/groups/{groups['knit']}/calendar.ics"
    assert client.get(path, headers={"Host": "attacker.example"}).status_code == 400  # not ours
    response = client.get(path, headers={"Host": "localhost:8080"})  # trusted, not the public
    calendar = _calendar(response)
    assert response.headers["Content-Disposition"] == 'attachment; filename="knit-natter.ics"'
    (event,) = calendar.walk("VEVENT")
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=TU"
    assert [d.date() for d in event.exdates] == [dt.date(2026, 12, 8)]
    assert str(event["SUMMARY"]) == 'Knit & "Natter"'
    # the configured public address, never the Host the request came with
    assert str(event["URL"]) == f"http://127.0.0.1:5000/groups/{groups['knit']}"
    assert b"localhost" not in response.get_data()


def test_a_group_not_listed_has_no_calendar(client, groups):
    assert client.get("/groups/999999/calendar.ics").status_code == 404
    assert client.get("/groups/99999999999/calendar.ics").status_code == 404


def test_the_listing_page_links_to_its_calendar_unless_closed(client, groups):
    page = client.get(f"/groups/{groups['knit']}").get_data(as_text=True)
    assert f'href="/groups/{groups["knit"]}/calendar.ics"' in page
    closed = client.get(f"/groups/{groups['closed']}").get_data(as_text=True)
    assert "calendar.ics" not in closed
    body = client.get(f"/groups/{groups['closed']}/calendar.ics")
    assert not _calendar(body).walk("VEVENT")


def _plan_query(ids) -> str:
    return urlencode([*PERSON, *(("choose", str(i)) for i in ids)])


def _planned(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.coalesce(func.sum(ListingActivity.planned), 0)))


def test_the_plan_page_offers_its_calendar(client, groups, monday_noon):
    query = _plan_query([groups["lunch"], groups["knit"]])
    page = client.get(f"/match/plan?{query}").get_data(as_text=True)
    link = page.split('id="plan-calendar"')[1].split(">")[0]
    assert "Add to calendar (.ics)" in page
    assert f'href="/match/plan/calendar.ics?{query.replace("&", "&amp;")}"' in link


def test_the_plans_calendar_holds_the_next_sessions_and_nothing_of_the_person(
    client, groups, database, monday_noon
):
    query = _plan_query([groups["lunch"], groups["knit"]])
    before = _planned(database)
    response = client.get(f"/match/plan/calendar.ics?{query}")
    calendar = _calendar(response)
    assert response.headers["Content-Disposition"] == 'attachment; filename="groups-to-try.ics"'
    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Lunch Club", 'Knit & "Natter"']
    lunch, knit = events
    assert lunch.start.date() == dt.date(2026, 12, 4)
    assert knit.start.date() == dt.date(2026, 12, 1)
    body = response.get_data(as_text=True)
    for personal in ("NW1 7AA", "hearing", "hearing_loop", "postcode"):
        assert personal not in body
    # the plan was counted when it was shown; its calendar does not count it again
    assert _planned(database) == before


@pytest.mark.parametrize(
    "query",
    [
        urlencode([*PERSON, ("choose", "not-a-group")]),
        urlencode([("postcode", "ZZ9 9ZZ"), ("interests", "knitting"), ("choose", "1")]),
        urlencode(PERSON),
    ],
)
def test_a_plan_calendar_for_a_bad_plan_is_refused(client, groups, query):
    assert client.get(f"/match/plan/calendar.ics?{query}").status_code == 400


# -- in the browser ------------------------------------------------------------------------------


@pytest.mark.only_backend("spatialite")
def test_the_links_download_calendars_and_the_pages_stay_accessible(page: Page, groups) -> None:
    for path, link in (
        (f"/groups/{groups['knit']}", "#calendar-link"),
        (f"/match/plan?{_plan_query([groups['knit']])}", "#plan-calendar"),
    ):
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(path)
        expect(page.locator(link)).to_be_visible()
        assert axe_violations(page) == []
        with page.expect_download() as download:
            page.click(link)
        assert download.value.suggested_filename.endswith(".ics")
        calendar = icalendar.Calendar.from_ical(Path(download.value.path()).read_bytes())
        assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ['Knit & "Natter"']
        page.set_viewport_size({"width": 320, "height": 800})
        box = page.locator(link).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 320
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
