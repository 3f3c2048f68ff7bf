"""Whose searches count: unmet needs and how often listings come up (issue 19, item 5).

Both feed what staff act on (gap analysis, the order of the re-verification queue), so only
a signed-in link worker's searches count, by the page or with a link worker's API token, and
each person's same search once a day however often it is reloaded, paged or sent again from
another browser. Anonymous pages and API calls write nothing. Both backends.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assetmap.accounts.users import create_api_token, create_user
from assetmap.models import ListingActivity, Organisation, Role, UnmetNeed
from tests.factories import listing
from tests.web.signed_in import sign_in_as

ANYONE = {"gender": "any", "min_age": None}
#: One group fits (so the need is unmet: fewer than three) and comes up in the results.
SEARCH = [("postcode", "NW5 1AA"), ("interests", "knitting"), ("mode", "walk")]
PROFILE = {
    "location": {"postcode": "NW5 1AA"},
    "interests": ["knitting"],
    "mobility": {"modes": ["walk"], "max_travel_minutes": 30},
}


@pytest.fixture
def knit(add_groups) -> int:
    (group_id,) = add_groups(
        listing("Knit and Natter", at="NW5 1AA", interests=["knitting"], audience=ANYONE)
    )
    return group_id


def written(database) -> tuple[int, int, int]:
    """Unmet-need rows, and the listings' matched and planned counts, as committed."""
    with database.session() as session:
        unmet = session.scalar(select(func.count()).select_from(UnmetNeed)) or 0
        matched, planned = session.execute(
            select(
                func.coalesce(func.sum(ListingActivity.matched), 0),
                func.coalesce(func.sum(ListingActivity.planned), 0),
            )
        ).one()
    return unmet, int(matched), int(planned)


def staff(database, role: Role = Role.LINK_WORKER) -> tuple[int, str]:
    """A staff account's id and an API token of theirs."""
    organisations = ["Kentish Town Trust"] if role is Role.ORGANISER else []
    with database.session() as session:
        session.add_all(Organisation(name=name) for name in organisations)
        user = create_user(session, f"{role.value}@example.org", role, organisations=organisations)
        token = create_api_token(session, user)
        return user.id, token


def signed_in(app, user_id: int) -> FlaskClient:
    """A new browser (its own cookie jar) signed in as the account."""
    client = app.test_client()
    sign_in_as(client, user_id)
    return client


def match_url(*extra: tuple[str, str]) -> str:
    return "/match?" + urlencode([*SEARCH, *extra])


def plan_url(group_id: int) -> str:
    return "/match/plan?" + urlencode([*SEARCH, ("choose", str(group_id))])


# ---- anonymous requests write nothing --------------------------------------------------------


def test_anonymous_api_matches_write_no_unmet_need_and_no_activity(app, database, knit):
    client = app.test_client()
    for _ in range(3):
        response = client.post("/api/v1/match", json=PROFILE)
        assert response.status_code == 200
        assert [r["group"]["id"] for r in response.get_json()["results"]] == [knit]
        assert response.get_json()["unmet_need_recorded"] is False
    assert written(database) == (0, 0, 0)


def test_cookieless_match_and_plan_pages_write_nothing(app, database, knit):
    for _ in range(3):
        client = app.test_client()  # no cookie: every request a new visitor
        page = client.get(match_url())
        assert page.status_code == 200
        assert "Knit and Natter" in page.get_data(as_text=True)
        assert client.get(plan_url(knit)).status_code == 200
    assert written(database) == (0, 0, 0)


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.COMMUNITY_BUILDER, Role.ADMIN])
def test_other_roles_searches_are_not_counted(app, database, knit, role):
    user_id, token = staff(database, role)
    assert signed_in(app, user_id).get(match_url()).status_code == 200
    headers = {"Authorization": f"Bearer {token}"}
    assert app.test_client().post("/api/v1/match", json=PROFILE, headers=headers).status_code == 200
    assert written(database) == (0, 0, 0)


# ---- a link worker's search counts once a day ------------------------------------------------


def test_a_link_workers_search_counts_once_however_often_it_is_shown(app, database, knit):
    user_id, _ = staff(database)
    browser = signed_in(app, user_id)
    first = browser.get(match_url())
    assert "noted the gap anonymously" in first.get_data(as_text=True)
    assert written(database) == (1, 1, 0)
    # A reload, more results of the same search, and the same search from another browser.
    again = browser.get(match_url())
    assert "noted the gap anonymously" in again.get_data(as_text=True)
    browser.get(match_url(("show", "20")))
    signed_in(app, user_id).get(match_url())
    assert written(database) == (1, 1, 0)
    # Another need is another count.
    browser.get("/match?" + urlencode([*SEARCH[:1], ("interests", "pottery"), ("mode", "walk")]))
    assert written(database)[0] == 2


def test_a_link_workers_api_search_counts_once(app, database, knit):
    _, token = staff(database)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    first = client.post("/api/v1/match", json=PROFILE, headers=headers).get_json()
    assert first["unmet_need_recorded"] is True
    client.post("/api/v1/match", json={**PROFILE, "limit": 5}, headers=headers)
    client.post("/api/v1/match", json=PROFILE, headers=headers)
    assert written(database) == (1, 1, 0)


def test_two_link_workers_same_search_is_two_peoples_need(app, database, knit):
    first, _ = staff(database)
    with database.session() as session:
        second = create_user(session, "other@example.org", Role.LINK_WORKER).id
    signed_in(app, first).get(match_url())
    signed_in(app, second).get(match_url())
    assert written(database) == (2, 2, 0)


def test_a_link_workers_plan_counts_once(app, database, knit):
    user_id, _ = staff(database)
    browser = signed_in(app, user_id)
    for _ in range(3):
        assert browser.get(plan_url(knit)).status_code == 200
    signed_in(app, user_id).get(plan_url(knit))
    assert written(database) == (0, 0, 1)
