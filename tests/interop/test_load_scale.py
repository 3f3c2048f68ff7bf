"""Loading a big source set-wise: provenance for every record, all or nothing at the end of
the batch, and a second load that finds everything unchanged, on both backends."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from assetmap.directory.importing import ImportRejected
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.interop.formats import ReadOptions, read_contract
from assetmap.interop.load import LoadResult, ParsedSource, SourceRecord, load_source
from assetmap.models import Group, ListingSource, Postcode, ScheduleEntry, Venue, Verification
from seed.synthetic import generate_listings

BIG = 2000
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=1)


def _records() -> list[dict[str, Any]]:
    """Generated listings; a venue is one place wherever it is named (the generator may put
    two of the same name and postcode apart: the second is renamed)."""
    records = list(generate_listings(BIG, seed=23))
    venues: dict[tuple[str, str], Any] = {}
    for number, record in enumerate(records):
        if number % 4 == 0:
            record["transport"]["door_to_door"] = None  # not known: stored as empty columns
        venue = record["venue"]
        if venue:
            key = (venue["name"], venue["postcode"])
            if venues.setdefault(key, venue) != venue:
                venue["name"] += f" ({number})"
    return records


def _by_id(records: list[dict[str, Any]]) -> ParsedSource:
    return ParsedSource(
        records=[
            SourceRecord(record, source_id=f"svc-{n}", label=f"service {n}")
            for n, record in enumerate(records, start=1)
        ]
    )


def _load(database, parsed: ParsedSource, now: dt.datetime = NOW) -> LoadResult:
    with database.session() as session:
        return load_source(session, "council", parsed, GazetteerGeocoder(session), now)


def _counts(database) -> dict[str, int]:
    with database.session() as session:
        return {
            model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (Group, Venue, ScheduleEntry, Verification, ListingSource)
        }


def test_a_big_source_loads_with_provenance_for_every_record(database):
    result = _load(database, _by_id(_records()))
    assert (result.created, result.updated, result.unchanged) == (BIG, 0, 0)
    with database.session() as session:
        rows = session.execute(select(ListingSource)).scalars().all()
    assert len(rows) == BIG
    assert {r.group_id: r.source_id for r in rows} == {
        group_id: f"svc-{n}" for n, group_id in enumerate(result.group_ids, start=1)
    }
    assert all(r.source == "council" and r.imported_at == r.last_seen_at == NOW for r in rows)


def test_loading_the_same_big_source_again_changes_nothing_but_when_it_was_seen(database):
    records = _records()
    first = _load(database, _by_id(json.loads(json.dumps(records))))
    with database.session() as session:
        documents = dict(session.execute(select(Group.id, Group.document)).all())
    counts = _counts(database)

    again = _load(database, _by_id(json.loads(json.dumps(records))), now=LATER)

    assert (again.created, again.updated, again.unchanged) == (0, 0, BIG)
    assert again.group_ids == first.group_ids
    assert _counts(database) == counts
    with database.session() as session:
        assert set(session.scalars(select(Group.version))) == {1}
        assert dict(session.execute(select(Group.id, Group.document)).all()) == documents
        seen = session.execute(select(ListingSource.imported_at, ListingSource.last_seen_at))
        assert set(seen) == {(NOW, LATER)}


def test_a_few_changed_records_in_a_big_source_update_only_those(database):
    records = _records()
    _load(database, _by_id(json.loads(json.dumps(records))))
    for record in records[::250]:
        record["description"] = "Now meeting upstairs."
    again = _load(database, _by_id(records), now=LATER)
    assert (again.created, again.updated, again.unchanged) == (0, 8, BIG - 8)
    with database.session() as session:
        bumped = set(session.scalars(select(Group.id).where(Group.version == 2)))
        written = set(
            session.scalars(
                select(ListingSource.group_id).where(ListingSource.imported_at == LATER)
            )
        )
    assert bumped == written == {again.group_ids[n] for n in range(0, BIG, 250)}


def test_a_bad_record_at_the_end_of_a_big_source_writes_nothing(database):
    records = _records()
    records[-1]["audience"]["min_age"] = -3
    with pytest.raises(ImportRejected) as rejected:
        _load(database, _by_id(records))
    assert [(p.label, p.field) for p in rejected.value.problems] == [
        (f"service {BIG}", "audience.min_age")
    ]
    assert set(_counts(database).values()) == {0}


def test_a_contract_file_imported_twice_is_unchanged_the_second_time(database):
    """The listing contract has no source ids: its records are known by their external_id."""
    records = _records()
    names = sorted({r["venue"]["name"] for r in records if r["venue"]})
    by_postcode = set(names[::3])  # a third of the venues are given by postcode alone
    for record in records:
        if record["venue"] and record["venue"]["name"] in by_postcode:
            record["venue"] = {**record["venue"], "lat": None, "lon": None}
    postcodes = {r["venue"]["postcode"] for r in records if r["venue"]}
    with database.session() as session:
        session.add_all(Postcode(postcode=p, lat=51.5, lon=-0.1) for p in postcodes)
    options = ReadOptions(source="file", columns={}, default_category=None, today=NOW.date())
    data = json.dumps(records).encode()
    first = _load(database, read_contract(data, options))
    again = _load(database, read_contract(data, options), now=LATER)
    assert (first.created, again.created, again.updated, again.unchanged) == (BIG, 0, 0, BIG)
