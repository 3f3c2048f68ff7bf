"""The pickup areas (migration 0031) are kept true by the database on every write, and hold
every point a group's door-to-door transport reaches, on both backends: a group is found, or
not, the moment it starts or stops collecting, changes its radius or venue, or its venue
moves, by the index and by the search that reads it."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from assetmap.db import Database
from assetmap.geo.journeys import Mobility, Mode
from assetmap.geo.spatial import Point, point_ewkt
from assetmap.geo.travel import EstimatedTravel
from assetmap.matching.candidates import NEAR_MISS, Search, _km_per_degree, judged_statement
from assetmap.matching.engine import DEFAULT_PICKUP_RADIUS_KM
from assetmap.matching.pickup import collecting_at
from assetmap.matching.profile import Profile
from assetmap.models import Group, Venue
from tests.factories import TODAY, listing

VENUE = Point(51.5485, -0.1412)
FAR = Point(51.75, 0.25)  # some 35 km away


def _away(origin: Point, km: float, bearing_deg: float) -> Point:
    """The point ``km`` from ``origin`` by the search's flat-earth distance, measured, as the
    search measures it, with the coefficients at that point's own latitude."""
    bearing = math.radians(bearing_deg)
    lat = origin.lat
    for _ in range(6):  # the coefficients depend on the latitude sought: settle it
        per_lat, per_lon = _km_per_degree(lat)
        lat = origin.lat + km * math.cos(bearing) / per_lat
    per_lat, per_lon = _km_per_degree(lat)
    return Point(lat, origin.lon + km * math.sin(bearing) / per_lon)


def _flat_km(person: Point, venue: Point) -> float:
    per_lat, per_lon = _km_per_degree(person.lat)
    return math.hypot((venue.lat - person.lat) * per_lat, (venue.lon - person.lon) * per_lon)


PERSON = _away(VENUE, 3.0, 90)  # beyond a 20-minute walk's reach, within a 5 km pickup


def _at(point: Point, name: str) -> dict[str, Any]:
    return {"name": name, "address": None, "postcode": None, "lat": point.lat, "lon": point.lon}


def _collector(name: str = "Minibus club", at: Point = VENUE, radius_km: float | None = 5.0):
    door = None if radius_km is None else {"available": True, "radius_km": radius_km, "notes": ""}
    return listing(name, venue=_at(at, f"Hall of {name}"), transport={"door_to_door": door})


def _index_finds(session: Session, database: Database, person: Point = PERSON) -> set[int]:
    return set(session.scalars(collecting_at(database.backend, person)))


def _search_finds(session: Session, database: Database, person: Point = PERSON) -> set[int]:
    """The groups a 20-minute walk's search weighs: its reach and near misses end short of
    3 km, so a group that far comes only by its pickup."""
    profile = Profile(person, mobility=Mobility(modes=(Mode.WALK,), max_travel_minutes=20))
    search = Search(
        session, profile, database.backend, EstimatedTravel(), DEFAULT_PICKUP_RADIUS_KM, TODAY
    )
    assert search.reach_km * NEAR_MISS < _flat_km(person, VENUE) or person != PERSON
    return {row.id for row in session.execute(judged_statement(profile, search))}


def _found(session: Session, database: Database, person: Point = PERSON) -> set[int]:
    """What the index and the search find, which must agree here (no edge cases)."""
    session.flush()
    by_index, by_search = (
        _index_finds(session, database, person),
        _search_finds(session, database, person),
    )
    assert by_index == by_search
    return by_search


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as session:
        yield session


def test_a_group_is_found_as_soon_as_it_starts_collecting_and_not_once_it_stops(
    database: Database, add_groups: Any, session: Session
) -> None:
    (group_id,) = add_groups(_collector(radius_km=None))
    group = session.get_one(Group, group_id)
    assert _found(session, database) == set()

    group.door_to_door_available, group.door_to_door_radius_km = True, 5.0
    assert _found(session, database) == {group_id}
    group.door_to_door_available = False
    assert _found(session, database) == set()
    group.door_to_door_available = True
    assert _found(session, database) == {group_id}
    group.door_to_door_radius_km = None
    assert _found(session, database) == set()


