"""The whole referral loop in a real browser, as issue 15 asks for it.

A link worker matches a person, opens a case from the results and refers two groups; the
organiser of one accepts by the emailed link and the other's declines (full); matching then
shows the place the accepted referral takes; two weeks later the scheduler's job opens the
follow-up, which the link worker records with the person's ONS4 scores. axe checks every page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from assetmap.accounts.users import create_user
from assetmap.jobs.scheduler import follow_up_job, leadership_lock
from assetmap.models import (
    DeclineReason,
    FollowUp,
    OutboxMessage,
    Referral,
    ReferralState,
    Wellbeing,
    WellbeingStage,
)
from assetmap.web.context import set_clock
from tests.factories import listing
from tests.web.conftest import axe_violations, screenshot

PASSWORD = "correct horse battery"
#: A Tuesday morning in December (UK time is UTC in winter).
START = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
ANYONE = {"min_age": None, "max_age": None, "gender": "any", "languages": ["en"]}
MATCH = "/match?postcode=NW5+1AA&mode=walk&minutes=30"


def _groups(add_groups) -> tuple[int, int]:
    return tuple(
        add_groups(
            listing(
                "Tuesday Men's Shed",
                audience=ANYONE,
                contact={"name": "Jo", "phone": None, "email": "jo@ktcc.example", "website": None},
                capacity={
                    "total_places": 10,
                    "places_taken": 7,
                    "waiting_list": 0,
                    "complex_needs_places": 1,
                    "complexity_supported": 2,
                },
            ),
            listing(
                "Gospel Oak Walkers",
                organisation="Gospel Oak Trust",
                categories=["active"],
                audience=ANYONE,
                contact={"name": "Pat", "phone": None, "email": "pat@go.example", "website": None},
            ),
        )
    )


def _sign_in(page: Page) -> None:
    page.goto("/login")
    page.fill("#email", "sam@scheme.example")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Sign in')")


def _answer_link(database, group_name: str) -> str:
    with database.session() as session:
        bodies = session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.subject == f"A referral to {group_name}")
        ).all()
    (body,) = bodies
    return "/referral/" + body.split("/referral/")[1].split()[0]


def _clean(page: Page, where: str) -> None:
    assert axe_violations(page) == [], where


@pytest.mark.only_backend("spatialite")
def test_match_refer_answer_hold_and_follow_up(
    page: Page, browser: Browser, server: str, app, config, database, add_groups
) -> None:
    shed, walkers = _groups(add_groups)
    moment = {"now": START}
    set_clock(app, lambda: moment["now"])
    with database.session() as session:
        create_user(
            session, "sam@scheme.example", "link_worker", name="Sam", password=PASSWORD, team="N"
        )

    # The link worker matches the person and opens a case from the results.
    _sign_in(page)
    page.goto(MATCH)
    expect(page.locator(f"#card-{shed}")).to_contain_text("3 places free")
    _clean(page, "match")
    with page.expect_navigation():
        page.click("#open-case")
    page.fill("#reference", "NS-0042")
    page.fill("#initials", "JS")
    page.fill("#contact_preference", "Phone after 2pm")
    _clean(page, "new case")
    with page.expect_navigation():
        page.click("#case-submit")
    case_url = page.url
    assert "NS-0042" not in case_url and "NW5" not in case_url

    # Two referrals from the case's shortlist.
    for group in (shed, walkers):
        with page.expect_navigation():
            page.locator(f"#shortlist-{group} button").click()
        expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
            "we emailed the organiser"
        )
    _clean(page, "case with two referrals")
    screenshot(page, "referral-journey-case")

    # The organisers answer by their emailed links, with no account, in a browser of their own.
    organiser = browser.new_context(base_url=server).new_page()
    moment["now"] = START + dt.timedelta(hours=3)
    organiser.goto(_answer_link(database, "Tuesday Men's Shed"))
    expect(organiser.locator("main")).to_contain_text("JS")
    expect(organiser.locator("main")).to_contain_text("Phone after 2pm")
    _clean(organiser, "referral link")
    with organiser.expect_navigation():
        organiser.click("#accept")
    expect(organiser.locator("main")).to_contain_text("Thank you")
    organiser.goto(_answer_link(database, "Gospel Oak Walkers"))
    organiser.check("#reason-full")
    with organiser.expect_navigation():
        organiser.click("#decline")
    organiser.context.close()
    with database.session() as session:
        states = dict(session.execute(select(Referral.group_id, Referral.state)).all())
        declined = session.scalars(select(Referral).where(Referral.group_id == walkers)).one()
        assert declined.decline_reason is DeclineReason.FULL
    assert states == {shed: ReferralState.ACCEPTED, walkers: ReferralState.DECLINED}

    # Matching now counts the place the accepted referral takes: 10 - 7 - 1.
    page.goto(MATCH)
    expect(page.locator(f"#card-{shed}")).to_contain_text("2 places free")

    # Two weeks on, the scheduler's job opens the follow-up call.
    moment["now"] = START + dt.timedelta(days=15)
    job = follow_up_job(database, config, leadership_lock(database), lambda: moment["now"])
    job()
    with database.session() as session:
        follow_up = session.scalars(select(FollowUp)).one()
        assert follow_up.weeks == 2
    # Two weeks is past any session's lifetime: the link worker is asked to sign in again.
    page.goto("/follow-ups")
    assert "/login" in page.url
    _sign_in(page)
    page.goto("/follow-ups")
    _clean(page, "follow-ups")
    with page.expect_navigation():
        page.locator(f"#follow-up-{follow_up.id} a", has_text="Record the 2-week call").click()
    page.check("#attended-yes")
    page.check("#still_going-yes")
    for question, score in (
        ("life_satisfaction", "7"),
        ("worthwhile", "6"),
        ("happiness", "8"),
        ("anxiety", "3"),
    ):
        page.select_option(f"#{question}", score)
    _clean(page, "record the call")
    with page.expect_navigation():
        page.click("button:has-text('Save the call')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Follow-up recorded.")
    with database.session() as session:
        scores = session.scalars(select(Wellbeing)).one()
        assert scores.stage is WellbeingStage.FOLLOW_UP
        assert (scores.life_satisfaction, scores.worthwhile, scores.happiness, scores.anxiety) == (
            7,
            6,
            8,
            3,
        )
        assert scores.ucla_companionship is None  # not asked, recorded as not asked
        state = session.scalars(select(Referral.state).where(Referral.group_id == shed)).one()
        assert state is ReferralState.STILL_GOING
    page.goto(case_url)
    _clean(page, "case after the follow-up")
    screenshot(page, "referral-journey-followed-up")
