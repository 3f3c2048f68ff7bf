"""The referrals API (/api/v1/cases, /api/v1/referrals): token auth, the same rules as the
pages, one error shape, nothing written when a call is refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from assetmap.accounts.users import create_api_token, create_user
from assetmap.models import Case, CaseAccess, OutboxMessage, Referral, ReferralEvent
from tests.factories import listing

OURS, THEIRS = "Kentish Town Community Centre", "Gospel Oak Trust"
NOTES = "lost her husband in the spring"
CASE = {
    "reference": "NS-0042",
    "initials": "J.S.",
    "postcode": "NW5 1AA",
    "contact_preference": "phone after 2pm",
    "access_needs": "uses a walking frame",
    "notes": NOTES,
}


@pytest.fixture
def world(database, add_groups) -> dict[str, Any]:
    shed, walkers = add_groups(
        listing("Men's Shed", organisation=OURS),
        listing("Gospel Oak Walkers", organisation=THEIRS),
    )
    tokens = {}
    with database.session() as session:
        for key, email, role, kw in [
            ("lw", "sam@scheme.example", "link_worker", {"team": "North"}),
            ("mate", "ali@scheme.example", "link_worker", {"team": "North"}),
            ("other", "kim@scheme.example", "link_worker", {"team": "South"}),
            ("org", "jo@ktcc.example", "organiser", {"organisations": (OURS,)}),
            ("their_org", "pat@go.example", "organiser", {"organisations": (THEIRS,)}),
            ("admin", "admin@scheme.example", "admin", {}),
            ("cb", "cb@scheme.example", "community_builder", {}),
        ]:
            user = create_user(session, email, role, name=email.split("@")[0].title(), **kw)
            tokens[key] = create_api_token(session, user)
        session.commit()
    return {"shed": shed, "walkers": walkers, "tokens": tokens}


def call(client, method: str, path: str, who: str | None, world, body: Any = None):
    headers = {"Authorization": f"Bearer {world['tokens'][who]}"} if who else {}
    return client.open(f"/api/v1{path}", method=method, json=body, headers=headers)


def error_of(response) -> dict[str, Any]:
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    return body["error"]


def counts(database) -> tuple[int, ...]:
    with database.sessions() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Case, Referral, ReferralEvent, OutboxMessage)
        )


@pytest.fixture
def case_id(client, world) -> int:
    response = call(client, "POST", "/cases", "lw", world, CASE)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@pytest.fixture
def referral(client, world, case_id) -> dict[str, Any]:
    response = call(
        client, "POST", f"/cases/{case_id}/referrals", "lw", world, {"group_id": world["shed"]}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# ---- cases ----


def test_create_and_read_a_case(client, world, database):
    response = call(client, "POST", "/cases", "lw", world, CASE)
    assert response.status_code == 201
    case = response.get_json()
    assert response.headers["Location"] == f"/api/v1/cases/{case['id']}"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert {k: case[k] for k in CASE} == CASE
    assert case["team"] == "North" and case["referrals"] == []

    shown = call(client, "GET", f"/cases/{case['id']}", "mate", world)  # same team
    assert shown.status_code == 200
    assert shown.get_json()["notes"] == NOTES
    with database.sessions() as session:
        opened = session.scalars(select(CaseAccess.action)).all()
    assert [a.value for a in opened] == ["changed", "opened"]


def test_the_case_list_is_paged_and_only_the_teams(client, world):
    for n in range(3):
        body = {**CASE, "reference": f"NS-{n}"}
        assert call(client, "POST", "/cases", "lw", world, body).status_code == 201
    assert call(client, "POST", "/cases", "other", world, CASE).status_code == 201
    page = call(client, "GET", "/cases?limit=2&offset=0", "mate", world).get_json()
    assert (page["total"], page["limit"], page["offset"], len(page["cases"])) == (3, 2, 0, 2)
    rest = call(client, "GET", "/cases?limit=2&offset=2", "mate", world).get_json()
    assert len(rest["cases"]) == 1
    references = {c["reference"] for c in page["cases"] + rest["cases"]}
    assert references == {"NS-0", "NS-1", "NS-2"}
    assert call(client, "GET", "/cases", "other", world).get_json()["total"] == 1
    assert call(client, "GET", "/cases", "admin", world).get_json()["total"] == 4
    bad = call(client, "GET", "/cases?limit=0", "lw", world)
    assert bad.status_code == 400 and error_of(bad)["field"] == "limit"


@pytest.mark.parametrize("value", ["9" * 5000, str(2**63), "\u00b2", "-1"])
@pytest.mark.parametrize("name", ["limit", "offset"])
def test_paging_numbers_that_cannot_be_read_are_400(client, world, name, value):
    """5,000 digits passed isdigit() and then broke int(): a 500 before."""
    bad = call(client, "GET", f"/cases?{name}={value}", "lw", world)
    assert bad.status_code == 400 and error_of(bad)["field"] == name


def test_patch_changes_only_what_is_sent(client, world, case_id):
    response = call(
        client, "PATCH", f"/cases/{case_id}", "lw", world, {"initials": "M.O.", "notes": None}
    )
    assert response.status_code == 200
    case = response.get_json()
    assert (case["initials"], case["notes"], case["reference"]) == ("M.O.", None, "NS-0042")
    assert case["access_needs"] == CASE["access_needs"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**CASE, "reference": ""}, "reference"),
        ({**CASE, "reference": "943 476 5919"}, "reference"),  # an NHS number
        ({**CASE, "postcode": "nowhere"}, "postcode"),
        ({**CASE, "initials": "J5"}, "initials"),
        ({**CASE, "notes": 42}, "notes"),
        ({**CASE, "shortlist": "1,2"}, "shortlist"),
        ({**CASE, "name": "Jane Smith"}, "name"),
        ([], None),
    ],
)
def test_bad_cases_are_refused_naming_the_field_and_nothing_is_written(
    client, world, database, body, field
):
    response = call(client, "POST", "/cases", "lw", world, body)
    assert response.status_code == 400
    assert error_of(response)["field"] == field
    assert counts(database) == (0, 0, 0, 0)


def test_a_bad_patch_changes_nothing(client, world, case_id):
    response = call(client, "PATCH", f"/cases/{case_id}", "lw", world, {"postcode": "nope"})
    assert response.status_code == 400 and error_of(response)["field"] == "postcode"
    assert call(client, "GET", f"/cases/{case_id}", "lw", world).get_json()["postcode"] == (
        "NW5 1AA"
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("other", 404), ("org", 403), ("cb", 403), ("admin", 200), ("mate", 200)],
)
def test_who_may_open_a_case(client, world, case_id, who, status):
    response = call(client, "GET", f"/cases/{case_id}", who, world)
    assert response.status_code == status
    if status != 200:
        assert NOTES not in response.get_data(as_text=True)
    patched = call(client, "PATCH", f"/cases/{case_id}", who, world, {"initials": "X"})
    assert patched.status_code == status


@pytest.mark.parametrize(("who", "status"), [(None, 401), ("org", 403), ("cb", 403)])
def test_only_link_workers_and_admins_list_and_open_cases(client, world, database, who, status):
    assert call(client, "GET", "/cases", who, world).status_code == status
    assert call(client, "POST", "/cases", who, world, CASE).status_code == status
    assert counts(database) == (0, 0, 0, 0)


def test_an_unknown_case_is_404(client, world):
    response = call(client, "GET", "/cases/999999", "lw", world)
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


# ---- referrals ----


def test_refer_a_case_to_a_group(client, world, database, case_id, referral):
    assert referral["case_id"] == case_id
    assert referral["group"] == {"id": world["shed"], "name": "Men's Shed"}
    assert referral["state"] == "sent" and referral["version"] == 1
    # The link worker may record the group's answer too; only assetmap marks no response.
    assert referral["allowed_moves"] == [
        "accepted",
        "waiting_list",
        "declined",
        "withdrawn",
        "cancelled",
    ]
    assert referral["sent_at"] and referral["held_until"]
    [event] = referral["events"]
    assert (event["from"], event["to"]) == (None, "sent")
    assert event["by"].startswith("Sam")
    case = call(client, "GET", f"/cases/{case_id}", "lw", world).get_json()
    assert [r["id"] for r in case["referrals"]] == [referral["id"]]


def test_the_organiser_answers_and_sees_only_the_organiser_view(client, world, referral, database):
    path = f"/referrals/{referral['id']}"
    shown = call(client, "GET", path, "org", world)
    assert shown.status_code == 200
    body = shown.get_json()
    assert body["person"] == {
        "initials": "J.S.",
        "contact_preference": "phone after 2pm",
        "access_needs": "uses a walking frame",
    }
    text = shown.get_data(as_text=True)
    assert NOTES not in text and "NS-0042" not in text and "NW5 1AA" not in text
    assert "accepted" in body["allowed_moves"]
    moved = call(
        client, "POST", f"{path}/transitions", "org", world, {"to": "accepted", "version": 1}
    )
    assert moved.status_code == 200, moved.get_json()
    after = moved.get_json()
    assert (after["state"], after["version"]) == ("accepted", 2)
    assert after["accepted_at"] and after["responded_at"] and after["held_until"] is None
    assert [e["to"] for e in after["events"]] == ["sent", "accepted"]
    assert NOTES not in moved.get_data(as_text=True)
    with database.sessions() as session:
        told = session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == "sam@scheme.example")
        ).one()
    assert f"/cases/{referral['case_id']}" in told.body and NOTES not in told.body


def test_a_decline_needs_a_known_reason(client, world, referral):
    path = f"/referrals/{referral['id']}/transitions"
    missing = call(client, "POST", path, "org", world, {"to": "declined", "version": 1})
    assert missing.status_code == 400 and error_of(missing)["field"] == "reason"
    unknown = call(
        client, "POST", path, "org", world, {"to": "declined", "reason": "busy", "version": 1}
    )
    assert unknown.status_code == 400 and error_of(unknown)["field"] == "reason"
    declined = call(
        client,
        "POST",
        path,
        "org",
        world,
        {"to": "declined", "reason": "full", "reason_text": "Full until spring", "version": 1},
    )
    assert declined.status_code == 200
    body = declined.get_json()
    assert (body["decline_reason"], body["reason_text"]) == ("full", "Full until spring")
    assert body["ended_at"] and body["allowed_moves"] == []
    assert body["events"][-1]["reason_text"] == "Full until spring"


def test_a_refused_move_is_409_with_a_clear_message_and_writes_nothing(
    client, world, database, referral
):
    path = f"/referrals/{referral['id']}/transitions"
    assert (
        call(client, "POST", path, "lw", world, {"to": "withdrawn", "version": 1}).status_code
        == 200
    )
    before = counts(database)
    response = call(client, "POST", path, "org", world, {"to": "accepted", "version": 2})
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "conflict"
    assert "withdrawn" in error["message"] and "nothing more can change" in error["message"]
    assert counts(database) == before


def test_a_stale_version_is_409(client, world, database, referral):
    path = f"/referrals/{referral['id']}/transitions"
    first = call(client, "POST", path, "org", world, {"to": "waiting_list", "version": 1})
    assert first.status_code == 200
    before = counts(database)
    stale = call(client, "POST", path, "org", world, {"to": "accepted", "version": 1})
    assert stale.status_code == 409 and error_of(stale)["field"] == "version"
    assert counts(database) == before


def test_moves_the_actor_may_not_make_are_403(client, world, database, referral):
    path = f"/referrals/{referral['id']}/transitions"
    before = counts(database)
    # Only assetmap marks no response; only the link worker withdraws the person.
    for who, to in (("lw", "no_response"), ("org", "withdrawn"), ("org", "cancelled")):
        response = call(client, "POST", path, who, world, {"to": to, "version": 1})
        assert response.status_code == 403, (who, to)
        assert error_of(response)["code"] == "forbidden"
    assert counts(database) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to": "accepted"}, "version"),
        ({"to": "accepted", "version": "1"}, "version"),
        ({"to": "accepted", "version": True}, "version"),
        ({"to": "gone", "version": 1}, "to"),
        ({"version": 1}, "to"),
        ({"to": "accepted", "reason": "full", "version": 1}, "reason"),
        ({"to": "accepted", "reason_text": 5, "version": 1}, "reason_text"),
        ({"to": "accepted", "version": 1, "notes": "x"}, "notes"),
        ({"to": "accepted", "reason_text": "x" * 501, "version": 1}, "reason"),
        ("accepted", None),
    ],
)
def test_bad_moves_are_400_naming_the_field(client, world, database, referral, body, field):
    before = counts(database)
    path = f"/referrals/{referral['id']}/transitions"
    response = call(client, "POST", path, "org", world, body)
    assert response.status_code == 400
    assert error_of(response)["field"] == field
    assert counts(database) == before


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        ("lw", 200),
        ("mate", 200),
        ("admin", 200),
        ("org", 200),
        ("other", 404),  # another team's link worker
        ("their_org", 404),  # an organiser of another group
        ("cb", 403),
    ],
)
def test_who_may_see_and_move_a_referral(client, world, database, referral, who, status):
    path = f"/referrals/{referral['id']}"
    assert call(client, "GET", path, who, world).status_code == status
    if status != 200:
        before = counts(database)
        moved = call(
            client, "POST", f"{path}/transitions", who, world, {"to": "cancelled", "version": 1}
        )
        assert moved.status_code == status
        assert counts(database) == before


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({}, "group_id", 400),
        ({"group_id": "17"}, "group_id", 400),
        ({"group_id": 0}, "group_id", 400),
        ({"group_id": 999999}, "group_id", 404),
    ],
)
def test_bad_referrals_are_refused(client, world, database, case_id, body, field, status):
    before = counts(database)
    response = call(client, "POST", f"/cases/{case_id}/referrals", "lw", world, body)
    assert response.status_code == status
    assert error_of(response)["field"] == field
    assert counts(database) == before


def test_a_second_live_referral_to_the_same_group_is_409(client, world, database, referral):
    before = counts(database)
    again = call(
        client,
        "POST",
        f"/cases/{referral['case_id']}/referrals",
        "lw",
        world,
        {"group_id": world["shed"]},
    )
    assert again.status_code == 409
    assert counts(database) == before


def test_another_teams_case_cannot_be_referred(client, world, database, case_id):
    before = counts(database)
    response = call(
        client, "POST", f"/cases/{case_id}/referrals", "other", world, {"group_id": world["shed"]}
    )
    assert response.status_code == 404
    assert counts(database) == before


def test_no_personal_data_in_any_url(client, world, referral):
    response = call(client, "GET", f"/cases/{referral['case_id']}", "lw", world)
    for url in [response.request.url, f"/api/v1/referrals/{referral['id']}"]:
        assert "NS-0042" not in url and "NW5" not in url and "J.S." not in url
