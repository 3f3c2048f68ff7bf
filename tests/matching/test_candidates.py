"""The candidate search leaves out its second way in (groups collected from the door) only
when the first already holds every group it could find: the same judging either way. That
way in reads the pickup areas' index (migration 0031) and finds exactly the groups and
judgements that probing every venue within the longest pickup radius found."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import event, select, text

from assetmap.db import Database, backend_of
from assetmap.geo.spatial import Point, circle_bbox
from assetmap.geo.travel import EstimatedTravel
from assetmap.matching.candidates import (
    Judged,
    Search,
    Way,
    judge,
    judged_statement,
    survivors,
)
from assetmap.matching.engine import DEFAULT_PICKUP_RADIUS_KM, _with_home_stop
from assetmap.matching.near import HELD_BACK
from assetmap.models import Group, Venue
from tests.factories import TODAY
from tests.matching.test_exhaustive import HOME, PROFILES, _directory


class _BothWays(Search):
    """The search as it was: the second way in always asked."""

    @property
    def pickup_beyond_reach(self) -> bool:
        return self.pickup_km > 0


class _ProbeAsBefore(Search):
    """The second way in as it was before the pickup areas' index: every venue within the
    longest pickup radius probed for groups whose transport reaches the person."""

    def parts(self) -> list[Way]:
        parts = super().parts()
        if not self.pickup_beyond_reach:
            return parts
        box = circle_bbox(self.origin, self.pickup_km * 1000)
        collecting = (
            select(Group.id)
            .join(Venue, Venue.id == Group.venue_id)
            .where(
                self.dialect.venues_in_box(box.min_lon, box.min_lat, box.max_lon, box.max_lat),
                self.pickup_covers,
            )
        )
        return [*parts[:-1], Way((Group.id.in_(collecting),), parts[-1].box)]


def _judged(database: Database, label: str, search_type: type[Search]) -> tuple[Judged, bool]:
    backend = backend_of(database.config.database_url)
    with database.session() as session:
        profile = _with_home_stop(session, PROFILES[label], backend)
        search = search_type(
            session, profile, backend, EstimatedTravel(), DEFAULT_PICKUP_RADIUS_KM, TODAY
        )
        judged = judge(session, profile, search, scored=2000, pool=60, held_back=HELD_BACK)
        session.rollback()
    return judged, search.pickup_beyond_reach


@pytest.mark.parametrize("label", list(PROFILES))
def test_leaving_out_the_pickup_way_in_changes_no_judgement(
    database: Database, add_groups: Any, label: str
) -> None:
    add_groups(*_directory(seed=18, count=300))
    judged, _ = _judged(database, label, Search)
    both, _ = _judged(database, label, _BothWays)

    assert judged.counts == both.counts
    assert judged.nearest == both.nearest
    assert [tuple(row) for row in judged.left] == [tuple(row) for row in both.left]
    assert judged.considered > 0


def test_the_pickup_way_in_is_left_out_only_for_a_reach_past_the_longest_pickup(
    database: Database, add_groups: Any
) -> None:
    add_groups(*_directory(seed=18, count=300))
    # The fixture's pickup radii go up to 6 km: 45 minutes by car reaches past them, a
    # 20-minute walk does not.
    _, by_car = _judged(database, "car, 45 minutes, nothing else (the widest)", Search)
    _, on_foot = _judged(database, "walk, 20 minutes, an interest or a kind of group", Search)
    assert not by_car
    assert on_foot


#: Home, and places from the middle of the fixture's directory to past its edge (14 km).
ORIGINS = [HOME, Point(HOME.lat + 0.03, HOME.lon - 0.05), Point(HOME.lat - 0.1, HOME.lon + 0.12)]


@pytest.mark.parametrize("label", list(PROFILES))
def test_the_pickup_areas_find_the_groups_and_judgements_the_venue_probe_found(
    database: Database, add_groups: Any, label: str
) -> None:
    add_groups(*_directory(seed=31, count=400))
    backend = backend_of(database.config.database_url)
    probed, asked = 0, False
    with database.session() as session:
        for origin in ORIGINS:
            profile = _with_home_stop(
                session, dataclasses.replace(PROFILES[label], location=origin), backend
            )
            rows = {}
            for kind in (Search, _ProbeAsBefore):
                search = kind(
                    session, profile, backend, EstimatedTravel(), DEFAULT_PICKUP_RADIUS_KM, TODAY
                )
                statement = judged_statement(profile, search)
                rows[kind] = sorted(tuple(row) for row in session.execute(statement))
            assert rows[Search] == rows[_ProbeAsBefore]
            if search.pickup_beyond_reach:
                asked = True
                reach = search.reach_km * 1.25
                probed += sum(1 for row in rows[Search] if row[2] > reach * reach)
    # Groups came by their pickup alone wherever the second way in was asked (the short
    # journeys: a reach past the longest pickup radius holds them all).
    assert asked == (label.startswith("walk"))
    assert (probed > 0) == asked


@pytest.mark.only_backend("postgis")
def test_the_survivors_venues_are_read_by_their_key(database: Database, add_groups: Any) -> None:
    """On PostgreSQL each survivor's venue is looked up for it, never every venue hashed (the
    planner hashed 30,000 venues for a few hundred survivors at 100,000 listings)."""
    ids = add_groups(*_directory(seed=5, count=300))
    profile = PROFILES["walk and bus, interests, step-free"]
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    with database.session() as session:
        session.execute(text("ANALYZE"))
        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", record)
        try:
            rows = survivors(session, profile, ids[:40])
        finally:
            event.remove(engine, "before_cursor_execute", record)
        statement, parameters = seen[-1]
        cursor = session.connection().connection.driver_connection.cursor()
        cursor.execute(f"EXPLAIN {statement}", parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert sorted(row.id for row in rows) == sorted(ids[:40])
    assert "Hash" not in plan  # a tiny table's venue may be scanned, but only per group
    assert "Filter: (id = groups.venue_id)" in plan or "Cond: (id = groups.venue_id)" in plan
