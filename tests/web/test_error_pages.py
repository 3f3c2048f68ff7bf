"""Errors in the site's layout with a way back, never a bare server page; JSON on the API."""

from __future__ import annotations

import pytest

from assetmap import create_app
from assetmap.accounts.users import create_user
from assetmap.models import Role
from tests.web.signed_in import sign_in_as


def test_a_missing_page_is_a_404_in_the_sites_layout(client) -> None:
    response = client.get("/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in html and 'class="am-header' in html
    assert 'href="/"' in html  # a way back to finding a group


def test_a_page_for_another_role_is_a_403_in_the_sites_layout(client, database) -> None:
    with database.session() as session:
        user_id = create_user(session, "lw@example.org", Role.LINK_WORKER).id
    sign_in_as(client, user_id)
    response = client.get("/admin/changes")
    assert response.status_code == 403
    assert "You cannot open this page" in response.get_data(as_text=True)


def test_the_api_still_answers_json(client) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.only_backend("spatialite")
def test_a_server_error_is_apologised_for_in_the_sites_layout(database) -> None:
    app = create_app({"database_url": database.config.database_url, "testing": True})
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/broken")
    def broken() -> str:
        raise RuntimeError("a bug")

    response = app.test_client().get("/broken")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, something went wrong on our side" in html and "a bug" not in html


# ---- a 405 says which methods the address takes ----------------------------------------------


def _methods(response) -> set[str]:
    return {method.strip() for method in response.headers.get("Allow", "").split(",") if method}


@pytest.mark.parametrize(
    ("method", "path", "allowed", "kind"),
    [
        ("get", "/api/v1/match", {"POST"}, "api"),
        ("delete", "/api/v1/groups/1", {"GET", "PATCH"}, "api"),
        ("post", "/openreferral/services", {"GET"}, "oruk"),
        ("delete", "/openreferral/services/1", {"GET"}, "oruk"),
        ("get", "/logout", {"POST"}, "page"),
        ("put", "/match", {"GET"}, "page"),
    ],
)
def test_every_405_keeps_its_allow_header(client, method, path, allowed, kind) -> None:
    """werkzeug's 405 names the methods in ``Allow`` (RFC 9110 says it must); the error
    handlers rebuild the answer in the API's JSON, the ORUK API's JSON or the site's layout,
    and must keep it."""
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert allowed <= _methods(response), response.headers
    if kind == "page":
        assert 'class="am-header' in response.get_data(as_text=True)
    else:
        assert response.get_json()["error"]["message"]
