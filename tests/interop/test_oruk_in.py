"""ORUK 3.0 / HSDS 3.0 JSON in: a /services page or full services become listings, field by
field; what a service does not say is not known; a broken field refuses the file."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from assetmap.cli import cli
from assetmap.directory.importing import ImportRejected
from assetmap.interop.formats import ReadOptions, format_of, read_source
from assetmap.interop.load import ParsedSource, load_source
from assetmap.interop.oruk_in import read_oruk
from assetmap.models import Group, ImportFormat, ListingSource

DATA = Path(__file__).parent.parent / "data"
PAGE = DATA / "interop" / "oruk_services_page.json"
FULL = DATA / "interop" / "oruk_services_full.json"
EXAMPLES = DATA / "oruk3" / "examples"
TODAY = dt.date(2026, 12, 2)
NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def _read(data: bytes | object, **options) -> ParsedSource:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return read_oruk(raw, ReadOptions(source="camden", today=TODAY, **options))


def _page() -> dict:
    return json.loads(PAGE.read_text())


def _by_name(parsed: ParsedSource) -> dict[str, dict]:
    assert not parsed.problems, parsed.problems
    return {r.listing["name"]: r.listing for r in parsed.records}


def _load(database, parsed: ParsedSource, now: dt.datetime = NOW):
    with database.session() as session:
        return load_source(session, "camden", parsed, None, now)


def _stored(database) -> dict[str, dict]:
    with database.session() as session:
        return {
            g.name: json.loads(g.document)["properties"] for g in session.scalars(select(Group))
        }


def _count(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_services_page_maps_field_by_field() -> None:
    parsed = _read(PAGE.read_bytes())
    assert (parsed.records[0].source_id, parsed.records[0].label) == (
        "2f0c4e8a-6a1d-4b8e-9c3e-1d2a3b4c5d6e",
        "service 'Knit and Natter' (id 2f0c4e8a-6a1d-4b8e-9c3e-1d2a3b4c5d6e)",
    )
    knit = _by_name(parsed)["Knit and Natter"]
    assert knit["organisation"] == "Kentish Town Community Centre"
    assert knit["categories"] == ["creative", "social"]
    assert knit["interests"] == ["knitting", "crochet"]
    assert knit["venue"] == {
        "name": "Kentish Town Community Centre",
        "address": "17 Busby Place, London",
        "postcode": "NW5 2AA",
        "lat": 51.5485,
        "lon": -0.1412,
    }
    assert knit["schedule"] == [
        {"day": "tue", "start": "10:00", "end": "12:00", "frequency": "weekly", "from_date": None}
    ]
    assert knit["accessibility"] == {
        "step_free": True,
        "wheelchair_accessible": True,
        "hearing_loop": False,
        "notes": "Ramp at the side door on Busby Place",
    }
    assert knit["contact"] == {
        "website": "https://ktcc.example.org/knit",
        "email": "knit@ktcc.example.org",
        "name": "Jo Bloggs",
        "phone": "020 7946 0001",
    }
    assert knit["cost"] == {"free": True, "notes": "Tea and biscuits free"}
    assert knit["audience"] == {"min_age": 18, "languages": ["en"]}
    assert knit["capacity"] == {"total_places": 15, "places_taken": 11, "waiting_list": 2}
    assert knit["last_verified_at"] == "2026-10-01"
    assert knit["status"] == "open"


def test_other_vocabularies_map_through_the_terms_table_and_rules_become_entries() -> None:
    listings = _by_name(_read(PAGE.read_bytes()))
    walk = listings["Parkinson's Walking Group"]
    assert walk["categories"] == ["active", "peer_support"]  # 'Walking', 'Support groups'
    # the 2nd Thursday, counted from valid_from (no dtstart): 8 January 2026 is one
    assert walk["schedule"] == [
        {
            "day": "thu",
            "start": "14:00",
            "end": "15:30",
            "frequency": "monthly",
            "from_date": "2026-01-08",
        }
    ]
    assert walk["cost"] == {"free": False, "amount_gbp": 3.0, "notes": "£3 a walk, café extra"}
    # free words are kept as notes, never read as a yes to an access question
    assert walk["accessibility"] == {
        "notes": "Level paths; benches along the route.\nSome paths are muddy after rain."
    }
    debt = listings["Debt Advice Drop-in"]
    assert debt["categories"] == ["practical"]
    assert debt["schedule"][0]["frequency"] == "fortnightly"
    assert debt["schedule"][0]["from_date"] == "2026-09-02"
    assert debt["contact"] == {"phone": "0300 330 1191"}
    assert debt["last_verified_at"] == "2026-08-14"  # from a date-time


def test_full_services_online_capacity_status_and_a_locations_own_schedule() -> None:
    listings = _by_name(_read(FULL.read_bytes()))
    cafe = listings["Bereavement Café Online"]
    assert (cafe["online"], cafe["venue"]) == (True, None)
    assert cafe["audience"]["min_age"] == 16 and cafe["audience"]["max_age"] == 99
    garden = listings["Garden Volunteers"]
    assert garden["status"] == "paused"  # temporarily closed
    assert garden["capacity"] == {"total_places": 12, "places_taken": 6}  # HSDS 3.1 shape
    assert garden["categories"] == ["volunteering", "nature"]
    assert garden["accessibility"] == {"accessible_toilet": True}
    assert garden["contact"] == {"phone": "020 7837 8019"}  # the location's phone
    assert garden["schedule"] == [
        {"day": "sat", "start": "10:00", "end": None, "frequency": "weekly", "from_date": None}
    ]


def test_what_a_service_does_not_say_is_not_known_and_said(database) -> None:
    parsed = _read(PAGE.read_bytes())
    gaps = "\n".join(parsed.gaps)
    assert "where it meets (no location): 1 service (service 'Debt Advice Drop-in'" in gaps
    assert "when it was last checked (no assured_date): 1 service" in gaps
    result = _load(database, parsed)
    assert result.created == 3 and result.gaps == parsed.gaps
    stored = _stored(database)
    debt = stored["Debt Advice Drop-in"]
    assert debt["venue"] is None and debt["online"] is False
    walk = stored["Parkinson's Walking Group"]
    assert walk["last_verified_at"] is None
    assert walk["accessibility"]["step_free"] is None  # not known, not guessed
    assert walk["venue"]["postcode"] == "NW5 1AA"


def test_the_profiles_own_service_list_imports_with_its_gaps(database) -> None:
    parsed = read_source(
        format_of("service_list.json", (EXAMPLES / "service_list.json").read_bytes()),
        (EXAMPLES / "service_list.json").read_bytes(),
        ReadOptions(source="profile", today=TODAY, default_category="peer_support"),
    )
    assert not parsed.problems
    assert "where it meets (no location)" in "\n".join(parsed.gaps)
    assert "when it meets (no schedule)" in "\n".join(parsed.gaps)
    assert "whether it is free (no cost given)" in "\n".join(parsed.gaps)
    _load(database, parsed)
    counselling = _stored(database)["Community Counselling"]
    assert counselling["venue"] is None and counselling["schedule"] == []
    assert counselling["organisation"] == "Example Organization Inc."
    assert counselling["categories"] == ["peer_support"]
    assert counselling["cost"]["free"] is None and counselling["cost"]["notes"] == (
        "fees_description"
    )


def test_the_profiles_full_example_is_refused_for_its_placeholder_place_only() -> None:
    """Its location is at latitude 100 with the postcode 'ABC 1234': not a place in the UK."""
    example = json.loads((EXAMPLES / "service_full.json").read_text())
    refused = _read(example, default_category="peer_support")
    assert sorted(p.field for p in refused.problems) == [
        "service_at_locations[0].location.addresses[0].postal_code",
        "service_at_locations[0].location.latitude",
    ]
    location = example["service_at_locations"][0]["location"]
    location["latitude"], location["longitude"] = 51.5505, -0.141
    location["addresses"][0]["postal_code"] = "NW5 1AA"
    parsed = _read(example, default_category="peer_support")
    (record,) = parsed.records
    assert record.listing["venue"]["name"] == "MyCity Civic Center"
    assert record.listing["schedule"] == []  # its one schedule ended (valid_to 2005)
    assert any("valid_to, which is past" in gap for gap in parsed.gaps)
    assert record.listing["accessibility"]["notes"].startswith("The building is equipped")
    assert record.listing["cost"] == {
        "free": False,
        "amount_gbp": 35.0,
        "notes": "fees_description",
    }


def test_an_unmapped_taxonomy_is_refused_naming_the_service_unless_a_default_is_given() -> None:
    page = _page()
    page["contents"][1]["attributes"] = [
        {"id": "x", "taxonomy_term": {"id": "y", "name": "Foo", "taxonomy": "local"}},
        {"id": "z", "taxonomy_term": {"id": "w", "name": "Bar", "taxonomy": "local"}},
    ]
    (problem,) = _read(page).problems
    assert str(problem) == (
        "service 'Parkinson's Walking Group' (id 8d7c6b5a-4f3e-4d2c-9b1a-0f9e8d7c6b5a): "
        "taxonomy terms 'Foo', 'Bar' map to no assetmap category; pass --default-category"
    )
    accepted = _read(page, default_category="Active")
    assert _by_name(accepted)["Parkinson's Walking Group"]["categories"] == ["active"]
    assert any("given the default 'active'" in gap for gap in accepted.gaps)
    said = [str(p) for p in _read(page, default_category="sports").problems]
    assert "the import: default_category: the default category 'sports' must be one of" in (said[0])


def _break(path: list, value) -> dict:
    page = _page()
    target = page["contents"][0]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return page


LOC = ["service_at_locations", 0, "location"]


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        (["schedules", 0, "opens_at"], "25:00", "schedules[0].opens_at", "time of day"),
        (["schedules", 0, "closes_at"], "09:00", "schedules[0].closes_at", "after the start"),
        (["schedules", 0, "byday"], "TUESDAY", "schedules[0].byday", "not a day like"),
        (["schedules", 0, "freq"], "DAILY", "schedules[0].freq", "WEEKLY or MONTHLY"),
        ([*LOC, "latitude"], 123.0, f"{'service_at_locations[0].location'}.latitude", "-90"),
        ([*LOC, "longitude"], "west", "service_at_locations[0].location.longitude", "number"),
        (["minimum_age"], "eighteen", "minimum_age", "whole number"),
        (["assured_date"], "last week", "assured_date", "date like"),
        (["url"], "javascript:alert(1)", "url", "http"),
        (["cost_options", 0, "amount"], -2, "cost_options[0].amount", "pounds"),
        (["capacities", 0, "available"], 20, "capacities[0].available", "more than maximum"),
        (["status"], "open", "status", "must be one of"),
        (["name"], 42, "name", "must be text"),
    ],
)
def test_a_broken_field_is_a_problem_naming_the_service_and_field_and_nothing_is_written(
    database, path, value, field, message
) -> None:
    parsed = _read(_break(path, value))
    assert [p.field for p in parsed.problems] == [field]
    problem = parsed.problems[0]
    assert message in problem.message
    if path != ["name"]:
        assert str(problem).startswith("service 'Knit and Natter' (id 2f0c4e8a-")
    with pytest.raises(ImportRejected):
        _load(database, parsed)
    assert _count(database, Group) == 0 and _count(database, ListingSource) == 0


def test_a_file_that_is_not_services_is_one_clear_problem() -> None:
    assert "not JSON" in str(_read(b'{"contents": [').problems[0])
    assert "must hold an ORUK /services page" in str(_read({"hello": 1}).problems[0])
    assert "must be an object (a service)" in str(_read([3]).problems[0])


def test_reimporting_the_same_file_changes_nothing_and_an_edit_updates(database) -> None:
    first = _load(database, _read(PAGE.read_bytes()))
    again = _load(database, _read(PAGE.read_bytes()), now=NOW + dt.timedelta(days=1))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert again.group_ids == first.group_ids
    edited = _page()
    edited["contents"][2]["schedules"][0]["opens_at"] = "13:30:00"
    changed = _load(database, _read(edited), now=NOW + dt.timedelta(days=2))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    assert _stored(database)["Debt Advice Drop-in"]["schedule"][0]["start"] == "13:30"
    assert _count(database, Group) == 3


def test_monthly_and_irregular_rules() -> None:
    page = _page()
    schedules = page["contents"][1]["schedules"]
    schedules[0] = {"id": "a", "freq": "MONTHLY", "byday": "-1FR", "opens_at": "10:00",
                    "dtstart": "2026-01-01"}  # fmt: skip
    schedules.append({"id": "b", "freq": "WEEKLY", "interval": 3, "byday": "MO",
                      "opens_at": "09:00"})  # fmt: skip
    schedules.append({"id": "c", "freq": "MONTHLY", "bymonthday": "15", "opens_at": "11:00"})
    parsed = _read(page)
    entries = _by_name(parsed)["Parkinson's Walking Group"]["schedule"]
    # the last Friday, as a fifth Friday: 30 January 2026
    assert entries[0] == {"day": "fri", "start": "10:00", "end": None, "frequency": "monthly",
                          "from_date": "2026-01-30"}  # fmt: skip
    assert entries[1]["frequency"] == "other" and entries[1]["day"] == "mon"
    assert len(entries) == 2
    gaps = "\n".join(parsed.gaps)
    assert "how often it meets (every 3 weeks)" in gaps
    assert "when it meets (on days of the month, with no weekday)" in gaps


def test_format_sniffing_picks_oruk_for_a_page_and_for_full_services() -> None:
    assert format_of("camden.json", PAGE.read_bytes()) is ImportFormat.ORUK
    assert format_of("camden.json", FULL.read_bytes()) is ImportFormat.ORUK
    assert format_of("x.json", (EXAMPLES / "service_full.json").read_bytes()) is ImportFormat.ORUK


def test_the_cli_imports_an_oruk_page_and_says_what_is_not_known(database, tmp_path) -> None:
    path = tmp_path / "camden-oruk.json"
    path.write_bytes(PAGE.read_bytes())
    runner = CliRunner()
    args = ["--database-url", database.config.database_url, "import-source", str(path)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "imported 3 listings from 'camden-oruk' (oruk): 3 new" in result.stdout
    assert "not known: where it meets (no location): 1 service" in result.stdout
    again = runner.invoke(cli, args)
    assert "0 new, 0 updated, 3 unchanged" in again.stdout
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(_break(["schedules", 0, "opens_at"], "10h")))
    refused = runner.invoke(cli, [*args[:-1], str(broken)])
    assert refused.exit_code != 0
    assert "service 'Knit and Natter'" in refused.output
    assert "schedules[0].opens_at" in refused.output
    assert _count(database, Group) == 3


def test_the_page_dump_and_full_services_validate_against_the_profile() -> None:
    """The fixtures are real ORUK: each service passes the profile's own service schema."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    schemas = Path(__file__).parents[2] / "assetmap" / "interop" / "oruk3"
    registry = Registry().with_resources(
        (f.name, Resource.from_contents(json.loads(f.read_text()), DRAFT202012))
        for f in schemas.glob("*.json")
        if f.name != "openapi.json"
    )
    validator = Draft202012Validator(
        json.loads((schemas / "service.json").read_text()), registry=registry
    )
    services = _page()["contents"] + json.loads(FULL.read_text())
    for service in copy.deepcopy(services):
        assert not list(validator.iter_errors(service)), service["name"]


