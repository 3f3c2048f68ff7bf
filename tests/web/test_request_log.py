"""One JSON line per request on ``assetmap.requests``, with no personal data and no link
secrets, and a request id that a trusted proxy may give and a person may quote (issue 19)."""

from __future__ import annotations

import json
import logging
import re

import pytest

from assetmap import create_app
from assetmap.models import User
from tests.factories import listing
from tests.web.test_auth import sign_in, users  # noqa: F401 (a fixture)

FIELDS = {"method", "path", "endpoint", "status", "ms", "bytes", "request_id"}
HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def lines(caplog):
    """The request lines logged so far, parsed (each must be one JSON object)."""
    caplog.set_level(logging.DEBUG)  # every logger: nothing anywhere may hold the secrets

    def parsed() -> list[dict]:
        return [
            json.loads(record.getMessage())
            for record in caplog.records
            if record.name == "assetmap.requests"
        ]

    return parsed


def test_a_match_is_logged_without_its_postcode_or_needs(client, add_groups, lines, caplog):
    add_groups(listing("Knitting Circle", at="NW5 1AA", interests=["knitting"]))
    response = client.get("/match?postcode=NW5+2AA&interests=knitting&interests=crochet")
    assert response.status_code == 200
    (line,) = lines()
    assert set(line) == FIELDS
    assert line["method"] == "GET" and line["path"] == "/match"
    assert line["endpoint"] and line["status"] == 200
    assert isinstance(line["ms"], float) and line["ms"] >= 0
    assert line["bytes"] == len(response.get_data())
    assert line["request_id"] == response.headers["X-Request-Id"]
    everything = caplog.text.lower()
    for secret in ("nw5 2aa", "nw5+2aa", "nw52aa", "knitting", "crochet", "postcode="):
        assert secret not in everything


def test_a_signed_in_user_is_logged_by_id_and_role_never_by_email(
    client,
    users,  # noqa: F811
    database,
    lines,
    caplog,
) -> None:
    sign_in(client, "admin@example.org")
    caplog.clear()
    client.get("/admin/freshness")
    (line,) = lines()
    with database.sessions() as session:
        admin = session.query(User).filter_by(role="admin").one()
    assert (line["user_id"], line["role"]) == (admin.id, "admin")
    assert "admin@example.org" not in caplog.text


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/referral/SeCrEt-Token.abc123", "/referral/[link]"),
        ("/account/set-password/SeCrEt-Token.abc123", "/account/set-password/[link]"),
        ("/check/SeCrEt-Token.abc123", "/check/[link]"),
        ("/check/SeCrEt-Token.abc123/still-running", "/check/[link]/still-running"),
    ],
)
def test_a_link_secret_in_the_path_is_never_logged(client, lines, caplog, path, logged):
    client.get(path)
    (line,) = lines()
    assert line["path"] == logged
    assert "SeCrEt-Token" not in caplog.text


def test_the_request_id_of_a_trusted_proxy_comes_back(config, database, lines) -> None:
    proxied = create_app(config.with_overrides({"trusted_proxies": 1})).test_client()
    response = proxied.get("/healthz", headers={"X-Request-Id": "lb-7f3a.2026:01_x"})
    assert response.headers["X-Request-Id"] == "lb-7f3a.2026:01_x"
    assert lines()[-1]["request_id"] == "lb-7f3a.2026:01_x"
    # A malformed one is replaced, even from the proxy: it goes into log lines.
    for bad in ("a b", "x" * 129, 'evil"}{"status":200', ""):
        answered = proxied.get("/healthz", headers={"X-Request-Id": bad})
        assert HEX_ID.fullmatch(answered.headers["X-Request-Id"])


def test_an_untrusted_clients_request_id_is_replaced(client, lines) -> None:
    first = client.get("/healthz", headers={"X-Request-Id": "chosen-by-the-client"})
    second = client.get("/healthz")
    ids = [first.headers["X-Request-Id"], second.headers["X-Request-Id"]]
    assert all(HEX_ID.fullmatch(i) for i in ids) and ids[0] != ids[1]
    assert [line["request_id"] for line in lines()] == ids


@pytest.fixture
def failing_app(config, database):
    app = create_app(config)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production, not raise

    def boom(**_kwargs: object) -> str:
        raise RuntimeError("a bug")

    app.add_url_rule("/broken", "broken", boom)
    app.add_url_rule("/api/v1/broken", "api_broken", boom)
    app.add_url_rule("/referral/<token>/broken", "referral_broken", boom)
    return app


def test_a_500_names_the_request_id_for_a_person_to_quote(failing_app, lines, caplog) -> None:
    client = failing_app.test_client()
    page = client.get("/broken")
    assert page.status_code == 500
    page_id = page.headers["X-Request-Id"]
    assert f"quote this reference: <code>{page_id}</code>" in page.get_data(as_text=True)
    api = client.get("/api/v1/broken")
    assert api.status_code == 500
    api_id = api.headers["X-Request-Id"]
    assert api_id in api.get_json()["error"]["message"]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(m.startswith(f"[{page_id}] Exception on /broken") for m in errors)
    assert any(m.startswith(f"[{api_id}] ") for m in errors)
    assert [line["status"] for line in lines()] == [500, 500]


def test_an_error_line_hides_a_link_secret(failing_app, caplog) -> None:
    failing_app.test_client().get("/referral/SeCrEt-Token.abc123/broken")
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("Exception on /referral/[link]/broken" in m for m in errors)
    assert "SeCrEt-Token" not in caplog.text


def test_nothing_is_logged_when_no_one_listens(client, caplog) -> None:
    caplog.set_level(logging.WARNING)
    response = client.get("/healthz")
    assert HEX_ID.fullmatch(response.headers["X-Request-Id"])
    assert not [r for r in caplog.records if r.name == "assetmap.requests"]


def test_a_request_refused_before_its_view_is_timed_too(client, lines) -> None:
    """The host check runs before any view (web/hosts.py): its 400 is logged with its time."""
    response = client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    (line,) = lines()
    assert line["status"] == 400
    assert isinstance(line["ms"], float) and line["ms"] >= 0
