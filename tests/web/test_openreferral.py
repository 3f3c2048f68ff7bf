"""The ORUK 3.0 read API at /openreferral/: every endpoint's body validates against the
official schemas, the filters and paging do what the profile says, errors are JSON 4xx."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from importlib import resources
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from assetmap.interop.oruk_out import (
    CATEGORY_TAXONOMY,
    INTEREST_TAXONOMY,
    oruk_id,
    taxonomy_id,
    term_id,
)
from assetmap.web import context
from tests.factories import listing

SCHEMAS = resources.files("assetmap.interop").joinpath("oruk3")
#: Where the profile's OpenAPI points, and the copy in the repository that answers for it.
REMOTE = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"
LOCAL_FOR_REMOTE = {
    "compiled/service.json": "service.json",
    # The profile publishes no list schemas beside its tables; a list item is a service (or a
    # service_at_location) with its one-to-one fields, which the table's schema checks.
    "compiled/service_list.json": "service.json",
    "compiled/service_at_location_list.json": "service_at_location.json",
    "taxonomy.json": "taxonomy.json",
    "taxonomy_term.json": "taxonomy_term.json",
}


def _registry() -> Registry:
    resources_by_name = {}
    for entry in SCHEMAS.iterdir():
        if entry.name.endswith(".json") and entry.name != "openapi.json":
            contents = json.loads(entry.read_text("utf-8"))
            resources_by_name[entry.name] = Resource.from_contents(
                contents, default_specification=DRAFT202012
            )
    registry = Registry().with_resources(resources_by_name.items())
    # A table's schema refers to the others by bare file name, resolved against where it was
    # reached from: each is also known at the remote addresses the OpenAPI uses.
    for folder in ("", "compiled/"):
        registry = registry.with_resources(
            (REMOTE + folder + name, resource) for name, resource in resources_by_name.items()
        )
    for remote, local in LOCAL_FOR_REMOTE.items():
        registry = registry.with_resource(REMOTE + remote, resources_by_name[local])
    return registry


REGISTRY = _registry()
OPENAPI = json.loads(SCHEMAS.joinpath("openapi.json").read_text("utf-8"))


def _resolve_local(schema: Any) -> Any:
    """The OpenAPI document's own ``#/components/...`` refs, inlined (it is not a JSON Schema
    resource itself); refs to the tables' schemas are left to the registry."""
    if isinstance(schema, dict):
        ref = schema.get("$ref", "")
        if ref.startswith("#/"):
            target: Any = OPENAPI
            for part in ref[2:].split("/"):
                target = target[part]
            return _resolve_local(target)
        return {key: _resolve_local(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_resolve_local(item) for item in schema]
    return schema


def schema_for(path: str) -> dict[str, Any]:
    """The schema the profile's OpenAPI names for a path's 200 answer."""
    answer = OPENAPI["paths"][path]["get"]["responses"]["200"]
    return _resolve_local(answer["content"]["application/json"]["schema"])


def assert_valid(path: str, body: Any) -> None:
    validator = Draft202012Validator(
        schema_for(path), registry=REGISTRY, format_checker=FormatChecker()
    )
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, f"{path}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
    )