def test_a_schedule_attended_online_makes_a_service_with_no_location_online() -> None:
    page = _page()
    page["contents"][2]["schedules"][0]["attending_type"] = "online"
    debt = _by_name(_read(page))["Debt Advice Drop-in"]
    assert (debt["online"], debt["venue"]) == (True, None)
    assert not any("where it meets" in gap for gap in _read(page).gaps)


def test_a_part_of_the_wrong_shape_is_said_once() -> None:
    page = _page()
    page["contents"][0]["service_at_locations"] = {"location": {}}
    assert [p.field for p in _read(page).problems] == ["service_at_locations"]


def test_a_listing_whose_venue_is_not_known_says_so_and_not_online(client, database) -> None:
    result = _load(database, _read(PAGE.read_bytes()))
    page = client.get(f"/groups/{result.group_ids[2]}").get_data(as_text=True)
    assert "Debt Advice Drop-in" in page
    assert "Not known: ask the organiser where the group meets." in page
    assert "<p>Online</p>" not in page
    found = client.get("/?q=debt").get_data(as_text=True)
    assert "Debt Advice Drop-in" in found and "Where it meets: not known" in found


#: What ORUK carries of a listing (the rest travels in no ORUK field: gender, transport,
#: referral routes, complex needs, who checked it, cancelled dates).
CARRIED = ("name", "description", "organisation", "categories", "interests", "status",
           "cost", "online", "venue", "schedule", "accessibility", "contact",
           "last_verified_at")  # fmt: skip


