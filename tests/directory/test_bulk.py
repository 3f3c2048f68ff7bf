"""Set-based writes and look-ups: rows written in bulk read back as Core writes them, on both
backends, and postcodes are geocoded once each, all together."""

from __future__ import annotations

from sqlalchemy import func, select

from assetmap.directory.bulk import (
    COPY_FROM,
    geocode_postcodes,
    insert_rows,
    lookup,
    update_rows,
)
from assetmap.geo.geocoders import ChainGeocoder, GazetteerGeocoder
from assetmap.geo.interfaces import Place
from assetmap.geo.spatial import point_ewkt
from assetmap.models import Organisation, Postcode, Venue, table_of

MANY = COPY_FROM + 50


def _venues(count: int, start: int = 1) -> list[dict]:
    return [
        {
            "id": n,
            "name": f"Hall {n}",
            "address": None if n % 2 else f"{n} High Street",
            "postcode": "NW5 2AA",
            "lat": 51.5 + n / 10_000,
            "lon": -0.14 - n / 10_000,
            "location": point_ewkt(51.5 + n / 10_000, -0.14 - n / 10_000),
        }
        for n in range(start, start + count)
    ]


def _stored_venues(session) -> list[tuple]:
    return session.execute(
        select(
            Venue.id,
            Venue.name,
            Venue.address,
            Venue.lat,
            Venue.lon,
            func.ST_Y(Venue.location),
            func.ST_X(Venue.location),
        ).order_by(Venue.id)
    ).all()


def test_many_rows_are_written_as_a_few_are(database):
    with database.session() as session:
        insert_rows(session, table_of(Venue), _venues(MANY))  # in bulk
        insert_rows(session, table_of(Venue), _venues(3, start=MANY + 1))  # statements
        rows = _stored_venues(session)
    assert len(rows) == MANY + 3
    for row in rows:
        assert row.name == f"Hall {row.id}"
        assert row.address == (None if row.id % 2 else f"{row.id} High Street")
        assert (row[5], row[6]) == (row.lat, row.lon)


def test_defaults_are_filled_in_bulk_as_core_fills_them(database):
    with database.session() as session:
        insert_rows(
            session, table_of(Organisation), [{"id": n, "name": f"Org {n}"} for n in range(MANY)]
        )
        rows = session.execute(select(Organisation.trusted, Organisation.created_at)).all()
    assert {row.trusted for row in rows} == {False}
    assert all(row.created_at is not None for row in rows)


def test_many_rows_are_updated_with_their_new_places(database):
    with database.session() as session:
        insert_rows(session, table_of(Venue), _venues(MANY))
    moved = [
        {**venue, "lat": 51.6, "lon": -0.2, "location": point_ewkt(51.6, -0.2), "address": "Moved"}
        for venue in _venues(MANY)
    ]
    for venue in moved:
        del venue["name"], venue["postcode"]
    with database.session() as session:
        update_rows(session, table_of(Venue), moved)
        rows = _stored_venues(session)
    assert {(r.address, r.lat, r.lon, r[5], r[6]) for r in rows} == {
        ("Moved", 51.6, -0.2, 51.6, -0.2)
    }
    assert [r.name for r in rows] == [f"Hall {n}" for n in range(1, MANY + 1)]


def test_update_moves_the_updated_at_of_each_row(database):
    with database.session() as session:
        session.add_all(Postcode(postcode=f"N{n} 1AA", lat=51.5, lon=-0.1) for n in range(MANY))
        session.flush()
        before = dict(session.execute(select(Postcode.postcode, Postcode.updated_at)).all())
        rows = [{"postcode": p, "lat": 51.55} for p in before]
        update_rows(session, table_of(Postcode), rows, key="postcode")
        after = dict(session.execute(select(Postcode.postcode, Postcode.updated_at)).all())
        lats = set(session.scalars(select(Postcode.lat)))
    assert lats == {51.55}
    assert all(after[p] >= before[p] for p in before)


def test_lookup_finds_text_and_number_keys_in_chunks(database, monkeypatch):
    from assetmap.directory import bulk

    monkeypatch.setattr(bulk, "LOOKUP_CHUNK", 7)
    with database.session() as session:
        insert_rows(session, table_of(Venue), _venues(40))
        by_name = lookup(session, select(Venue.id), Venue.name, [f"Hall {n}" for n in range(30)])
        by_id = lookup(session, select(Venue.name), Venue.id, list(range(35, 99)))
    assert sorted(row.id for row in by_name) == list(range(1, 30))
    assert sorted(row.name for row in by_id) == sorted(f"Hall {n}" for n in range(35, 41))


class _Counting:
    name = "counting"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def geocode(self, query: str) -> Place | None:
        self.asked.append(query)
        return Place(52.0, -1.0, query, self.name) if query == "N6 5AA" else None


def test_the_gazetteer_answers_postcodes_together_and_the_next_geocoder_only_the_rest(
    database,
):
    with database.session() as session:
        session.add(Postcode(postcode="NW5 1AA", lat=51.55, lon=-0.141))
        session.flush()
        fallback = _Counting()
        chain = ChainGeocoder([GazetteerGeocoder(session), fallback])
        found = geocode_postcodes(chain, ["NW5 1AA", "N6 5AA", "NW5 1AA", "E1 6AN"])
    assert {p: (place.lat, place.lon) if place else None for p, place in found.items()} == {
        "NW5 1AA": (51.55, -0.141),
        "N6 5AA": (52.0, -1.0),
        "E1 6AN": None,
    }
    assert sorted(fallback.asked) == ["E1 6AN", "N6 5AA"]
