"""Sessions that end (issue 19, item 2): a session cookie copied before sign-out, a password
reset or deactivation no longer opens anything when replayed from another client and
address; sessions end by themselves after the idle time and the maximum lifetime."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from assetmap.accounts.users import create_user, end_sessions
from assetmap.models import User
from assetmap.web.context import set_clock
from tests.web.test_auth import PASSWORD, csrf_token, sign_in
from tests.web.test_invites import NEW_PASSWORD, link_in, mails, set_password

PAGE = "/admin/changes"
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.66"}
START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def admins(database):
    with database.session() as session:
        create_user(session, "admin@example.org", "admin", password=PASSWORD)
        create_user(session, "second@example.org", "admin", password=PASSWORD)


def copied_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def replay(app, cookie: str, path: str = PAGE):
    """The copied cookie, sent from a fresh client at another address."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get(path, environ_overrides=ELSEWHERE)


def refused(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_copied_cookie_opens_the_page_while_signed_in(app, client, admins) -> None:
    sign_in(client, "admin@example.org")
    assert replay(app, copied_cookie(client)).status_code == 200


def test_a_cookie_copied_before_sign_out_no_longer_works(app, client, admins) -> None:
    sign_in(client, "admin@example.org")
    cookie = copied_cookie(client)
    assert client.post("/logout", data={"csrf_token": client.token}).status_code == 302
    assert refused(replay(app, cookie))


def test_signing_out_ends_the_accounts_other_sessions_too(app, admins) -> None:
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "admin@example.org")
    sign_in(phone, "admin@example.org")
    laptop.post("/logout", data={"csrf_token": laptop.token})
    assert refused(phone.get(PAGE))
    # Signing in again afterwards works as ever.
    assert sign_in(phone, "admin@example.org").status_code == 302
    assert phone.get(PAGE).status_code == 200


def test_a_password_reset_through_the_emailed_link_ends_every_session(
    app, client, database, admins
) -> None:
    sign_in(client, "admin@example.org")
    cookie = copied_cookie(client)
    helper = app.test_client()  # the owner, on another device, asks for a reset
    token = csrf_token(helper, "/account/reset")
    helper.post("/account/reset", data={"email": "admin@example.org", "csrf_token": token})
    (message,) = mails(database)
    assert set_password(helper, link_in(message), NEW_PASSWORD).status_code == 302
    assert refused(replay(app, cookie))
    assert refused(client.get(PAGE))
    assert sign_in(helper, "admin@example.org", NEW_PASSWORD).status_code == 302
    assert helper.get(PAGE).status_code == 200


def test_a_deactivated_accounts_copied_cookie_no_longer_works(app, database, admins) -> None:
    victim, admin = app.test_client(), app.test_client()
    sign_in(victim, "second@example.org")
    cookie = copied_cookie(victim)
    sign_in(admin, "admin@example.org")
    with database.session() as session:
        second = session.scalar(select(User).where(User.email == "second@example.org"))
        second_id = second.id
    token = csrf_token(admin, f"/admin/users/{second_id}")
    answer = admin.post(f"/admin/users/{second_id}/deactivate", data={"csrf_token": token})
    assert answer.status_code == 303
    assert refused(replay(app, cookie))
    # Reactivated, the old cookie still does not work: they sign in afresh.
    token = csrf_token(admin, f"/admin/users/{second_id}")
    admin.post(f"/admin/users/{second_id}/reactivate", data={"csrf_token": token})
    assert refused(replay(app, cookie))
    assert sign_in(victim, "second@example.org").status_code == 302


def test_ending_sessions_in_the_database_ends_a_live_one(app, client, database, admins) -> None:
    sign_in(client, "admin@example.org")
    with database.session() as session:
        end_sessions(session.scalar(select(User).where(User.email == "admin@example.org")))
    assert refused(client.get(PAGE))


def test_a_session_id_without_its_generation_is_not_signed_in(app, client, admins) -> None:
    sign_in(client, "admin@example.org")
    with client.session_transaction() as stored:
        number = stored["_user_id"].split(":")[0]
        stored["_user_id"] = number  # a cookie from before sessions carried their generation
    assert refused(client.get(PAGE))


@pytest.mark.parametrize("forged", ["{n}:\u00b2", "x:0", "{n}:", "9" * 40 + ":0", "{n}:1:2"])
def test_a_malformed_session_id_is_not_signed_in_and_never_a_500(app, client, admins, forged):
    sign_in(client, "admin@example.org")
    with client.session_transaction() as stored:
        stored["_user_id"] = forged.format(n=stored["_user_id"].split(":")[0])
    assert refused(client.get(PAGE))


class Clock:
    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment

    def __call__(self) -> dt.datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += dt.timedelta(**delta)


@pytest.fixture
def clock(app) -> Clock:
    pinned = Clock(START)
    set_clock(app, pinned)
    return pinned


def test_a_session_idle_longer_than_the_setting_ends(app, client, admins, clock) -> None:
    idle = app.extensions["assetmap.config"].session_idle_minutes
    sign_in(client, "admin@example.org")
    clock.advance(minutes=idle - 1)
    assert client.get(PAGE).status_code == 200  # still in time, and seen again now
    clock.advance(minutes=idle - 1)
    assert client.get(PAGE).status_code == 200
    cookie = copied_cookie(client)
    clock.advance(minutes=idle + 1)
    assert refused(client.get(PAGE))
    assert refused(replay(app, cookie))


def test_a_session_ends_at_its_maximum_lifetime_however_busy(app, client, admins, clock) -> None:
    config = app.extensions["assetmap.config"]
    sign_in(client, "admin@example.org")
    step = config.session_idle_minutes - 5
    steps = config.session_max_hours * 60 // step
    for _ in range(steps):
        clock.advance(minutes=step)
        assert client.get(PAGE).status_code == 200
    clock.advance(minutes=step)
    assert refused(client.get(PAGE))


def test_the_idle_time_is_a_setting(config, database, admins) -> None:
    from assetmap import create_app

    app = create_app(config.with_overrides({"session_idle_minutes": "5"}))
    pinned = Clock(START)
    set_clock(app, pinned)
    try:
        client = app.test_client()
        sign_in(client, "admin@example.org")
        pinned.advance(minutes=4)
        assert client.get(PAGE).status_code == 200
        pinned.advance(minutes=6)
        assert refused(client.get(PAGE))
    finally:
        app.extensions["assetmap.database"].dispose()


def test_the_last_seen_time_is_rewritten_at_most_once_a_minute(app, client, admins, clock):
    sign_in(client, "admin@example.org")
    clock.advance(seconds=20)
    assert "Set-Cookie" not in client.get(PAGE).headers
    clock.advance(seconds=50)
    assert "session=" in client.get(PAGE).headers.get("Set-Cookie", "")
