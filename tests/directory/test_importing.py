"""Importing thousands of listings set-wise (COPY on PostgreSQL, executemany on SQLite) writes
exactly what the statement-per-batch path writes, all or nothing, on both backends."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select, text

from assetmap.db import Backend, Database
from assetmap.directory import importing
from assetmap.directory.documents import build_documents
from assetmap.directory.importing import ImportRejected, import_listings
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import (
    Base,
    Group,
    GroupCategory,
    GroupInterest,
    Organisation,
    Postcode,
    ScheduleEntry,
    Venue,
    Verification,
)
from seed.synthetic import generate_listings

BIG = 2000
#: Written by the database or the clock, so two imports differ in them.
_MOMENTS = {"created_at", "updated_at", "recorded_at"}


def _records(count: int = BIG) -> list[dict[str, Any]]:
    """Realistic listings, some with no key of their own and some placed by postcode alone."""
    records = list(generate_listings(count, seed=17))
    for number, record in enumerate(records):
        if number % 7 == 0:
            record.pop("external_id")  # matched by name, organisation and venue
        if number % 5 == 0 and record["venue"]:
            record["venue"] = {**record["venue"], "lat": None, "lon": None}
    return records


def _postcodes(session: Any, records: list[dict[str, Any]]) -> None:
    """The gazetteer knows every venue's postcode, at the venue."""
    places = {}
    for record in list(generate_listings(len(records), seed=17)):
        if record["venue"]:
            places[record["venue"]["postcode"]] = (record["venue"]["lat"], record["venue"]["lon"])
    known = set(session.scalars(select(Postcode.postcode)))
    session.add_all(
        Postcode(postcode=p, lat=lat, lon=lon) for p, (lat, lon) in places.items() if p not in known
    )
    session.flush()


def _import(database: Database, records: list[dict[str, Any]]) -> importing.ImportResult:
    with database.session() as session:
        _postcodes(session, records)
        return import_listings(session, records, GazetteerGeocoder(session))


