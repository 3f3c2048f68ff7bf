"""What a link worker does on the pages, in a real browser: search, filter, open a listing,
report a problem; every page passes axe's WCAG 2.2 A/AA rules; user text stays text."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import listing
from tests.web.conftest import axe_violations, screenshot

pytestmark = pytest.mark.only_backend("spatialite")

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def groups(add_groups):
    ids = add_groups(
        listing(
            "Kentish Town Knit and Natter",
            at="NW5 1AA",
            categories=["creative"],
            interests=["knitting", "crafts"],
            accessibility={"step_free": None},
        ),
        listing("Men's Shed", at="NW5 2AA"),  # step-free, creative + social
        listing(
            "Camden Walking Group",
            at="NW1 7AA",
            categories=["active"],
            interests=["walking"],
            stale=True,
        ),
        listing("Highgate Choir", at="N6 5AA", categories=["creative"], interests=["singing"]),
    )
    return dict(zip(["knit", "shed", "walk", "choir"], ids, strict=True))


def click_and_wait(page: Page, selector: str) -> None:
    """Click something that loads a new page, and wait for that page."""
    with page.expect_navigation():
        page.click(selector)


def result_names(page: Page) -> list[str]:
    return page.locator(".am-result__name").all_inner_texts()


def test_search_by_postcode_and_interest_shows_list_and_map(page: Page, groups):
    page.goto("/")
    page.fill("#place", "NW5 1AA")
    page.fill("#q", "knit")
    click_and_wait(page, "button:has-text('Search')")
    assert result_names(page) == ["Kentish Town Knit and Natter"]
    expect(page.locator("#results-heading")).to_have_text("1 group found")
    # The map loads markers for its viewport from the API: all four groups are near.
    expect(page.locator("#map-region")).to_have_attribute("data-loaded", "1")
    expect(page.locator(".am-marker")).to_have_count(1)
    screenshot(page, "search-desktop")


def test_a_typo_still_finds_the_group(page: Page, groups):
    page.goto("/?place=NW5+1AA&q=kniting&radius_km=5")
    assert result_names(page) == ["Kentish Town Knit and Natter"]


def test_a_filter_narrows_the_results(page: Page, groups):
    page.goto("/?place=NW5+1AA&radius_km=5")
    assert len(result_names(page)) == 4
    page.click("text=More filters")
    page.check("#access-step_free")
    click_and_wait(page, "button:has-text('Apply filters')")
    # Expectations retry: ticking the box also filters live, and that update may still be
    # settling when the applied page arrives.
    names = page.locator(".am-result__name")
    expect(names).to_have_text(["Men's Shed", "Camden Walking Group", "Highgate Choir"])
    expect(page.locator(".am-chip")).to_contain_text(["Step-free access"])
    click_and_wait(page, ".am-chip")  # removing the chip brings the others back
    expect(names).to_have_count(4)


def test_filters_apply_live_without_a_reload(page: Page, groups):
    page.goto("/?place=NW5+1AA&radius_km=5")
    page.click("text=More filters")
    page.evaluate("window.notReloaded = true")
    page.check("#access-step_free")
    expect(page.locator("#results-heading")).to_have_text("3 groups found")
    assert result_names(page) == ["Men's Shed", "Camden Walking Group", "Highgate Choir"]
    assert "step_free=true" in page.url
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("#map-region")).to_have_attribute("data-filters", re.compile("step_free"))


def test_search_page_on_a_phone(page: Page, groups):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/?place=NW5+1AA")
    assert len(result_names(page)) == 4
    screenshot(page, "search-phone")


def test_stale_listing_warns_before_referring(page: Page, groups):
    page.goto(f"/groups/{groups['walk']}")
    warning = page.locator("#freshness-warning")
    # Not checked for over a year: twice the expiry, so it may well have stopped.
    expect(warning).to_contain_text("This group may have stopped")
    expect(warning).to_contain_text("Do not refer anyone until you have rung")
    expect(warning).to_contain_text("Not checked since")
    # The search list says so too, for that listing alone.
    page.goto("/?place=NW5+1AA")
    expect(page.locator(".am-tag--stale", has_text="May have stopped")).to_have_count(1)
    page.goto(f"/groups/{groups['shed']}")
    expect(page.locator("#freshness-warning")).to_have_count(0)
    expect(page.locator(".am-access__unknown").first).to_be_visible()
    screenshot(page, "listing")


def test_report_a_problem_makes_the_listing_due(page: Page, groups):
    page.goto(f"/groups/{groups['shed']}")
    click_and_wait(page, "text=Something wrong with this listing?")
    click_and_wait(
        page, "button:has-text('Send report')"
    )  # nothing chosen: a form error, not a crash
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose what is wrong")
    page.check("#kind-phone")
    page.fill("#details", "Rang twice, number not recognised")
    click_and_wait(page, "button:has-text('Send report')")
    expect(page.locator("[role=status]")).to_contain_text("Thank you")
    expect(page.locator("#freshness-warning")).to_contain_text("someone reported a problem")
    api = page.request.get(f"/api/v1/groups/{groups['shed']}").json()
    assert api["properties"]["freshness"] == "due"


@pytest.mark.parametrize(
    "path", ["/?place=NW5+1AA&q=knit", "/?place=nowhere+at+all", "listing", "report"]
)
def test_pages_have_no_wcag_violations(page: Page, groups, path):
    if path == "listing":
        path = f"/groups/{groups['shed']}"
    if path == "report":
        path = f"/groups/{groups['shed']}/report"
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []


def test_user_text_is_shown_as_text_everywhere(page: Page, add_groups):
    (group_id,) = add_groups(
        listing(
            XSS,
            at="NW5 1AA",
            description=XSS,
            interests=["knitting"],
            organisation=XSS,
            contact={"name": XSS},
        )
    )
    page.goto("/?place=NW5+1AA")
    expect(page.locator(".am-result__name")).to_have_text(XSS)
    expect(page.locator(".am-marker")).to_have_count(1)
    page.locator(".leaflet-marker-icon").first.click()
    expect(page.locator(".am-popup h3")).to_have_text(XSS)
    page.goto(f"/groups/{group_id}")
    expect(page.locator("h1")).to_have_text(XSS)
    expect(page.locator("text=" + XSS).first).to_be_visible()
    assert page.locator("img[src=x]").count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_search_works_with_javascript_off(browser, server, groups):
    context = browser.new_context(base_url=server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/?place=NW5+1AA&q=walking&radius_km=5")
    assert result_names(page) == ["Camden Walking Group"]
    context.close()


def test_the_nhsuk_frontend_starts_on_every_page(page: Page, database):
    """Its script runs from our own static file under the strict CSP: the error summary takes
    focus when the page loads and its link takes focus to the field (both the script's doing:
    the markup alone does neither)."""
    said: list[str] = []
    page.on("console", lambda message: said.append(message.text))
    page.on("pageerror", lambda error: said.append(f"page error: {error}"))
    page.goto("/login")
    expect(page.locator("body")).to_have_class(re.compile(r"\bnhsuk-frontend-supported\b"))
    page.fill("#email", "nobody@example.org")
    page.fill("#password", "not the password")
    click_and_wait(page, "button:has-text('Sign in')")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_have_attribute("data-nhsuk-error-summary-init", "")
    expect(summary).to_be_focused()
    summary.locator("a").first.click()
    expect(page.locator("#email")).to_be_focused()
    problems = [
        text
        for text in said
        if "NHS.UK frontend" in text or "Refused to" in text or text.startswith("page error")
    ]
    assert problems == []
    assert axe_violations(page) == []


def test_who_a_group_is_for_shows_on_its_page_and_in_the_search_list(client, add_groups):
    """Men only, ages, languages: not only a match warning, but wherever a group is shown."""
    shed, open_to_all = add_groups(
        listing("Men's Shed", at="NW5 2AA"),  # men, 50 and over, English
        listing(
            "Open Lunch",
            at="NW5 1AA",
            interests=["lunch"],
            audience={"min_age": None, "max_age": None, "gender": "any", "languages": []},
        ),
    )
    page = client.get(f"/groups/{shed}").get_data(as_text=True)
    assert re.search(r'id="audience">Men only, aged 50 and over, in English<', page)
    assert re.search(
        r'id="audience">Anyone<', client.get(f"/groups/{open_to_all}").get_data(as_text=True)
    )
    results = client.get("/?place=NW5+1AA").get_data(as_text=True)
    listed = results.split('id="results"')[1]  # the map's popups say it too, in its data
    assert listed.count("For: Men only, aged 50 and over, in English") == 1
    assert results.count("am-result__audience") == 1  # the lunch is for anyone: nothing to say
