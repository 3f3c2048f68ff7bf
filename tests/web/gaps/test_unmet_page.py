"""/gaps/unmet: community builders see what link workers could not find, never who."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from assetmap.accounts.users import create_user
from assetmap.models import Role, UnmetNeed
from tests.web.conftest import axe_violations, screenshot
from tests.web.signed_in import sign_in_as

PASSWORD = "correct horse battery"


def _need(day: dt.date, interests: list[str], needs: list[str] = ()) -> UnmetNeed:
    return UnmetNeed(
        recorded_on=day,
        interests=interests,
        categories=[],
        cell_lat=51.55,
        cell_lon=-0.15,
        modes=["walk", "bus"],
        max_travel_minutes=20,
        max_walk_metres=None,
        access_needs=list(needs),
        door_to_door_needed=False,
        complexity=1,
        results=0,
    )


@pytest.fixture
def needs(database) -> None:
    today = dt.date.today()
    with database.session() as session:
        session.add_all(_need(today, ["knitting"], ["step_free"]) for _ in range(7))
        session.add_all(_need(today, ["<b>loud</b>"]) for _ in range(5))
        session.add_all(_need(today, ["boat building"]) for _ in range(2))
        session.add(_need(today - dt.timedelta(days=200), ["choir"]))


def _sign_in(client, database, role: Role) -> None:
    with database.session() as session:
        user_id = create_user(session, f"{role.value}@example.org", role).id
    sign_in_as(client, user_id)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_anyone_not_signed_in_is_sent_to_sign_in(client, needs) -> None:
    response = client.get("/gaps/unmet")
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("role", [Role.LINK_WORKER, Role.ADMIN, Role.COMMUNITY_BUILDER])
def test_only_community_builders_and_admins_see_it(client, database, needs, role) -> None:
    _sign_in(client, database, role)
    response = client.get("/gaps/unmet")
    assert response.status_code == (403 if role is Role.LINK_WORKER else 200)


def test_small_counts_are_hidden_and_rare_interests_unnamed(client, database, needs) -> None:
    _sign_in(client, database, Role.COMMUNITY_BUILDER)
    response = client.get("/gaps/unmet")
    html, text = response.get_data(as_text=True), _text(response)
    assert "14 searches found fewer than three groups" in text
    assert re.search(r"knitting\s*</th>\s*<td[^>]*>7<", html)
    assert "Step-free access" in text
    # Asked for twice: never named, counted under "Other interests" as "fewer than 5".
    assert "boat building" not in html
    assert re.search(r"Other interests\s*</th>\s*<td[^>]*>fewer than 5<", html)
    # What people typed is escaped, never markup.
    assert "<b>loud</b>" not in html and "&lt;b&gt;loud&lt;/b&gt;" in html
    # The 12-month view includes the older search.
    year = _text(client.get("/gaps/unmet?days=365"))
    assert "15 searches" in year


def test_a_period_not_on_the_list_is_a_form_error(client, database, needs) -> None:
    _sign_in(client, database, Role.COMMUNITY_BUILDER)
    response = client.get("/gaps/unmet?days=7")
    assert response.status_code == 400
    assert "Choose a period from the list" in _text(response)
    assert 'href="#days"' in response.get_data(as_text=True)


@pytest.mark.only_backend("spatialite")
def test_a_community_builder_reads_the_unmet_needs(page: Page, database, needs) -> None:
    with database.session() as session:
        create_user(session, "cb@example.org", Role.COMMUNITY_BUILDER, password=PASSWORD)
    page.goto("/login")
    page.fill("#email", "cb@example.org")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Sign in')")
    page.click("text=Gaps")
    page.click("text=What people asked for")
    expect(page.locator("h1")).to_contain_text("What people asked for and could not find")
    expect(page.locator("#by-interest")).to_contain_text("Other interests")
    assert axe_violations(page) == []
    screenshot(page, "gaps-unmet")
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_referrals_and_declines_for_capacity_are_shown_as_demand(client, database) -> None:
    from assetmap.models import DeclineReason, ReferralState
    from tests.referrals.builders import add_case, add_referral

    sent = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    with database.session() as session:
        for n in range(8):
            case = add_case(session, area="E01000001", last_activity=sent)
            full = n < 3
            add_referral(
                session,
                case,
                sent,
                state=ReferralState.DECLINED if full else ReferralState.SENT,
                decline=DeclineReason.FULL if full else None,
            )
    _sign_in(client, database, Role.COMMUNITY_BUILDER)
    text = _text(client.get("/gaps/unmet"))
    assert "Referrals, and groups too full to take them" in text
    assert "E01000001 8 fewer than 5" in text
