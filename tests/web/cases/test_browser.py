"""The case pages in a real browser: axe's WCAG 2.2 A/AA rules, 320 px reflow, screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from assetmap.accounts.users import create_user
from tests.web.conftest import axe_violations, screenshot
from tests.web.test_reflow import WIDER_THAN_THE_SCREEN

PASSWORD = "correct horse battery"


def _sign_in(page: Page, database) -> None:
    with database.session() as session:
        create_user(session, "lee@scheme.example", "link_worker", password=PASSWORD, team="North")
    page.goto("/login")
    page.fill("#email", "lee@scheme.example")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Sign in')")


def _reflows(page: Page, path: str) -> list[str]:
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(path)
    wide: list[str] = page.evaluate(WIDER_THAN_THE_SCREEN)
    if page.evaluate("document.documentElement.scrollWidth") > 320:
        wide.append("the page scrolls sideways")
    return wide


@pytest.mark.only_backend("spatialite")
def test_the_case_pages_are_accessible_and_reflow(page: Page, database, world) -> None:
    _sign_in(page, database)
    page.goto("/cases/new")
    expect(page.locator("h1")).to_have_text("Open a case")
    assert axe_violations(page) == []
    screenshot(page, "case-new")

    page.goto(f"/cases/{world.case_id}")
    page.locator(f"#shortlist-{world.shed} button").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "we emailed the organiser"
    )
    page.locator(".am-referral form[id$='-accepted'] button").click()
    expect(page.locator(".am-referral .nhsuk-tag").first).to_have_text("Accepted")
    page.goto(f"/cases/{world.case_id}")
    assert axe_violations(page) == []
    screenshot(page, "case-page")

    for path in ("/cases/new", f"/cases/{world.case_id}", "/cases"):
        page.set_viewport_size({"width": 1280, "height": 900})
        assert _reflows(page, path) == [], path
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/cases")
    assert axe_violations(page) == []
    # The Refer box on the match cards and a listing, and "Open a case" under the results.
    match = "/match?postcode=NW5+1AA&mode=walk&minutes=30"
    page.goto(match)
    page.locator(f"#refer-{world.walkers} summary").click()
    assert axe_violations(page) == []
    page.goto(f"/groups/{world.walkers}")
    assert axe_violations(page) == []
    for path in (match, f"/groups/{world.walkers}"):
        assert _reflows(page, path) == [], path
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(match)
    page.locator(f"#refer-{world.walkers} summary").click()
    with page.expect_navigation():
        page.locator(f"#refer-{world.walkers} button").first.click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "Referred to Gospel Oak Walkers"
    )
