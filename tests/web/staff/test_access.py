"""The staff pages: who may do what, missing things, and CSRF on every form."""

from __future__ import annotations

import pytest

from assetmap.models import ChangeStatus, Organisation, PendingChange
from tests.web.staff.helpers import (
    change_status,
    client_for,
    current,
    html,
)

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
