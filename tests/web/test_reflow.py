"""WCAG 2.2 1.4.10 Reflow: every page reads at 320 CSS pixels wide with no sideways scrolling.

Each page is opened at 320 px and nothing on it may reach past the screen's right edge (maps
are exempt inside their own box, whose panes Leaflet clips). A page that needs sign-in is
opened as the role that uses it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from assetmap.accounts.users import create_user
from assetmap.models import Organisation, Role
from tests.factories import listing
from tests.web.conftest import screenshot

PASSWORD = "correct horse battery"
#: Elements that stick out past the screen, by tag, id and class (at most eight).
WIDER_THAN_THE_SCREEN = """() => [...document.querySelectorAll('body *')]
  .filter(e => !e.closest('.leaflet-container'))
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 8)"""

PUBLIC = [
    "/",
    "/?place=NW5+1AA&q=woodwork",
    "/groups/{group}",
    "/groups/{group}/report",
    "/match",
    "/match?postcode=NW5+1AA&interests=woodwork&mode=walk&mode=bus&free=tue-morning",
    "/login",
    "/account/reset",
]
SIGNED_IN = [
    (Role.ORGANISER, "/my/groups"),
    (Role.ORGANISER, "/my/groups/{group}/edit"),
    (Role.LINK_WORKER, "/verify"),
    (Role.ADMIN, "/admin/changes"),
    (Role.ADMIN, "/admin/organisations"),
    (Role.ADMIN, "/admin/freshness"),
    (Role.COMMUNITY_BUILDER, "/gaps"),
    (Role.COMMUNITY_BUILDER, "/gaps/unmet"),
    (Role.COMMUNITY_BUILDER, "/reports/referrals"),
    (Role.ADMIN, "/admin/cases"),
    (Role.ADMIN, "/admin/cases/retention"),
    (Role.ADMIN, "/admin/imports"),
]


@pytest.fixture
def group(add_groups) -> int:
    (group_id,) = add_groups(listing("Men's Shed", at="NW5 2AA", organisation="A Trust"))
    return group_id


def _overflow(page: Page, path: str) -> list[str]:
    page.set_viewport_size({"width": 320, "height": 800})
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    wide: list[str] = page.evaluate(WIDER_THAN_THE_SCREEN)
    if page.evaluate("document.documentElement.scrollWidth") > 320:
        wide.append("the page scrolls sideways")
    return wide


@pytest.mark.only_backend("spatialite")
@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_reflow_at_320_px(page: Page, group: int, path: str) -> None:
    assert _overflow(page, path.format(group=group)) == []
    if path == "/match":
        # The free-times grid was the part cut off at 320 px ("Evening" past the edge).
        page.locator("#free-sat-evening").scroll_into_view_if_needed()
        screenshot(page, "match-320-free-times")


@pytest.mark.only_backend("spatialite")
@pytest.mark.parametrize(("role", "path"), SIGNED_IN, ids=[p for _, p in SIGNED_IN])
def test_signed_in_pages_reflow_at_320_px(
    page: Page, database, group: int, role: Role, path: str
) -> None:
    with database.session() as session:
        organisations = ["A Trust"] if role is Role.ORGANISER else []
        if organisations and session.query(Organisation).filter_by(name="A Trust").count() == 0:
            session.add(Organisation(name="A Trust"))
        create_user(
            session, "someone@example.org", role, password=PASSWORD, organisations=organisations
        )
    page.goto("/login")
    page.fill("#email", "someone@example.org")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Sign in')")
    assert _overflow(page, path.format(group=group)) == []