def _snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row an import writes, in key order, without the moments it was written; an
    organisation by its name (each batch numbers its new organisations in name order)."""
    tables = {
        "groups": Group,
        "organisations": Organisation,
        "venues": Venue,
        "group_categories": GroupCategory,
        "group_interests": GroupInterest,
        "schedule_entries": ScheduleEntry,
        "verifications": Verification,
    }
    out: dict[str, list[tuple[Any, ...]]] = {}
    with database.session() as session:
        for name, model in tables.items():
            table = model.__table__
            skipped = _MOMENTS | {"location", "organisation_id"}
            columns: list[Any] = [c for c in table.c if c.name not in skipped]
            if model is Venue:
                columns += [func.ST_X(Venue.location), func.ST_Y(Venue.location)]
            if model is Group:
                columns.append(
                    select(Organisation.name)
                    .where(Organisation.id == Group.organisation_id)
                    .scalar_subquery()
                )
            order = list(table.primary_key.columns)
            if model is Organisation:
                columns, order = [Organisation.name, Organisation.trusted], [Organisation.name]
            rows = session.execute(select(*columns).order_by(*order)).all()
            out[name] = [
                tuple(
                    json.loads(v) if c == "document" else v
                    for c, v in zip(row._fields, row, strict=True)
                )
                for row in rows
            ]
    return out


def _empty(database: Database) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with database.engine.begin() as connection:
        if database.backend is Backend.POSTGIS:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


def test_the_set_wise_path_writes_what_small_batches_write(database, monkeypatch):
    records = _records()
    # small batches: every write is an ordinary statement (below bulk.COPY_FROM rows)
    monkeypatch.setattr(importing, "WRITE_BATCH", 40)
    _import(database, json.loads(json.dumps(records)))
    by_statements = _snapshot(database)
    _empty(database)
    monkeypatch.setattr(importing, "WRITE_BATCH", 5000)
    result = _import(database, json.loads(json.dumps(records)))
    set_wise = _snapshot(database)

    assert result.created == BIG
    for table, rows in by_statements.items():
        assert set_wise[table] == rows, table
    assert len(set_wise["groups"]) == BIG


def test_each_document_is_what_its_rows_build(database):
    result = _import(database, _records())
    with database.session() as session:
        stored = dict(session.execute(select(Group.id, Group.document)).all())
        built = build_documents(session, sorted(stored))
        versions = set(session.scalars(select(Group.version)))
        located = session.execute(
            select(Venue.lat, Venue.lon, func.ST_Y(Venue.location), func.ST_X(Venue.location))
        ).all()
    assert len(stored) == BIG == len(set(result.group_ids))
    assert {gid: json.loads(doc) for gid, doc in stored.items()} == {
        gid: json.loads(doc) for gid, doc in built.items()
    }
    assert versions == {1}
    assert all(
        row[0] == pytest.approx(row[2]) and row[1] == pytest.approx(row[3]) for row in located
    )


def test_what_was_imported_reads_back_as_the_records(database):
    records = _records(500)
    ids = _import(database, json.loads(json.dumps(records))).group_ids
    with database.session() as session:
        documents = dict(session.execute(select(Group.id, Group.document)).all())
        places = dict(session.execute(select(Postcode.postcode, Postcode.lat)).all())
    for record, group_id in zip(records, ids, strict=True):
        stored = json.loads(documents[group_id])["properties"]
        assert stored["name"] == record["name"]
        assert stored["external_id"] == record.get("external_id")
        assert sorted(stored["categories"]) == sorted(set(record["categories"]))
        assert len(stored["schedule"]) == len(record["schedule"])
        if record["venue"]:
            assert stored["venue"]["postcode"] == record["venue"]["postcode"]
            if record["venue"]["lat"] is None:  # geocoded from the gazetteer
                assert stored["venue"]["lat"] == places[record["venue"]["postcode"]]


def test_a_bad_record_at_the_end_of_a_big_batch_writes_nothing(database):
    records = _records()
    records[-1]["schedule"][0]["day"] = "someday"
    with pytest.raises(ImportRejected) as rejected:
        _import(database, records)
    assert [(p.record, p.field) for p in rejected.value.problems] == [(BIG, "schedule[0].day")]
    with database.session() as session:
        for model in (Group, Venue, Organisation, ScheduleEntry, Verification, Postcode):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model


def test_a_conflict_found_while_writing_the_last_batch_undoes_the_earlier_batches(
    database, add_groups, monkeypatch
):
    first, second = generate_listings(2, seed=99)
    taken = add_groups({**first, "external_id": "taken-elsewhere"})[0]
    other = add_groups({**second, "external_id": None})[0]
    records = _records()
    # the last record names one group by id and another's external id: found only at its batch
    records[-1] = {**records[-1], "id": other, "external_id": "taken-elsewhere"}
    monkeypatch.setattr(importing, "WRITE_BATCH", 500)
    with pytest.raises(Exception, match=f"belongs to group {taken}"):
        _import(database, records)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Group)) == 2


def test_importing_the_same_big_file_again_updates_and_duplicates_nothing(database):
    records = _records()
    first = _import(database, json.loads(json.dumps(records)))
    before = _snapshot(database)
    again = _import(database, json.loads(json.dumps(records)))
    after = _snapshot(database)

    assert (again.created, again.updated) == (0, BIG)
    assert again.group_ids == first.group_ids
    for table in ("venues", "organisations", "group_categories", "group_interests"):
        assert after[table] == before[table], table
    assert len(after["schedule_entries"]) == len(before["schedule_entries"])
    # a re-import does not add to the verification history when the date did not move
    assert after["verifications"] == before["verifications"]
    with database.session() as session:
        assert set(session.scalars(select(Group.version))) == {2}


def test_the_progress_moves_while_checking_and_while_writing(database, monkeypatch):
    records = _records()
    seen: list[tuple[str, int]] = []
    real_save = importing._save_batch

    def save(*args: Any, **kwargs: Any) -> None:
        seen.append(("write", 0))
        real_save(*args, **kwargs)

    monkeypatch.setattr(importing, "WRITE_BATCH", 500)
    monkeypatch.setattr(importing, "_save_batch", save)
    with database.session() as session:
        _postcodes(session, records)
        import_listings(
            session, records, GazetteerGeocoder(session), lambda n: seen.append(("move", n))
        )
    moves = [n for kind, n in seen if kind == "move"]
    assert sum(moves) == importing.PROGRESS_STEPS * BIG
    first_write = seen.index(("write", 0))
    assert sum(n for kind, n in seen[:first_write] if kind == "move") == BIG  # while checking
    assert len([n for kind, n in seen[:first_write] if kind == "move" and n]) > 1
    assert [kind for kind, _ in seen[first_write:]] == ["write", "move"] * 4
