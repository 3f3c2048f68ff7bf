"""Signing in and out: generic failures, throttling, CSRF, cookies, safe redirects."""

from __future__ import annotations

import re
from typing import Any

import pytest

from assetmap.accounts.users import create_user
from assetmap.models import Organisation

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
