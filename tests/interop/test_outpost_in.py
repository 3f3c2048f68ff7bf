"""Outpost API JSON in (what Scout/Outpost council directories serve): services become
listings field by field; missing parts are not known; a broken field refuses the file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from assetmap.cli import cli
from assetmap.directory.importing import ImportRejected
from assetmap.interop.formats import ReadOptions, format_of
from assetmap.interop.load import ParsedSource, load_source
from assetmap.interop.outpost_in import UPDATED_AS_CHECKED, read_outpost
from assetmap.models import Group, ImportFormat, ListingSource

PAGE = Path(__file__).parent.parent / "data" / "interop" / "outpost_services_page.json"
TODAY = dt.date(2026, 12, 2)
NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def _page() -> dict:
    return json.loads(PAGE.read_text())


def _read(data: bytes | object, **options) -> ParsedSource:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return read_outpost(raw, ReadOptions(source="bucks", today=TODAY, **options))


def _mapped() -> dict:
    """The page without its one service whose taxonomy maps to no category."""
    page = _page()
    page["content"] = page["content"][:3]
    return page


def _by_name(parsed: ParsedSource) -> dict[str, dict]:
    assert not parsed.problems, parsed.problems
    return {r.listing["name"]: r.listing for r in parsed.records}


def _load(database, parsed: ParsedSource, now: dt.datetime = NOW):
    with database.session() as session:
        return load_source(session, "bucks", parsed, None, now)


def _count(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def _stored(database) -> dict[str, dict]:
    with database.session() as session:
        return {
            g.name: json.loads(g.document)["properties"] for g in session.scalars(select(Group))
        }


def test_a_page_of_services_maps_field_by_field() -> None:
    parsed = _read(_mapped())
    assert [(r.source_id, r.label) for r in parsed.records] == [
        ("101", "service 'Stay and Play' (id 101)"),
        ("102", "service 'Chair Yoga' (id 102)"),
        ("103", "service 'Carers' Coffee Morning' (id 103)"),
    ]
    play = _by_name(parsed)["Stay and Play"]
    assert play["organisation"] == "Gospel Oak Children's Centre"
    assert play["categories"] == ["social"]
    assert play["venue"] == {
        "name": "Gospel Oak Children's Centre",
        "address": "Lismore Circus, London",
        "postcode": "N6 5AA",
        "lat": 51.571,  # geometry.coordinates are [longitude, latitude]
        "lon": -0.145,
    }
    assert play["accessibility"] == {
        "accessible_toilet": True,
        "wheelchair_accessible": True,
        "notes": "Baby changing facilities",
    }
    assert [(e["day"], e["start"], e["end"], e["frequency"]) for e in play["schedule"]] == [
        ("tue", "09:30", "11:30", "weekly"),
        ("thu", "09:30", "11:30", "weekly"),
    ]
    assert play["contact"] == {
        "website": "https://gospeloak.example.org/stay-and-play",
        "email": "hello@gospeloak.example.org",
        "name": "Sam Okafor",
        "phone": "020 7974 0002",
    }
    assert play["cost"] == {"free": True}
    assert play["audience"] == {"min_age": 0, "max_age": 5}
    assert play["referral"] == {"self_referral": True}  # needs_referral: false
    assert play["last_verified_at"] == "2026-11-20"
    assert UPDATED_AS_CHECKED in parsed.gaps


def test_older_coordinates_fortnights_months_costs_and_parking() -> None:
    listings = _by_name(_read(_mapped()))
    yoga = listings["Chair Yoga"]
    assert (yoga["venue"]["lat"], yoga["venue"]["lon"]) == (51.5485, -0.1412)
    assert yoga["schedule"] == [
        {
            "day": "mon",
            "start": "14:00",
            "end": "15:00",
            "frequency": "fortnightly",
            "from_date": "2026-09-07",
        }
    ]
    assert yoga["cost"] == {"free": False, "amount_gbp": 4.5, "notes": "per session"}
    assert yoga["accessibility"] == {"hearing_loop": True}
    assert yoga["transport"] == {"parking": True}
    assert yoga["categories"] == ["active"]
    assert yoga["contact"] == {"name": "Age UK Camden reception", "phone": "020 7239 0400"}
    carers = listings["Carers' Coffee Morning"]
    assert carers["schedule"][0]["frequency"] == "monthly"
    assert carers["schedule"][0]["from_date"] == "2026-11-06"  # the first Friday
    assert carers["categories"] == ["peer_support"]


def test_no_location_is_not_known_and_a_masked_one_keeps_no_address(database) -> None:
    parsed = _read(_page(), default_category="social")
    gaps = "\n".join(parsed.gaps)
    assert "where it meets (no location): 1 service (service 'Carers' Coffee Morning'" in gaps
    assert "its exact address (the directory masks it" in gaps
    trains = _by_name(parsed)["Model Railway Club"]
    assert trains["venue"] == {
        "name": "Railway arches",
        "address": None,
        "postcode": None,  # 'NW1' is only the district
        "lat": 51.54,
        "lon": -0.14,
    }
    _load(database, parsed)
    stored = _stored(database)
    assert stored["Carers' Coffee Morning"]["venue"] is None
    assert stored["Carers' Coffee Morning"]["online"] is False
    assert stored["Stay and Play"]["accessibility"]["step_free"] is None  # never guessed


def test_an_unmapped_taxonomy_is_refused_naming_the_service_unless_a_default_is_given(
    database,
) -> None:
    refused = _read(_page())
    assert [str(p) for p in refused.problems] == [
        "service 'Model Railway Club' (id 104): taxonomy term 'Model railways' maps to no "
        "assetmap category; pass --default-category"
    ]
    with pytest.raises(ImportRejected):
        _load(database, refused)
    assert _count(database, Group) == 0
    accepted = _read(_page(), default_category="creative")
    assert _by_name(accepted)["Model Railway Club"]["categories"] == ["creative"]
    assert _by_name(accepted)["Stay and Play"]["categories"] == ["social"]  # its own kept
    assert _load(database, accepted).created == 4


def _break(path: list, value) -> dict:
    page = _mapped()
    target = page["content"][1]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return page


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        (["regular_schedules", 0, "opens_at"], "2pm", "regular_schedules[0].opens_at", "time"),
        (["regular_schedules", 0, "weekday"], "Funday", "regular_schedules[0].weekday", "day"),
        (["regular_schedules", 0, "freq"], "daily", "regular_schedules[0].freq", "week, month"),
        (["regular_schedules", 0, "interval"], 0, "regular_schedules[0].interval", "≥ 1"),
        (["locations", 0, "latitude"], 91.5, "locations[0].latitude", "-90 to 90"),
        (["locations", 0, "postal_code"], "ZZ99 ZZZ9", "locations[0].postal_code", "UK postcode"),
        (["min_age"], 200, "min_age", "0 to 120"),
        (["free"], "yes", "free", "true, false"),
        (["updated_at"], "recently", "updated_at", "date like"),
        (["cost_options", 0, "amount"], "four", "cost_options[0].amount", "pounds"),
        (["email"], "age uk", "email", "email address"),
        (["status"], "live", "status", "must be one of"),
    ],
)
def test_a_broken_field_is_a_problem_naming_the_service_and_field_and_nothing_is_written(
    database, path, value, field, message
) -> None:
    parsed = _read(_break(path, value))
    assert [p.field for p in parsed.problems] == [field]
    assert message in parsed.problems[0].message
    assert str(parsed.problems[0]).startswith(f"service 'Chair Yoga' (id 102): {field}: ")
    with pytest.raises(ImportRejected):
        _load(database, parsed)
    assert _count(database, Group) == 0 and _count(database, ListingSource) == 0


def test_geometry_that_is_not_a_point_is_a_problem() -> None:
    page = _mapped()
    page["content"][0]["locations"][0]["geometry"]["coordinates"] = [-0.145]
    (problem,) = _read(page).problems
    assert problem.field == "locations[0].geometry.coordinates"


def test_reimporting_the_same_page_changes_nothing_and_an_edit_updates(database) -> None:
    first = _load(database, _read(_mapped()))
    again = _load(database, _read(_mapped()), now=NOW + dt.timedelta(days=1))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert again.group_ids == first.group_ids
    edited = _mapped()
    edited["content"][0]["regular_schedules"].pop()  # no more Thursdays
    changed = _load(database, _read(edited), now=NOW + dt.timedelta(days=2))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    assert [e["day"] for e in _stored(database)["Stay and Play"]["schedule"]] == ["tue"]


def test_a_list_or_one_service_reads_too_and_anything_else_is_a_problem() -> None:
    services = _mapped()["content"]
    assert len(_read(services).records) == 3
    assert len(_read(services[0]).records) == 1
    assert "must hold an Outpost services page" in str(_read({"page": 1}).problems[0])
    assert "content must be a list" in str(_read({"content": {}}).problems[0])


def test_format_sniffing_picks_outpost_for_its_page_and_its_list() -> None:
    assert format_of("bucks.json", PAGE.read_bytes()) is ImportFormat.OUTPOST
    services = json.dumps(_page()["content"]).encode()
    assert format_of("bucks.json", services) is ImportFormat.OUTPOST


def test_the_cli_imports_an_outpost_page_with_a_default_category(database, tmp_path) -> None:
    path = tmp_path / "bucks-outpost.json"
    path.write_bytes(PAGE.read_bytes())
    runner = CliRunner()
    args = ["--database-url", database.config.database_url, "import-source", str(path)]
    refused = runner.invoke(cli, args)
    assert refused.exit_code != 0
    assert "service 'Model Railway Club' (id 104)" in refused.output
    assert "--default-category" in refused.output
    assert _count(database, Group) == 0
    result = runner.invoke(cli, [*args, "--default-category", "creative"])
    assert result.exit_code == 0, result.output
    assert "imported 4 listings from 'bucks-outpost' (outpost): 4 new" in result.stdout
    assert "not known: where it meets (no location): 1 service" in result.stdout
    again = runner.invoke(cli, [*args, "--default-category", "creative"])
    assert "0 new, 0 updated, 4 unchanged" in again.stdout
