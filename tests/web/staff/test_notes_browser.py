"""Staff notes in a real browser: a link worker writes one, corrects it, and sees it in the
history; every page passes axe (WCAG 2.2 A and AA) under the strict CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.staff.helpers import axe_violations, screenshot, sign_in, sign_out, watch_csp
from tests.web.test_reflow import WIDER_THAN_THE_SCREEN

NOTE = "The organiser is lovely, ask for Jo.\nStairs at the back entrance: the front has a ramp."


@pytest.mark.only_backend("spatialite")
def test_a_link_worker_keeps_word_of_mouth_on_a_listing(page: Page, quiet_world) -> None:
    world = quiet_world
    refused = watch_csp(page)
    sign_in(page, "link_worker")
    page.goto(f"/groups/{world.ours}")
    notes = page.locator("#staff-notes")
    expect(notes).to_contain_text("No notes yet")
    expect(page.locator("#staff-note-hint")).to_contain_text(
        "About the group, not about people you refer."
    )

    # Saving an empty note is a form error, with the summary taking them to the box.
    with page.expect_navigation():
        notes.locator("button:has-text('Save note')").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Write the note before saving it")
    expect(page.locator("#staff-note-error")).to_be_visible()
    assert axe_violations(page) == []

    page.fill("#staff-note", NOTE)
    with page.expect_navigation():
        page.click("button:has-text('Save note')")
    assert page.url.endswith(f"/groups/{world.ours}#staff-notes")
    expect(page.locator("#staff-notes-done")).to_contain_text("Your note is saved.")
    first = page.locator(".am-staff-note").first
    expect(first.locator(".am-staff-note__body")).to_have_text(NOTE)
    expect(first.locator(".am-staff-note__signed")).to_contain_text("lw@example.org, ")
    assert axe_violations(page) == []
    notes.scroll_into_view_if_needed()
    screenshot(page, "notes-listing")

    # The author corrects it on its own page; the old text stays in the history.
    with page.expect_navigation():
        first.locator("a:has-text('Change')").click()
    expect(page.locator("h1")).to_have_text("Change your note")
    assert axe_violations(page) == []
    page.fill("#staff-note", "Ask for Sam: Jo has left.")
    with page.expect_navigation():
        page.click("button:has-text('Save note')")
    expect(page.locator(".am-staff-note__body").first).to_have_text("Ask for Sam: Jo has left.")
    expect(page.locator(".am-staff-note__signed").first).to_contain_text("(changed ")
    with page.expect_navigation():
        page.click("#history-link")
    history = page.locator("#note-history")
    expect(history).to_contain_text("Note changed")
    expect(history).to_contain_text("Stairs at the back entrance")
    assert axe_violations(page) == []

    # On a phone (320 px) the notes reflow, even a long unbroken address in one.
    page.goto(f"/groups/{world.ours}")
    page.fill("#staff-note", "See https://example.org/" + "a-very-long-path" * 8)
    with page.expect_navigation():
        page.click("button:has-text('Save note')")
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate(WIDER_THAN_THE_SCREEN) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_viewport_size({"width": 1280, "height": 900})

    # Deleting asks first, then the note goes from the page but not from the history.
    with page.expect_navigation():
        page.locator(".am-staff-note").first.locator("a:has-text('Delete')").click()
    expect(page.locator("h1")).to_have_text("Delete this note?")
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.click("#delete-note")
    expect(page.locator("#staff-notes-done")).to_contain_text("The note is deleted.")
    expect(page.locator(".am-staff-note")).to_have_count(1)
    page.goto(f"/groups/{world.ours}/history")
    expect(page.locator("#note-history")).to_contain_text("Note deleted")

    # The organiser of this very group sees none of it.
    sign_out(page)
    sign_in(page, "organiser")
    page.goto(f"/groups/{world.ours}")
    expect(page.locator("h1")).to_contain_text("Men's Shed")
    expect(page.locator("#staff-notes")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Ask for Sam")
    assert refused == []
