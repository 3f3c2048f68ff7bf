"""PATCH /api/v1/groups/<id>: token authentication, who may change what, no lost updates."""

from __future__ import annotations

from typing import Any

import pytest

from assetmap.accounts.users import create_api_token, create_user
from assetmap.models import Organisation
from tests.factories import listing

OURS, THEIRS = "Kentish Town Community Centre", "Gospel Oak Trust"


@pytest.fixture
def world(database, add_groups) -> dict[str, Any]:
    """Two organisations with a group each, and a token for every role."""
    ours, theirs = add_groups(
        listing("Men's Shed", at="NW5 2AA", organisation=OURS),
        listing("Knit and Natter", at="NW5 1AA", organisation=THEIRS),
    )
    tokens = {}
    with database.session() as session:
        for email, role, organisations in [
            ("admin@example.org", "admin", ()),
            ("jo@example.org", "organiser", (OURS,)),
            ("sam@example.org", "organiser", (THEIRS,)),
            ("lw@example.org", "link_worker", ()),
            ("cb@example.org", "community_builder", ()),
        ]:
            # No passwords: API tokens do not need one (and argon2 is slow on purpose).
            user = create_user(session, email, role, organisations=organisations)
            tokens[role if role != "organiser" else email.split("@")[0]] = create_api_token(
                session, user
            )
        session.commit()
    return {"ours": ours, "theirs": theirs, "tokens": tokens}


def trust(database, name: str) -> None:
    with database.session() as session:
        organisation = session.query(Organisation).filter_by(name=name).one()
        organisation.trusted = True
        session.commit()


def patch(client, group_id: int, body: Any, token: str | None, version: str | None = "auto"):
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if version == "auto":
        version = client.get(f"/api/v1/groups/{group_id}").headers["ETag"]
    if version:
        headers["If-Match"] = version
    return client.patch(f"/api/v1/groups/{group_id}", json=body, headers=headers)


def places_taken(client, group_id: int) -> int:
    return client.get(f"/api/v1/groups/{group_id}").get_json()["properties"]["capacity"][
        "places_taken"
    ]


CAPACITY = {"capacity": {"places_taken": 17}}


@pytest.mark.parametrize(
    ("who", "group", "trusted", "body", "status"),
    [
        (None, "ours", False, CAPACITY, 401),
        ("admin", "ours", False, CAPACITY, 200),
        ("admin", "theirs", False, {"name": "Renamed"}, 200),
        ("jo", "ours", True, CAPACITY, 200),  # trusted, minor field: straight through
        ("jo", "ours", True, {"name": "Renamed"}, 202),  # not minor: waits for moderation
        ("jo", "ours", False, CAPACITY, 200),  # not trusted, but places are urgent: live
        ("jo", "ours", False, {"description": "New"}, 202),  # not trusted: waits
        ("jo", "theirs", True, CAPACITY, 403),  # another organisation's group (id tampering)
        ("sam", "ours", True, CAPACITY, 403),
        ("link_worker", "ours", True, CAPACITY, 403),
        ("community_builder", "ours", True, CAPACITY, 403),
    ],
)
def test_who_may_change_which_group(
    client, database, world, who, group, trusted, body, status
) -> None:
    if trusted:
        trust(database, OURS)
        trust(database, THEIRS)
    group_id = world[group]
    before = client.get(f"/api/v1/groups/{group_id}").get_json()["properties"]
    response = patch(client, group_id, body, world["tokens"].get(who))
    assert response.status_code == status, response.get_json()
    after = client.get(f"/api/v1/groups/{group_id}").get_json()["properties"]
    if status == 200:
        assert after != before
        assert response.headers["ETag"] == client.get(f"/api/v1/groups/{group_id}").headers["ETag"]
    elif status == 202:
        assert after == before  # the public sees the approved listing until approval
        assert response.get_json()["pending_change"] > 0
        documented = client.get("/api/v1/openapi.json").get_json()["paths"]["/groups/{id}"]
        answer = documented["patch"]["responses"]["202"]["content"]["application/json"]
        assert set(response.get_json()) == set(answer["schema"]["required"])
    else:
        assert after == before
        assert "error" in response.get_json()


