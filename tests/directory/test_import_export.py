"""Importing listings: all or nothing, updates instead of duplicates, lossless round trips."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from assetmap.directory.importing import ImportRejected, import_listings
from assetmap.directory.reads import iter_listings
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import Group, Organisation, ScheduleEntry, Venue, Verification
from assetmap.verification.policy import FreshnessPolicy
from tests.factories import listing

TODAY = dt.date.today()


def count(database, model):
    with database.session() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def export(database):
    with database.session() as session:
        return list(iter_listings(session, FreshnessPolicy(), TODAY))


def test_an_invalid_record_means_nothing_is_written(database, add_groups):
    add_groups(listing("Already here", external_id="keep"))
    records = [
        listing("Fine one", external_id="a"),
        listing("Broken", external_id="b", capacity={"total_places": -3}),
        listing("Fine two", external_id="c", status="gone"),
    ]
    with database.session() as session, pytest.raises(ImportRejected) as rejected:
        import_listings(session, records, GazetteerGeocoder(session))
    messages = [str(p) for p in rejected.value.problems]
    assert messages == [
        "record 2: capacity.total_places: must be a whole number ≥ 0",
        "record 3: status: must be one of open, invitation_only, waiting_list, paused, closed",
    ]
    assert count(database, Group) == 1
    assert [item["name"] for item in export(database)] == ["Already here"]


def test_reimporting_updates_rather_than_duplicates(database, add_groups):
    first = add_groups(listing("Knit and Natter", external_id="kn-1"), listing("No key at all"))
    second = add_groups(
        listing(
            "Knit and Natter (Wednesdays)",
            external_id="kn-1",
            schedule=[{"day": "wed", "start": "14:00", "end": "16:00"}],
        ),
        listing("No key at all"),
    )
    assert first == second
    assert count(database, Group) == 2
    assert count(database, ScheduleEntry) == 2
    assert count(database, Venue) == 1
    assert count(database, Organisation) == 1
    knit = next(item for item in export(database) if item["external_id"] == "kn-1")
    assert knit["name"] == "Knit and Natter (Wednesdays)"
    assert knit["schedule"] == [
        {"day": "wed", "start": "14:00", "end": "16:00", "frequency": "weekly", "from_date": None}
    ]
    with database.session() as session:
        assert session.get(Group, first[0]).version == 2


def test_export_then_import_round_trips_losslessly(database, add_groups):
    add_groups(
        listing("Men's Shed", external_id="shed", cancelled_dates=["2026-12-15", "2026-12-08"]),
        listing(
            "Online carers",
            external_id="online",
            online=True,
            venue=None,
            transport={"bus_stops": [], "rail_station": None, "door_to_door": None},
        ),
        listing(
            "Never checked",
            last_verified_at=None,
            verified_by=None,
            accessibility={"step_free": None, "notes": "ramp being built"},
            capacity={"total_places": None, "places_taken": None},
        ),
        listing("Closed one", status="closed", stale=True),
    )
    exported = export(database)
    assert len(exported) == 4
    shed = next(item for item in exported if item["external_id"] == "shed")
    assert shed["cancelled_dates"] == ["2026-12-08", "2026-12-15"]
    with database.session() as session:
        result = import_listings(session, exported, GazetteerGeocoder(session))
    assert (result.created, result.updated) == (0, 4)
    assert export(database) == exported
    # And into an empty directory: ids and everything else come back as they were.
    for model in (Group, Venue, Organisation):
        with database.session() as session:
            session.execute(model.__table__.delete())
    with database.session() as session:
        result = import_listings(session, exported, GazetteerGeocoder(session))
    assert (result.created, result.updated) == (4, 0)
    assert export(database) == exported
    added = add_groups(listing("After explicit ids"))
    assert added[0] > max(item["id"] for item in exported)


def test_missing_coordinates_are_geocoded_from_the_postcode(database, add_groups):
    data = listing(venue={"name": "Hall", "postcode": "nw5 1aa"})
    (group_id,) = add_groups(data)
    venue = next(item for item in export(database) if item["id"] == group_id)["venue"]
    assert (venue["postcode"], venue["lat"], venue["lon"]) == ("NW5 1AA", 51.5505, -0.1410)


def test_an_unknown_postcode_is_reported_not_guessed(database, add_groups):
    add_groups(listing("Seeds the gazetteer"))
    records = [listing(venue={"name": "Hall", "postcode": "ZE2 9XX"})]
    with database.session() as session, pytest.raises(ImportRejected) as rejected:
        import_listings(session, records, GazetteerGeocoder(session))
    assert "record 1: venue.postcode: ZE2 9XX is not in the gazetteer" in str(
        rejected.value.problems[0]
    )


def test_duplicate_keys_within_a_file_are_rejected(database):
    records = [listing("A", external_id="x"), listing("B", external_id="x")]
    with database.session() as session, pytest.raises(ImportRejected) as rejected:
        import_listings(session, records, GazetteerGeocoder(session))
    assert str(rejected.value.problems[0]) == "record 2: external_id: repeats that of record 1"


def test_verification_history_follows_last_verified(database, add_groups):
    earlier = (TODAY - dt.timedelta(days=40)).isoformat()
    later = (TODAY - dt.timedelta(days=2)).isoformat()
    add_groups(listing("Choir", external_id="c", last_verified_at=earlier))
    add_groups(listing("Choir", external_id="c", last_verified_at=earlier))
    add_groups(listing("Choir", external_id="c", last_verified_at=later, verified_by="Sam"))
    with database.session() as session:
        rows = session.execute(
            select(Verification.verified_on, Verification.verified_by).order_by(Verification.id)
        ).all()
    assert [(r.verified_on.isoformat(), r.verified_by) for r in rows] == [
        (earlier, "Amira (link worker)"),
        (later, "Sam"),
    ]


def test_a_venue_change_shows_on_every_group_there(database, add_groups):
    hall = {
        "name": "Church Hall",
        "address": "1 Old Road",
        "postcode": "NW5 1AA",
        "lat": 51.5505,
        "lon": -0.1410,
    }
    add_groups(
        listing("Choir", external_id="c", venue=hall), listing("Lunch", external_id="l", venue=hall)
    )
    moved = {**hall, "address": "2 New Road", "lat": 51.5510, "lon": -0.1400}
    add_groups(listing("Choir", external_id="c", venue=moved))
    venues = {item["name"]: item["venue"] for item in export(database)}
    assert venues["Lunch"]["address"] == "2 New Road"
    assert (venues["Lunch"]["lat"], venues["Lunch"]["lon"]) == (51.5510, -0.1400)
