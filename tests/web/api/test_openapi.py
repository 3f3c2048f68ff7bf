"""GET /api/v1/openapi.json: the description, and every note code in it with a meaning."""

from __future__ import annotations

import pytest

from assetmap.directory import contract
from assetmap.gaps.export import COLUMNS
from assetmap.gaps.profile import READY_MADE, Target
from assetmap.gaps.requests import PARAMETERS, WHEN
from assetmap.matching.notes import ReasonCode, WarningCode
from assetmap.models import ACCESSIBILITY_FLAGS, Category, ReferralState
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
        "/cases",
        "/cases/{id}",
        "/cases/{id}/referrals",
        "/referrals/{id}",
        "/referrals/{id}/transitions",
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
    assert set(operation["responses"]) == {"200", "400", "401", "413", "429", "503"}
    assert "Retry-After" in operation["responses"]["429"]["headers"]
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
        assert set(operation["responses"]) == {"200", "400", "401", "403", "503"}
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


def test_the_document_is_valid_openapi_3_0(client) -> None:
    """The served document, checked by openapi-spec-validator (a dev dependency, so never
    skipped): a 3.1 form in it (exclusiveMinimum as a number) fails here."""
    from openapi_spec_validator import OpenAPIV30SpecValidator

    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.0.3"
    errors = [error.message for error in OpenAPIV30SpecValidator(document).iter_errors()]
    assert errors == []


def test_the_validator_refuses_a_3_1_form_in_a_3_0_document(client) -> None:
    """So the test above can fail: the number form of exclusiveMinimum is 3.1's."""
    from openapi_spec_validator import OpenAPIV30SpecValidator

    document = client.get("/api/v1/openapi.json").get_json()
    document["components"]["schemas"]["Broken"] = {"type": "number", "exclusiveMinimum": 0}
    assert list(OpenAPIV30SpecValidator(document).iter_errors())


def test_openapi_describes_referrals(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    paths, schemas = document["paths"], document["components"]["schemas"]
    assert set(paths["/cases"]) == {"get", "post"}
    assert set(paths["/cases/{id}"]) == {"get", "patch"}
    for path, method in [
        ("/cases", "get"),
        ("/cases", "post"),
        ("/cases/{id}", "patch"),
        ("/cases/{id}/referrals", "post"),
        ("/referrals/{id}", "get"),
        ("/referrals/{id}/transitions", "post"),
    ]:
        operation = paths[path][method]
        assert operation["security"] == [{"token": []}]  # never without a token
        assert {"401", "403"} <= set(operation["responses"])
    assert {"400", "404", "409"} <= set(paths["/referrals/{id}/transitions"]["post"]["responses"])
    referral = schemas["Referral"]
    assert {
        "id", "case_id", "group", "state", "allowed_moves", "sent_at", "held_until",
        "responded_at", "accepted_at", "ended_at", "decline_reason", "stop_reason",
        "reason_text", "version", "events",
    } <= set(referral["required"])  # fmt: skip
    assert referral["properties"]["state"]["enum"] == [s.value for s in ReferralState]
    assert set(schemas["ReferralEvent"]["properties"]) == {"from", "to", "by", "at", "reason_text"}
    assert schemas["Transition"]["required"] == ["to", "version"]
    # The organiser's view has no notes, and no path carries anything but ids.
    assert "notes" not in referral["properties"]["person"]["properties"]
    assert all("{id}" in p or p in ("/cases",) for p in paths if p.startswith(("/cases", "/ref")))


def test_the_document_describes_what_the_api_answers(client, database, add_groups) -> None:
    """A real referral as the API gives it fits the schema the document gives for it."""
    jsonschema = pytest.importorskip("jsonschema")
    from assetmap.accounts.users import create_api_token, create_user
    from tests.factories import listing

    [group] = add_groups(listing("Men's Shed"))
    with database.session() as session:
        user = create_user(session, "sam@scheme.example", "link_worker", team="North")
        token = create_api_token(session, user)
        session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    case = client.post("/api/v1/cases", json={"reference": "NS-1"}, headers=headers).get_json()
    client.post(f"/api/v1/cases/{case['id']}/referrals", json={"group_id": group}, headers=headers)
    answered = client.get(f"/api/v1/cases/{case['id']}", headers=headers).get_json()
    document = client.get("/api/v1/openapi.json").get_json()
    for name, value in (("Case", answered), ("Referral", answered["referrals"][0])):
        schema = {**document["components"]["schemas"][name], "components": document["components"]}
        resolved = _as_json_schema(schema)
        jsonschema.validate(value, resolved)


def _as_json_schema(schema):
    """OpenAPI 3.0's ``nullable`` as JSON Schema's null type (refs resolve against the
    ``components`` the caller puts beside the schema)."""
    if isinstance(schema, dict):
        out = {k: _as_json_schema(v) for k, v in schema.items() if k != "nullable"}
        if schema.get("nullable"):
            if "type" in out:
                out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        return out
    if isinstance(schema, list):
        return [_as_json_schema(v) for v in schema]
    return schema


def test_the_listings_lists_say_their_limits(client) -> None:
    """What the contract refuses past its caps, the document says (issue 19)."""
    listing = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Listing"]
    props = listing["properties"]
    stops = props["transport"]["properties"]["bus_stops"]
    assert {
        "schedule": props["schedule"]["maxItems"],
        "interests": props["interests"]["maxItems"],
        "categories": props["categories"]["maxItems"],
        "languages": props["audience"]["properties"]["languages"]["maxItems"],
        "bus_stops": stops["maxItems"],
        "routes": stops["items"]["properties"]["routes"]["maxItems"],
        "cancelled_dates": props["cancelled_dates"]["maxItems"],
    } == {
        "schedule": contract.MAX_SCHEDULE,
        "interests": contract.MAX_INTERESTS,
        "categories": contract.MAX_CATEGORIES,
        "languages": contract.MAX_LANGUAGES,
        "bus_stops": contract.MAX_BUS_STOPS,
        "routes": contract.MAX_ROUTES,
        "cancelled_dates": contract.MAX_CANCELLED,
    }


def test_every_operation_documents_the_service_limits_answers(client) -> None:
    """A database that did not answer in time is a 503 anywhere, a body over the size limit a
    413 wherever a body is taken (web/limits.py): both in the document, in the error shape."""
    document = client.get("/api/v1/openapi.json").get_json()
    operations = [
        (method, path, operation)
        for path, item in document["paths"].items()
        if path != "/openapi.json"
        for method, operation in item.items()
    ]
    assert len(operations) > 10
    error = {"$ref": "#/components/schemas/Error"}
    for method, path, operation in operations:
        responses = operation["responses"]
        assert responses["503"]["content"]["application/json"]["schema"] == error, (method, path)
        assert "Retry-After" in responses["503"]["headers"]
        assert ("413" in responses) == ("requestBody" in operation), (method, path)
