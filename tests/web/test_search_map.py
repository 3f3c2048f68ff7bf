"""The search map agrees with the list (issue 14, items 9 and 12), in a real browser: every
listed group has a marker and the first view fits them all with the searched place, popups
say dates as the list does and who a group is for, and the list says what it leaves out."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from assetmap.web.wording import day_text
from tests.factories import POSTCODES, TODAY, listing
from tests.web.conftest import axe_violations, screenshot

pytestmark = pytest.mark.only_backend("spatialite")

CHECKED = TODAY - dt.timedelta(days=29)
#: Eight open groups up to about 4 km from NW5 1AA, in every direction.
OFFSETS = [(0.030, 0.0), (-0.030, 0.0), (0.0, 0.045), (0.0, -0.045), (0.02, 0.03), (-0.02, -0.03),
           (0.002, 0.001), (-0.015, 0.02)]  # fmt: skip


def spread(n: int, lat_lon: tuple[float, float], **overrides) -> dict:
    lat, lon = lat_lon
    return listing(
        f"Spread group {n}",
        venue={"name": f"Hall {n}", "address": None, "postcode": "NW5 1AA", "lat": lat, "lon": lon},
        interests=["knitting"],
        last_verified_at=CHECKED.isoformat(),
        **overrides,
    )


@pytest.fixture
def eight(add_groups):
    home_lat, home_lon = POSTCODES["NW5 1AA"]
    points = [(home_lat + dlat, home_lon + dlon) for dlat, dlon in OFFSETS]
    ids = add_groups(
        *(spread(n, point) for n, point in enumerate(points)),
        spread(8, points[6], status="waiting_list"),
        spread(9, points[5], status="waiting_list"),
        spread(10, points[4], status="invitation_only"),
    )
    return ids, points


def markers_in_view(page: Page) -> dict:
    """How many of the listed groups and the searched place the map's view holds."""
    return page.evaluate(
        """() => {
            const region = document.getElementById('map-region');
            const map = window[region.dataset.map];
            const points = JSON.parse(document.getElementById('search-points').textContent);
            const view = map.getBounds();
            return {
                groups: points.groups.filter(g => view.contains([g.lat, g.lon])).length,
                place: points.place !== null && view.contains([points.place.lat, points.place.lon]),
            };
        }"""
    )


def test_the_map_fits_all_eight_results_and_the_searched_place(page: Page, eight):
    page.goto("/?place=NW5+1AA&radius_km=5")
    expect(page.locator("#results-heading")).to_have_text("8 groups found")
    expect(page.locator("#map-region")).to_have_attribute("data-loaded", "8")
    page.wait_for_timeout(400)  # fitBounds animates
    assert markers_in_view(page) == {"groups": 8, "place": True}
    expect(page.locator(".am-place-label")).to_have_text("You searched: NW5 1AA")

    # The list says what it left out, and offers to show it.
    note = page.locator("#hidden-note")
    expect(note).to_contain_text(
        "2 groups with a waiting list and 1 group by invitation only are not shown."
    )
    assert axe_violations(page) == []
    screenshot(page, "search-map-fits-results")

    # A popup says the date as people say it, who the group is for and when it next meets.
    page.locator(".leaflet-marker-icon:has(.am-marker)").first.click()
    popup = page.locator(".am-popup")
    expect(popup).to_contain_text(f"Last checked {day_text(CHECKED)}")
    expect(popup).not_to_contain_text(CHECKED.isoformat())
    expect(popup).to_contain_text("For: Men only, aged 50 and over, in English")
    expect(popup.locator("p", has_text="Next: ")).to_have_count(1)
    page.wait_for_timeout(300)  # the popup fades in
    screenshot(page, "search-map-popup")

    with page.expect_navigation():
        note.locator("a", has_text="Show them too").click()
    expect(page.locator("#results-heading")).to_have_text("11 groups found")
    expect(page.locator("#hidden-note")).to_have_count(0)
    expect(page.locator("#map-region")).to_have_attribute("data-loaded", "11")
    page.wait_for_timeout(400)
    assert markers_in_view(page) == {"groups": 11, "place": True}


def test_the_map_follows_a_live_filter(page: Page, eight):
    page.goto("/?place=nw51aa&radius_km=5")
    expect(page.locator(".am-place-label")).to_have_text("You searched: NW5 1AA")
    expect(page.locator("#map-region")).to_have_attribute("data-loaded", "8")
    page.click("text=More filters")
    page.check("#include-waiting_list")
    expect(page.locator("#results-heading")).to_have_text("10 groups found")
    expect(page.locator("#map-region")).to_have_attribute("data-loaded", "10")
    expect(page.locator("#hidden-note")).to_contain_text("1 group by invitation only is not shown.")


def test_a_search_with_no_results_says_what_to_try(page: Page, eight):
    page.goto("/?place=NW5+1AA&radius_km=1&q=nitting&free=true")
    box = page.locator("#no-results")
    expect(box).to_contain_text("No groups match this search")
    expect(box.locator("a")).to_have_text(
        ["Search within 10 km", "Search without “nitting”", "Search without “Free only”",
         "“knitting”"]
    )  # fmt: skip
    assert axe_violations(page) == []
    screenshot(page, "search-no-results")


def test_moving_the_map_shows_the_other_groups_in_view_from_the_lean_marker_view(page: Page, eight):
    """The map asks the API for markers only (view=markers, issue 18), never for whole
    listings, and a nearby marker's popup still opens that listing's page."""
    _, points = eight
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/v1/groups" in r.url else None)
    page.goto("/?place=NW5+1AA&radius_km=1")
    expect(page.locator("#results-heading")).to_have_text("1 group found")
    region = page.locator("#map-region")
    expect(region).to_have_attribute("data-loaded", "1")
    page.wait_for_timeout(400)  # the first view is the page's own: it loads nothing more
    assert asked == []

    home = POSTCODES["NW5 1AA"]
    page.evaluate(
        "([lat, lon]) => window[document.getElementById('map-region').dataset.map]"
        ".setView([lat, lon], 12, {animate: false})",
        list(home),
    )
    # The seven other open groups in view (the list's one is not drawn twice; the waiting
    # list and invitation-only ones are left out, as the list's filters say).
    expect(region).to_have_attribute("data-nearby", "7")
    assert asked and all("view=markers" in url and "bbox=" in url for url in asked)
    assert all("status=open" in url for url in asked)
    assert axe_violations(page) == []

    page.evaluate(
        "([lat, lon]) => window[document.getElementById('map-region').dataset.map]"
        ".setView([lat, lon], 17, {animate: false})",
        list(points[0]),
    )
    expect(region).to_have_attribute("data-nearby", "1")
    page.locator(".leaflet-marker-icon:has(.am-marker-nearby)").first.click()
    popup = page.locator(".am-popup")
    expect(popup.locator("h3")).to_have_text("Spread group 0")
    expect(popup).to_contain_text("Open to anyone")
    with page.expect_navigation():
        popup.locator("a", has_text="View Spread group 0").click()
    expect(page.locator("h1")).to_have_text("Spread group 0")
    assert all("view=markers" in url for url in asked)
