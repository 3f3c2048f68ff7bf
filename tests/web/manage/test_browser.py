"""The organiser's pages in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from assetmap.accounts.users import create_user
from tests.factories import listing
from tests.web.manage.helpers import (
    OURS,
)

# ---- in a real browser ---------------------------------------------------------------------

PASSWORD = "correct horse battery"


@pytest.fixture
def organiser_in_browser(page, database, add_groups) -> dict[str, Any]:
    """An organiser of three groups, signed in through the sign-in form in Chromium."""
    from tests.web.test_pages import click_and_wait

    shed, knit, choir = add_groups(
        listing("Men's Shed", at="NW5 2AA", organisation=OURS),
        listing("Knit and Natter", at="NW5 1AA", organisation=OURS, due=True),
        listing("Highgate Choir", at="N6 5AA", organisation=OURS, stale=True),
    )
    with database.session() as session:
        create_user(
            session,
            "jo@example.org",
            "organiser",
            name="Jo Bloggs",
            password=PASSWORD,
            organisations=[OURS],
        )
    problems: list[str] = []
    # What the CSP refuses, and script errors (a 400 page's own status is logged too: not those).
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.goto("/login?next=/my/groups")
    page.fill("#email", "jo@example.org")
    page.fill("#password", PASSWORD)
    click_and_wait(page, "button:has-text('Sign in')")
    return {"shed": shed, "knit": knit, "choir": choir, "console_errors": problems}


@pytest.mark.only_backend("spatialite")
def test_an_organiser_updates_places_in_a_browser(page, organiser_in_browser) -> None:
    from playwright.sync_api import expect

    from tests.web.conftest import axe_violations, screenshot
    from tests.web.test_pages import click_and_wait

    groups = organiser_in_browser
    expect(page.locator("h1")).to_have_text("Your groups")
    expect(page.locator(".am-manage-group")).to_have_count(3)
    assert axe_violations(page) == []
    screenshot(page, "manage-dashboard")

    click_and_wait(page, f"#group-{groups['shed']} a:has-text('Edit')")
    expect(page.locator("h1")).to_contain_text("Men's Shed")
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
    screenshot(page, "manage-edit")

    # Clicking the map places the pin (the hidden fields take its place).
    before = page.input_value("#venue-lat")
    page.locator("#venue-map").click(position={"x": 60, "y": 60})
    assert page.input_value("#venue-lat") not in ("", before)
    expect(page.locator("#venue-pin-status")).to_contain_text("Pin placed")
    page.reload()  # forget the pin: this edit is about places

    page.fill("#capacity-places_taken", "30")  # more than the 20 places: an error
    click_and_wait(page, "button:has-text('Save changes')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Places taken must not be more than total places"
    )
    assert axe_violations(page) == []
    page.locator(".nhsuk-error-summary a").first.click()
    expect(page.locator("#capacity-places_taken")).to_be_focused()
    screenshot(page, "manage-error")

    page.fill("#capacity-places_taken", "14")
    page.fill("#capacity-total_places", "25")
    page.fill("#description", "Woodwork, repairs, a lathe and a cuppa.")
    click_and_wait(page, "button:has-text('Save changes')")
    # The places are live at once; the description waits for an admin.
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("places")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "sent to an admin for approval"
    )
    expect(page.locator(f"#group-{groups['shed']} .am-pending")).to_contain_text("Description")
    screenshot(page, "manage-sent")

    # "Still running" on the stale group: it is fresh at once.
    click_and_wait(page, f"#group-{groups['choir']} button:has-text('Still running')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("checked today")
    expect(page.locator(f"#group-{groups['choir']} .am-tags")).to_contain_text("Checked today")
    assert page.dialogs == []  # type: ignore[attr-defined]
    assert groups["console_errors"] == []


@pytest.mark.only_backend("spatialite")
def test_the_organisers_pages_on_a_phone(page, organiser_in_browser) -> None:
    from tests.web.conftest import axe_violations, screenshot

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/my/groups")
    assert axe_violations(page) == []
    screenshot(page, "manage-dashboard-phone")
    page.goto(f"/my/groups/{organiser_in_browser['shed']}/edit#part-places")
    page.wait_for_load_state("networkidle")
    screenshot(page, "manage-edit-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "nothing makes the page scroll sideways on a phone"
    assert organiser_in_browser["console_errors"] == []
