"""/reports/referrals and its CSV: for admins and community builders, never personal."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from assetmap.accounts.users import create_user
from assetmap.models import Role
from assetmap.web.context import set_clock
from tests.factories import listing
from tests.referrals.builders import add_case, add_referral
from tests.web.manage.helpers import sign_in

NOW = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)
NOV = dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC)


@pytest.fixture
def referrals(app, database, add_groups) -> None:
    add_groups(listing())  # its organisation, for the organiser's account
    set_clock(app, lambda: NOW)
    with database.session() as session:
        for n in range(12):
            case = add_case(session, area="E01000001", last_activity=NOV, reference=f"SECRET-{n}")
            add_referral(session, case, NOV, category="active", accepted=n < 7, attended=n < 3)
        case = add_case(session, area="E01000002", last_activity=NOV)
        add_referral(session, case, NOV, category="creative")


def _user(database, role: Role) -> int:
    with database.session() as session:
        organisations = ["Kentish Town Community Centre"] if role is Role.ORGANISER else ()
        return create_user(
            session, f"{role.value}@example.org", role, organisations=organisations
        ).id


def _text(response) -> str:
    """The page's words, without the headings repeated in each cell for small screens."""
    html = re.sub(
        r'<span class="nhsuk-table-responsive__heading"[^>]*>[^<]*</span>',
        "",
        response.get_data(as_text=True),
    )
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_anyone_not_signed_in_is_sent_to_sign_in(client, referrals) -> None:
    for path in ("/reports/referrals", "/reports/referrals.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.LINK_WORKER, 403),
        (Role.ORGANISER, 403),
        (Role.COMMUNITY_BUILDER, 200),
        (Role.ADMIN, 200),
    ],
)
def test_only_admins_and_community_builders(client, database, referrals, role, status) -> None:
    sign_in(client, _user(database, role))
    assert client.get("/reports/referrals").status_code == status
    assert client.get("/reports/referrals.csv").status_code == status
    page = client.get("/").get_data(as_text=True)
    assert ('href="/reports/referrals"' in page) is (status == 200)


def test_the_page_counts_and_suppresses(client, database, referrals) -> None:
    sign_in(client, _user(database, Role.COMMUNITY_BUILDER))
    response = client.get("/reports/referrals?since=2026-11-01&until=2026-11-30")
    assert response.status_code == 200
    text = _text(response)
    # Active: 12 referred, 7 accepted, 3 went along (hidden, and so is its complement: the
    # creative group's 1 referral is hidden and the active 12 with it).
    assert "Active not shown 7 fewer than 5" in text
    assert "Creative fewer than 5 0 0" in text
    assert "All 13 7 fewer than 5 0" in text
    assert "November 2026" in text
    assert "SECRET" not in response.get_data(as_text=True)
    assert "lower is better" in text


def test_a_bad_range_is_a_form_error(client, database, referrals) -> None:
    sign_in(client, _user(database, Role.ADMIN))
    response = client.get("/reports/referrals?since=2026-12-05&until=2026-12-01")
    assert response.status_code == 400
    assert 'id="since-error"' in response.get_data(as_text=True)
    response = client.get("/reports/referrals.csv?since=nonsense")
    assert response.status_code == 400 and "date" in response.get_data(as_text=True)


def test_the_csv_is_an_attachment_with_a_header(client, database, referrals) -> None:
    sign_in(client, _user(database, Role.COMMUNITY_BUILDER))
    response = client.get("/reports/referrals.csv?since=2026-11-01&until=2026-11-30")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    active = next(r for r in rows if r["by"] == "category" and r["key"] == "active")
    assert (active["name"], active["accepted"], active["went_along"]) == (
        "Active",
        "7",
        "fewer than 5",
    )
    assert "SECRET" not in response.get_data(as_text=True)


@pytest.mark.only_backend("spatialite")
def test_a_community_builder_reads_the_report_at_320_px(page, database, add_groups) -> None:
    from playwright.sync_api import expect

    from assetmap.models import WellbeingStage
    from tests.referrals.builders import add_wellbeing
    from tests.web.conftest import axe_violations, screenshot

    password = "correct horse battery"
    with database.session() as session:
        for n in range(14):
            case = add_case(session, area="E01000001" if n < 9 else "E01000002", last_activity=NOV)
            sent = NOV - dt.timedelta(days=31 * (n % 2))
            category = "active" if n < 8 else "creative"
            add_referral(
                session,
                case,
                sent,
                category=category,
                accepted=n < 11,
                attended=n < 9,
                still_going=n < 6,
            )
            add_wellbeing(session, case, WellbeingStage.START, sent, 5, 6, 5, 6)
            add_wellbeing(session, case, WellbeingStage.FOLLOW_UP, NOV, 7, 7, 6, 4)
        create_user(session, "cb@example.org", Role.COMMUNITY_BUILDER, password=password)
    page.goto("/login")
    page.fill("#email", "cb@example.org")
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button:has-text('Sign in')")
    page.click("a:has-text('Reports')")
    page.fill("#since", "2026-10-01")
    page.fill("#until", "2026-11-30")
    with page.expect_navigation():
        page.click("button:has-text('Show')")
    expect(page.locator("#by-month")).to_contain_text("November 2026")
    expect(page.locator("#wellbeing-by-category")).to_contain_text("+2.0")
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 320, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert axe_violations(page) == []
    page.locator("#by-category").scroll_into_view_if_needed()
    screenshot(page, "referral-report")
    with page.expect_download() as download:
        page.click("#download-csv")
    assert download.value.suggested_filename == "referrals-2026-10-01-to-2026-11-30.csv"
