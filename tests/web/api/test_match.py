"""POST /api/v1/match: the match contract, and bad profiles as 400s that name the field."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from assetmap.accounts.users import create_api_token, create_user
from assetmap.models import Organisation, Role, UnmetNeed
from assetmap.web.api.match import ANONYMOUS_MATCH_LIMIT
from tests.factories import listing


@pytest.fixture
def directory(add_groups) -> list[int]:
    return add_groups(
        listing("Men's Shed", at="NW5 2AA"),  # woodwork, step-free, Tue 10:00, £2, minibus
        listing(
            "Knit and Natter",
            at="NW5 1AA",
            categories=["creative"],
            interests=["knitting"],
            description="Bring your needles.",
            audience={"gender": "any", "min_age": None},
            accessibility={"step_free": None},
            transport={"door_to_door": None},
        ),
        listing(
            "Closed Lunch Club",
            at="NW1 7AA",
            interests=["lunch"],
            description="Soup.",
            status="closed",
        ),
    )


def texts(notes: list[dict[str, Any]]) -> list[str]:
    return [note["text"] for note in notes]


def _unmet_rows(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(UnmetNeed)) or 0


def test_a_profile_gets_ranked_explained_results(client, directory, database) -> None:
    response = client.post(
        "/api/v1/match",
        json={
            "location": {"postcode": "nw51aa"},
            "interests": ["woodwork"],
            "mobility": {
                "modes": ["walk", "bus"],
                "max_travel_minutes": 30,
                "needs": ["step_free"],
            },
            "availability": [{"day": "tue", "from": "09:00", "to": "13:00"}],
            "gender": "men",
            "max_cost_gbp": 3,
        },
    )
    assert response.status_code == 200
    body = response.get_json()
    (result,) = body["results"]
    assert result["group"]["name"] == "Men's Shed"
    assert result["group"]["freshness"] == "fresh"
    assert result["group"]["venue"]["postcode"] == "NW5 2AA"
    assert set(result["components"]) == {"interest", "travel", "capacity", "freshness"}
    assert result["travel"] == {"minutes": 3, "mode": "walk", "estimated": True}
    assert "matches 'woodwork'" in texts(result["reasons"])
    assert "6 places free" in texts(result["reasons"])
    # Each note is its code, the link worker's words, and the values behind them.
    assert {"code": "places_free", "text": "6 places free", "values": {"places": 6}} in result[
        "reasons"
    ]
    assert {
        "code": "journey",
        "text": "3 min walk",
        "values": {"minutes": 3, "mode": "walk", "routes": []},
    } in result["reasons"]
    assert 0 < result["score"] <= 1
    assert body["considered"] == 3
    assert body["excluded"] == {"closed": 1, "interests_not_matched": 1}
    # One result, but an anonymous call is not demand: nothing is recorded.
    assert body["unmet_need_recorded"] is False
    assert _unmet_rows(database) == 0


def _token(database, role: Role) -> str:
    organisations = ["Kentish Town Trust"] if role is Role.ORGANISER else []
    with database.session() as session:
        session.add_all(Organisation(name=name) for name in organisations)
        user = create_user(session, f"{role.value}@example.org", role, organisations=organisations)
        return create_api_token(session, user)


WOODWORK = {"location": {"postcode": "NW5 1AA"}, "interests": ["woodwork"]}


def test_a_link_workers_match_with_few_results_is_recorded_as_unmet_need(
    client, directory, database
) -> None:
    token = _token(database, Role.LINK_WORKER)
    response = client.post(
        "/api/v1/match", json=WOODWORK, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.get_json()["unmet_need_recorded"] is True
    assert _unmet_rows(database) == 1


def test_other_accounts_matches_are_not_demand(client, directory, database) -> None:
    token = _token(database, Role.ORGANISER)
    response = client.post(
        "/api/v1/match", json=WOODWORK, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.get_json()["unmet_need_recorded"] is False
    assert _unmet_rows(database) == 0


def test_a_bad_token_is_refused_not_treated_as_anonymous(client, directory, database) -> None:
    response = client.post(
        "/api/v1/match", json=WOODWORK, headers={"Authorization": "Bearer am_not-a-token"}
    )
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorised"
    assert _unmet_rows(database) == 0


def test_lat_lon_works_as_well_as_a_postcode(client, directory) -> None:
    body = client.post(
        "/api/v1/match", json={"location": {"lat": 51.5505, "lon": -0.1410}, "limit": 1}
    ).get_json()
    assert len(body["results"]) == 1


def test_warnings_say_what_is_not_known(client, directory) -> None:
    body = client.post(
        "/api/v1/match",
        json={
            "location": {"postcode": "NW5 1AA"},
            "interests": ["knitting"],
            "mobility": {"needs": ["step_free"]},
        },
    ).get_json()
    (result,) = body["results"]
    assert "step-free access: not known" in texts(result["warnings"])
    assert {
        "code": "access_not_known",
        "text": "step-free access: not known",
        "values": {"need": "step_free"},
    } in result["warnings"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"location": None}, "location", "required"),
        ({"location": {}}, "location", "a place, or both lat and lon"),
        ({"location": {"postcode": "ZZ9 9ZZ"}}, "location.postcode", "not found"),
        ({"location": {"postcode": "not a postcode"}}, "location.postcode", "UK postcode"),
        ({"location": {"lat": 95, "lon": 0}}, "location.lat", "latitude"),
        ({"location": {"lat": 51.5}}, "location", "both lat and lon"),
        (
            {"location": {"lat": 51.5, "lon": -0.1, "postcode": "NW5 1AA"}},
            "location",
            "not more than one",
        ),
        ({"location": {"place": "NW5", "postcode": "NW5 1AA"}}, "location", "not more than one"),
        ({"location": {"place": "Atlantis"}}, "location.place", "a postcode district like NW5"),
        ({"max_outing_minutes": 10}, "max_outing_minutes", "from 30 to 720"),
        ({"max_outing_minutes": "3 hours"}, "max_outing_minutes", "whole minutes"),
        ({"complexity": 7}, "complexity", "1, 2 or 3"),
        ({"complexity": "high"}, "complexity", "1, 2 or 3"),
        ({"mobility": {"modes": ["hovercraft"]}}, "mobility.modes[0]", "walk, wheelchair"),
        ({"mobility": {"modes": []}}, "mobility.modes", "must not be empty"),
        ({"mobility": {"max_travel_minutes": 0}}, "mobility.max_travel_minutes", "1 to 240"),
        ({"mobility": {"needs": ["lift"]}}, "mobility.needs[0]", "step_free"),
        ({"mobility": {"door_to_door_needed": "yes"}}, "mobility.door_to_door_needed", "true"),
        (
            {"availability": [{"day": "someday", "from": "09:00", "to": "10:00"}]},
            "availability[0].day",
            "mon",
        ),
        (
            {"availability": [{"day": "tue", "from": "14:00", "to": "10:00"}]},
            "availability[0].to",
            "after the start",
        ),
        (
            {"availability": [{"day": "tue", "from": "9am", "to": "10:00"}]},
            "availability[0].from",
            "09:30",
        ),
        ({"categories": ["gardening"]}, "categories[0]", "creative"),
        ({"interests": [""]}, "interests[0]", "non-empty"),
        ({"gender": "martian"}, "gender", "men, women or any"),
        ({"max_cost_gbp": -1}, "max_cost_gbp", "pounds"),
        ({"limit": 500}, "limit", "1 to 50"),
        ({"limti": 5}, "limti", "not part of a match request"),
        ({"interests": ["walking"] * 21}, "interests", "at most 20 items"),
    ],
)
def test_bad_profiles_are_400s_naming_the_field_and_write_nothing(
    client, directory, database, body: dict[str, Any], field: str, words: str
) -> None:
    # A valid profile with one bad part (None: that part left out).
    whole = {"location": {"postcode": "NW5 1AA"}, **body}
    body = {key: value for key, value in whole.items() if value is not None}
    response = client.post("/api/v1/match", json=body)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["field"] == field
    assert words in error["message"]
    assert _unmet_rows(database) == 0


@pytest.mark.parametrize(
    ("data", "content_type"),
    [("not json", "application/json"), ("[1, 2]", "application/json"), ("{}", "text/plain")],
)
def test_a_body_that_is_not_a_json_object_is_a_400(client, directory, data, content_type) -> None:
    response = client.post("/api/v1/match", data=data, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid"


def test_match_only_answers_post(client) -> None:
    response = client.get("/api/v1/match")
    assert response.status_code == 405
    assert "error" in response.get_json()


# ---- the anonymous API is rate-limited --------------------------------------------------------


def test_the_anonymous_apis_next_request_past_the_limit_is_a_429_in_json(
    client, directory, database
) -> None:
    allowed = int(ANONYMOUS_MATCH_LIMIT.split()[0])
    for _ in range(allowed):
        assert client.post("/api/v1/match", json=WOODWORK).status_code == 200
    refused = client.post("/api/v1/match", json=WOODWORK)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert "minute" in refused.get_json()["error"]["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # Another client is not held back, and neither is a token's holder at the same address.
    other = client.post("/api/v1/match", json=WOODWORK, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200
    token = _token(database, Role.LINK_WORKER)
    signed = client.post(
        "/api/v1/match", json=WOODWORK, headers={"Authorization": f"Bearer {token}"}
    )
    assert signed.status_code == 200