@pytest.mark.parametrize("token", ["not-a-token", "am_madeup", ""])
def test_a_bad_token_is_401_and_says_how(client, world, token) -> None:
    response = client.patch(
        f"/api/v1/groups/{world['ours']}",
        json=CAPACITY,
        headers={"Authorization": f"Bearer {token}", "If-Match": '"1"'},
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.get_json()["error"]["code"] == "unauthorised"


def test_a_stale_version_is_refused_with_what_changed(client, world) -> None:
    admin = world["tokens"]["admin"]
    old = client.get(f"/api/v1/groups/{world['ours']}").headers["ETag"]
    assert patch(client, world["ours"], CAPACITY, admin, old).status_code == 200
    stale = patch(client, world["ours"], {"capacity": {"places_taken": 3}}, admin, old)
    assert stale.status_code == 412
    error = stale.get_json()["error"]
    assert error["code"] == "stale"
    assert "capacity.places_taken" in error["changed"]
    assert places_taken(client, world["ours"]) == 17


def test_a_change_without_if_match_is_428(client, world) -> None:
    response = patch(client, world["ours"], CAPACITY, world["tokens"]["admin"], version=None)
    assert response.status_code == 428
    assert response.get_json()["error"]["field"] == "If-Match"


@pytest.mark.parametrize(
    "version", ['"' + "9" * 5000 + '"', f'"{2**63}"', '"-1"', '"\u00b2"', '"1e3"']
)
def test_an_if_match_that_is_no_version_is_400(client, world, version) -> None:
    """5,000 digits passed isdigit() and then broke int() (a 500); none is a version."""
    response = patch(client, world["ours"], CAPACITY, world["tokens"]["admin"], version=version)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "If-Match"
    assert places_taken(client, world["ours"]) == 14  # nothing written


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"capacity": {"total_places": "lots"}}, "capacity.total_places"),
        ({"accessibility": {"step_free": "maybe"}}, "accessibility.step_free"),
        ({"id": 5}, "id"),
        ([1, 2], None),
    ],
)
def test_an_invalid_change_is_400_naming_the_field_and_writes_nothing(
    client, world, body, field
) -> None:
    before = client.get(f"/api/v1/groups/{world['ours']}")
    response = patch(client, world["ours"], body, world["tokens"]["admin"])
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field
    after = client.get(f"/api/v1/groups/{world['ours']}")
    assert after.headers["ETag"] == before.headers["ETag"]


def test_an_unknown_group_is_404_for_a_signed_in_user(client, world) -> None:
    response = patch(client, 999_999, CAPACITY, world["tokens"]["admin"], version='"1"')
    assert response.status_code == 404


def test_user_text_sent_through_the_api_is_shown_as_text(client, world) -> None:
    probe = "<script>alert(1)</script>"
    response = patch(
        client, world["ours"], {"name": probe, "contact": {"name": probe}}, world["tokens"]["admin"]
    )
    assert response.status_code == 200
    page = client.get(f"/groups/{world['ours']}").get_data(as_text=True)
    assert probe not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_untrusted_organisers_cancelled_session_is_live_at_once(client, world) -> None:
    body = {"cancelled_dates": ["2026-12-08"]}
    response = patch(client, world["ours"], body, world["tokens"]["jo"])
    assert response.status_code == 200, response.get_json()
    got = client.get(f"/api/v1/groups/{world['ours']}").get_json()["properties"]
    assert got["cancelled_dates"] == ["2026-12-08"]
    # A day the group does not meet is a JSON error naming the field; nothing changes.
    refused = patch(
        client, world["ours"], {"cancelled_dates": ["2026-12-09"]}, world["tokens"]["jo"]
    )
    assert refused.status_code == 400
    assert "cancelled_dates[0]" in str(refused.get_json())
    got = client.get(f"/api/v1/groups/{world['ours']}").get_json()["properties"]
    assert got["cancelled_dates"] == ["2026-12-08"]


# ---- a change that changes nothing -----------------------------------------------------------


def _written(database, group_id: int) -> tuple[int, int, int, int]:
    """The group's version, its revisions, waiting changes and queued emails."""
    from sqlalchemy import func, select

    from assetmap.models import Group, OutboxMessage, PendingChange, Revision

    with database.session() as session:
        return (
            session.scalar(select(Group.version).where(Group.id == group_id)),
            session.scalar(select(func.count()).select_from(Revision)),
            session.scalar(select(func.count()).select_from(PendingChange)),
            session.scalar(select(func.count()).select_from(OutboxMessage)),
        )


@pytest.mark.parametrize("who", ["admin", "jo"])
@pytest.mark.parametrize("body", ["empty", "same values"])
def test_a_patch_that_changes_nothing_writes_nothing(client, world, database, who, body) -> None:
    """`{}`, or every value as it is: no new version, no history, nothing for an admin to
    review; 200 with the listing as it is and the same ETag."""
    group_id = world["ours"]
    before = client.get(f"/api/v1/groups/{group_id}")
    shown = before.get_json()["properties"]
    change: dict[str, Any] = {}
    if body == "same values":
        change = {
            "name": shown["name"],
            "description": shown["description"],
            "capacity": {"places_taken": shown["capacity"]["places_taken"]},
            "schedule": shown["schedule"],
        }
    written = _written(database, group_id)
    response = patch(client, group_id, change, world["tokens"][who], before.headers["ETag"])
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == before.headers["ETag"]
    assert response.get_json()["properties"]["name"] == shown["name"]
    assert _written(database, group_id) == written
    # Still refused when stale: nothing to change is no way round If-Match.
    assert patch(client, group_id, {}, world["tokens"][who], '"99"').status_code == 412


def test_ten_thousand_sessions_are_refused_naming_the_field(client, world, database) -> None:
    group_id = world["ours"]
    written = _written(database, group_id)
    session = {"day": "tue", "start": "10:00", "end": "12:00"}
    response = patch(client, group_id, {"schedule": [session] * 10_000}, world["tokens"]["admin"])
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == "schedule"
    assert "at most 50 entries" in error["message"]
    interests = {"interests": [f"craft {i}" for i in range(10_000)]}
    response = patch(client, group_id, interests, world["tokens"]["admin"])
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "interests"
    assert _written(database, group_id) == written
