"""What an API request without a cookie skips (issue 18), and what must still hold: limited
routes still limit, a signed-in browser and a token still work, links stay absolute."""

from __future__ import annotations

import re

import pytest

from assetmap import create_app
from assetmap.accounts.users import create_api_token, create_user
from assetmap.models import Role
from tests.factories import listing
from tests.web.test_auth import PASSWORD, sign_in, users  # noqa: F401 (a fixture)


def _reset_token(client) -> str:
    html = client.get("/account/reset").get_data(as_text=True)
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_an_anonymous_api_read_carries_no_limit_and_sets_no_cookie(client, add_groups) -> None:
    add_groups(listing("Knitting Circle", at="NW5 1AA"))
    response = client.get("/api/v1/groups?view=markers")
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response.headers
    assert "Set-Cookie" not in response.headers


def test_the_reset_form_still_limits_each_client(client, users) -> None:  # noqa: F811
    token = _reset_token(client)
    statuses = [
        client.post("/account/reset", data={"email": "a@example.org", "csrf_token": token})
        for _ in range(11)
    ]
    assert [r.status_code for r in statuses[:10]] != [429] * 10
    assert 429 not in [r.status_code for r in statuses[:10]]
    assert statuses[10].status_code == 429
    assert statuses[0].headers["X-RateLimit-Limit"] == "10"


def test_a_signed_in_browser_is_still_known(client, users) -> None:  # noqa: F811
    assert client.get("/admin/freshness").status_code == 302  # no cookie: sign in first
    assert sign_in(client, "admin@example.org").status_code == 302
    assert client.get("/admin/freshness").status_code == 200
    assert client.get("/api/v1/groups").status_code == 200  # the API with the cookie too


def test_a_token_still_signs_in_an_api_read(client, database, add_groups) -> None:
    (group_id,) = add_groups(listing("Knitting Circle", at="NW5 1AA"))
    with database.session() as session:
        user = create_user(session, "worker@example.org", Role.LINK_WORKER)
        token = create_api_token(session, user)
    anonymous = client.get(f"/api/v1/groups/{group_id}").get_json()
    signed = client.get(
        f"/api/v1/groups/{group_id}", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    assert "staff_notes" not in anonymous and signed["staff_notes"] == []


def test_links_come_from_the_default_public_url_not_the_request_host(
    client, config, add_groups
) -> None:
    add_groups(*(listing(f"Group {i}", at="NW5 1AA") for i in range(3)))
    body = client.get("/api/v1/groups?view=markers&limit=2&bbox=-0.2,51.5,-0.1,51.6").get_json()
    links = {link["rel"]: link["href"] for link in body["links"]}
    assert config.public_url == "http://127.0.0.1:5000"  # the default; the client asks localhost
    assert links["self"].startswith("http://127.0.0.1:5000/api/v1/groups?")
    assert "bbox=-0.2,51.5,-0.1,51.6" in links["next"] and "offset=2" in links["next"]


@pytest.mark.parametrize("public", ["https://map.example.org", "https://map.example.org/"])
def test_links_start_with_the_configured_public_url(config, database, add_groups, public):
    add_groups(*(listing(f"Group {i}", at="NW5 1AA") for i in range(3)))
    app = create_app(config.with_overrides({"public_url": public}))
    body = app.test_client().get("/api/v1/groups?limit=2").get_json()
    hrefs = [link["href"] for link in body["links"]]
    assert hrefs and all(h.startswith("https://map.example.org/api/v1/groups?") for h in hrefs)


def test_an_unknown_password_never_reaches_a_limit_free_path(client, users) -> None:  # noqa: F811
    """Sign-in keeps both its limits (per client and per address) with the filter in place."""
    statuses = [sign_in(client, "jo@example.org", "wrong").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    assert sign_in(client, "jo@example.org", PASSWORD).status_code == 429