@pytest.fixture
def services(add_groups):
    ids = add_groups(
        listing(
            "Knit and Natter",
            at="NW5 1AA",
            organisation="Kentish Town Community Centre",
            categories=["creative", "social"],
            interests=["knitting", "crafts"],
            description="Bring your needles; wool provided.",
            schedule=[
                {"day": "wed", "start": "14:00", "end": "16:00"},
                {
                    "day": "sat",
                    "start": "10:00",
                    "end": "12:00",
                    "frequency": "monthly",
                    "from_date": "2026-12-12",
                },
            ],
            audience={"min_age": 18, "max_age": None},
            capacity={"total_places": 12, "places_taken": 9, "waiting_list": 0},
        ),
        listing(
            "Walking for Health",
            at="NW1 7AA",
            categories=["active", "nature"],
            interests=["walking"],
            schedule=[{"day": "sat", "start": "10:00", "end": "11:30"}],
            audience={"min_age": 50, "max_age": 90},
            status="waiting_list",
        ),
        listing("Lunch Club", at="WC1H 9AA", categories=["social"], status="closed"),
        listing(
            "Online Carers Chat",
            categories=["peer_support"],
            online=True,
            venue=None,
            interests=["carers"],
            schedule=[{"day": "mon", "start": "19:00", "end": "20:00"}],
            contact={"phone": None, "email": None, "name": None},
            audience={"min_age": None},
        ),
        listing(
            "Highgate Choir",
            at="N6 5AA",
            categories=["creative"],
            interests=["singing"],
            audience={"min_age": 16},
        ),
    )
    return dict(zip(["knit", "walk", "lunch", "online", "choir"], ids, strict=True))


def get(client, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.mimetype == "application/json"
    return response.get_json()


def names(page: dict[str, Any]) -> list[str]:
    return [item.get("name") or item["service"]["name"] for item in page["contents"]]


def test_every_endpoint_validates_against_the_official_schemas(client, services):
    knit = oruk_id("service", services["knit"])
    creative = term_id(CATEGORY_TAXONOMY, "creative")
    checked = {
        "/": ["/openreferral/"],
        "/services": [
            "/openreferral/services",
            "/openreferral/services?search=knitting",
            f"/openreferral/services?taxonomy_term_id={creative}&per_page=1&page=2",
            "/openreferral/services?minimum_age=18&day=wednesday&start_time=13:00",
        ],
        "/services/{id}": [
            f"/openreferral/services/{oruk_id('service', i)}" for i in services.values()
        ],
        "/service_at_locations": [
            "/openreferral/service_at_locations",
            "/openreferral/service_at_locations?postcode=NW5%202AA&proximity=2000",
        ],
        "/service_at_locations/{id}": [
            f"/openreferral/service_at_locations/{oruk_id('service_at_location', services['knit'])}"
        ],
        "/taxonomies": ["/openreferral/taxonomies"],
        "/taxonomies/{id}": [
            f"/openreferral/taxonomies/{taxonomy_id(CATEGORY_TAXONOMY)}",
            f"/openreferral/taxonomies/{taxonomy_id(INTEREST_TAXONOMY)}",
        ],
        "/taxonomy_terms": [
            "/openreferral/taxonomy_terms",
            "/openreferral/taxonomy_terms?page=2&per_page=5",
        ],
        "/taxonomy_terms/{id}": [
            f"/openreferral/taxonomy_terms/{creative}",
            f"/openreferral/taxonomy_terms/{term_id(INTEREST_TAXONOMY, 'knitting')}",
        ],
    }
    assert set(checked) == set(OPENAPI["paths"]), "a path of the profile is not walked"
    for path, urls in checked.items():
        for url in urls:
            body = get(client, url)
            assert_valid(path, body)
    assert get(client, f"/openreferral/services/{knit}")["name"] == "Knit and Natter"


def test_a_service_is_fully_nested(client, services):
    body = get(client, f"/openreferral/services/{oruk_id('service', services['knit'])}")
    assert body["organization"]["name"] == "Kentish Town Community Centre"
    assert body["organization_id"] == body["organization"]["id"]
    (link,) = body["service_at_locations"]
    location = link["location"]
    assert location["latitude"] == pytest.approx(51.5505)
    assert location["addresses"][0]["postal_code"] == "NW5 1AA"
    assert "Step-free access: yes" in [a["description"] for a in location["accessibility"]]
    weekly, monthly = body["schedules"]
    assert (weekly["freq"], weekly["interval"], weekly["byday"]) == ("WEEKLY", 1, "WE")
    assert (weekly["opens_at"], weekly["closes_at"]) == ("14:00:00", "16:00:00")
    assert (monthly["freq"], monthly["byday"], monthly["dtstart"]) == (
        "MONTHLY",
        "2SA",
        "2026-12-12",
    )
    assert body["contacts"][0]["phones"][0]["number"] == "020 7946 0000"
    assert body["phones"][0]["number"] == "020 7946 0000"
    assert body["minimum_age"] == 18 and "maximum_age" not in body
    places = next(c for c in body["capacities"] if c["unit"]["name"] == "places")
    assert (places["available"], places["maximum"]) == (3, 12)
    assert body["assured_date"] == listing()["last_verified_at"]
    assert "assurer_email" not in body  # no team address configured: none published
    codes = {
        (a["taxonomy_term"]["taxonomy"], a["taxonomy_term"]["code"]) for a in body["attributes"]
    }
    assert {("assetmap-category", "creative"), ("assetmap-interest", "knitting")} <= codes


def test_status_and_a_service_without_a_place(client, services):
    walk = get(client, f"/openreferral/services/{oruk_id('service', services['walk'])}")
    assert walk["status"] == "active"
    assert ("assetmap-status", "waiting_list") in {
        (a["taxonomy_term"]["taxonomy"], a["taxonomy_term"]["code"]) for a in walk["attributes"]
    }
    online = get(client, f"/openreferral/services/{oruk_id('service', services['online'])}")
    assert online["service_at_locations"] == []
    assert online["schedules"][0]["attending_type"] == "online"
    lunch = get(client, f"/openreferral/services/{oruk_id('service', services['lunch'])}")
    assert lunch["status"] == "inactive"


def test_lists_leave_closed_groups_out_and_page(client, services):
    page = get(client, "/openreferral/services")
    assert names(page) == [
        "Knit and Natter",
        "Walking for Health",
        "Online Carers Chat",
        "Highgate Choir",
    ]
    assert (page["total_items"], page["total_pages"], page["first_page"], page["last_page"]) == (
        4,
        1,
        True,
        True,
    )
    assert all("schedules" not in s for s in page["contents"])
    second = get(client, "/openreferral/services?per_page=3&page=2")
    assert names(second) == ["Highgate Choir"]
    assert (
        second["total_pages"],
        second["page_number"],
        second["first_page"],
        second["last_page"],
    ) == (2, 2, False, True)
    beyond = get(client, "/openreferral/services?per_page=3&page=9")
    assert beyond["empty"] is True and beyond["total_items"] == 4


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("search=knitting", ["Knit and Natter"]),
        ("search=walk", ["Walking for Health"]),
        ("minimum_age=40", ["Walking for Health"]),
        ("maximum_age=95", ["Walking for Health"]),
        ("day=saturday", ["Knit and Natter", "Walking for Health"]),
        ("day=sat&end_time=11:45", ["Walking for Health"]),
        ("start_time=18:00", ["Online Carers Chat"]),
        ("day=wed&start_time=15:00", []),
    ],
)
def test_filters_read_the_profile_literally(client, services, query, expected):
    assert names(get(client, f"/openreferral/services?{query}")) == expected


