"""Listing validation: each problem is named by its field, in words a person can act on."""

import pytest

from assetmap.directory.contract import parse_listing
from tests.factories import listing


def problems(data):
    parsed, found = parse_listing(data)
    assert parsed is None
    return dict(found)


def test_a_complete_listing_is_valid_and_normalised():
    data = listing(interests=["  Knitting  Circle", "knitting circle"])
    data["venue"]["postcode"] = "nw52aa"
    parsed, found = parse_listing(data)
    assert found == []
    assert parsed.venue.postcode == "NW5 2AA"
    assert parsed.interests == ["knitting circle", "knitting circle"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"capacity": {"total_places": -1}}, "capacity.total_places", "must be a whole number ≥ 0"),
        (
            {"capacity": {"total_places": 2.5}},
            "capacity.total_places",
            "must be a whole number ≥ 0",
        ),
        (
            {"capacity": {"complexity_supported": 7}},
            "capacity.complexity_supported",
            "must be 1, 2 or 3",
        ),
        ({"status": "open-ish"}, "status", "must be one of open, invitation_only"),
        ({"categories": ["sports"]}, "categories[0]", "must be one of creative"),
        ({"categories": []}, "categories", "must not be empty"),
        (
            {"accessibility": {"step_free": "yes"}},
            "accessibility.step_free",
            "must be true, false or null",
        ),
        ({"schedule": [{"day": "tues", "start": "10:00"}]}, "schedule[0].day", "must be one of"),
        (
            {"schedule": [{"day": "tue", "start": "25:00"}]},
            "schedule[0].start",
            "must be a time of day",
        ),
        (
            {"schedule": [{"day": "tue", "start": "10:00", "end": "09:00"}]},
            "schedule[0].end",
            "must be after the start",
        ),
        (
            {"contact": {"website": "javascript:alert(1)"}},
            "contact.website",
            "must be a web address starting with http",
        ),
        ({"contact": {"email": "not-an-email"}}, "contact.email", "must be an email address"),
        ({"last_verified_at": "01/09/2026"}, "last_verified_at", "must be a date like"),
        (
            {"venue": {"name": "Hall", "postcode": "nowhere"}},
            "venue.postcode",
            "must be a UK postcode",
        ),
        ({"venue": {"name": "Hall", "lat": 95, "lon": 0}}, "venue.lat", "must be a latitude"),
        ({"venue": None}, "venue", "is required unless the group is online"),
        (
            {"capacity": {"total_places": 5, "places_taken": 6}},
            "capacity.places_taken",
            "must not be more than",
        ),
        ({"audience": {"min_age": 60, "max_age": 18}}, "audience.max_age", "must not be less"),
        ({"catagories": ["social"]}, "catagories", "is not part of a listing"),
        ({"name": ""}, "name", "must not be empty"),
        ({"name": "Choir\x00"}, "name", "must not contain NUL"),
        (
            {"capacity": {"total_places": 10**10}},
            "capacity.total_places",
            "must be at most 1000000",
        ),
        ({"id": 2**40}, "id", "must be at most 2147483647"),
    ],
)
def test_each_problem_names_its_field(change, field, message):
    data = listing()
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict) and key != "venue":
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    found = problems(data)
    assert field in found, found
    assert message in found[field]


def test_name_is_required():
    data = listing()
    del data["name"]
    assert problems(data) == {"name": "is required"}


def test_derived_fields_from_an_export_are_accepted():
    data = listing(freshness="stale", id=4)
    data["capacity"]["spare_places"] = 6
    assert parse_listing(data)[1] == []


def test_a_record_that_is_not_an_object_is_reported():
    assert "must be an object" in problems(["not", "a", "listing"])[""]


# ---- how long a listing's lists may be (issue 19, item 9) ------------------------------------

SESSION = {"day": "tue", "start": "10:00", "end": "12:00"}
STOP = {"name": "Kentish Town Stn", "distance_m": 150, "routes": ["134"]}


@pytest.mark.parametrize(
    ("field", "limit", "change"),
    [
        ("schedule", 50, lambda n: {"schedule": [SESSION] * n}),
        ("interests", 50, lambda n: {"interests": [f"craft {i}" for i in range(n)]}),
        ("categories", 10, lambda n: {"categories": ["social"] * n}),
        ("transport.bus_stops", 20, lambda n: {"transport": {"bus_stops": [STOP] * n}}),
        (
            "transport.bus_stops[0].routes",
            50,
            lambda n: {"transport": {"bus_stops": [{**STOP, "routes": ["1"] * n}]}},
        ),
        ("audience.languages", 20, lambda n: {"audience": {"languages": ["en"] * n}}),
        ("cancelled_dates", 26, lambda n: {"cancelled_dates": ["2026-12-01"] * n}),
    ],
)
def test_lists_are_capped_with_a_message_naming_the_field_and_the_limit(field, limit, change):
    at_limit = {**listing(), **change(limit)}
    if field != "cancelled_dates":  # the dates must also fall on a meeting day
        assert parse_listing(at_limit)[1] == []
    found = problems({**listing(), **change(10_000)})
    assert found[field] == f"must have at most {limit} entries"
