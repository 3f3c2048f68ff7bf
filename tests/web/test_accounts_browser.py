"""The access pages in a real browser, checked by axe-core (WCAG 2.2 AA): a person's own API
tokens, the admin's accounts and one account's page; deactivating with the button."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from assetmap.accounts.users import create_user
from tests.web.conftest import axe_violations, screenshot
from tests.web.test_auth import PASSWORD


def _sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Sign in')")


@pytest.mark.only_backend("spatialite")
def test_tokens_and_accounts_pages(page: Page, database) -> None:
    with database.sessions() as session:
        create_user(session, "admin@example.org", "admin", password=PASSWORD)
        create_user(session, "jo@example.org", "link_worker", password=PASSWORD, name="Jo")
        session.commit()
    _sign_in(page, "admin@example.org")
    with page.expect_navigation():
        page.click("#tokens-link")  # in every signed-in page's footer
    expect(page.locator("h1")).to_have_text("Your API tokens")
    assert axe_violations(page) == []
    page.fill("#name", "Reporting sheet")
    with page.expect_navigation():
        page.click("#make-token")
    expect(page.locator("#new-token-value")).to_contain_text("am_")
    expect(page.locator("#tokens")).to_contain_text("Reporting sheet")
    assert axe_violations(page) == []
    page.goto("/account/tokens")  # shown once: not on the page again
    expect(page.locator("#new-token-value")).to_have_count(0)
    screenshot(page, "account-tokens")

    page.goto("/admin/users")
    expect(page.locator("#accounts")).to_contain_text("jo@example.org")
    assert axe_violations(page) == []
    screenshot(page, "admin-users")
    with page.expect_navigation():
        page.click("#accounts a:has-text('jo@example.org')")
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.click("#deactivate")
    expect(page.locator("#status")).to_contain_text("Deactivated")
    expect(page.locator("#flash")).to_contain_text("Deactivated")
    assert axe_violations(page) == []
    screenshot(page, "admin-user")
