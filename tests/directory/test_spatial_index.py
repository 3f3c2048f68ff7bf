"""Distance and bbox searches go through the spatial index, and measure distance correctly."""

import datetime as dt
import json

import pytest
from geopy.distance import geodesic
from sqlalchemy import event

from assetmap.db import Backend, Database
from assetmap.directory.queries import GroupQuery, search_groups
from assetmap.geo.spatial import BBox, Point
from assetmap.verification.policy import FreshnessPolicy
from tests.factories import listing


def grid(n: int):
    """n listings on a regular grid over north London, each at its own venue."""
    side = int(n**0.5) + 1
    return [
        listing(
            f"Group {i}",
            external_id=f"grid-{i}",
            venue={
                "name": f"Venue {i}",
                "postcode": None,
                "lat": 51.45 + 0.2 * (i // side) / side,
                "lon": -0.30 + 0.3 * (i % side) / side,
            },
        )
        for i in range(n)
    ]


def search(database: Database, query: GroupQuery):
    with database.session() as session:
        return search_groups(session, query, database.backend, FreshnessPolicy(), dt.date.today())


def query_plan(database: Database, query: GroupQuery) -> str:
    """The database's plan for the statement a search really runs."""
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        search(database, query)
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)
    statement, parameters = seen[0]
    explain = "EXPLAIN QUERY PLAN " if database.backend is Backend.SPATIALITE else "EXPLAIN "
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(explain + statement, parameters)
        return "\n".join(str(row[-1]) if len(row) > 1 else str(row[0]) for row in cursor)
    finally:
        raw.close()


NEAR = GroupQuery(near=Point(51.55, -0.14), radius_m=500, limit=100)
BOX = GroupQuery(bbox=BBox(-0.15, 51.54, -0.13, 51.56), limit=100)


@pytest.mark.only_backend("spatialite")
@pytest.mark.parametrize("query", [NEAR, BOX], ids=["near", "bbox"])
def test_spatialite_searches_go_through_the_rtree(database, add_groups, query):
    add_groups(*grid(50))
    plan = query_plan(database, query)
    assert "SCAN idx_venues_location VIRTUAL TABLE INDEX" in plan, plan


def test_distances_are_geodesic_metres(database, add_groups):
    add_groups(*grid(100))
    centre = Point(51.55, -0.14)
    page = search(database, GroupQuery(near=centre, radius_m=3000, limit=100))
    features = [json.loads(text) for text in page.features]
    assert features
    for feature in features:
        venue = feature["properties"]["venue"]
        expected = geodesic((centre.lat, centre.lon), (venue["lat"], venue["lon"])).meters
        assert feature["properties"]["distance_m"] == pytest.approx(expected, abs=1.0)
        assert expected <= 3000
    # Nothing within the radius was missed by the index prefilter.
    all_within = [
        v
        for v in grid(100)
        if geodesic((centre.lat, centre.lon), (v["venue"]["lat"], v["venue"]["lon"])).meters <= 3000
    ]
    assert page.number_matched == len(all_within)