def test_a_group_is_found_or_not_as_its_radius_changes(
    database: Database, add_groups: Any, session: Session
) -> None:
    (group_id,) = add_groups(_collector(radius_km=5.0))
    assert _found(session, database) == {group_id}
    group = session.get_one(Group, group_id)
    group.door_to_door_radius_km = 2.5  # the person is 3 km away
    assert _found(session, database) == set()
    group.door_to_door_radius_km = 3.2
    assert _found(session, database) == {group_id}


def test_a_group_that_moves_to_another_venue_is_found_from_there(
    database: Database, add_groups: Any, session: Session
) -> None:
    near_id, far_id = add_groups(_collector("Near"), _collector("Far", at=FAR))
    assert _found(session, database) == {near_id}
    assert _found(session, database, FAR) == {far_id}
    near, far = session.get_one(Group, near_id), session.get_one(Group, far_id)
    near_venue = near.venue_id

    near.venue_id = far.venue_id
    assert _found(session, database) == set()
    assert _found(session, database, FAR) == {near_id, far_id}
    far.venue_id = near_venue
    assert _found(session, database) == {far_id}
    near.venue_id = None
    assert _found(session, database, FAR) == set()


def test_a_group_is_found_from_where_its_venue_moves(
    database: Database, add_groups: Any, session: Session
) -> None:
    first, second = add_groups(_collector("First"), _collector("Second"))
    venue = session.get_one(Venue, session.get_one(Group, first).venue_id)
    venue.lat, venue.lon, venue.location = FAR.lat, FAR.lon, point_ewkt(FAR.lat, FAR.lon)
    assert _found(session, database) == {second}
    assert _found(session, database, FAR) == {first}

    venue.lat, venue.lon = VENUE.lat, VENUE.lon
    venue.location = point_ewkt(VENUE.lat, VENUE.lon)
    assert _found(session, database) == {first, second}
    assert _found(session, database, FAR) == set()


def test_many_groups_changed_in_one_statement_and_deleted_groups(
    database: Database, add_groups: Any, session: Session
) -> None:
    ids = add_groups(*(_collector(f"Club {n}") for n in range(5)))
    assert _found(session, database) == set(ids)
    session.execute(update(Group).values(door_to_door_radius_km=1.0))
    assert _found(session, database) == set()
    session.execute(update(Group).where(Group.id.in_(ids[:3])).values(door_to_door_radius_km=4.0))
    assert _found(session, database) == set(ids[:3])
    session.execute(delete(Group).where(Group.id == ids[0]))
    assert _found(session, database) == set(ids[1:3])
    assert _index_finds(session, database, VENUE) == set(ids[1:])


def test_a_deleted_venue_takes_its_groups_areas_with_it(
    database: Database, add_groups: Any, session: Session
) -> None:
    (group_id,) = add_groups(_collector())
    venue_id = session.get_one(Group, group_id).venue_id
    session.expunge_all()
    session.execute(delete(Venue).where(Venue.id == venue_id))
    assert _index_finds(session, database, VENUE) == set()
    assert session.scalar(select(Group.venue_id).where(Group.id == group_id)) is None


#: Venues from the equator to the far north and south, radii from none to past the longest.
PLACES = [Point(0.0, 10.0), Point(51.5, -0.14), Point(-33.9, 151.2), Point(70.0, 25.0)]
RADII = [0.0, 0.4, 3.0, 7.5, 30.0]


def test_the_areas_hold_every_point_the_radius_reaches_anywhere(
    database: Database, add_groups: Any, session: Session
) -> None:
    """Points just inside each radius, by the search's own flat-earth distance, all round:
    each group's box holds them (the exact test then takes them in)."""
    listings, expected = [], []
    for p, place in enumerate(PLACES):
        for r, radius in enumerate(RADII):
            listings.append(_collector(f"Club {p} {r}", at=place, radius_km=radius))
            expected.append((place, radius))
    ids = add_groups(*listings)
    for group_id, (place, radius) in zip(ids, expected, strict=True):
        for bearing in range(0, 360, 15):
            person = _away(place, radius * 0.999, bearing)
            assert _flat_km(person, place) <= radius
            assert group_id in _index_finds(session, database, person), (radius, bearing)
