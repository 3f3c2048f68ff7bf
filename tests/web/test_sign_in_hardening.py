"""Signing in, hardened: cookies only over HTTPS when the site is served over HTTPS, and a
``next`` with control characters (a CR/LF header injection, a tab browsers drop) refused like
an off-site one, never a 500 and never a line break in ``Location``."""

from __future__ import annotations

import pytest
from flask import Flask

from assetmap import create_app
from assetmap.web.context import OWN_WRITES_COOKIE
from tests.web.test_auth import sign_in, users

__all__ = ["users"]  # a fixture

HTTPS = "https://map.example.org"


def _cookies(response) -> dict[str, str]:
    """Each Set-Cookie of the response by cookie name."""
    return {h.partition("=")[0]: h for h in response.headers.getlist("Set-Cookie")}


@pytest.mark.parametrize(
    "settings, secure",
    [
        ({}, False),
        ({"public_url": "http://map.example.org"}, False),
        ({"public_url": HTTPS}, True),
        ({"public_url": "HTTPS://map.example.org"}, True),
        ({"public_url": "http://map.example.org", "secure_cookies": True}, True),
    ],
)
def test_the_session_cookie_is_secure_when_the_public_url_is_https(
    app: Flask, config, users, settings, secure
) -> None:
    client = create_app(config.with_overrides(settings)).test_client()
    response = sign_in(client, "jo@example.org")
    assert response.status_code == 302
    cookie = _cookies(response)["session"]
    assert ("; Secure" in cookie) is secure, cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.only_backend("postgis")
def test_the_own_writes_cookie_is_secure_when_the_public_url_is_https(
    app: Flask, config, users
) -> None:
    """The replica's own-writes cookie (set after a browser's write) too; the database is its
    own "replica" here, which is all the cookie needs."""
    settings = {"public_url": HTTPS, "database_read_url": config.database_url}
    client = create_app(config.with_overrides(settings)).test_client()
    response = sign_in(client, "jo@example.org")
    cookie = _cookies(response)[OWN_WRITES_COOKIE]
    assert "; Secure" in cookie, cookie


INJECTED = [
    "/%0d%0aSet-Cookie:x=1",
    "/%0aSet-Cookie:x=1",
    "/match%0d%0aLocation:%20https://evil.example",
    "/%09/evil.example",  # browsers drop the tab: "//evil.example", another site
    "/%00",
    "/%c2%85",  # NEL, a C1 control
]


@pytest.mark.parametrize("target", INJECTED)
def test_signing_in_with_a_next_holding_control_characters_goes_to_the_search(
    client, users, target
) -> None:
    response = sign_in(client, "jo@example.org", next_path=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Set-Cookie: x" not in str(response.headers)
    assert "x=1" not in response.headers.getlist("Set-Cookie")


@pytest.mark.parametrize("target", INJECTED)
def test_a_signed_in_visit_to_login_with_such_a_next_goes_to_the_search(
    client, users, target
) -> None:
    assert sign_in(client, "jo@example.org").status_code == 302
    response = client.get(f"/login?next={target}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_plain_next_on_the_site_is_still_followed(client, users) -> None:
    response = sign_in(client, "jo@example.org", next_path="/match%3Fpostcode%3DNW5")
    assert response.headers["Location"] == "/match?postcode=NW5"
    assert client.get("/login?next=/my/groups").headers["Location"] == "/my/groups"
