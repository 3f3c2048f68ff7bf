"""JSON bodies nested too deeply are a 400 in the API's error shape, never a 500.

``[[[[…]]]]`` 100,000 deep made Python's JSON parser raise RecursionError, which
``request.get_json(silent=True)`` does not catch: a 500 on the match, the listing PATCH and the
cases API. Just past the depth limit is refused the same way, and nothing is written.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assetmap.accounts.users import create_api_token, create_user
from assetmap.models import Case, Group, Referral
from assetmap.web.inputs import MAX_DEPTH, depth_over
from tests.factories import listing

DEEP = {
    "100,000 deep": "[" * 100_000 + "]" * 100_000,
    "just too deep": '{"location": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}",
}


@pytest.fixture
def api(client, database, add_groups):
    [group] = add_groups(listing("Men's Shed"))
    with database.session() as session:
        admin = create_user(session, "admin@scheme.example", "admin", team="North")
        token = create_api_token(session, admin)
        session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    case = client.post("/api/v1/cases", json={"reference": "NS-1"}, headers=headers).get_json()
    referral = client.post(
        f"/api/v1/cases/{case['id']}/referrals", json={"group_id": group}, headers=headers
    ).get_json()
    return {"headers": headers, "group": group, "case": case["id"], "referral": referral["id"]}


def _counts(database) -> tuple[int, int, int]:
    with database.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Case)),
            session.scalar(select(func.count()).select_from(Referral)),
            session.scalar(select(Group.version)),
        )


@pytest.mark.parametrize("body", list(DEEP.values()), ids=list(DEEP))
def test_a_deep_body_is_refused_on_every_api_write(client, database, api, body) -> None:
    before = _counts(database)
    calls = [
        ("POST", "/api/v1/match", {}),
        ("PATCH", f"/api/v1/groups/{api['group']}", {"If-Match": '"1"'}),
        ("POST", "/api/v1/cases", {}),
        ("PATCH", f"/api/v1/cases/{api['case']}", {}),
        ("POST", f"/api/v1/cases/{api['case']}/referrals", {}),
        ("POST", f"/api/v1/referrals/{api['referral']}/transitions", {}),
    ]
    for method, path, extra in calls:
        answer = client.open(
            path,
            method=method,
            data=body,
            headers={**api["headers"], **extra, "Content-Type": "application/json"},
        )
        assert answer.status_code == 400, (method, path, answer.get_data(as_text=True)[:300])
        error = answer.get_json()["error"]
        assert error["code"] == "invalid"
        assert "nested too deeply" in error["message"]
    assert _counts(database) == before


def test_a_body_within_the_limit_is_read() -> None:
    assert not depth_over({"a": [[{"b": 1}]]}, 4)
    assert depth_over({"a": [[{"b": []}]]}, 4)
    assert not depth_over("[[[", 0)  # a string is not nested


def test_a_huge_number_in_a_body_is_a_clear_400(client, api) -> None:
    """An integer of 5,000 digits is past what Python reads as JSON; 2**63 is past any id."""
    url = f"/api/v1/cases/{api['case']}/referrals"
    for text in ('{"group_id": ' + "9" * 5000 + "}", '{"group_id": ' + str(2**63) + "}"):
        answer = client.post(
            url, data=text, headers={**api["headers"], "Content-Type": "application/json"}
        )
        assert answer.status_code == 400, answer.get_data(as_text=True)[:300]
        assert answer.get_json()["error"]["code"] == "invalid"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/gaps?interests=knit%00ting",
        "/api/v1/groups?q=knit%00",
        "/openreferral/services?text=a%00",
    ],
)
def test_a_nul_in_a_query_string_is_a_400(client, database, api, url) -> None:
    """PostgreSQL's text refuses NUL: it was a 500 on /api/v1/gaps (schemathesis found it)."""
    answer = client.get(url, headers=api["headers"])
    assert answer.status_code == 400
    error = answer.get_json()["error"]  # the JSON error shape, naming the field
    assert "NUL" in error["message"]
    assert error["field"] == url.split("?")[1].split("=")[0]


def test_a_nul_in_a_json_string_is_a_400(client, database, api) -> None:
    answer = client.patch(
        f"/api/v1/groups/{api['group']}",
        data='{"name": "Men\\u0000s Shed"}',
        headers={**api["headers"], "If-Match": '"1"', "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert "NUL" in answer.get_json()["error"]["message"]
    assert _counts(database)[2] == 1  # the listing's version: not changed
