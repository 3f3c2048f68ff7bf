"""The staff pages in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.staff.helpers import (
    _submit,
    axe_violations,
    screenshot,
    sign_in,
    sign_out,
    watch_csp,
)


@pytest.mark.only_backend("spatialite")
def test_an_organisers_change_is_approved_and_goes_live(page: Page, quiet_world) -> None:
    world = quiet_world
    refused = watch_csp(page)
    # The organiser changes the description on their own edit page; it waits for an admin.
    sign_in(page, "organiser")
    page.goto(f"/my/groups/{world.ours}/edit")
    page.fill("#description", "Woodwork, bike repairs and a cuppa.")
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Save')")
    sign_out(page)
    # Until an admin approves, the public listing is as it was.
    page.goto(f"/groups/{world.ours}")
    expect(page.locator("main")).not_to_contain_text("bike repairs")

    # The admin opens the queue, reads the change and approves it.
    sign_in(page, "admin")
    page.goto("/admin/changes")
    expect(page.locator("#queue-count")).to_contain_text("1 change is waiting")
    assert axe_violations(page) == []
    screenshot(page, "queue")
    with page.expect_navigation():
        page.click('#queue a:has-text("Men\'s Shed")')
    diff = page.locator("#diff")
    expect(diff.locator("tr", has_text="Description")).to_contain_text("repairs and a cuppa")
    expect(diff.locator("tr", has_text="Description")).to_contain_text("bike repairs")
    assert axe_violations(page) == []
    screenshot(page, "change")
    with page.expect_navigation():
        page.click("#approve")
    expect(page.locator("#flash")).to_contain_text("It is live now")
    expect(page.locator("#queue-empty")).to_be_visible()

    # The public listing shows the new description at once.
    page.goto(f"/groups/{world.ours}")
    expect(page.locator("main")).to_contain_text("bike repairs")
    with page.expect_navigation():
        page.click("#history-link")
    expect(page.locator("#history")).to_contain_text("Description")
    assert axe_violations(page) == []
    screenshot(page, "history")
    assert refused == []
    assert page.dialogs == []  # type: ignore[attr-defined]


@pytest.mark.only_backend("spatialite")
def test_staff_pages_on_a_phone_and_their_error_states(page: Page, database, world) -> None:
    refused = watch_csp(page)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "admin")
    page.goto("/admin/changes")
    assert axe_violations(page) == []
    screenshot(page, "queue-phone")
    page.goto(f"/admin/changes/{world.capacity_change}")
    with page.expect_navigation():
        page.click("#reject")  # no reason given: a form error, not a crash
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Say why")
    assert axe_violations(page) == []
    screenshot(page, "change-phone")
    page.goto(f"/groups/{world.ours}/history")
    assert axe_violations(page) == []
    screenshot(page, "history-phone")
    # Someone saves the listing meanwhile: approving now would undo their change.
    with database.sessions() as session:
        _submit(session, "admin", world.ours, {"capacity": {"waiting_list": 3}})
        session.commit()
    page.goto(f"/admin/changes/{world.capacity_change}")
    expect(page.locator("#stale-warning")).to_contain_text("People on the waiting list")
    expect(page.locator("#approve")).to_have_count(0)
    assert axe_violations(page) == []
    screenshot(page, "change-stale-phone")
    page.goto("/admin/organisations")
    assert axe_violations(page) == []
    screenshot(page, "organisations-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "organisations")
    assert refused == []
