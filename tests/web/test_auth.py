"""Signing in and out: generic failures, throttling, CSRF, cookies, safe redirects; the one
roles_required guard and the acting user behind every signed-in page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Blueprint
from sqlalchemy import select

from assetmap import create_app
from assetmap.accounts.users import create_user
from assetmap.models import Organisation, Role, User
from assetmap.web.auth import acting_user, limiter, roles_required

PASSWORD = "correct horse battery"


@pytest.fixture
def users(database):
    with database.session() as session:
        session.add(Organisation(name="Kentish Town Community Centre"))
        session.flush()
        create_user(session, "admin@example.org", "admin", password=PASSWORD)
        create_user(
            session,
            "Jo@Example.org",
            "organiser",
            password=PASSWORD,
            organisations=["Kentish Town Community Centre"],
        )
        session.commit()


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "the form carries a CSRF token"
    return match.group(1)


def sign_in(client, email: str, password: str = PASSWORD, next_path: str | None = None) -> Any:
    """Post the sign-in form (with the token from a first visit to it)."""
    token = csrf_token(client)
    client.token = token  # still valid once signed in: the same session
    path = "/login" + (f"?next={next_path}" if next_path else "")
    return client.post(path, data={"email": email, "password": password, "csrf_token": token})


def test_signing_in_sets_a_safe_session_cookie_and_goes_on(client, users) -> None:
    response = sign_in(client, "jo@example.org", next_path="/match")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/match")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_email_case_does_not_matter(client, users) -> None:
    assert sign_in(client, "  JO@example.ORG ").status_code == 302


@pytest.mark.parametrize(
    ("email", "password"),
    [("jo@example.org", "wrong password"), ("nobody@example.org", PASSWORD), ("", "")],
)
def test_failures_say_only_that_something_is_not_right(client, users, email, password) -> None:
    response = sign_in(client, email, password)
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "The email address or password is not right." in page
    assert "no account" not in page.lower()


def test_a_redirect_after_signing_in_never_leaves_the_site(client, users) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\\\evil.example"):
        response = sign_in(client, "jo@example.org", next_path=target)
        assert response.status_code == 302
        assert "evil.example" not in response.headers["Location"]
        client.post("/logout", data={"csrf_token": client.token})


def test_a_form_without_a_valid_csrf_token_is_refused(client, users) -> None:
    missing = client.post("/login", data={"email": "jo@example.org", "password": PASSWORD})
    forged = client.post(
        "/login",
        data={"email": "jo@example.org", "password": PASSWORD, "csrf_token": "forged"},
    )
    for response in (missing, forged):
        assert response.status_code == 400
        assert "The form had expired" in response.get_data(as_text=True)


def test_login_attempts_are_throttled(client, users) -> None:
    statuses = [sign_in(client, "jo@example.org", "wrong password").status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    # The right password does not get through while throttled either.
    assert sign_in(client, "jo@example.org").status_code == 429


def test_signing_out_needs_a_post_with_the_token(client, users) -> None:
    sign_in(client, "jo@example.org")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    response = client.post("/logout", data={"csrf_token": client.token})
    assert response.status_code == 302
    # Signed out: the sign-in form shows again instead of sending them on.
    assert client.get("/login").status_code == 200


def test_the_problem_report_form_needs_its_token(client, add_groups) -> None:
    from tests.factories import listing

    (gid,) = add_groups(listing("Men's Shed", at="NW5 2AA"))
    refused = client.post(f"/groups/{gid}/report", data={"kind": "phone"})
    assert refused.status_code == 400
    token = csrf_token(client, f"/groups/{gid}/report")
    accepted = client.post(f"/groups/{gid}/report", data={"kind": "phone", "csrf_token": token})
    assert accepted.status_code in (200, 302)


# ---- roles_required and the acting user ------------------------------------------------------

ROLE_EMAILS = {role: f"{role.value}@example.org" for role in Role}
PROBES = {
    "/__probe__/admins": {Role.ADMIN},
    "/__probe__/staff": {Role.LINK_WORKER, Role.COMMUNITY_BUILDER, Role.ADMIN},
    "/__probe__/organisers": {Role.ORGANISER, Role.ADMIN},
}


@pytest.fixture
def probed_app(config, database):
    """A fresh app with a view behind each combination of roles the pages use."""
    app = create_app(config)
    probe = Blueprint("probe", __name__)
    for path, roles in PROBES.items():

        def view() -> str:
            return f"acting for {acting_user().email}"

        probe.add_url_rule(path, path, roles_required(*roles)(view))
    app.register_blueprint(probe)
    with database.session() as session:
        session.add(Organisation(name="Kentish Town Community Centre"))
        session.flush()
        for role, email in ROLE_EMAILS.items():
            create_user(
                session,
                email,
                role,
                password=PASSWORD,
                organisations=["Kentish Town Community Centre"] if role is Role.ORGANISER else [],
            )
    limiter.reset()
    yield app
    app.extensions["assetmap.database"].dispose()


@pytest.mark.parametrize("role", list(Role))
def test_roles_required_lets_in_only_the_roles_it_names(probed_app, role) -> None:
    client = probed_app.test_client()
    assert sign_in(client, ROLE_EMAILS[role]).status_code == 302
    for path, roles in PROBES.items():
        response = client.get(path)
        if role in roles:
            assert response.status_code == 200, (role, path)
            assert response.get_data(as_text=True) == f"acting for {ROLE_EMAILS[role]}"
        else:
            assert response.status_code == 403, (role, path)


def test_roles_required_sends_anyone_not_signed_in_to_sign_in(probed_app) -> None:
    client = probed_app.test_client()
    for path in PROBES:
        response = client.get(path)
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]


def test_a_disabled_account_is_signed_out_at_its_next_request(probed_app, database) -> None:
    client = probed_app.test_client()
    sign_in(client, ROLE_EMAILS[Role.ADMIN])
    assert client.get("/__probe__/admins").status_code == 200
    with database.session() as session:
        session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.ADMIN])).active = False
    response = client.get("/__probe__/admins")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---- a lockout an attacker cannot turn on the account's owner (issue 19, item 9) ------------

ATTACKER = {"REMOTE_ADDR": "198.51.100.7"}
OWNER = {"REMOTE_ADDR": "192.0.2.20"}


def _post_login(client, token: str, password: str, where: dict[str, str]) -> int:
    data = {"email": "jo@example.org", "password": password, "csrf_token": token}
    return client.post("/login", data=data, environ_overrides=where).status_code


def test_wrong_passwords_elsewhere_never_lock_the_owner_out(app, users) -> None:
    attacker, owner = app.test_client(), app.test_client()
    token = csrf_token(attacker)
    statuses = [_post_login(attacker, token, f"guess {n}", ATTACKER) for n in range(20)]
    assert statuses[:5] == [401] * 5
    assert set(statuses[5:]) == {429}
    # The owner, from their own client, signs in with the right password at once ...
    assert _post_login(owner, csrf_token(owner), PASSWORD, OWNER) == 302
    # ... while the attacker is still held back, even with the right password.
    assert _post_login(attacker, token, PASSWORD, ATTACKER) == 429


def test_only_failures_count_against_an_address(app, users) -> None:
    client = app.test_client()
    for _ in range(7):  # more than five sign-ins a minute, each one right
        assert sign_in(client, "jo@example.org").status_code == 302
        client.post("/logout", data={"csrf_token": client.token})
