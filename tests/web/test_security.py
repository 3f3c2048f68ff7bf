"""Security headers on every response, and pages that keep to their strict CSP.

Server-side tests (the Flask test client, both backends): the headers on pages, the API and
errors; a fresh nonce on every request, carried by every inline script and style the page has;
no style attributes, inline event handlers or javascript: URLs anywhere.
Browser tests (Chromium, SpatiaLite): the pages raise no CSP violation and the maps still draw.
"""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import ConsoleMessage, Page, expect

from assetmap import create_app
from assetmap.config import Config
from assetmap.web.security import content_security_policy, tile_sources
from tests.factories import listing

CSP_WITHOUT_NONCE = (
    "default-src 'self'; script-src 'self' 'nonce-{n}'; style-src 'self' 'nonce-{n}'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
OTHER_HEADERS = {
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
NONCE = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{20,})'")
MATCH = [("postcode", "NW5 1AA"), ("interests", "knitting")]


def url(path: str, *pairs: tuple[str, str]) -> str:
    return f"{path}?{urlencode(pairs)}" if pairs else path


@pytest.fixture
def groups(add_groups):
    ids = add_groups(
        listing("Kentish Town Knit and Natter", at="NW5 1AA", interests=["knitting"]),
        listing("Gospel Oak Yarn Club", at="NW5 2AA", interests=["knitting", "crochet"]),
        listing("Camden Walking Group", at="NW1 7AA", interests=["walking"], stale=True),
    )
    return dict(zip(["knit", "yarn", "walk"], ids, strict=True))


def nonce_of(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    found = NONCE.search(policy)
    assert found, policy
    return found.group(1)


def assert_security_headers(response) -> None:
    nonce = nonce_of(response)
    assert response.headers["Content-Security-Policy"] == CSP_WITHOUT_NONCE.format(n=nonce)
    for name, value in OTHER_HEADERS.items():
        assert response.headers[name] == value, name


# ---- headers ---------------------------------------------------------------------------------


def test_every_kind_of_response_has_the_security_headers(client: FlaskClient, groups):
    responses = {
        "search": client.get("/"),
        "listing": client.get(f"/groups/{groups['knit']}"),
        "match": client.get(url("/match", *MATCH)),
        "api": client.get("/api/v1/groups"),
        "api one": client.get(f"/api/v1/groups/{groups['knit']}"),
        "page 404": client.get("/no/such/page"),
        "listing 404": client.get("/groups/999999"),
        "api 404": client.get("/api/v1/groups/999999"),
        "api bad input": client.get("/api/v1/groups?bbox=nonsense"),
        "static": client.get("/static/js/map.js"),
    }
    expected = {"page 404": 404, "listing 404": 404, "api 404": 404, "api bad input": 400}
    for name, response in responses.items():
        assert response.status_code == expected.get(name, 200), name
        assert_security_headers(response)
        response.close()
    assert responses["api"].is_json


def test_the_nonce_is_new_for_every_request(client: FlaskClient, groups):
    nonces = [nonce_of(client.get(path)) for path in ["/", "/", "/match", "/api/v1/groups"]]
    assert len(set(nonces)) == len(nonces)


def test_the_tile_server_is_allowed_images_and_nothing_else(config: Config):
    tiles = dataclasses.replace(config, tile_url="https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    policy = content_security_policy("abc", tiles)
    assert "img-src 'self' data: https://*.tiles.example.org;" in policy
    assert policy.count("example.org") == 1
    assert "unsafe" not in policy


@pytest.mark.parametrize(
    "tile_url, sources",
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", ["https://tile.openstreetmap.org"]),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", ["https://*.tile.example.org"]),
        ("http://localhost:8080/{z}/{x}/{y}.png", ["http://localhost:8080"]),
        ("/tiles/{z}/{x}/{y}.png", []),  # our own origin: 'self' covers it
        ("", []),  # no tiles
    ],
)
def test_tile_sources(tile_url, sources):
    assert tile_sources(tile_url) == sources


def test_a_page_with_map_tiles_allows_their_host(config: Config, database, groups):
    app = create_app(
        dataclasses.replace(config, tile_url="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    )
    try:
        response = app.test_client().get(f"/groups/{groups['knit']}")
        assert response.status_code == 200
        policy = response.headers["Content-Security-Policy"]
        assert "img-src 'self' data: https://tile.openstreetmap.org;" in policy
        assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in response.get_data(as_text=True)
    finally:
        app.extensions["assetmap.database"].dispose()


# ---- pages keep to the policy ----------------------------------------------------------------


class _Elements(HTMLParser):
    """Every start tag in a page, with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def csp_problems(html: str, nonce: str) -> list[str]:
    """What in ``html`` the policy would block (or that should never be there at all)."""
    parser = _Elements()
    parser.feed(html)
    problems = []
    for tag, attrs in parser.tags:
        if tag in ("script", "style") and "src" not in attrs and attrs.get("nonce") != nonce:
            problems.append(f"<{tag}> without this request's nonce: {attrs}")
        if tag == "script" and "src" in attrs and not (attrs["src"] or "").startswith("/"):
            problems.append(f"script from another origin: {attrs['src']}")
        for name, value in attrs.items():
            if name == "style":
                problems.append(f"style attribute on <{tag}>: {value}")
            if name.startswith("on"):
                problems.append(f"inline event handler on <{tag}>: {name}={value}")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                problems.append(f"javascript: URL on <{tag}>")
    return problems


def test_the_csp_check_finds_what_it_should():
    page = (
        '<script nonce="n1">ok()</script><script>bad()</script><script nonce="n2">old()</script>'
        '<style>p{}</style><p style="color:red" onclick="x()"><a href="javascript:x()">x</a>'
        '<script src="https://cdn.example/x.js"></script>'
    )
    assert len(csp_problems(page, "n1")) == 7


def csrf(client: FlaskClient, group_id: int) -> dict[str, str]:
    """The report form's CSRF token, if it has one, so the post reaches the form's own error."""
    form = client.get(f"/groups/{group_id}/report").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', form)
    return {"csrf_token": found.group(1)} if found else {}


@pytest.mark.parametrize(
    "which",
    [
        "search",
        "search with results",
        "search error",
        "listing",
        "stale listing",
        "report",
        "report error",
        "match",
        "match results",
        "match error",
        "plan",
        "not found",
    ],
)
def test_pages_have_no_inline_script_style_or_handler_without_the_nonce(
    client: FlaskClient, groups, which
):
    knit = groups["knit"]
    response = {
        "search": lambda: client.get("/"),
        "search with results": lambda: client.get("/?place=NW5+1AA&q=knit"),
        "search error": lambda: client.get("/?place=nowhere+at+all"),
        "listing": lambda: client.get(f"/groups/{knit}"),
        "stale listing": lambda: client.get(f"/groups/{groups['walk']}"),
        "report": lambda: client.get(f"/groups/{knit}/report"),
        "report error": lambda: client.post(f"/groups/{knit}/report", data=csrf(client, knit)),
        "match": lambda: client.get("/match"),
        "match results": lambda: client.get(url("/match", *MATCH)),
        "match error": lambda: client.get(url("/match", ("postcode", "NW5 1AA"), ("minutes", "x"))),
        "plan": lambda: client.get(url("/match/plan", *MATCH, ("choose", str(knit)))),
        "not found": lambda: client.get("/groups/999999"),
    }[which]()
    assert response.status_code == {
        "search error": 400,
        "report error": 400,
        "match error": 400,
        "not found": 404,
    }.get(which, 200)
    assert response.mimetype == "text/html"
    if which == "report error":
        assert "Choose what is wrong" in response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    nonce = nonce_of(response)
    assert csp_problems(html, nonce) == []
    if which in ("search", "listing", "match results"):
        # The map's own script is there, inline, and carries this request's nonce.
        assert re.search(rf'<script nonce="{nonce}">\s*var map_[0-9a-f]+ = L\.map\(', html)


def test_every_page_without_parameters_keeps_to_the_policy(app, client: FlaskClient, groups):
    """Pages added later (sign-in, management...) are checked too, as far as they render here."""
    checked = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.arguments:
            continue
        if rule.rule.startswith(("/api/", "/static/", "/assets/")):
            continue
        response = client.get(rule.rule)
        assert response.status_code < 500, rule.rule
        assert "Content-Security-Policy" in response.headers, rule.rule
        if response.mimetype == "text/html" and response.status_code == 200:
            html = response.get_data(as_text=True)
            assert csp_problems(html, nonce_of(response)) == [], rule.rule
            checked.append(rule.rule)
    assert "/" in checked and "/match" in checked


# ---- in a browser ----------------------------------------------------------------------------


def watch_csp(page: Page) -> list[str]:
    """Console messages and page errors about the Content-Security-Policy, as they come."""
    seen: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            seen.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    return seen


@pytest.mark.only_backend("spatialite")
def test_the_browser_reports_what_the_policy_blocks(page: Page, groups):
    """The watcher sees violations: a script slipped into the page is refused and reported."""
    violations = watch_csp(page)
    page.goto("/")
    ran = page.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.slippedIn = true';
                   document.body.append(s);
                   return window.slippedIn === true; }"""
    )
    assert ran is False
    page.wait_for_timeout(100)  # console messages arrive over the wire, after the call
    # Chromium words it "Executing inline script violates ... Content Security Policy ...".
    assert any("inline script" in v and "Content Security Policy" in v for v in violations)


@pytest.mark.only_backend("spatialite")
@pytest.mark.parametrize("which", ["search", "listing", "match", "plan", "report"])
def test_pages_run_under_the_policy_and_draw_their_maps(page: Page, groups, which):
    violations = watch_csp(page)
    path = {
        "search": "/?place=NW5+1AA&radius_km=5",
        "listing": f"/groups/{groups['knit']}",
        "match": url("/match", *MATCH),
        "plan": url("/match/plan", *MATCH, ("choose", str(groups["knit"]))),
        "report": f"/groups/{groups['knit']}/report",
    }[which]
    page.goto(path)
    if which == "search":
        # map.js fetched the markers for the view from the API (connect-src 'self').
        expect(page.locator("#map-region")).to_have_attribute("data-loaded", "3")
        expect(page.locator("#map-region .leaflet-container")).to_have_count(1)
        # Near together, they may be drawn as a cluster: any marker icon means they drew.
        expect(page.locator("#map-region .leaflet-marker-icon").first).to_be_visible()
    elif which == "listing":
        expect(page.locator(".am-small-map .leaflet-container")).to_have_count(1)
        expect(page.locator(".am-small-map .leaflet-marker-icon")).to_have_count(1)
    elif which == "match":
        expect(page.locator("#match-map")).to_have_attribute("data-loaded", "2")
        expect(page.locator("#match-map .leaflet-container")).to_have_count(1)
        expect(page.locator(".am-marker--rank")).to_have_count(2)
        # The score bar keeps its width without a style attribute.
        bar = page.locator(".am-fit__bar").first.bounding_box()
        fill = page.locator(".am-fit__fill").first.bounding_box()
        assert bar and fill and 0 < fill["width"] <= bar["width"]
    elif which == "plan":
        expect(page.locator("[data-print]")).to_be_visible()  # match.js ran
    page.wait_for_load_state("networkidle")
    assert violations == []
