"""Host poisoning: every absolute link comes from ASSETMAP_PUBLIC_URL, and a request for a host
the app does not serve (its Host, or X-Forwarded-Host behind a trusted proxy) is refused with
a 400 before any view runs.

The attack: ``POST /account/reset`` with ``Host: evil.example`` mailed the account's owner a
link to ``http://evil.example/account/set-password/<token>``; one click gave the attacker the
token, and the token set the password.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assetmap import create_app
from assetmap.models import GroupMerge, OutboxMessage
from tests.factories import listing
from tests.web.test_auth import sign_in
from tests.web.test_invites import NEW_PASSWORD, admin, invite, mails, set_password

__all__ = ["admin"]  # a fixture

PUBLIC = "https://map.example.org"
RESET_LINK = re.compile(r"\S+/account/set-password/\S+")


@pytest.fixture
def public_app(app: Flask, config) -> Flask:
    """The app as deployed at PUBLIC, the trusted hosts left at their default."""
    return create_app(config.with_overrides({"public_url": PUBLIC}))


@pytest.fixture
def proxied_app(app: Flask, config) -> Flask:
    """The same behind one reverse proxy that sets X-Forwarded-For/-Proto/-Host."""
    return create_app(config.with_overrides({"public_url": PUBLIC, "trusted_proxies": 1}))


def _ask_for_a_reset(client: FlaskClient, form_host: str | None = None, **headers: str):
    """Fetch the form (on ``form_host``, else the same host), then post it with ``headers``:
    the attacker's browser holds a valid session and token, and lies only about the host."""
    form_headers = {"Host": form_host} if form_host else headers
    html = client.get("/account/reset", headers=form_headers).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token, html
    if form_host and "Host" in headers:  # the session (and its token) goes with the lie
        cookie = client.get_cookie("session", domain=form_host.partition(":")[0])
        assert cookie is not None
        client.set_cookie("session", cookie.value, domain=headers["Host"].partition(":")[0])
    data = {"email": "lw@example.org", "csrf_token": token.group(1)}
    return client.post("/account/reset", data=data, headers=headers)


def _links_in(messages: list[OutboxMessage]) -> list[str]:
    return [link for message in messages for link in RESET_LINK.findall(message.body)]


@pytest.mark.parametrize(
    "headers",
    [{"Host": "evil.example"}, {"Host": "evil.example:80"}, {"Host": "map.example.org.evil"}],
)
def test_a_reset_asked_for_under_a_poisoned_host_is_refused_and_mails_nothing(
    public_app, database, admin, headers
) -> None:
    response = _ask_for_a_reset(public_app.test_client(), form_host="localhost", **headers)
    assert response.status_code == 400
    assert response.mimetype == "text/html" and "<main" in response.get_data(as_text=True)
    assert mails(database) == []


def test_a_reset_link_is_on_the_public_url_whatever_trusted_host_asked(
    public_app, database, admin
) -> None:
    client = public_app.test_client()
    for host in ("localhost", "127.0.0.1:8000", "map.example.org"):
        assert _ask_for_a_reset(client, Host=host).status_code == 200
    links = _links_in(mails(database))
    assert len(links) == 3
    assert all(link.startswith(f"{PUBLIC}/account/set-password/") for link in links), links
    # And it works: the token in it sets the password.
    path = links[0].removeprefix(PUBLIC)
    assert set_password(client, path, NEW_PASSWORD).status_code == 302
    assert sign_in(client, "lw@example.org", NEW_PASSWORD).status_code == 302


def test_an_invitation_link_is_on_the_public_url(public_app, database, admin) -> None:
    client = public_app.test_client()  # asks for Host localhost
    sign_in(client, "admin@example.org")
    assert invite(client, email="cb@example.org", role="community_builder").status_code == 302
    (link,) = _links_in(mails(database))
    assert link.startswith(f"{PUBLIC}/account/set-password/")
    assert "localhost" not in link


def test_the_default_public_url_is_used_even_when_the_host_differs(
    client, config, database, admin
) -> None:
    """With ASSETMAP_PUBLIC_URL left at its default, links were the request's host's."""
    assert config.public_url == "http://127.0.0.1:5000"
    assert _ask_for_a_reset(client).status_code == 200  # the test client asks for localhost
    (link,) = _links_in(mails(database))
    assert link.startswith("http://127.0.0.1:5000/account/set-password/")


