"""Helpers for the staff pages' tests: a world of groups, users and changes; clients and
browsers signed in as each role."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from playwright.sync_api import Page
from sqlalchemy import select

from assetmap.accounts.passwords import hash_password
from assetmap.accounts.users import create_user
from assetmap.directory.moderation import submit_change
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import (
    ChangeKind,
    ChangeStatus,
    Group,
    Organisation,
    PendingChange,
    Revision,
    User,
)
from tests.factories import listing
from tests.web.conftest import AXE, SCREENSHOTS
from tests.web.test_auth import csrf_token

PASSWORD = "correct horse battery"
OURS, THEIRS = "Kentish Town Community Centre", "Gospel Oak Trust"
XSS = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
EMAILS = {
    "admin": "admin@example.org",
    "organiser": "jo@example.org",
    "link_worker": "lw@example.org",
    "community_builder": "cb@example.org",
}


@functools.cache
def password_hash() -> str:
    """One argon2 hash for every test user: hashing is slow on purpose, signing in checks it."""
    return hash_password(PASSWORD)


@dataclass
class World:
    ours: int  # Men's Shed, run by OURS (the organiser's organisation)
    theirs: int  # Knit and Natter, run by THEIRS
    ours_org: int
    theirs_org: int
    capacity_change: int  # pending: places taken 14 → 19
    name_change: int  # pending: a new name
    revision: int  # the admin's earlier change to the Shed's phone number


def _user(session, role: str) -> User:
    return session.scalar(select(User).where(User.email == EMAILS[role]))


def _version(session, group_id: int) -> int:
    return session.scalar(select(Group.version).where(Group.id == group_id))


def _submit(session, role: str, group_id: int, patch: dict[str, Any], note: str = ""):
    return submit_change(
        session,
        _user(session, role),
        group_id,
        patch,
        based_on=_version(session, group_id),
        geocoder=GazetteerGeocoder(session),
        note=note,
        public_url="http://assetmap.test",
    )


def _waiting(session, group_id: int, patch: dict[str, Any], note: str = "") -> PendingChange:
    """An organiser's edit waiting for an admin, written as it was stored before 0012."""
    group = session.get(Group, group_id)
    change = PendingChange(
        kind=ChangeKind.EDIT,
        group_id=group_id,
        organisation_id=group.organisation_id,
        patch=json.dumps(patch),
        based_on=group.version,
        note=note,
        proposed_by=_user(session, "organiser").id,
    )
    session.add(change)
    session.flush()
    return change


def build_world(database, add_groups, *, pending: bool = True) -> World:
    """Two groups of two organisations, a user of each role, an earlier recorded change and
    (unless ``pending`` is false) two of the organiser's changes waiting."""
    ours, theirs = add_groups(
        listing("Men's Shed", at="NW5 2AA", organisation=OURS),
        listing("Knit and Natter", at="NW5 1AA", organisation=THEIRS),
    )
    with database.sessions() as session:
        for role, email in EMAILS.items():
            user = create_user(
                session,
                email,
                role,
                name="Ada Admin" if role == "admin" else "",
                organisations=[OURS] if role == "organiser" else [],
            )
            user.password_hash = password_hash()
        session.flush()
        _submit(session, "admin", ours, {"contact": {"phone": "020 1111 2222"}})
        revision = session.scalar(select(Revision.id).where(Revision.field == "contact.phone"))
        capacity = name = None
        if pending:
            # Two edits waiting side by side, as changes sent before places went live at once
            # (and before a second edit joined the first) still wait in a database upgraded.
            capacity = _waiting(
                session, ours, {"capacity": {"places_taken": 19}}, "Two new members"
            )
            name = _waiting(session, ours, {"name": "The Shed"})
        organisations = dict(session.execute(select(Organisation.name, Organisation.id)).all())
        session.commit()
        return World(
            ours=ours,
            theirs=theirs,
            ours_org=organisations[OURS],
            theirs_org=organisations[THEIRS],
            capacity_change=capacity.id if capacity else 0,
            name_change=name.id if name else 0,
            revision=revision,
        )


def client_for(app, role: str) -> FlaskClient:
    """A client signed in as ``role`` (or nobody, for "anonymous"), with a CSRF token."""
    client = app.test_client()
    client.token = csrf_token(client)  # type: ignore[attr-defined]
    if role != "anonymous":
        response = client.post(
            "/login",
            data={"email": EMAILS[role], "password": PASSWORD, "csrf_token": client.token},
        )
        assert response.status_code == 302, f"{role} signs in"
    return client


def html(response) -> str:
    return response.get_data(as_text=True)


def change_status(database, change_id: int) -> ChangeStatus:
    with database.sessions() as session:
        return session.get(PendingChange, change_id).status


def current(client: FlaskClient, group_id: int) -> dict[str, Any]:
    """The listing as the public API shows it now."""
    return client.get(f"/api/v1/groups/{group_id}").get_json()["properties"]


# ---- in a real browser -----------------------------------------------------------------------

AXE_URL = "/__test__/axe.min.js"


def screenshot(page: Page, name: str) -> None:
    """The whole page, top to bottom, into docs/screenshots/staff-*.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"staff-{name}.png"), full_page=True)


def watch_csp(page: Page) -> list[str]:
    """What the browser refuses under the Content-Security-Policy, as it happens."""
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    return seen


def axe_violations(page: Page) -> list[dict]:
    """WCAG 2.2 A/AA violations, with the page's CSP still enforced: axe-core is loaded as a
    same-origin script (answered by the test, never by the app) instead of an inline one."""
    page.route(f"**{AXE_URL}", lambda route: route.fulfill(path=str(AXE)))
    page.add_script_tag(url=AXE_URL)
    return page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
              values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }"""
    )


def sign_in(page: Page, role: str) -> None:
    page.goto("/login")
    page.fill("#email", EMAILS[role])
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Sign in')")


def sign_out(page: Page) -> None:
    """The page's sign-out button, or (on a page without one) the same POST with its token."""
    button = page.locator("form[action$='/logout'] button")
    if button.count():
        with page.expect_navigation():
            button.first.click()
    else:
        token = page.locator("input[name=csrf_token]").first.get_attribute("value")
        assert page.request.post("/logout", form={"csrf_token": token or ""}).ok
    page.goto("/admin/changes")
    assert "/login" in page.url
