"""POST /api/v1/match for issue 14 items 5 to 8: ``max_outing_minutes``, the near misses with
why, the bus ruled out by the walk, and ``location.place`` (a district or a place)."""

from __future__ import annotations

from tests.matching.test_engine import group
from tests.web.match.test_outing_and_more import FORTY_MINUTES_NORTH, _north, session


def test_the_longest_time_away_leaves_out_a_long_outing_with_why(client, add_groups) -> None:
    add_groups(
        group("Long", km_north=FORTY_MINUTES_NORTH, schedule=session("10:00", "12:30")),
        group("Short", schedule=session("10:00", "11:00")),
    )
    response = client.post(
        "/api/v1/match",
        json={
            "location": {"postcode": "NW5 1AA"},
            "mobility": {"modes": ["walk"], "max_travel_minutes": 60},
            "max_outing_minutes": 180,
        },
    )
    assert response.status_code == 200
    body = response.get_json()
    assert [r["group"]["name"] for r in body["results"]] == ["Short"]
    assert body["excluded"] == {"outing_too_long": 1}
    assert body["fitting"] == 1
    (miss,) = body["near_misses"]
    assert miss["name"] == "Long"
    assert miss["why"] == {
        "code": "outing_too_long",
        "text": "the whole outing would be about 3 h 50 min (40 min each way and a 2 h 30 min "
        "session), more than their 3 hours away from home",
        "values": {"minutes": 230, "limit": 180, "each_way": 40, "session": 150},
    }
    (fits,) = [n for n in body["results"][0]["reasons"] if n["code"] == "outing_fits"]
    assert fits["values"]["limit"] == 180


def test_the_bus_ruled_out_by_the_walk_is_in_the_answer(client, add_groups) -> None:
    add_groups(*(_north(f"Up the road {i}", 2 + i / 10) for i in range(2)))
    body = client.post(
        "/api/v1/match",
        json={
            "location": {"postcode": "NW5 1AA"},
            "mobility": {"modes": ["bus"], "max_walk_metres": 200},
        },
    ).get_json()
    (ruled,) = body["ruled_out"]
    keys = ("mode", "stop_m", "stop_known", "walk_m", "opens", "alternatives")
    assert {k: ruled[k] for k in keys} == {
        "mode": "bus",
        "stop_m": 400,
        "stop_known": False,
        "walk_m": 200,
        "opens": 2,
        "alternatives": ["taxi"],
    }
    assert ruled["text"].startswith("By bus: ruled out.")


def test_a_place_or_district_locates_the_person(client, add_groups) -> None:
    add_groups(group("Next door"))
    for place in ("NW5", "NW5 2"):
        response = client.post("/api/v1/match", json={"location": {"place": place}})
        assert response.status_code == 200, place
        assert [r["group"]["name"] for r in response.get_json()["results"]] == ["Next door"]
    unknown = client.post("/api/v1/match", json={"location": {"place": "Atlantis"}})
    assert unknown.status_code == 400
    assert unknown.get_json()["error"]["field"] == "location.place"


def test_the_openapi_document_describes_the_new_parts(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    request = schemas["MatchRequest"]["properties"]
    assert request["max_outing_minutes"]["maximum"] == 720
    assert "place" in request["location"]["properties"]
    response = schemas["MatchResponse"]["properties"]
    assert {"near_misses", "ruled_out", "fitting"} <= set(response)
    assert "outing_too_long" in response["excluded"]["properties"]
    assert {"too_far", "no_session", "outing_too_long", "costs_too_much"} <= set(
        schemas["LeftOut"]["properties"]["code"]["enum"]
    )
    assert "outing_close" in schemas["Warning"]["properties"]["code"]["enum"]
