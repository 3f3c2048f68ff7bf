"""Loading a source: all or nothing, idempotent by (source, id), with provenance."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from assetmap.directory.importing import ImportProblem, ImportRejected
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.interop.formats import ReadOptions, format_of, read_contract
from assetmap.interop.load import ParsedSource, SourceRecord, load_source, preview_source
from assetmap.models import Group, ImportFormat, ListingSource, Postcode
from tests.factories import POSTCODES, TODAY, listing

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=1)


def _source(*names: str, **changes) -> ParsedSource:
    return ParsedSource(
        records=[
            SourceRecord(listing(name, **changes), source_id=f"svc-{n}", label=f"service {n}")
            for n, name in enumerate(names, start=1)
        ]
    )


def _load(database, parsed: ParsedSource, now: dt.datetime = NOW, source: str = "camden"):
    with database.session() as session:
        if session.get(Postcode, "NW5 2AA") is None:
            session.add_all(Postcode(postcode=p, lat=a, lon=b) for p, (a, b) in POSTCODES.items())
            session.flush()
        return load_source(session, source, parsed, GazetteerGeocoder(session), now)


def _count(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_source_loads_with_its_provenance(database):
    result = _load(database, _source("Knit and Natter", "Men's Shed"))
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    with database.session() as session:
        rows = session.scalars(select(ListingSource).order_by(ListingSource.source_id)).all()
        assert [(r.source, r.source_id) for r in rows] == [("camden", "svc-1"), ("camden", "svc-2")]
        assert all(r.imported_at == r.last_seen_at == NOW for r in rows)
        assert {r.group_id for r in rows} == set(result.group_ids)


def test_the_same_source_again_changes_nothing_but_when_it_was_seen(database):
    first = _load(database, _source("Knit and Natter", "Men's Shed"))
    with database.session() as session:
        versions = dict(session.execute(select(Group.id, Group.version)).all())
    again = _load(database, _source("Knit and Natter", "Men's Shed"), now=LATER)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.group_ids == first.group_ids
    assert _count(database, Group) == 2
    with database.session() as session:
        assert dict(session.execute(select(Group.id, Group.version)).all()) == versions
        rows = session.scalars(select(ListingSource)).all()
        assert all(r.imported_at == NOW and r.last_seen_at == LATER for r in rows)


def test_a_changed_record_updates_its_listing_and_only_that_one(database):
    first = _load(database, _source("Knit and Natter", "Men's Shed"))
    changed = _source("Knit and Natter", "Men's Shed")
    changed.records[1].listing["description"] = "Now with a lathe."
    again = _load(database, changed, now=LATER)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    with database.session() as session:
        shed = session.get(Group, first.group_ids[1])
        assert shed.description == "Now with a lathe." and shed.version == 2
        row = session.scalar(
            select(ListingSource).where(ListingSource.group_id == first.group_ids[1])
        )
        assert row.imported_at == LATER


def test_one_bad_record_refuses_the_whole_source_naming_it(database):
    parsed = _source("Knit and Natter", "Men's Shed")
    parsed.records[1].listing["categories"] = ["knitting"]
    with pytest.raises(ImportRejected) as rejected:
        _load(database, parsed)
    assert str(rejected.value.problems[0]).startswith("service 2: categories[0]:")
    assert _count(database, Group) == 0
    assert _count(database, ListingSource) == 0


def test_a_repeated_source_id_is_a_problem(database):
    parsed = _source("Knit and Natter", "Men's Shed")
    parsed.records[1] = SourceRecord(parsed.records[1].listing, "svc-1", "service 2")
    with pytest.raises(ImportRejected, match="service 2: id: repeats the id 'svc-1' of service 1"):
        _load(database, parsed)


def test_the_readers_problems_refuse_the_source(database):
    parsed = ParsedSource(
        problems=[ImportProblem(3, "schedule", "RRULE is not weekly", "VEVENT 3")]
    )
    with pytest.raises(ImportRejected, match="VEVENT 3: schedule: RRULE is not weekly"):
        _load(database, parsed)


def test_a_check_made_here_newer_than_the_sources_stands(database):
    first = _load(database, _source("Knit and Natter"))
    with database.session() as session:
        group = session.get(Group, first.group_ids[0])
        group.last_verified_at = TODAY
        group.verified_by = "Amira"
    older = _source("Knit and Natter", description="New words.")
    _load(database, older, now=LATER)
    with database.session() as session:
        group = session.get(Group, first.group_ids[0])
        assert (group.last_verified_at, group.verified_by) == (TODAY, "Amira")
        assert group.description == "New words."


def test_the_preview_says_what_would_happen_and_writes_nothing(database):
    _load(database, _source("Knit and Natter", "Men's Shed"))
    parsed = _source("Knit and Natter", "Men's Shed", "Walking Football")
    parsed.records[1].listing["description"] = "Now with a lathe."
    with database.session() as session:
        preview = preview_source(session, "camden", parsed, GazetteerGeocoder(session))
    assert [(r.label, r.action) for r in preview.rows] == [
        ("service 1", "unchanged"),
        ("service 2", "update"),
        ("service 3", "create"),
    ]
    assert _count(database, Group) == 2


def test_another_source_with_the_same_ids_is_another_listing(database):
    _load(database, _source("Knit and Natter"))
    _load(database, _source("Knit and Natter club", at="NW1 7AA"), source="islington")
    assert _count(database, Group) == 2


def test_the_contract_reader_and_format_sniffing():
    parsed = read_contract(b'[{"name": "A"}, 3]', ReadOptions(source="file"))
    assert [r.label for r in parsed.records] == ["record 1", "record 2"]
    broken = read_contract(b'[{"name": ', ReadOptions(source="file"))
    assert "not JSON" in str(broken.problems[0])
    assert format_of("x.json", b'{"contents": []}') is ImportFormat.ORUK
    assert format_of("x.json", b'{"content": [], "totalElements": 0}') is ImportFormat.OUTPOST
    assert format_of("x.json", b'[{"name": "A", "categories": ["social"]}]') is (
        ImportFormat.CONTRACT
    )
    assert format_of("Groups.CSV", b"") is ImportFormat.CSV


def test_a_record_without_a_place_imports_as_not_known_and_reimports_unchanged(database) -> None:
    record = listing("Carers Drop-in")
    record["venue"] = None
    del record["transport"]["door_to_door"]  # a source that does not say
    parsed = ParsedSource(records=[SourceRecord(listing=record, source_id="7")])
    with database.session() as session:
        first = load_source(session, "council", parsed, None, NOW)
    assert first.created == 1
    with database.session() as session:
        again = load_source(session, "council", parsed, None, NOW)
        group = session.get(Group, again.group_ids[0])
        assert group is not None and group.venue_id is None and not group.online
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_the_listing_page_says_a_place_not_known(database, client) -> None:
    record = listing("Carers Drop-in")
    record["venue"] = None
    parsed = ParsedSource(records=[SourceRecord(listing=record, source_id="7")])
    with database.session() as session:
        (group_id,) = load_source(session, "council", parsed, None, NOW).group_ids
    page = client.get(f"/groups/{group_id}").get_data(as_text=True)
    assert "Not known: ask the organiser where the group meets." in page
    assert "<p>Online</p>" not in page


def test_a_merged_duplicate_stays_merged_when_both_sources_import_again(database) -> None:
    from assetmap.accounts.users import create_user
    from assetmap.interop.merge import merge
    from assetmap.models import Role

    council = ParsedSource(records=[SourceRecord(listing("Knit and Natter"), source_id="42")])
    sheet = ParsedSource(records=[SourceRecord(listing("Knit & Natter"), source_id="row-7")])
    keep = _load(database, council, source="council").group_ids[0]
    gone = _load(database, sheet, source="sheet").group_ids[0]
    with database.session() as session:
        admin = create_user(session, "admin@example.org", Role.ADMIN, name="Ada")
        merge(session, keep, gone, admin, NOW)
    for parsed, source in ((council, "council"), (sheet, "sheet")):
        again = _load(database, parsed, now=LATER, source=source)
        assert again.created == 0 and again.group_ids == [keep]
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Group)) == 1
        rows = session.execute(
            select(ListingSource.source, ListingSource.source_id, ListingSource.last_seen_at)
            .where(ListingSource.group_id == keep)
            .order_by(ListingSource.source)
        ).all()
    assert [(r.source, r.source_id, r.last_seen_at) for r in rows] == [
        ("council", "42", LATER),
        ("sheet", "row-7", LATER),
    ]
