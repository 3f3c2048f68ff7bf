"""What the search page says beyond its list (issue 14, items 12 and 14): the groups the
default statuses leave out, and what to try when nothing matched. Both backends."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest

from assetmap.web.context import set_clock
from assetmap.web.popup_words import popup_lines
from tests.factories import listing


def text_of(response) -> str:
    words = unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    return re.sub(r"\s+([?.,])", r"\1", re.sub(r"\s+", " ", words))


def links(response) -> dict[str, str]:
    """Each link's words -> its address."""
    html = response.get_data(as_text=True)
    return {
        re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", words))).strip(): unescape(href)
        for href, words in re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', html, re.S)
    }


@pytest.fixture
def groups(add_groups):
    return add_groups(
        listing("Open Knitters", at="NW5 1AA", interests=["knitting"]),
        listing("Waiting Knitters", at="NW5 2AA", interests=["knitting"], status="waiting_list"),
        listing("Queue Knitters", at="NW5 2AA", interests=["knitting"], status="waiting_list"),
        listing("Invited Knitters", at="NW5 1AA", interests=["knitting"], status="invitation_only"),
        listing("Far Choir", at="WC1H 9AA", interests=["singing"]),
    )


def test_the_list_says_which_groups_it_leaves_out_and_links_to_them(client, groups):
    response = client.get("/?place=NW5+1AA&q=knitting&radius_km=2")
    said = text_of(response)
    assert "1 group found" in said
    assert "2 groups with a waiting list and 1 group by invitation only are not shown." in said
    shown = client.get(links(response)["Show them too"])
    assert "4 groups found" in text_of(shown)
    assert "are not shown" not in text_of(shown)
    # Asking for one of them leaves only the other to mention.
    half = client.get("/?place=NW5+1AA&q=knitting&radius_km=2&include=waiting_list")
    assert "1 group by invitation only is not shown." in text_of(half)
    assert "Show it too" in links(half)


def test_no_results_suggests_a_wider_circle_fewer_filters_and_the_spelling(client, groups):
    response = client.get("/?place=NW5+1AA&q=singing&radius_km=1&free=true")
    assert response.status_code == 200
    said = text_of(response)
    assert "0 groups found" in said
    assert "No groups match this search" in said
    found = links(response)
    wider = client.get(found["Search within 10 km"])
    assert "Far Choir" not in text_of(wider)  # still "free only": not free
    assert "Search without “Free only”" in found
    unfiltered = client.get(found["Search without “Free only”"])
    assert "radius_km=1" in found["Search without “Free only”"]
    assert "No groups match" in text_of(unfiltered)
    both = client.get("/?place=NW5+1AA&q=singing&radius_km=10")
    assert "Far Choir" in text_of(both)
    assert "Check the spelling of “singing”" in said


def test_a_search_with_results_gives_no_guidance(client, groups):
    said = text_of(client.get("/?place=NW5+1AA&q=knitting"))
    assert "No groups match" not in said


@pytest.fixture
def monday_noon(app):
    """The app's clock pinned to Monday 23 November 2026, 12:00 in London."""
    set_clock(app, lambda: dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC))
    yield
    set_clock(app, None)


def test_the_list_and_the_listing_give_the_real_next_date(client, add_groups, monday_noon):
    """Item 13: not "Monday 09:00" for a session that has already started today."""
    (group_id,) = add_groups(
        listing(
            "Morning Knitters",
            at="NW5 1AA",
            interests=["knitting"],
            schedule=[
                {"day": "mon", "start": "09:00", "end": "11:00", "frequency": "weekly"},
                {"day": "mon", "start": "14:00", "end": "16:00", "frequency": "weekly"},
            ],
        )
    )
    assert "Next: today 14:00" in text_of(client.get("/?place=NW5+1AA&q=knitting"))
    assert "Next: today 14:00" in text_of(client.get(f"/groups/{group_id}"))


def test_on_this_week_on_the_search_page_and_the_api(client, add_groups, monday_noon):
    add_groups(
        listing("Later Today", at="NW5 1AA", schedule=[_weekly("mon", "14:00")]),
        listing("Gone Today", at="NW5 1AA", schedule=[_weekly("mon", "09:00")]),
        listing(
            "Every Other Wednesday",
            at="NW5 1AA",
            schedule=[{**_weekly("wed", "10:00"), "frequency": "fortnightly"}],
        ),
    )
    page = client.get("/?place=NW5+1AA&on_this_week=true")
    said = text_of(page)
    assert "1 group found" in said and "Later Today" in said and "Gone Today" not in said
    assert any("On this week" in words for words in links(page))  # its chip, to remove it
    api = client.get("/api/v1/groups?postcode=NW5+1AA&on_this_week=true").get_json()
    assert [f["properties"]["name"] for f in api["features"]] == ["Later Today"]
    everything = client.get("/api/v1/groups?postcode=NW5+1AA").get_json()
    assert len(everything["features"]) == 3
    bad = client.get("/api/v1/groups?on_this_week=maybe")
    assert bad.status_code == 400
    assert "on_this_week" in bad.get_data(as_text=True)


def _weekly(day: str, start: str) -> dict:
    return {"day": day, "start": start, "end": None, "frequency": "weekly"}


def test_no_results_suggests_the_nearest_interest_groups_list(client, groups):
    response = client.get("/?place=NW5+1AA&q=nitting&radius_km=2")
    said = text_of(response)
    assert "No groups match this search" in said
    assert "Did you mean “knitting”?" in said
    found = client.get(links(response)["“knitting”"])
    assert "Open Knitters" in text_of(found)
    # Nothing near enough: no suggestion.
    assert "Did you mean" not in text_of(client.get("/?place=NW5+1AA&q=astronomy"))


def test_a_paused_group_has_no_next_session(client, add_groups, monday_noon):
    (paused,) = add_groups(
        listing(
            "Paused Knitters", at="NW5 1AA", status="paused", schedule=[_weekly("mon", "14:00")]
        )
    )
    assert "Next:" not in text_of(client.get(f"/groups/{paused}"))
    listed = {"status": "paused", "schedule": [_weekly("mon", "14:00")], "capacity": {}}
    assert popup_lines(listed, dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)) == ["Paused"]
    assert (
        "Next: today 14:00"
        in popup_lines({**listed, "status": "open"}, dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC))[
            1
        ]
    )


def test_the_place_box_says_what_it_accepts(client, add_groups):
    """Item 8 on the search page: a district and a place are found; an unknown place is a
    form error that says what the box takes, and the hint says it before anyone gets it wrong."""
    add_groups(listing("Kentish Town Knitters", at="NW5 1AA", interests=["knitting"]))
    page = text_of(client.get("/"))
    assert "A postcode like NW5 2AB, a district like NW5, or a place like Kentish Town" in page
    assert "Kentish Town Knitters" in text_of(client.get("/?place=NW5&q=knitting"))
    response = client.get("/?place=Atlantis&q=knitting")
    assert response.status_code == 400
    said = text_of(response)
    assert "We could not find 'Atlantis'" in said
    assert "a postcode district like NW5" in said