def test_taxonomy_filters(client, services):
    singing = term_id(INTEREST_TAXONOMY, "singing")
    assert names(get(client, f"/openreferral/services?taxonomy_term_id={singing}")) == [
        "Highgate Choir"
    ]
    creative = term_id(CATEGORY_TAXONOMY, "creative")
    assert names(get(client, f"/openreferral/services?taxonomy_term_id={creative}")) == [
        "Knit and Natter",
        "Highgate Choir",
    ]
    assert names(get(client, "/openreferral/services?taxonomy_term_id=nonsense")) == []
    interests = taxonomy_id(INTEREST_TAXONOMY)
    assert len(names(get(client, f"/openreferral/services?taxonomy_id={interests}"))) == 4


def test_service_at_locations_near_a_postcode(client, services):
    page = get(client, "/openreferral/service_at_locations?postcode=NW5%202AA&proximity=1500")
    assert names(page) == ["Knit and Natter", "Walking for Health"]
    assert page["contents"][0]["distance"] < page["contents"][1]["distance"]
    assert page["contents"][0]["location"]["name"] == "Hall at NW5 1AA"
    every = get(client, "/openreferral/service_at_locations")
    assert "Online Carers Chat" not in names(every)  # no place to be at


def test_taxonomies_and_terms(client, services):
    taxonomies = get(client, "/openreferral/taxonomies")
    assert {t["name"] for t in taxonomies["contents"]} == {
        "assetmap-category",
        "assetmap-interest",
        "assetmap-status",
    }
    interests = get(client, f"/openreferral/taxonomies/{taxonomy_id(INTEREST_TAXONOMY)}")
    assert [t["code"] for t in interests["taxonomy_terms"]] == [
        "carers",
        "crafts",
        "knitting",
        "men's group",
        "repairs",
        "singing",
        "walking",
        "woodwork",
    ]
    terms = get(client, "/openreferral/taxonomy_terms?per_page=100")
    assert terms["total_items"] == 10 + 5 + 8


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/openreferral/services?page=0", 400, "page"),
        ("/openreferral/services?per_page=abc", 400, "per_page"),
        ("/openreferral/services?per_page=100000", 400, "per_page"),
        ("/openreferral/services?minimum_age=old", 400, "minimum_age"),
        ("/openreferral/services?maximum_age=nan", 400, "maximum_age"),
        ("/openreferral/services?day=someday", 400, "day"),
        ("/openreferral/services?start_time=25:00", 400, "start_time"),
        ("/openreferral/service_at_locations?postcode=ZZ9%209ZZ", 400, "postcode"),
        ("/openreferral/service_at_locations?proximity=100", 400, "proximity"),
        ("/openreferral/service_at_locations?postcode=NW5%202AA&proximity=-1", 400, "proximity"),
        ("/openreferral/services/not-a-uuid", 404, "id"),
        (f"/openreferral/services/{oruk_id('location', 1)}", 404, "id"),
        (f"/openreferral/services/{oruk_id('service', 999999)}", 404, "id"),
        ("/openreferral/taxonomies/nope", 404, "id"),
        ("/openreferral/taxonomy_terms/nope", 404, "id"),
    ],
)
def test_bad_requests_are_json_4xx_naming_the_parameter(client, services, url, status, field):
    body = get(client, url, status)
    assert body["error"]["field"] == field
    assert body["error"]["message"]


