"""GET /api/v1/groups?view=markers: the map's lean form of a page of listings (issue 18)."""

import json

import pytest
from sqlalchemy import text

from assetmap.db import Backend
from assetmap.web.context import app_database
from tests.factories import listing
from tests.web.api import test_groups


@pytest.fixture
def directory(add_groups):
    """The API tests' six groups (``test_groups.directory``)."""
    return test_groups.directory.__wrapped__(add_groups)


MARKER_KEYS = {"name", "status", "freshness", "very_stale"}


def ids(response):
    assert response.status_code == 200, response.get_json()
    return [feature["id"] for feature in response.get_json()["features"]]


@pytest.mark.parametrize(
    "query",
    [
        "bbox=-0.16,51.53,-0.12,51.60",
        "postcode=nw51aa&radius_km=2",
        "near=51.5485,-0.1412&radius_km=0.3",
        "",
        "status=all",
        "category=creative",
        "step_free=true",
        "day=sat,wed",
        "q=kniting",
        "q=walk&postcode=nw51aa&radius_km=5",
    ],
)
def test_markers_are_the_same_groups_in_the_same_order_as_the_full_form(client, directory, query):
    full = client.get(f"/api/v1/groups?{query}")
    markers = client.get(f"/api/v1/groups?{query}&view=markers")
    assert ids(markers) == ids(full)
    by_id = {f["id"]: f for f in full.get_json()["features"]}
    for marker in markers.get_json()["features"]:
        whole = by_id[marker["id"]]
        assert marker["geometry"] == whole["geometry"]
        wanted = MARKER_KEYS | ({"distance_m"} if "distance_m" in whole["properties"] else set())
        assert set(marker["properties"]) == wanted
        assert marker["properties"] == {key: whole["properties"][key] for key in wanted}


def test_a_marker_carries_what_the_map_draws_and_no_more(client, directory):
    response = client.get("/api/v1/groups?view=markers&status=all")
    assert response.mimetype == "application/geo+json"
    features = {f["id"]: f for f in response.get_json()["features"]}
    walk = features[directory["walk"]]
    assert walk["type"] == "Feature"
    assert walk["properties"]["freshness"] == "stale"
    assert features[directory["lunch"]]["properties"]["status"] == "closed"
    assert features[directory["online"]]["geometry"] is None  # online: nowhere to draw
    knit = features[directory["knit"]]
    assert knit["properties"] == {
        "name": "Knit and Natter",
        "status": "open",
        "freshness": "due",
        "very_stale": False,
    }
    full = client.get("/api/v1/groups?status=all")
    assert len(response.data) * 4 < len(full.data)


def test_a_page_that_is_not_full_counts_and_a_full_one_links_to_the_next(client, config, directory):
    body = client.get("/api/v1/groups?view=markers").get_json()
    assert body["numberMatched"] == body["numberReturned"] == 5
    assert [link["rel"] for link in body["links"]] == ["self"]

    first = client.get("/api/v1/groups?view=markers&limit=2").get_json()
    assert "numberMatched" not in first  # counting every match is what a map must not wait for
    assert first["numberReturned"] == 2
    next_link = next(link["href"] for link in first["links"] if link["rel"] == "next")
    assert "view=markers" in next_link and "offset=2" in next_link
    assert next_link.startswith(config.public_url + "/api/v1/groups?")
    second = client.get(next_link.removeprefix(config.public_url)).get_json()
    last = client.get("/api/v1/groups?view=markers&limit=2&offset=4").get_json()
    assert last["numberMatched"] == 5 and last["numberReturned"] == 1
    paged = [f["id"] for page in (first, second, last) for f in page["features"]]
    assert paged == ids(client.get("/api/v1/groups"))


def test_names_are_json_escaped(client, add_groups):
    (group_id,) = add_groups(listing('Tea "&" <b>talk</b> \\ café', at="NW5 1AA"))
    response = client.get("/api/v1/groups?view=markers&bbox=-0.16,51.53,-0.12,51.60")
    body = json.loads(response.data)
    assert body["features"][0]["properties"]["name"] == 'Tea "&" <b>talk</b> \\ café'
    assert body["features"][0]["id"] == group_id


@pytest.mark.parametrize("value", ["bogus", "MARKERS", "full,markers", "x" * 300])
def test_an_unknown_view_is_a_400_naming_it(client, directory, value):
    response = client.get(f"/api/v1/groups?view={value}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == "view"
    assert "full or markers" in error["message"]
    assert len(error["message"]) < 120


def test_view_full_is_the_default_form(client, directory):
    full = client.get("/api/v1/groups?view=full").get_json()
    assert full == client.get("/api/v1/groups").get_json() | {"links": full["links"]}
    assert "capacity" in full["features"][0]["properties"]


def test_the_openapi_document_describes_the_marker_view(client):
    document = client.get("/api/v1/openapi.json").get_json()
    parameters = document["paths"]["/groups"]["get"]["parameters"]
    view = next(p for p in parameters if p["name"] == "view")
    assert view["schema"]["enum"] == ["full", "markers"]
    assert "MarkerCollection" in json.dumps(document["paths"]["/groups"]["get"]["responses"]["200"])
    marker = document["components"]["schemas"]["Marker"]
    assert set(marker["properties"]["properties"]["properties"]) == MARKER_KEYS | {"distance_m"}


@pytest.mark.parametrize(
    "query", ["bbox=-0.16,51.53,-0.12,51.60", "near=51.5485,-0.1412&radius_km=2"]
)
def test_a_marker_page_is_planned_once_and_leaves_its_connection_as_it_was(
    app, client, directory, backend, query
):
    """On PostgreSQL the map's pages reuse one generic plan per connection (prepared by
    psycopg after a few runs); the connection then plans everything else for its values."""
    if backend is not Backend.POSTGIS:
        pytest.skip("SQLite plans every statement as it is run")
    with app.app_context():
        engine = app_database().read_engine
    engine.dispose()  # the pages then share one new connection, whatever earlier tests did
    pages = [ids(client.get(f"/api/v1/groups?{query}&view=markers")) for _ in range(8)]
    assert pages[0] and all(page == pages[0] for page in pages)
    with engine.connect() as connection:  # the pool's one connection, the pages' own
        assert connection.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        plans = connection.execute(
            text(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                ' WHERE statement LIKE \'%"type":"Feature"%\''
            )
        ).all()
    # One prepared statement per shape of page (this test's, and the other's if it ran first).
    assert plans and all(row.generic_plans >= 1 and row.custom_plans == 0 for row in plans)
