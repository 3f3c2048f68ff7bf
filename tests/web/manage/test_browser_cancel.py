"""'Cancel this week's session' in a real browser: the dashboard's one click, the form's boxes
to put it back on, the listing page's words, with no WCAG 2.2 A/AA violations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assetmap.accounts.users import create_user
from assetmap.directory.sessions import LOCAL_TIME
from tests.factories import listing
from tests.web.manage.helpers import OURS

PASSWORD = "correct horse battery"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _tomorrow() -> dt.date:
    return dt.datetime.now(LOCAL_TIME).date() + dt.timedelta(days=1)


def _said(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


@pytest.fixture
def organiser(page, database, add_groups) -> dict[str, Any]:
    """An organiser of a group that meets tomorrow (so this week's session is always known)."""
    from tests.web.test_pages import click_and_wait

    day = DAYS[_tomorrow().weekday()]
    (shed,) = add_groups(
        listing(
            "Men's Shed",
            at="NW5 2AA",
            organisation=OURS,
            schedule=[{"day": day, "start": "10:00", "end": "12:30", "frequency": "weekly"}],
        )
    )
    with database.session() as session:
        create_user(session, "jo@example.org", "organiser", password=PASSWORD, organisations=[OURS])
    page.goto("/login?next=/my/groups")
    page.fill("#email", "jo@example.org")
    page.fill("#password", PASSWORD)
    click_and_wait(page, "button:has-text('Sign in')")
    return {"shed": shed}


@pytest.mark.only_backend("spatialite")
def test_an_organiser_cancels_this_weeks_session_and_puts_it_back(page, organiser) -> None:
    from playwright.sync_api import expect

    from tests.web.conftest import SCREENSHOTS, axe_violations, screenshot
    from tests.web.test_pages import click_and_wait

    tomorrow, week_after = _tomorrow(), _tomorrow() + dt.timedelta(days=7)
    row = f"#group-{organiser['shed']}"
    click_and_wait(page, f"{row} button:has-text('Cancel this week’s session')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        f"on {_said(tomorrow)} is cancelled"
    )
    expect(page.locator(f"{row} .am-cancelled")).to_have_text(
        f"Cancelled: {_said(tomorrow)} (the group meets again {_said(week_after)})"
    )
    assert axe_violations(page) == []
    screenshot(page, "manage-cancelled-session")

    page.goto(f"/groups/{organiser['shed']}")
    expect(page.locator(".am-cancelled")).to_contain_text(f"Cancelled: {_said(tomorrow)}")
    assert axe_violations(page) == []
    screenshot(page, "listing-cancelled-session")

    page.goto(f"/my/groups/{organiser['shed']}/edit")
    boxes = page.locator("#part-cancel input[type=checkbox]")
    expect(boxes).to_have_count(6)
    expect(boxes.first).to_be_checked()
    assert axe_violations(page) == []
    page.locator("#part-cancel").screenshot(path=str(SCREENSHOTS / "manage-cancel-boxes.png"))
    boxes.first.uncheck()
    click_and_wait(page, "button:has-text('Save changes')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("live now")
    expect(page.locator(f"{row} .am-cancelled")).to_have_count(0)