def test_unknown_paths_and_preflight(client, database):
    body = get(client, "/openreferral/nothing-here", 404)
    assert body["error"]["code"] == "http"
    response = client.options("/openreferral/services")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]


def test_the_profile_openapi_is_served(client, database):
    body = get(client, "/openreferral/openapi.json")
    assert body["info"]["title"] == "Open Referral UK Profile"
    assert get(client, "/openreferral/")["openapi_url"].endswith("/openreferral/openapi.json")


def test_an_assurer_address_is_published_only_when_configured(app, client, services, monkeypatch):
    with app.app_context():
        config = context.app_config()
    monkeypatch.setitem(
        app.extensions,
        context._CONFIG,
        replace(config, oruk_assurer_email="directory@camden.example"),
    )
    body = get(client, f"/openreferral/services/{oruk_id('service', services['knit'])}")
    assert body["assurer_email"] == "directory@camden.example"
    assert body["assured_date"] == listing()["last_verified_at"]


def test_a_merged_service_says_where_it_went(client, database, services):
    from assetmap.accounts.users import create_user
    from assetmap.interop.merge import merge
    from assetmap.models import Role

    with database.session() as session:
        admin = create_user(session, "admin@example.org", Role.ADMIN, name="Ada")
        merge(session, services["knit"], services["choir"], admin, dt.datetime.now(dt.UTC))
    gone = oruk_id("service", services["choir"])
    body = get(client, f"/openreferral/services/{gone}", 404)
    assert body["error"]["message"] == (
        f"service {gone} was merged into service {oruk_id('service', services['knit'])}"
    )
    assert "Highgate Choir" not in names(get(client, "/openreferral/services"))
