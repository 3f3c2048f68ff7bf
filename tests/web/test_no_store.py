"""Answers carrying a person's data are never cached (issue 19, item 9; ``web.security``).

The match page's address holds a person's postcode and needs, the plan and its calendar the
same, cases and follow-ups their details: a shared computer's browser cache or a proxy must
not keep them. Every such page and API answer, errors included, says ``Cache-Control:
no-store``; public pages do not (they may be cached). Both backends.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient

from assetmap.accounts.users import create_api_token, create_user
from assetmap.models import User
from tests.web.referral_helpers import make_referral
from tests.web.signed_in import sign_in_as

PERSON = [("postcode", "NW5 1AA"), ("interests", "woodwork"), ("mode", "walk")]


@pytest.fixture
def world(app, database, add_groups):
    referred = make_referral(database, app, add_groups)
    with database.session() as session:
        token = create_api_token(session, session.get(User, referred.link_worker))
    return referred, token


def as_user(app, user_id: int) -> FlaskClient:
    client = app.test_client()
    sign_in_as(client, user_id)
    return client


def assert_no_store(response, what: str) -> None:
    assert response.status_code < 500, what
    assert "no-store" in response.headers.get("Cache-Control", ""), (what, response.headers)


def test_the_match_plan_and_calendar_are_never_cached(app, world):
    referred, _ = world
    anyone = app.test_client()
    plan = urlencode([*PERSON, ("choose", str(referred.ours))])
    answers = {
        "match": anyone.get("/match?" + urlencode(PERSON)),
        "match with an error": anyone.get("/match?postcode=NW5+9ZZ"),
        "plan": anyone.get("/match/plan?" + plan),
        "plan calendar": anyone.get("/match/plan/calendar.ics?" + plan),
        "plan email": as_user(app, referred.link_worker).post("/match/plan/email?" + plan),
        "match API": anyone.post("/api/v1/match", json={"location": {"postcode": "NW5 1AA"}}),
        "match API error": anyone.post("/api/v1/match", json={"location": {}}),
    }
    for what, response in answers.items():
        assert_no_store(response, what)
    assert answers["match"].headers["Pragma"] == "no-cache"


def test_cases_follow_ups_and_referrals_are_never_cached(app, world):
    referred, token = world
    worker = as_user(app, referred.link_worker)
    case = referred.case_id
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    answers = {
        "cases": worker.get("/cases"),
        "case": worker.get(f"/cases/{case}"),
        "new case": worker.get("/cases/new"),
        "case edit": worker.get(f"/cases/{case}/edit"),
        "follow-ups": worker.get("/follow-ups"),
        "wellbeing": worker.get(f"/cases/{case}/wellbeing"),
        "organiser's referrals": as_user(app, referred.organiser).get("/my/referrals"),
        "API cases": api.get("/api/v1/cases", headers=bearer),
        "API case": api.get(f"/api/v1/cases/{case}", headers=bearer),
        "API referral": api.get(f"/api/v1/referrals/{referred.referral_id}", headers=bearer),
        "API missing case": api.get("/api/v1/cases/999999", headers=bearer),
        "organiser's link": api.get(f"/referral/{referred.token}"),
    }
    for what, response in answers.items():
        assert_no_store(response, what)


def test_admins_case_pages_are_never_cached(app, database, world):
    referred, _ = world
    with database.session() as session:
        admin = create_user(session, "admin@example.org", "admin").id
    client = as_user(app, admin)
    assert_no_store(client.get("/admin/cases"), "admin cases")
    assert_no_store(client.get(f"/admin/cases/{referred.case_id}"), "admin case")


def test_public_pages_may_still_be_cached(app, world):
    referred, _ = world
    anyone = app.test_client()
    for path in ["/", f"/groups/{referred.ours}", "/api/v1/groups", "/openreferral/services"]:
        response = anyone.get(path)
        assert response.status_code == 200, path
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
