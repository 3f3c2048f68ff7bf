"""The follow-up pages: my follow-ups, recording a call, the start-of-case scores; who may
open them, form errors beside the field, and nothing written when the form is wrong."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from assetmap.accounts.users import create_user
from assetmap.config import Config
from assetmap.models import CaseAccess, FollowUp, Referral, ReferralEvent, Wellbeing
from assetmap.models import ReferralState as S
from assetmap.referrals.cases import open_case, parse_case
from assetmap.referrals.followups import open_due_follow_ups
from assetmap.referrals.service import ReferralSettings, move_as, refer
from assetmap.referrals.wellbeing import Scores, record_start
from assetmap.web.context import set_clock
from tests.factories import listing
from tests.web.conftest import axe_violations, screenshot
from tests.web.manage.helpers import SCRIPT, csrf_token, form_fields, sign_in

PASSWORD = "correct horse battery"
SENT = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
ACCEPTED = SENT + dt.timedelta(days=1)
TWO_WEEKS_ON = ACCEPTED + dt.timedelta(weeks=2, hours=3)

GOOD = {
    "attended": "yes",
    "still_going": "yes",
    "life_satisfaction": "7",
    "worthwhile": "not_asked",
    "happiness": "6",
    "anxiety": "2",
    "ucla_companionship": "not_asked",
    "ucla_left_out": "1",
    "ucla_isolated": "not_asked",
}


@dataclass
class World:
    worker: int
    teammate: int
    other_team: int
    organiser: int
    builder: int
    admin: int
    case_id: int
    other_case_id: int
    referral_id: int
    follow_up_id: int


@pytest.fixture
def world(app, database, add_groups) -> World:
    shed, walkers = add_groups(listing(), listing(name="Gospel Oak Walkers"))
    settings = ReferralSettings.of(Config(), "test-secret")
    with database.session() as session:

        def user(email: str, role: str, **kw):
            return create_user(session, email, role, name=email.split("@")[0].title(), **kw)

        worker = user("sam@scheme.example", "link_worker", team="North", password=PASSWORD)
        teammate = user("ali@scheme.example", "link_worker", team="North")
        other_team = user("kim@scheme.example", "link_worker", team="South")
        organiser = user(
            "jo@ktcc.example", "organiser", organisations=["Kentish Town Community Centre"]
        )
        builder = user("cb@scheme.example", "community_builder")
        admin = user("admin@scheme.example", "admin")
        case = open_case(
            session,
            worker,
            parse_case({"reference": f"NS-{SCRIPT}"[:40], "initials": "J.S."}),
            SENT,
        )
        other_case = open_case(session, other_team, parse_case({"reference": "S-1"}), SENT)
        record_start(session, worker, case.id, Scores(4, 5, 3, 8, ucla_left_out=3), SENT)
        referral = refer(session, worker, case.id, shed, SENT, settings).referral
        refer(session, other_team, other_case.id, walkers, SENT, settings)
        move_as(session, organiser, referral.id, S.ACCEPTED, ACCEPTED)
        open_due_follow_ups(session, TWO_WEEKS_ON.date())
        follow_up = session.scalars(select(FollowUp)).one()
        ids = World(
            worker.id,
            teammate.id,
            other_team.id,
            organiser.id,
            builder.id,
            admin.id,
            case.id,
            other_case.id,
            referral.id,
            follow_up.id,
        )
    set_clock(app, lambda: TWO_WEEKS_ON)
    return ids


def _counts(database) -> tuple[int, ...]:
    with database.session() as session:
        return (
            session.scalar(select(func.count()).select_from(CaseAccess)),
            session.scalar(select(func.count()).select_from(ReferralEvent)),
            session.scalar(select(func.count()).select_from(Wellbeing)),
            session.scalar(
                select(func.count()).select_from(FollowUp).where(FollowUp.done_at.is_not(None))
            ),
        )


def test_my_follow_ups_lists_the_call_with_what_to_ask(client, world) -> None:
    sign_in(client, world.worker)
    page = client.get("/follow-ups").get_data(as_text=True)
    assert f'href="/follow-ups/{world.follow_up_id}"' in page
    assert "2-week call, due 16 December 2026" in page
    assert "Did they go along to the group?" in page and "Are they still going?" in page
    assert "Tuesday Men&#39;s Shed" in page and "J.S." in page
    assert SCRIPT not in page and "&lt;script&gt;" in page  # the reference, escaped
    assert 'Follow-ups <span class="am-nav-count">(1' in page


def test_an_empty_list_says_when_calls_appear(client, world) -> None:
    sign_in(client, world.teammate)
    page = client.get("/follow-ups").get_data(as_text=True)
    assert "You have no follow-up calls due" in page and "2 and 6 weeks" in page
    assert "am-nav-count" not in page


def test_recording_the_call_moves_the_referral_and_stores_the_scores(
    client, database, world
) -> None:
    sign_in(client, world.teammate)
    page = client.get(f"/follow-ups/{world.follow_up_id}").get_data(as_text=True)
    assert "Overall, how satisfied are you with your life nowadays?" in page
    assert "Overall, how anxious did you feel yesterday?" in page
    assert "At the start: 4" in page and "At the start: often" in page
    fields = form_fields(page, "record-form")
    for name, value in GOOD.items():
        fields.setlist(name, [value])
    response = client.post(f"/follow-ups/{world.follow_up_id}", data=fields)
    assert response.status_code == 302 and response.location.endswith("/follow-ups")
    with database.session() as session:
        referral = session.get(Referral, world.referral_id)
        assert referral.state is S.STILL_GOING
        row = session.scalars(select(Wellbeing).where(Wellbeing.follow_up_id.is_not(None))).one()
        assert (row.life_satisfaction, row.worthwhile, row.anxiety, row.ucla_left_out) == (
            7,
            None,
            2,
            1,
        )
        follow_up = session.get(FollowUp, world.follow_up_id)
        assert (follow_up.attended, follow_up.still_going) == (True, True)
        assert session.scalar(
            select(func.count()).select_from(CaseAccess).where(CaseAccess.user_id == world.teammate)
        )  # opening the call's page is audited
    assert "Follow-up recorded." in client.get("/follow-ups").get_data(as_text=True)
    again = client.post(f"/follow-ups/{world.follow_up_id}", data=fields)
    assert again.status_code == 409
    assert "recorded already" in again.get_data(as_text=True)
    assert "was recorded on" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"anxiety": "12"}, "anxiety", "must be a whole number from 0 to 10"),
        ({"happiness": ""}, "happiness", "Choose a score from 0 to 10, or Not asked"),
        ({"ucla_isolated": "5"}, "ucla_isolated", "must be a whole number from 1 to 3"),
        ({"attended": ""}, "attended", "Choose yes, no or not asked"),
        ({"still_going": "no"}, "stop_reason", "Say why they stopped going"),
        ({"attended": "not_asked"}, "still_going", "Say they went along before"),
    ],
)
def test_a_wrong_answer_is_shown_beside_its_field_and_nothing_is_written(
    client, database, world, changes, field, message
) -> None:
    sign_in(client, world.worker)
    data = {
        **GOOD,
        **changes,
        "csrf_token": csrf_token(client, f"/follow-ups/{world.follow_up_id}"),
    }
    before = _counts(database)  # the audit of opening the page included
    response = client.post(f"/follow-ups/{world.follow_up_id}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in page and message in page
    assert "Nothing has been saved" in page
    assert _counts(database) == before
    # What was chosen is still chosen.
    assert 'value="7" selected' in page


def test_the_start_of_case_scores_are_saved_and_shown_again(client, database, world) -> None:
    sign_in(client, world.worker)
    path = f"/cases/{world.case_id}/wellbeing"
    page = client.get(path).get_data(as_text=True)
    assert 'value="4" selected' in page  # what was recorded
    fields = form_fields(page, "wellbeing-form")
    fields.setlist("anxiety", ["not_asked"])
    response = client.post(path, data=fields)
    assert response.status_code == 302
    with database.session() as session:
        row = session.scalars(select(Wellbeing)).one()
        assert (row.life_satisfaction, row.anxiety) == (4, None)
    bad = client.post(path, data={**fields.to_dict(), "worthwhile": "x"})
    assert bad.status_code == 400 and 'id="worthwhile-error"' in bad.get_data(as_text=True)
    with database.session() as session:
        assert session.scalars(select(Wellbeing)).one().worthwhile == 5


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("worker", 200),
        ("teammate", 200),
        ("admin", 200),
        ("other_team", 404),
        ("organiser", 403),
        ("builder", 403),
    ],
)
def test_who_may_open_the_pages(client, world, who, status) -> None:
    sign_in(client, getattr(world, who))
    assert client.get(f"/follow-ups/{world.follow_up_id}").status_code == status
    assert client.get(f"/cases/{world.case_id}/wellbeing").status_code == status
    assert client.get("/follow-ups").status_code == (403 if status == 403 else 200)


def test_another_team_cannot_record_and_nobody_signed_out_sees_anything(
    client, database, world
) -> None:
    sign_in(client, world.other_team)
    token = csrf_token(client, "/follow-ups")
    before = _counts(database)
    data = {**GOOD, "csrf_token": token}
    assert client.post(f"/follow-ups/{world.follow_up_id}", data=data).status_code == 404
    assert client.post(f"/cases/{world.case_id}/wellbeing", data=data).status_code == 404
    assert client.get(f"/follow-ups/{world.follow_up_id + 99}").status_code == 404
    assert _counts(database) == before
    sign_in(client, world.worker)
    assert client.get(f"/cases/{world.other_case_id}/wellbeing").status_code == 404
    with client.session_transaction() as session:
        session.clear()
    response = client.get("/follow-ups")
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.only_backend("spatialite")
def test_a_link_worker_records_the_call_at_320_px(page: Page, database, world) -> None:
    """In Chromium at 320 px: the list, a wrong answer beside its question, then the call
    saved; axe finds nothing on either page and nothing reaches past the screen's edge."""
    page.set_viewport_size({"width": 320, "height": 900})
    page.goto("/login")
    page.fill("#email", "sam@scheme.example")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Sign in')")
    page.goto("/follow-ups")
    expect(page.locator(".am-nav-count")).to_contain_text("1")
    card = page.locator(f"#follow-up-{world.follow_up_id}")
    expect(card).to_contain_text("Did they go along to the group?")
    assert axe_violations(page) == []
    with page.expect_navigation():
        card.locator("a", has_text="Record the 2-week call").click()
    page.check("#attended-yes")
    page.check("#still_going-yes")
    page.select_option("#life_satisfaction", "7")
    page.select_option("#worthwhile", "not_asked")
    page.select_option("#happiness", "6")
    with page.expect_navigation():
        page.click("button:has-text('Save the call')")  # anxiety left unanswered
    expect(page.locator("#anxiety-error")).to_contain_text("Choose a score from 0 to 10")
    expect(page.locator("#life_satisfaction")).to_have_value("7")
    expect(page.locator("#life_satisfaction-hint")).to_have_text("At the start: 4")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.select_option("#anxiety", "2")
    page.locator("#anxiety").scroll_into_view_if_needed()
    screenshot(page, "follow-up")
    with page.expect_navigation():
        page.click("button:has-text('Save the call')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Follow-up recorded.")
    expect(page.locator("#no-follow-ups")).to_be_visible()
    with database.session() as session:
        assert session.get(Referral, world.referral_id).state is S.STILL_GOING
