"""The API refuses a token that has expired, been revoked or whose account is deactivated
(issue 19, item 3): a 401 in the API's error shape that says which."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from assetmap.accounts.access import deactivate
from assetmap.accounts.tokens import create_api_token, revoke_token
from assetmap.accounts.users import create_user
from assetmap.models import ApiToken, Role
from tests.factories import listing


@pytest.fixture
def group_path(add_groups) -> str:
    (group_id,) = add_groups(listing("Knitting Circle", at="NW5 1AA"))
    return f"/api/v1/groups/{group_id}"


def _read(client, path: str, token: str):
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def _refusal(response) -> dict:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    return response.get_json()["error"]


def test_an_expired_token_is_refused_saying_so(client, database, group_path) -> None:
    with database.sessions() as session:
        user = create_user(session, "worker@example.org", Role.LINK_WORKER)
        made = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
        old = create_api_token(session, user, "old", days=30, now=made)
        fresh = create_api_token(session, user, "fresh", days=30)
        session.commit()
    assert _read(client, group_path, fresh).status_code == 200
    error = _refusal(_read(client, group_path, old))
    assert error["code"] == "token_expired" and "expired" in error["message"]


def test_a_revoked_token_is_refused_saying_so(client, database, group_path) -> None:
    with database.sessions() as session:
        user = create_user(session, "worker@example.org", Role.LINK_WORKER)
        token = create_api_token(session, user)
        session.commit()
        assert _read(client, group_path, token).status_code == 200
        revoke_token(session, user, session.scalar(select(ApiToken.id)))
        session.commit()
    error = _refusal(_read(client, group_path, token))
    assert error["code"] == "token_revoked" and "revoked" in error["message"]


def test_a_deactivated_accounts_token_is_refused(client, database, group_path) -> None:
    with database.sessions() as session:
        user = create_user(session, "worker@example.org", Role.LINK_WORKER)
        token = create_api_token(session, user)
        deactivate(session, None, user)
        session.commit()
    error = _refusal(_read(client, group_path, token))
    assert error["code"] == "account_deactivated"


def test_a_token_nobody_made_is_refused_as_before(client, database, group_path) -> None:
    error = _refusal(_read(client, group_path, "am_madeup"))
    assert error["code"] == "unauthorised" and error["field"] is None
