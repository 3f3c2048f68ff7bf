"""The admin's moderation pages, trusted organisations and a listing's history: who may do
what, what each page says, CSRF on every form, and user text kept as text."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import Page, expect
from sqlalchemy import select

from assetmap.accounts.passwords import hash_password
from assetmap.accounts.users import create_user
from assetmap.directory.edits import edit_listing
from assetmap.directory.moderation import ask_to_close, propose_group, submit_change
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import ChangeStatus, Group, Organisation, PendingChange, Revision, User
from assetmap.web.wording import field_label as field_name
from assetmap.web.wording import value_text
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
    )


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
            capacity = _submit(
                session, "organiser", ours, {"capacity": {"places_taken": 19}}, "Two new members"
            ).pending
            name = _submit(session, "organiser", ours, {"name": "The Shed"}).pending
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


@pytest.fixture
def world(database, add_groups) -> World:
    return build_world(database, add_groups)


@pytest.fixture
def quiet_world(database, add_groups) -> World:
    """The same, with nothing waiting for approval."""
    return build_world(database, add_groups, pending=False)


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


# ---- who may do what -------------------------------------------------------------------------

SIGN_IN, FORBIDDEN, ALLOWED, SHOWN, HIDDEN = "sign in", "403", "allowed", "shown", "hidden"
ACTIONS = [
    "view queue",
    "view a change",
    "approve",
    "reject",
    "restore",
    "history of own org's group",
    "history of another org's group",
    "toggle trusted",
    "history link on own org's listing",
    "history link on another org's listing",
]


def _expected(history_own: str, history_other: str, admin: bool) -> dict[str, str]:
    admin_only = ALLOWED if admin else FORBIDDEN
    return {
        "view queue": admin_only,
        "view a change": admin_only,
        "approve": admin_only,
        "reject": admin_only,
        "restore": admin_only,
        "history of own org's group": history_own,
        "history of another org's group": history_other,
        "toggle trusted": admin_only,
        "history link on own org's listing": SHOWN if history_own == ALLOWED else HIDDEN,
        "history link on another org's listing": SHOWN if history_other == ALLOWED else HIDDEN,
    }


MATRIX = {
    "anonymous": {
        **dict.fromkeys(ACTIONS, SIGN_IN),
        "history link on own org's listing": HIDDEN,
        "history link on another org's listing": HIDDEN,
    },
    "link_worker": _expected(ALLOWED, ALLOWED, admin=False),
    "organiser": _expected(ALLOWED, FORBIDDEN, admin=False),
    "community_builder": _expected(ALLOWED, ALLOWED, admin=False),
    "admin": _expected(ALLOWED, ALLOWED, admin=True),
}


def _outcome(response) -> str:
    if response.status_code == 302 and "/login" in response.headers["Location"]:
        return SIGN_IN
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code in (200, 302):
        return ALLOWED
    return f"status {response.status_code}"


def _link(response) -> str:
    assert response.status_code == 200
    return SHOWN if "History of this listing" in html(response) else HIDDEN


@pytest.mark.parametrize("role", list(MATRIX))
def test_who_may_do_what(app, database, world, role) -> None:
    client = client_for(app, role)
    token = client.token  # type: ignore[attr-defined]
    both = [world.ours_org, world.theirs_org]
    outcomes = {
        "view queue": _outcome(client.get("/admin/changes")),
        "view a change": _outcome(client.get(f"/admin/changes/{world.capacity_change}")),
        "approve": _outcome(
            client.post(
                f"/admin/changes/{world.capacity_change}/approve", data={"csrf_token": token}
            )
        ),
        "reject": _outcome(
            client.post(
                f"/admin/changes/{world.name_change}/reject",
                data={"csrf_token": token, "reason": "Keep the name people know"},
            )
        ),
        "restore": _outcome(
            client.post(f"/admin/revisions/{world.revision}/restore", data={"csrf_token": token})
        ),
        "history of own org's group": _outcome(client.get(f"/groups/{world.ours}/history")),
        "history of another org's group": _outcome(client.get(f"/groups/{world.theirs}/history")),
        "toggle trusted": _outcome(
            client.post(
                "/admin/organisations",
                data={"csrf_token": token, "shown": both, "trusted": [world.ours_org]},
            )
        ),
        "history link on own org's listing": _link(client.get(f"/groups/{world.ours}")),
        "history link on another org's listing": _link(client.get(f"/groups/{world.theirs}")),
    }
    assert outcomes == MATRIX[role]

    # What was refused changed nothing; what was allowed took effect.
    allowed = role == "admin"
    with database.sessions() as session:
        capacity = session.get(PendingChange, world.capacity_change)
        name = session.get(PendingChange, world.name_change)
        trusted = session.get(Organisation, world.ours_org).trusted
        assert capacity.status is (ChangeStatus.APPROVED if allowed else ChangeStatus.PENDING)
        assert name.status is (ChangeStatus.REJECTED if allowed else ChangeStatus.PENDING)
        assert trusted is allowed
    listing_now = current(client, world.ours)
    assert listing_now["capacity"]["places_taken"] == (19 if allowed else 14)
    assert listing_now["contact"]["phone"] == ("020 7946 0000" if allowed else "020 1111 2222")


def test_an_unknown_change_revision_or_group_is_not_found(app, world) -> None:
    admin = client_for(app, "admin")
    token = admin.token  # type: ignore[attr-defined]
    assert admin.get("/admin/changes/999999").status_code == 404
    assert (
        admin.post("/admin/changes/999999/approve", data={"csrf_token": token}).status_code == 404
    )
    assert (
        admin.post(
            "/admin/changes/999999/reject", data={"csrf_token": token, "reason": "x"}
        ).status_code
        == 404
    )
    assert (
        admin.post("/admin/revisions/999999/restore", data={"csrf_token": token}).status_code == 404
    )
    assert admin.get("/groups/999999/history").status_code == 404


def test_every_form_needs_its_csrf_token(app, database, world) -> None:
    admin = client_for(app, "admin")
    posts = [
        (f"/admin/changes/{world.capacity_change}/approve", {}),
        (f"/admin/changes/{world.name_change}/reject", {"reason": "No"}),
        (f"/admin/revisions/{world.revision}/restore", {}),
        ("/admin/organisations", {"shown": [world.ours_org], "trusted": [world.ours_org]}),
    ]
    for path, data in posts:
        for token in (None, "forged"):
            form = data if token is None else {**data, "csrf_token": token}
            response = admin.post(path, data=form)
            assert response.status_code == 400, path
            assert "The form had expired" in html(response)
    assert change_status(database, world.capacity_change) is ChangeStatus.PENDING
    assert change_status(database, world.name_change) is ChangeStatus.PENDING
    with database.sessions() as session:
        assert session.get(Organisation, world.ours_org).trusted is False
    assert current(admin, world.ours)["contact"]["phone"] == "020 1111 2222"


# ---- the queue and one change ----------------------------------------------------------------


def test_the_queue_lists_waiting_changes_oldest_first(app, database, world) -> None:
    with database.sessions() as session:
        jo = _user(session, "organiser")
        propose_group(
            session,
            jo,
            listing("Saturday Walk", at="NW1 7AA", organisation=OURS),
            GazetteerGeocoder(session),
        )
        ask_to_close(session, jo, world.ours, "The hall is being sold")
        session.commit()
    page = html(client_for(app, "admin").get("/admin/changes"))
    assert "4 changes are waiting" in page
    rows = re.findall(r'<tr class="nhsuk-table__row">(.*?)</tr>', page, re.S)[1:]
    cells = [" ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in rows]
    assert [c.split(" Organisation ")[0] for c in cells] == [
        "Group Men's Shed – review the change",
        "Group Men's Shed – review the change",
        "Group Saturday Walk – review the new group",
        "Group Men's Shed – review the request to close",
    ]
    assert all(OURS in c and "Proposed by jo@example.org" in c for c in cells)
    assert "Note Two new members" in cells[0]
    assert "Kind Change" in cells[0]
    assert "Kind New group" in cells[2]
    assert "Kind Asks to close" in cells[3] and "The hall is being sold" in cells[3]


def test_the_change_page_shows_each_field_in_plain_words(app, world) -> None:
    page = html(client_for(app, "admin").get(f"/admin/changes/{world.capacity_change}"))
    diff = page.split('id="diff"')[1].split("</table>")[0]
    text = " ".join(re.sub(r"<[^>]+>", " ", diff).split())
    assert "Places taken Now 14 Proposed 19" in text
    assert "capacity.places_taken" not in page
    assert "Two new members" in page
    assert 'id="approve"' in page and 'id="reason"' in page


def test_lists_are_shown_readably(app, database, world) -> None:
    schedule = [
        {"day": "tue", "start": "10:00", "end": "12:30", "frequency": "weekly"},
        {"day": "thu", "start": "14:00", "end": "16:00", "frequency": "fortnightly"},
    ]
    with database.sessions() as session:
        pending = _submit(session, "organiser", world.ours, {"schedule": schedule}).pending
        session.commit()
    page = html(client_for(app, "admin").get(f"/admin/changes/{pending.id}"))
    assert "Days and times" in page
    assert "<li>Thursday 14:00 to 16:00, every two weeks</li>" in page
    assert "{&#39;day&#39;" not in page and "{'day'" not in page


def test_field_names_and_values_in_plain_words() -> None:
    assert field_name("capacity.places_taken") == "Places taken"
    assert field_name("accessibility.step_free") == "Step-free access"
    assert field_name("transport.something_new") == "Transport: something new"
    assert field_name("brand_new") == "Brand new"
    assert value_text("accessibility.hearing_loop", None).missing == "not known"
    assert value_text("contact.website", None).missing == "not given"
    assert value_text("status", "waiting_list").lines == ["Waiting list"]
    assert value_text("categories", ["creative", "peer_support"]).lines == [
        "Creative, Peer support"
    ]
    assert value_text("cost.amount_gbp", 2).lines == ["£2.00"]
    assert value_text("online", False).lines == ["No"]
    assert value_text("transport.bus_stops", [{"name": "Stn", "routes": ["134"]}]).lines == [
        "Stn (routes 134)"
    ]


def test_approving_applies_the_change_and_the_public_api_shows_it_at_once(
    app, database, world
) -> None:
    admin = client_for(app, "admin")
    assert current(admin, world.ours)["capacity"]["places_taken"] == 14
    response = admin.post(
        f"/admin/changes/{world.capacity_change}/approve",
        data={"csrf_token": admin.token},  # type: ignore[attr-defined]
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/changes")
    assert current(app.test_client(), world.ours)["capacity"]["places_taken"] == 19
    assert change_status(database, world.capacity_change) is ChangeStatus.APPROVED
    queue = html(admin.get("/admin/changes"))
    assert "Approved the change to Men&#39;s Shed. It is live now." in queue
    assert "1 change is waiting" in queue
    assert "1 place free" in html(app.test_client().get(f"/groups/{world.ours}"))


def test_new_groups_and_closures_are_approved_from_their_pages_too(app, database, world) -> None:
    with database.sessions() as session:
        jo = _user(session, "organiser")
        walk = listing("Saturday Walk", at="NW1 7AA", organisation=OURS)
        new = propose_group(session, jo, walk, GazetteerGeocoder(session)).pending
        closing = ask_to_close(session, jo, world.ours, "Hall sold")
        session.commit()
    admin = client_for(app, "admin")
    token = admin.token  # type: ignore[attr-defined]
    page = html(admin.get(f"/admin/changes/{new.id}"))
    assert "New group: Saturday Walk" in page and "The new group, field by field" in page
    assert "Approve this group" in page
    response = admin.post(f"/admin/changes/{new.id}/approve", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Approved the new group Saturday Walk" in html(admin.get("/admin/changes"))
    found = admin.get("/api/v1/groups?q=Saturday+Walk").get_json()["features"]
    assert [f["properties"]["name"] for f in found] == ["Saturday Walk"]

    page = html(admin.get(f"/admin/changes/{closing.pending.id}"))
    assert "Men&#39;s Shed asks to close" in page and "Hall sold" in page
    assert "Why it is closing" in page
    admin.post(f"/admin/changes/{closing.pending.id}/approve", data={"csrf_token": token})
    assert current(admin, world.ours)["status"] == "closed"


def test_a_change_overtaken_by_another_edit_stays_pending_and_says_what_changed(
    app, database, world
) -> None:
    with database.sessions() as session:
        edit_listing(
            session,
            world.ours,
            {"capacity": {"waiting_list": 3}},
            based_on=_version(session, world.ours),
            user_id=None,
            geocoder=GazetteerGeocoder(session),
        )
        session.commit()
    admin = client_for(app, "admin")
    response = admin.post(
        f"/admin/changes/{world.capacity_change}/approve",
        data={"csrf_token": admin.token},  # type: ignore[attr-defined]
    )
    assert response.status_code == 409
    page = html(response)
    assert "The listing has changed since this was sent" in page
    assert "Since then, someone changed: People on the waiting list." in page
    assert "It is still waiting" in page
    assert change_status(database, world.capacity_change) is ChangeStatus.PENDING
    assert current(admin, world.ours)["capacity"]["places_taken"] == 14
    # Opened afresh, the page warns at once and offers only the rejection, worded for it.
    page = html(admin.get(f"/admin/changes/{world.capacity_change}"))
    assert 'id="stale-warning"' in page and 'id="approve"' not in page
    assert "(People on the waiting list). Please check it and send your change again." in page


def test_rejecting_needs_a_reason(app, database, world) -> None:
    admin = client_for(app, "admin")
    for reason in ("", "   "):
        response = admin.post(
            f"/admin/changes/{world.name_change}/reject",
            data={"csrf_token": admin.token, "reason": reason},  # type: ignore[attr-defined]
        )
        assert response.status_code == 400
        page = html(response)
        assert "There is a problem" in page
        assert "Say why you are not approving it" in page
        assert "nhsuk-form-group--error" in page
    assert change_status(database, world.name_change) is ChangeStatus.PENDING


def test_a_decided_change_shows_who_decided_and_why_and_no_forms(app, database, world) -> None:
    admin = client_for(app, "admin")
    token = admin.token  # type: ignore[attr-defined]
    response = admin.post(
        f"/admin/changes/{world.name_change}/reject",
        data={"csrf_token": token, "reason": "Please keep the name people know"},
    )
    assert response.status_code == 302
    assert "Not approved: the change to Men&#39;s Shed" in html(admin.get("/admin/changes"))
    page = html(admin.get(f"/admin/changes/{world.name_change}"))
    assert "Not approved by" in page and "Ada Admin" in page
    assert "Please keep the name people know" in page
    assert "What was proposed" in page and "The Shed" in page
    assert "<form" not in page.split('id="decision"')[1]
    # Deciding twice is refused, and says why.
    again = admin.post(f"/admin/changes/{world.name_change}/approve", data={"csrf_token": token})
    assert again.status_code == 409
    assert "This change was already rejected." in html(again)
    assert change_status(database, world.name_change) is ChangeStatus.REJECTED


# ---- history ---------------------------------------------------------------------------------


def test_history_shows_who_when_and_what_newest_first(app, database, world) -> None:
    with database.sessions() as session:
        edit_listing(
            session,
            world.ours,
            {"capacity": {"total_places": 25}},
            based_on=_version(session, world.ours),
            user_id=None,
            geocoder=GazetteerGeocoder(session),
        )
        session.commit()
    page = html(client_for(app, "link_worker").get(f"/groups/{world.ours}/history"))
    rows = re.findall(r'<tr class="nhsuk-table__row" id="revision-\d+">(.*?)</tr>', page, re.S)
    text = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]
    assert re.search(r"Who import What Total places Before 20 After 25", text[0])
    assert re.search(r"Who Ada Admin What Phone number Before 020 7946 0000 After 020 1111 2222", text[-1])
    assert "Restore this value" not in page  # only admins put values back


def test_an_admin_restores_an_earlier_value_from_the_history(app, world) -> None:
    admin = client_for(app, "admin")
    page = html(admin.get(f"/groups/{world.ours}/history"))
    # One button a change, but none for places free: it follows from places and places taken.
    rows = re.findall(r'id="revision-\d+">(.*?)</tr>', page, re.S)
    assert rows and all(("Restore this value" in row) != ("Places free" in row) for row in rows)
    response = admin.post(
        f"/admin/revisions/{world.revision}/restore",
        data={"csrf_token": admin.token},  # type: ignore[attr-defined]
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/groups/{world.ours}/history")
    assert current(admin, world.ours)["contact"]["phone"] == "020 7946 0000"
    page = html(admin.get(f"/groups/{world.ours}/history"))
    assert "Phone number is back to its earlier value: 020 7946 0000." in page


def test_a_restore_the_listing_cannot_take_says_why(app, database, world) -> None:
    with database.sessions() as session:
        _submit(session, "admin", world.ours, {"capacity": {"total_places": 30}})
        _submit(session, "admin", world.ours, {"capacity": {"places_taken": 25}})
        revision = session.scalar(
            select(Revision.id).where(Revision.field == "capacity.total_places")
        )
        session.commit()
    admin = client_for(app, "admin")
    response = admin.post(
        f"/admin/revisions/{revision}/restore",
        data={"csrf_token": admin.token},  # type: ignore[attr-defined]
    )
    # Back to 20 places with 25 taken is not a valid listing: refused with the reason.
    assert response.status_code == 400
    assert "Total places could not be put back" in html(response)
    assert current(admin, world.ours)["capacity"]["total_places"] == 30


# ---- trusted organisations -------------------------------------------------------------------


def test_an_admin_marks_organisations_as_trusted(app, database, world) -> None:
    admin = client_for(app, "admin")
    page = html(admin.get("/admin/organisations"))
    assert f'id="trusted-{world.ours_org}"' in page and f'id="trusted-{world.theirs_org}"' in page
    response = admin.post(
        "/admin/organisations",
        data={
            "csrf_token": admin.token,  # type: ignore[attr-defined]
            "shown": [world.ours_org, world.theirs_org],
            "trusted": [world.ours_org],
        },
        follow_redirects=True,
    )
    assert "Saved. 1 of 2 organisations are trusted." in html(response)
    assert re.search(rf'id="trusted-{world.ours_org}"[^>]*checked', html(response))
    # Trusted now: the organiser's capacity change goes live without waiting.
    with database.sessions() as session:
        submitted = _submit(session, "organiser", world.ours, {"capacity": {"places_taken": 3}})
        session.commit()
    assert submitted.applied is not None
    # Unticking saves as untrusted.
    admin.post(
        "/admin/organisations",
        data={"csrf_token": admin.token, "shown": [world.ours_org]},  # type: ignore[attr-defined]
    )
    with database.sessions() as session:
        assert session.get(Organisation, world.ours_org).trusted is False


# ---- user text stays text --------------------------------------------------------------------


def test_user_text_is_escaped_on_the_queue_the_change_and_the_history(app, database, world) -> None:
    with database.sessions() as session:
        pending = _submit(
            session,
            "organiser",
            world.ours,
            {"description": XSS, "contact": {"name": XSS}, "interests": [XSS, "woodwork"]},
            note=XSS,
        ).pending
        new_group = propose_group(
            session,
            _user(session, "organiser"),
            listing(XSS, at="NW1 7AA", organisation=OURS),
            GazetteerGeocoder(session),
        ).pending
        _submit(session, "admin", world.ours, {"cost": {"notes": XSS}})
        session.commit()
    admin = client_for(app, "admin")
    token = admin.token  # type: ignore[attr-defined]
    pages = [admin.get("/admin/changes"), admin.get(f"/admin/changes/{pending.id}")]
    pages.append(admin.get(f"/admin/changes/{new_group.id}"))
    admin.post(f"/admin/changes/{pending.id}/reject", data={"csrf_token": token, "reason": XSS})
    pages += [
        admin.get(f"/admin/changes/{pending.id}"),
        admin.get(f"/groups/{world.ours}/history"),
    ]
    for response in pages:
        page = html(response)
        assert XSS not in page
        assert ESCAPED in page, response.request.path
    assert change_status(database, pending.id) is ChangeStatus.REJECTED


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


@pytest.mark.only_backend("spatialite")
def test_an_organisers_change_is_approved_and_goes_live(page: Page, quiet_world) -> None:
    world = quiet_world
    refused = watch_csp(page)
    # The organiser changes the places taken on their own edit page; it waits for an admin.
    sign_in(page, "organiser")
    page.goto(f"/my/groups/{world.ours}/edit")
    page.fill("#capacity-places_taken", "17")
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Save')")
    sign_out(page)
    # Until an admin approves, the public listing is as it was.
    page.goto(f"/groups/{world.ours}")
    expect(page.locator("main")).to_contain_text("6 places free")

    # The admin opens the queue, reads the change and approves it.
    sign_in(page, "admin")
    page.goto("/admin/changes")
    expect(page.locator("#queue-count")).to_contain_text("1 change is waiting")
    assert axe_violations(page) == []
    screenshot(page, "queue")
    with page.expect_navigation():
        page.click('#queue a:has-text("Men\'s Shed")')
    diff = page.locator("#diff")
    expect(diff).to_contain_text("Places taken")
    expect(diff.locator("tr", has_text="Places taken")).to_contain_text("14")
    expect(diff.locator("tr", has_text="Places taken")).to_contain_text("17")
    assert axe_violations(page) == []
    screenshot(page, "change")
    with page.expect_navigation():
        page.click("#approve")
    expect(page.locator("#flash")).to_contain_text("It is live now")
    expect(page.locator("#queue-empty")).to_be_visible()

    # The public listing shows the new places at once.
    page.goto(f"/groups/{world.ours}")
    expect(page.locator("main")).to_contain_text("3 places free")
    with page.expect_navigation():
        page.click("#history-link")
    expect(page.locator("#history")).to_contain_text("Places taken")
    assert axe_violations(page) == []
    screenshot(page, "history")
    assert refused == []
    assert page.dialogs == []  # type: ignore[attr-defined]


@pytest.mark.only_backend("spatialite")
def test_staff_pages_on_a_phone_and_their_error_states(page: Page, database, world) -> None:
    refused = watch_csp(page)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "admin")
    page.goto("/admin/changes")
    assert axe_violations(page) == []
    screenshot(page, "queue-phone")
    page.goto(f"/admin/changes/{world.capacity_change}")
    with page.expect_navigation():
        page.click("#reject")  # no reason given: a form error, not a crash
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Say why")
    assert axe_violations(page) == []
    screenshot(page, "change-phone")
    page.goto(f"/groups/{world.ours}/history")
    assert axe_violations(page) == []
    screenshot(page, "history-phone")
    # Someone saves the listing meanwhile: approving now would undo their change.
    with database.sessions() as session:
        _submit(session, "admin", world.ours, {"capacity": {"waiting_list": 3}})
        session.commit()
    page.goto(f"/admin/changes/{world.capacity_change}")
    expect(page.locator("#stale-warning")).to_contain_text("People on the waiting list")
    expect(page.locator("#approve")).to_have_count(0)
    assert axe_violations(page) == []
    screenshot(page, "change-stale-phone")
    page.goto("/admin/organisations")
    assert axe_violations(page) == []
    screenshot(page, "organisations-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "organisations")
    assert refused == []
