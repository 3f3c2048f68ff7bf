"""The emailed link's page in a real browser: an organiser reads the referral, tries to
decline without a reason, then declines with one; axe finds nothing at any step, the page
reads at 320 px, and the server's request lines never carry the token."""

from __future__ import annotations

import logging

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import axe_violations, screenshot
from tests.web.referral_helpers import make_referral
from tests.web.test_reflow import WIDER_THAN_THE_SCREEN

pytestmark = pytest.mark.only_backend("spatialite")


def test_an_organiser_declines_a_referral_by_the_emailed_link(
    page: Page, app, database, add_groups, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="werkzeug")
    referred = make_referral(database, app, add_groups)
    path = f"/referral/{referred.token}"

    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("A referral to Men's Shed")
    expect(page.locator("#person")).to_contain_text("phone after 2pm")
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 1024, "height": 1500})
    screenshot(page, "referral-answer")

    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate(WIDER_THAN_THE_SCREEN) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    page.set_viewport_size({"width": 1024, "height": 900})
    page.locator("#note").fill("We meet upstairs only, sorry")
    page.locator("#decline").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose why you cannot take")
    expect(page.locator("#note")).to_have_value("We meet upstairs only, sorry")
    assert axe_violations(page) == []

    page.get_by_label("We cannot support their needs").check()
    page.locator("#decline").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have declined this referral")
    expect(page.locator("main")).to_contain_text("What happens next")
    assert axe_violations(page) == []

    again = page.goto(path)
    assert again is not None and again.status == 410
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/referral/[link]" in line for line in lines)
    assert not any(referred.token in r.getMessage() for r in caplog.records)
