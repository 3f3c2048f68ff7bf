"""The admin's import feeds page: health in words, add, enable and disable, pull now against a
real local server; admins only; bad input a form error."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from assetmap.accounts.users import create_user
from assetmap.interop.feeds import add_feed, get_feed
from assetmap.models import Group, ImportFeed, ImportFormat
from tests.factories import listing
from tests.interop.feed_server import FeedServer, feed_server
from tests.web.staff.helpers import (
    EMAILS,
    ESCAPED,
    XSS,
    axe_violations,
    client_for,
    html,
    password_hash,
    sign_in,
    watch_csp,
)


@pytest.fixture
def users(database) -> None:
    with database.sessions() as session:
        for role in ("admin", "community_builder", "link_worker"):
            user = create_user(session, EMAILS[role], role, organisations=[])
            user.password_hash = password_hash()
        session.commit()


@pytest.fixture
def remote():
    """The council's server (``server`` is the app's own, for the browser)."""
    with feed_server() as running:
        yield running


def _groups() -> list[dict]:
    return [
        listing("Knit and Natter", external_id="k-1", at="NW5 1AA"),
        listing("Men's Shed", external_id="k-2", at="NW5 2AA"),
    ]


def _add(database, name: str, url: str, **options) -> int:
    with database.session() as session:
        return add_feed(session, name, url, **options).id


def _post(client, path: str, **data):
    return client.post(path, data={"csrf_token": client.token, **data})


def test_an_admin_sees_each_feeds_health_in_words(app, database, users, remote) -> None:
    never = _add(database, "Calendar", remote.url("/sessions.ics"))
    admin = client_for(app, "admin")
    response = admin.get("/admin/feeds")
    assert response.status_code == 200
    page = html(response)
    assert re.search(rf'id="feed-{never}-status">Never pulled<', page)
    assert "iCalendar (.ics) of a group&#39;s sessions" in page
    assert "every 24 hours, enabled" in page
    assert 'href="/admin/feeds" aria-current="page">Import feeds' in page


def test_pull_now_imports_and_a_failure_shows_its_error(app, database, users, remote) -> None:
    url = remote.serve_json("/groups.json", _groups())
    feed_id = _add(database, "Council", url, every_hours=6)
    admin = client_for(app, "admin")
    pulled = _post(admin, f"/admin/feeds/{feed_id}/pull")
    assert pulled.status_code == 303
    page = html(admin.get("/admin/feeds"))
    assert "Pulled Council: 2 listings, 2 new, 0 updated, 0 unchanged." in page
    assert re.search(rf'id="feed-{feed_id}-status">Healthy<', page)
    assert re.search(
        rf'id="feed-{feed_id}-rows">.*2 seen: 2 new, 0 updated, 0 unchanged', page, re.S
    )
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Group)) == 2

    remote.serve("/groups.json", "<h1>down</h1>", 500)
    _post(admin, f"/admin/feeds/{feed_id}/pull")
    page = html(admin.get("/admin/feeds"))
    assert 'id="pull-failed"' in page
    assert "The pull of Council failed, so nothing was imported: the server answered 500" in page
    assert re.search(rf'id="feed-{feed_id}-status">Failing<', page)
    assert re.search(rf'id="feed-{feed_id}-error">.*the server answered 500 Internal', page, re.S)
    # The last success's counts stay beside the error.
    assert re.search(rf'id="feed-{feed_id}-rows">.*2 seen: 2 new', page, re.S)
    assert _post(admin, "/admin/feeds/9999/pull").status_code == 404


def test_an_admin_adds_disables_and_enables_a_feed(app, database, users, remote) -> None:
    admin = client_for(app, "admin")
    url = remote.url("/api/services")
    added = _post(
        admin, "/admin/feeds", name="Camden ORUK", url=url, format="oruk", every_hours="12"
    )
    assert added.status_code == 303
    feed = get_feed_by_name(database, "Camden ORUK")
    assert (feed.url, feed.format, feed.every_hours, feed.enabled) == (
        url,
        ImportFormat.ORUK,
        12,
        True,
    )
    assert "Added the feed Camden ORUK." in html(admin.get("/admin/feeds"))
    _post(admin, f"/admin/feeds/{feed.id}/enabled", enabled="0")
    assert get_feed_by_name(database, "Camden ORUK").enabled is False
    page = html(admin.get("/admin/feeds"))
    assert "Camden ORUK is disabled: the scheduler leaves it alone." in page
    assert "every 12 hours, disabled" in page
    _post(admin, f"/admin/feeds/{feed.id}/enabled", enabled="1")
    assert get_feed_by_name(database, "Camden ORUK").enabled is True


JSON_URL = "https://example.org/a.json"


def get_feed_by_name(database, name: str) -> ImportFeed:
    with database.session() as session:
        return get_feed(session, name)


@pytest.mark.parametrize(
    ("form", "field", "said"),
    [
        ({"name": "Local", "url": "file:///etc/passwd"}, "url", "must start http:// or https://"),
        ({"name": "Local", "url": "not a url"}, "url", "must start http:// or https://"),
        ({"name": "", "url": JSON_URL}, "name", "give the feed a name"),
        ({"name": "A", "url": JSON_URL, "every_hours": "x"}, "every_hours", "whole number"),
        ({"name": "A", "url": JSON_URL, "every_hours": "0"}, "every_hours", "1 to 744"),
        ({"name": "A", "url": JSON_URL, "format": "pdf"}, "format", "Choose a format"),
        ({"name": "A", "url": "https://example.org/a.csv"}, "mapping", "saved column mapping"),
    ],
)
def test_bad_input_is_a_form_error(app, database, users, form, field, said) -> None:
    admin = client_for(app, "admin")
    response = _post(admin, "/admin/feeds", **{"every_hours": "24", **form})
    assert response.status_code == 400
    page = html(response)
    assert f'href="#{field}"' in page and said in page
    assert f'id="{field}-error"' in page
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ImportFeed)) == 0


def test_what_an_admin_typed_is_escaped(app, database, users) -> None:
    admin = client_for(app, "admin")
    response = _post(admin, "/admin/feeds", name=XSS, url="ftp://x", every_hours="24")
    assert XSS not in html(response) and ESCAPED in html(response)
    _add(database, XSS, "https://example.org/feed.json")
    page = html(admin.get("/admin/feeds"))
    assert XSS not in page and ESCAPED in page


@pytest.mark.parametrize("role", ["anonymous", "community_builder", "link_worker"])
def test_only_admins_see_or_use_the_page(app, database, users, remote, role) -> None:
    feed_id = _add(database, "Council", remote.serve_json("/groups.json", _groups()))
    client = client_for(app, role)
    assert client.get("/admin/feeds").status_code in (302, 403)
    assert _post(client, f"/admin/feeds/{feed_id}/pull").status_code in (302, 403)
    assert _post(
        client, "/admin/feeds", name="B", url="https://example.org/b.json"
    ).status_code in (
        302,
        403,
    )
    assert _post(client, f"/admin/feeds/{feed_id}/enabled", enabled="0").status_code in (302, 403)
    assert remote.requests == []
    assert get_feed_by_name(database, "Council").enabled is True
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ImportFeed)) == 1


def test_a_post_without_its_token_is_refused(app, database, users, remote) -> None:
    feed_id = _add(database, "Council", remote.serve_json("/groups.json", _groups()))
    admin = client_for(app, "admin")
    assert admin.post(f"/admin/feeds/{feed_id}/pull").status_code == 400
    assert remote.requests == []


@pytest.mark.only_backend("spatialite")
def test_the_page_in_a_browser_is_accessible_and_pulls(
    page: Page, database, users, remote: FeedServer
) -> None:
    refused = watch_csp(page)
    feed_id = _add(database, "Council", remote.serve_json("/groups.json", _groups()))
    _add(database, "Calendar", remote.serve("/sessions.ics", "", 404))
    sign_in(page, "admin")
    page.goto("/admin/feeds")
    expect(page.locator(f"#feed-{feed_id}-status")).to_have_text("Never pulled")
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.click(f"#pull-{feed_id}")
    expect(page.locator("#flash")).to_contain_text("Pulled Council: 2 listings, 2 new")
    expect(page.locator(f"#feed-{feed_id}-status")).to_have_text("Healthy")
    assert axe_violations(page) == []
    # A bad address is a form error, focused in the error summary.
    page.fill("#name", "Local file")
    page.fill("#url", "file:///etc/passwd")
    with page.expect_navigation():
        page.click("#add-feed-button")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("must start http:// or https://")
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto("/admin/feeds")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page scrolls sideways at 320 px ({width} px wide)"
    assert refused == []