def _carried(properties: dict) -> dict:
    data = {key: properties[key] for key in CARRIED}
    data["categories"], data["interests"] = sorted(data["categories"]), sorted(data["interests"])
    data["schedule"] = sorted(data["schedule"], key=lambda e: (e["day"], e["start"]))
    audience, capacity = properties["audience"], properties["capacity"]
    data["ages"] = (audience["min_age"], audience["max_age"], audience["languages"])
    data["places"] = (capacity["total_places"], capacity["places_taken"], capacity["waiting_list"])
    return data


def test_export_oruk_then_import_into_an_empty_database_gives_the_same_listings(
    database, add_groups, tmp_path
) -> None:
    from tests.conftest import _empty
    from tests.factories import listing

    shed = listing("Men's Shed", at="NW1 7AA", status="waiting_list")
    shed["schedule"] = [
        {"day": "tue", "start": "10:00", "end": "12:30", "frequency": "fortnightly",
         "from_date": "2026-09-01"},
        {"day": "thu", "start": "18:00", "end": None, "frequency": "monthly",
         "from_date": "2026-09-17"},
    ]  # fmt: skip
    shed["accessibility"]["notes"] = "Ramp at the back door"
    shed["capacity"]["waiting_list"] = 3
    online = listing("Online chat", venue=None, online=True)
    online["accessibility"] = {key: None for key in online["accessibility"]} | {"notes": ""}
    free = listing("Free walk", at="N6 5AA", cost={"free": True, "amount_gbp": None, "notes": ""})
    free["venue"]["address"] = None
    both = listing("Choir, here and online", at="NW5 1AA", online=True)
    both["schedule"] = [
        {"day": "fri", "start": "19:00", "end": "21:00", "frequency": "other", "from_date": None}
    ]
    add_groups(listing("Knit and Natter"), shed, online, free, both)
    before = {name: _carried(p) for name, p in _stored(database).items()}
    path = tmp_path / "ours.json"
    runner = CliRunner()
    url = ["--database-url", database.config.database_url]
    exported = runner.invoke(cli, [*url, "export-oruk", "-o", str(path)])
    assert exported.exit_code == 0, exported.output
    _empty(database)
    imported = runner.invoke(cli, [*url, "import-source", str(path)])
    assert imported.exit_code == 0, imported.output
    assert "5 new" in imported.stdout
    after = {name: _carried(p) for name, p in _stored(database).items()}
    assert after == before
