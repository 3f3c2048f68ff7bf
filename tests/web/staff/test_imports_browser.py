"""The import page in a real browser: the four steps, accessible and readable at 320 px."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from assetmap.interop.uploads import uploads_folder
from assetmap.web.context import _CONFIG
from tests.web.staff.helpers import axe_violations, screenshot, sign_in, watch_csp
from tests.web.test_reflow import WIDER_THAN_THE_SCREEN

COUNCIL = Path(__file__).parents[2] / "data" / "interop" / "council-groups.csv"


def _reflows(page: Page) -> list[str]:
    """What sticks out past a 320 px screen, the page as it is now."""
    page.set_viewport_size({"width": 320, "height": 800})
    wide: list[str] = page.evaluate(WIDER_THAN_THE_SCREEN)
    if page.evaluate("document.documentElement.scrollWidth") > 320:
        wide.append("the page scrolls sideways")
    page.set_viewport_size({"width": 1280, "height": 900})
    return wide


@pytest.mark.only_backend("spatialite")
def test_an_admin_imports_a_council_spreadsheet(page: Page, app, quiet_world) -> None:
    folder = uploads_folder(app.extensions[_CONFIG].instance_path)
    shutil.rmtree(folder, ignore_errors=True)
    refused = watch_csp(page)
    sign_in(page, "admin")
    page.goto("/admin/changes")
    with page.expect_navigation():
        page.click(".am-staff-nav a:has-text('Import listings')")

    # Step 1: sent without a file, a form error; then with one.
    page.fill("#source", "camden")
    with page.expect_navigation():
        page.click("#upload")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("choose a file to import")
    assert axe_violations(page) == []
    assert _reflows(page) == []
    page.set_input_files("#file", str(COUNCIL))
    with page.expect_navigation():
        page.click("#upload")

    # Step 2: the odd headers matched; the admin keeps the mapping for next month.
    expect(page.locator("#import-step")).to_contain_text("Step 2 of 4")
    postcode = page.locator("tr", has=page.locator("th", has_text="Post Code")).locator("select")
    expect(postcode).to_have_value("venue.postcode")
    page.check("#save")
    page.fill("#mapping_name", "Camden monthly sheet")
    assert axe_violations(page) == []
    assert _reflows(page) == []
    screenshot(page, "import-map")
    with page.expect_navigation():
        page.click("#to-preview")

    # Step 3: every row and what would happen to it.
    expect(page.locator("#flash")).to_contain_text("Saved the mapping 'Camden monthly sheet'")
    expect(page.locator("#preview-summary")).to_contain_text("4 new, 0 updated, 0 unchanged")
    expect(page.locator("#row-2")).to_contain_text("Walk and Talk")
    expect(page.locator("#row-2")).to_contain_text("Mon 14:00-16:00; Wed 14:00-16:00")
    assert axe_violations(page) == []
    assert _reflows(page) == []
    screenshot(page, "import-preview")

    # Step 4: imported, and the listings are live.
    with page.expect_navigation():
        page.click("#import")
    expect(page.locator("#done-created")).to_contain_text("4 new listings")
    assert axe_violations(page) == []
    assert _reflows(page) == []
    page.goto("/?q=knit")
    expect(page.locator("main")).to_contain_text("Knit and Natter")
    assert refused == []
