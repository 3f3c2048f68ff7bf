"""A person's own API tokens page (issue 19, item 3): listed without the tokens, made and
shown once, revoked; nobody else's reachable from it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from assetmap.accounts.tokens import check_token, create_api_token
from assetmap.accounts.users import create_user
from assetmap.models import ApiToken, User
from tests.web.test_auth import PASSWORD, csrf_token, sign_in


@pytest.fixture
def people(database):
    with database.sessions() as session:
        create_user(session, "jo@example.org", "link_worker", password=PASSWORD)
        create_user(session, "sam@example.org", "link_worker", password=PASSWORD)
        session.commit()


def _make(client, **fields: str):
    token = csrf_token(client, "/account/tokens")
    return client.post("/account/tokens", data={**fields, "csrf_token": token})


def test_signing_in_is_needed(client, people) -> None:
    response = client.get("/account/tokens")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_token_is_made_shown_once_and_then_listed_without_it(client, database, people):
    sign_in(client, "jo@example.org")
    made = _make(client, name="My spreadsheet", days="30")
    assert made.status_code == 201
    assert made.headers["Cache-Control"] == "no-store"
    shown = re.search(r'id="new-token-value">(am_[^<]+)<', made.get_data(as_text=True))
    assert shown
    token = shown.group(1)
    with database.sessions() as session:
        assert check_token(session, token).user.email == "jo@example.org"
    listed = client.get("/account/tokens").get_data(as_text=True)
    assert "My spreadsheet" in listed and token not in listed
    assert token not in (client.get_cookie("session").value)


def test_a_bad_number_of_days_is_refused_beside_the_field(client, database, people) -> None:
    sign_in(client, "jo@example.org")
    answer = _make(client, name="x", days="1000")
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert 'id="days-error"' in page and "from 1 to 366" in page
    with database.sessions() as session:
        assert session.scalar(select(ApiToken.id)) is None


def test_a_token_is_revoked_from_the_page(client, database, people) -> None:
    with database.sessions() as session:
        jo = session.scalar(select(User).where(User.email == "jo@example.org"))
        token = create_api_token(session, jo, "old one")
        session.commit()
        token_id = session.scalar(select(ApiToken.id))
    sign_in(client, "jo@example.org")
    assert f'id="revoke-{token_id}"' in client.get("/account/tokens").get_data(as_text=True)
    csrf = csrf_token(client, "/account/tokens")
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 400  # no CSRF
    answer = client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert answer.status_code == 303
    with database.sessions() as session:
        assert check_token(session, token).user is None
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "Revoked" in page and f'id="revoke-{token_id}"' not in page


def test_nobody_revokes_someone_elses_token_from_their_own_page(client, database, people):
    with database.sessions() as session:
        jo = session.scalar(select(User).where(User.email == "jo@example.org"))
        token = create_api_token(session, jo)
        session.commit()
        token_id = session.scalar(select(ApiToken.id))
    sign_in(client, "sam@example.org")
    csrf = csrf_token(client, "/account/tokens")
    for number in (token_id, 2**64, 10**40):
        answer = client.post(f"/account/tokens/{number}/revoke", data={"csrf_token": csrf})
        assert answer.status_code == 404
    assert "old one" not in client.get("/account/tokens").get_data(as_text=True)
    with database.sessions() as session:
        assert check_token(session, token).user is not None
