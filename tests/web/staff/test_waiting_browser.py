"""Issue 14, item 4 in a real browser: an untrusted organisation's "we're full" is public at
once while the rest of the change waits, and the admin reviews both on one page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.staff.helpers import axe_violations, screenshot, sign_in, sign_out, watch_csp
from tests.web.test_freshness_pages import due_world  # noqa: F401  (a fixture)


@pytest.mark.only_backend("spatialite")
def test_places_go_live_at_once_and_the_description_waits_for_approval(
    page: Page, quiet_world
) -> None:
    world = quiet_world
    refused = watch_csp(page)
    sign_in(page, "organiser")
    page.goto(f"/my/groups/{world.ours}/edit")
    expect(page.locator("main")).to_contain_text(
        "Places, the waiting list, status and cancelled sessions go live"
    )
    page.fill("#capacity-places_taken", "20")  # all 20 places taken: full
    page.fill("#description", "Woodwork, bike repairs and a cuppa.")
    page.fill("#name", "The Men's Shed")
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Save')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("places")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("are live now")
    # "Still running" would confirm the old details while the rest waits: not offered.
    expect(page.locator(f"#refuse-{world.ours}")).to_contain_text("is waiting for review")
    sign_out(page)

    # The public sees "full" at once, and the old description until an admin approves.
    page.goto(f"/groups/{world.ours}")
    main = page.locator("main")
    expect(main).to_contain_text("Full")
    expect(main).not_to_contain_text("6 places free")
    expect(main).not_to_contain_text("bike repairs")

    sign_in(page, "admin")
    page.goto("/admin/changes")
    with page.expect_navigation():
        page.click('#queue a:has-text("Men\'s Shed")')
    applied = page.locator("#applied")
    expect(applied.locator("tr", has_text="Places taken")).to_contain_text("Applied, review after")
    diff = page.locator("#diff")
    expect(diff.locator("tr", has_text="Description")).to_contain_text("bike repairs")
    assert axe_violations(page) == []
    screenshot(page, "change-applied-and-waiting")
    # Approve the description on its own; the new name keeps waiting.
    page.uncheck("#diff input[name=field][value=name]")
    with page.expect_navigation():
        page.click("#approve")
    expect(page.locator("#flash")).to_contain_text("the rest still waits")
    expect(page.locator("#diff")).to_contain_text("The Men's Shed")
    expect(page.locator("#diff")).not_to_contain_text("bike repairs")
    assert axe_violations(page) == []

    page.goto(f"/groups/{world.ours}")
    expect(page.locator("main")).to_contain_text("bike repairs")
    expect(page.locator("h1")).not_to_contain_text("The Men's Shed")
    assert refused == []


@pytest.mark.only_backend("spatialite")
def test_the_emailed_link_waits_for_a_waiting_change_and_says_why(
    page: Page,
    database,
    due_world,  # noqa: F811  (the fixture imported above)
) -> None:
    """Issue 14, item 3: the details are shown, and "still running" is not offered."""
    from tests.web.staff.helpers import _submit
    from tests.web.test_freshness_pages import _link

    reminded, _ = due_world
    refused = watch_csp(page)
    with database.sessions() as session:
        _submit(session, "organiser", reminded, {"description": "Now with a lathe."})
        session.commit()
    page.goto(_link(database, reminded))
    expect(page.locator("#confirming")).to_contain_text("Tuesday 10:00 to 12:30")
    expect(page.locator("#confirming")).to_contain_text("jo.shed@example.org")
    expect(page.locator("#refuse")).to_contain_text(
        "confirming now would mark the old details as checked"
    )
    expect(page.locator("#confirm")).to_have_count(0)
    assert axe_violations(page) == []
    screenshot(page, "check-link-change-waiting")
    assert refused == []
