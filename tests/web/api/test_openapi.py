"""GET /api/v1/openapi.json: the description, and every note code in it with a meaning."""

from __future__ import annotations

from assetmap.matching.notes import ReasonCode, WarningCode
from assetmap.web.match.notes import WORDS


def test_openapi_describes_the_api(client, database):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {"/groups", "/groups/{id}", "/match", "/openapi.json"}
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
