"""The match page for issue 14 items 5 to 8: the longest time away from home, the bus a
walking limit rules out (said plainly, with what would open it), more results and the near
misses with what ruled each out, and a district or place in the postcode box.

Server-side (the Flask test client, both backends), and the outing in a real browser
(Chromium, SpatiaLite) with axe's WCAG 2.2 A/AA rules and a screenshot.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.matching.test_engine import group
from tests.web.conftest import axe_violations, screenshot
from tests.web.match.test_pages import card_names, click_and_wait, text_of, url

#: 2.56 km north is 3.2 km on foot: 40 minutes' walk.
FORTY_MINUTES_NORTH = 2.56
WALKER = [("postcode", "NW5 1AA"), ("mode", "walk"), ("minutes", "60")]


def session(start: str, end: str | None) -> list[dict[str, str | None]]:
    return [{"day": "tue", "start": start, "end": end, "frequency": "weekly"}]


@pytest.fixture
def outings(add_groups):
    return add_groups(
        group(
            "Long Lunch Club",
            km_north=FORTY_MINUTES_NORTH,
            schedule=session("10:00", "12:30"),
        ),
        group("Short Coffee Morning", schedule=session("10:00", "11:00")),
    )


def _north(name: str, km: float) -> dict:
    stops = [{"name": "Stop", "distance_m": 100, "routes": ["46"]}]
    return group(name, km_north=km, transport={"bus_stops": stops, "door_to_door": None})


# ---- item 5: the whole outing ---------------------------------------------------------------


def test_the_form_asks_for_the_longest_time_away_from_home(client) -> None:
    html = client.get("/match").get_data(as_text=True)
    assert '<label class="nhsuk-label nhsuk-label--s" for="outing">' in html
    assert "Longest time away from home" in html
    assert '<option value="180">3 hours</option>' in html


def test_an_outing_over_the_limit_is_left_out_and_said_why(client, outings) -> None:
    response = client.get(url("/match", *WALKER, ("outing", "180")))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert card_names(html) == ["Short Coffee Morning"]
    words = text_of(response)
    assert "Left out: 1 would keep them away from home too long." in words
    assert (
        "Long Lunch Club: The whole outing would be about 3 h 50 min (40 min each way and a "
        "2 h 30 min session), more than their 3 hours away from home"
    ) in re.sub(r"\s+", " ", words)
    assert "Strong fit" in words
    assert "within their 3 hours" in words
    assert "more ways to travel, a longer time away from home or more times" in words
    # Without the limit, both are in.
    assert len(card_names(client.get(url("/match", *WALKER)).get_data(as_text=True))) == 2


def test_an_unknown_outing_time_is_a_form_error_on_its_question(client, outings) -> None:
    response = client.get(url("/match", *WALKER, ("outing", "forever")))
    assert response.status_code == 400
    assert "Longest time away from home must be whole minutes from 30 to 720" in text_of(response)
    assert 'href="#outing"' in response.get_data(as_text=True)


# ---- item 6: the bus ruled out by the walk ------------------------------------------------


def test_a_bus_ruled_out_by_the_walk_is_said_with_what_would_open_it(client, add_groups) -> None:
    add_groups(*(_north(f"Up the road {i}", 2 + i / 10) for i in range(3)))
    bus = [("postcode", "NW5 1AA"), ("mode", "bus"), ("minutes", "30")]
    response = client.get(url("/match", *bus, ("walk", "200")))
    words = re.sub(r"\s+", " ", text_of(response))
    assert (
        "By bus: ruled out. The nearest stop is about 400 m from home (we assume this: no "
        "listing near their home names a stop) and they can walk 200 m. Being able to walk "
        "400 m would open 3 more groups. A taxi could open more (tick it above to see)."
    ) in words
    able = client.get(url("/match", *bus, ("walk", "400")))
    assert "ruled out" not in text_of(able)
    assert len(card_names(able.get_data(as_text=True))) == 3


# ---- item 7: more results, and the near misses --------------------------------------------


def test_show_more_shows_the_rest_and_stops_at_the_most(client, add_groups) -> None:
    add_groups(*(group(f"Group {i:02}") for i in range(12)))
    first = client.get(url("/match", *WALKER))
    html = first.get_data(as_text=True)
    assert len(card_names(html)) == 10
    assert "The best 10 of 12 groups that fit" in text_of(first)
    link = re.search(r'id="show-more" href="([^"]+)"', html)
    assert link is not None and "Show 2 more groups" in text_of(first)
    more = link.group(1).replace("&amp;", "&")
    assert "show=20" in more and more.endswith("#result-11")
    second = client.get(more)
    assert len(card_names(second.get_data(as_text=True))) == 12
    assert 'id="show-more"' not in second.get_data(as_text=True)
    # A number typed into the address is rounded to a step, and never more than 50.
    assert len(card_names(client.get(url("/match", *WALKER, ("show", "x"))).text)) == 10
    assert len(card_names(client.get(url("/match", *WALKER, ("show", "999"))).text)) == 12


def test_near_misses_are_listed_with_what_ruled_each_out(client, add_groups) -> None:
    add_groups(group("Round the corner"), group("A bit far", km_north=1.1))
    response = client.get(url("/match", ("postcode", "NW5 1AA"), ("minutes", "15")))
    html = response.get_data(as_text=True)
    assert card_names(html) == ["Round the corner"]
    near = html.split('id="near-misses"')[1]
    assert "Nearly fit: 1 group left out, and why" in near
    assert re.search(r'<a href="/groups/\d+">A bit far</a>: Too far: about 17 min walk, more', near)


# ---- item 8: a district or a place in the postcode box ------------------------------------


def test_a_district_sector_or_place_in_the_postcode_box_finds_groups(client, add_groups) -> None:
    venue = {"name": "Hall", "address": "200 Kentish Town Road", "postcode": None}
    add_groups(group("On the high road", venue={**venue, "lat": 51.5495, "lon": -0.1415}))
    for typed in ("NW5", "nw5 2", "Kentish Town"):
        response = client.get(url("/match", ("postcode", typed)))
        assert response.status_code == 200, typed
        assert card_names(response.get_data(as_text=True)) == ["On the high road"], typed


def test_a_place_nobody_knows_says_what_the_box_accepts(client, add_groups) -> None:
    html = client.get("/match").get_data(as_text=True)
    assert "Their postcode or area" in html
    assert "a postcode district like NW5, or a place in the directory like Kentish Town" in html
    response = client.get(url("/match", ("postcode", "Atlantis")))
    assert response.status_code == 400
    assert (
        "We could not find “Atlantis”. Give a full postcode like NW5 2AB, a postcode district "
        "like NW5, or a place in the directory like Kentish Town."
    ) in text_of(response)


# ---- in a real browser ----------------------------------------------------------------------


@pytest.mark.only_backend("spatialite")
def test_a_three_hour_limit_leaves_out_a_long_outing_and_keeps_a_short_one(
    page: Page, outings
) -> None:
    page.goto("/match")
    page.fill("#postcode", "NW5 1AA")
    page.fill("#minutes", "60")
    page.select_option("#outing", label="3 hours")
    click_and_wait(page, "button:has-text('Find groups')")
    expect(page.locator(".am-card__name a")).to_have_text(["Short Coffee Morning"])
    card = page.locator(".am-card").first
    expect(card.locator(".am-fit strong")).to_have_text("Strong fit")
    expect(card.locator(".am-card__reasons")).to_contain_text("within their 3 hours")
    expect(page.locator("#considered")).to_contain_text("1 would keep them away from home too long")
    page.click("#near-misses summary")
    expect(page.locator("#near-misses li")).to_have_text(
        [
            "Long Lunch Club: The whole outing would be about 3 h 50 min (40 min each way and "
            "a 2 h 30 min session), more than their 3 hours away from home"
        ]
    )
    assert page.locator("#outing").input_value() == "180"
    assert axe_violations(page) == []
    # Tall enough for the summary, the card and the near miss in one picture.
    page.set_viewport_size({"width": 1280, "height": 1300})
    page.locator("#results").evaluate("element => element.scrollIntoView()")
    screenshot(page, "match-outing")