def test_api_links_location_and_the_openapi_server_are_on_the_public_url(
    public_app, database, add_groups
) -> None:
    kept, _ = add_groups(*(listing(f"Group {i}", at="NW5 1AA") for i in range(2)))
    with database.session() as session:
        session.add(
            GroupMerge(
                merged_id=kept + 100,
                kept_id=kept,
                merged_name="Gone",
                merged_at=dt.datetime.now(dt.UTC),
            )
        )
        session.commit()
    client = public_app.test_client()
    for host in ("localhost", "127.0.0.1:8000"):
        page = client.get("/api/v1/groups?limit=1", headers={"Host": host}).get_json()
        hrefs = {link["rel"]: link["href"] for link in page["links"]}
        assert set(hrefs) == {"self", "next"}
        assert all(h.startswith(f"{PUBLIC}/api/v1/groups?") for h in hrefs.values()), hrefs
        moved = client.get(f"/api/v1/groups/{kept + 100}", headers={"Host": host})
        assert moved.status_code == 301
        assert moved.headers["Location"] == f"{PUBLIC}/api/v1/groups/{kept}"
        document = client.get("/api/v1/openapi.json", headers={"Host": host}).get_json()
        assert document["servers"] == [{"url": f"{PUBLIC}/api/v1"}]


def test_the_openapi_server_is_the_default_public_url_not_the_host(client, database) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["servers"] == [{"url": "http://127.0.0.1:5000/api/v1"}]


@pytest.mark.parametrize(
    "path, shape",
    [
        ("/api/v1/groups", "api"),
        ("/api/v1/no-such-thing", "api"),
        ("/openreferral/services", "oruk"),
        ("/", "page"),
        ("/login", "page"),
        ("/static/css/assetmap.css", "page"),
    ],
)
def test_an_unknown_host_gets_a_400_in_the_answer_shape_of_its_path(
    public_app, database, path, shape
) -> None:
    client = public_app.test_client()
    response = client.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 400
    if shape == "page":
        assert response.mimetype == "text/html"
        assert "<main" in response.get_data(as_text=True)  # the site's styled error page
        return
    error = response.get_json()["error"]
    assert "host" in error["message"]
    if shape == "api":
        assert error["code"] == "bad_request"
    else:
        assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "host", ["map.example.org", "MAP.Example.org", "localhost", "127.0.0.1:5000", "localhost:80"]
)
def test_a_trusted_host_is_served(public_app, database, host) -> None:
    assert public_app.test_client().get("/api/v1/groups", headers={"Host": host}).status_code == 200


def test_the_trusted_hosts_setting_replaces_the_local_names(app, config, database) -> None:
    settings = {"public_url": PUBLIC, "trusted_hosts": ".example.net, 10.0.0.5"}
    client = create_app(config.with_overrides(settings)).test_client()

    def status(host: str) -> int:
        return client.get("/api/v1/groups", headers={"Host": host}).status_code

    assert [status(h) for h in ("map.example.org", "example.net", "a.b.example.net")] == [200] * 3
    assert status("10.0.0.5:8000") == 200
    assert [status(h) for h in ("localhost", "127.0.0.1", "evilexample.net")] == [400] * 3


def test_a_forwarded_host_is_checked_behind_a_trusted_proxy(proxied_app, database, admin) -> None:
    client = proxied_app.test_client()
    behind = {"Host": "127.0.0.1:8000", "X-Forwarded-Proto": "https"}
    poisoned = client.get("/api/v1/groups", headers={**behind, "X-Forwarded-Host": "evil.example"})
    assert poisoned.status_code == 400
    fine = client.get("/api/v1/groups", headers={**behind, "X-Forwarded-Host": "map.example.org"})
    assert fine.status_code == 200
    # The reset through the proxy: refused for the poisoned host, no mail written.
    forwarded = {**behind, "X-Forwarded-Host": "evil.example"}
    reset = _ask_for_a_reset(client, form_host="127.0.0.1:8000", **forwarded)
    assert reset.status_code == 400
    assert mails(database) == []


def test_without_a_trusted_proxy_a_forwarded_host_is_ignored(public_app, database, admin) -> None:
    """Nobody can claim a host through X-Forwarded-Host when no proxy is trusted to set it:
    the request is served for its own (trusted) Host, and its links are still the public URL's."""
    client = public_app.test_client()
    assert _ask_for_a_reset(client, **{"X-Forwarded-Host": "evil.example"}).status_code == 200
    (link,) = _links_in(mails(database))
    assert link.startswith(f"{PUBLIC}/account/set-password/")
