"""GET /api/v1/openapi.json: the description, and every note code in it with a meaning."""

from __future__ import annotations

from assetmap.gaps.export import COLUMNS
from assetmap.gaps.profile import READY_MADE, Target
from assetmap.gaps.requests import PARAMETERS, WHEN
from assetmap.matching.notes import ReasonCode, WarningCode
from assetmap.models import ACCESSIBILITY_FLAGS, Category
from assetmap.web.match.notes import WORDS


def test_openapi_describes_the_api(client, database):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/groups",
        "/groups/{id}",
        "/match",
        "/gaps",
        "/gaps/what-if",
        "/openapi.json",
    }
    parameters = {p["name"] for p in document["paths"]["/groups"]["get"]["parameters"]}
    assert {
        "q",
        "category",
        "near",
        "postcode",
        "radius_km",
        "bbox",
        "step_free",
        "day",
        "free",
        "freshness",
        "limit",
        "offset",
    } <= parameters
    listing_props = document["components"]["schemas"]["Listing"]["properties"]
    assert {"capacity", "accessibility", "transport", "freshness"} <= set(listing_props)


def test_openapi_describes_match(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/match"]["post"]
    assert set(operation["responses"]) == {"200", "400", "401"}
    # A token is optional: anonymous calls work, a link worker's makes the match count.
    assert operation["security"] == [{}, {"token": []}]
    request = document["components"]["schemas"]["MatchRequest"]
    assert request["required"] == ["location"]
    assert request["properties"]["mobility"]["properties"]["modes"]["items"]["enum"] == [
        "walk",
        "wheelchair",
        "scooter",
        "bus",
        "car",
        "taxi",
    ]
    excluded = document["components"]["schemas"]["MatchResponse"]["properties"]["excluded"]
    assert "too_far" in excluded["properties"]


def test_reasons_and_warnings_are_documented_as_codes_with_words(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    option = schemas["MatchResponse"]["properties"]["results"]["items"]
    assert option["properties"]["reasons"]["items"] == {"$ref": "#/components/schemas/Reason"}
    assert option["properties"]["warnings"]["items"] == {"$ref": "#/components/schemas/Warning"}
    for name, codes in (("Reason", ReasonCode), ("Warning", WarningCode)):
        schema = schemas[name]
        assert schema["required"] == ["code", "text", "values"]
        # Every code the engine can emit is in the enumeration, explained, and has words.
        assert schema["properties"]["code"]["enum"] == [code.value for code in codes]
        for code in codes:
            assert f"- `{code.value}`: " in schema["description"]
            assert code in WORDS


def test_openapi_describes_gap_analysis(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    gaps = document["paths"]["/gaps"]["get"]
    what_if = document["paths"]["/gaps/what-if"]["get"]
    for operation in (gaps, what_if):
        # Only with a community builder's or an admin's token: no anonymous alternative.
        assert operation["security"] == [{"token": []}]
        assert set(operation["responses"]) == {"200", "400", "401", "403"}
    parameters = {p["name"]: p for p in gaps["parameters"]}
    assert set(parameters) == {*PARAMETERS, "format"}
    assert parameters["question"]["schema"]["enum"] == list(READY_MADE)
    assert parameters["target"]["schema"]["enum"] == [t.value for t in Target]
    assert parameters["when"]["schema"]["enum"] == list(WHEN)
    assert parameters["needs"]["schema"]["items"]["enum"] == list(ACCESSIBILITY_FLAGS)
    assert parameters["category"]["schema"]["items"]["enum"] == [c.value for c in Category]
    assert "walk" in parameters["modes"]["schema"]["items"]["enum"]
    assert parameters["format"]["schema"]["enum"] == ["geojson", "csv"]
    assert set(gaps["responses"]["200"]["content"]) == {"application/geo+json", "text/csv"}
    what_if_parameters = {p["name"]: p for p in what_if["parameters"]}
    assert what_if_parameters["lat"]["required"] and what_if_parameters["lon"]["required"]
    assert {"places", *PARAMETERS} <= set(what_if_parameters)
    # Every column of an area is described, in the CSV's order.
    assert list(schemas["GapArea"]["properties"]) == list(COLUMNS)
    collection = schemas["GapFeatureCollection"]["properties"]
    assert {"question", "target", "basis", "groups_fitting", "people", "attribution"} <= set(
        collection
    )
    assert collection["features"]["items"]["properties"]["properties"] == {
        "$ref": "#/components/schemas/GapArea"
    }
    assert {"people_reached", "share_reached", "newly_covered", "changes"} <= set(
        schemas["GapWhatIf"]["properties"]
    )
