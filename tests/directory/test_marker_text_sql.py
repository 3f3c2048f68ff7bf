"""The marker view's Features written by PostgreSQL are the ones Python writes (issue 18).

``directory.marker_text_sql`` moves the writing of a page of markers into the database on
PostGIS (and runs it as the driver's own SQL); on a built directory with every freshness
case — never verified, due, stale, very stale, a problem report or a bounce since the last
check, a shorter expiry for one category — awkward names and online groups, each page is
the same ids in the same order with the same JSON as ``markers.marker_text`` writes.
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from sqlalchemy import update

from assetmap.db import Backend
from assetmap.directory.marker_text_sql import driver_statement, page_text_statement
from assetmap.directory.markers import _marker_statement, search_markers
from assetmap.directory.queries import GroupQuery, _Shape
from assetmap.geo.spatial import BBox, Point
from assetmap.models import Category, Group, Status
from assetmap.verification.policy import Freshness, FreshnessPolicy
from tests.factories import TODAY, listing

POLICY = FreshnessPolicy(expiry_days=180, due_days=30, category_expiry=(("peer_support", 90),))
CENTRE = (51.5485, -0.1412)
NAMES = ['Tea "&" <b>talk</b> \\ café', "Line\nbreak\tand\u0001control", "Ünïcødé 🌳 walk", "Plain"]


@pytest.fixture
def directory(add_groups, database):
    """120 groups within ~3 km of the centre, every freshness case among them."""
    chosen = random.Random(18)
    listings = []
    for n in range(120):
        lat = CENTRE[0] + chosen.uniform(-0.027, 0.027)
        lon = CENTRE[1] + chosen.uniform(-0.043, 0.043)
        online = n % 17 == 0
        days_ago = chosen.choice([1, 40, 100, 160, 175, 200, 370, 400])
        listings.append(
            listing(
                f"{NAMES[n % len(NAMES)]} {n}",
                status=chosen.choice([s.value for s in Status]),
                categories=[chosen.choice(["social", "peer_support", "active"])],
                last_verified_at=(TODAY - dt.timedelta(days=days_ago)).isoformat(),
                online=online,
                venue=None
                if online
                else {
                    "name": f"Hall {n}",
                    "address": None,
                    "postcode": None,
                    "lat": lat,
                    "lon": lon,
                },
            )
        )
    ids = add_groups(*listings)
    with database.session() as session:
        for n, group_id in enumerate(ids):
            values = {
                "reported_on": TODAY - dt.timedelta(days=5) if n % 5 == 0 else None,
                "bounced_on": TODAY - dt.timedelta(days=50) if n % 7 == 0 else None,
                "expiry_days": 90 if n % 3 == 0 else None,
            }
            if n % 11 == 0:
                values["last_verified_at"] = None
            session.execute(update(Group).where(Group.id == group_id).values(**values))
        session.commit()
    return ids


QUERIES = [
    GroupQuery(bbox=BBox(-0.20, 51.50, -0.08, 51.60), limit=200),
    GroupQuery(bbox=BBox(-0.16, 51.53, -0.12, 51.56), limit=10, offset=10),
    GroupQuery(near=Point(*CENTRE), radius_m=1500, limit=200),
    GroupQuery(near=Point(*CENTRE), radius_m=3000, limit=15, offset=30),
    GroupQuery(near=Point(*CENTRE), radius_m=5, limit=10),
    GroupQuery(statuses=tuple(Status), limit=500),
    GroupQuery(freshness=(Freshness.DUE, Freshness.STALE), limit=500),
    GroupQuery(categories=(Category.PEER_SUPPORT,), near=Point(*CENTRE), radius_m=2000),
    GroupQuery(limit=10, offset=1000),
]


def _page(session, query, backend, in_sql):
    page = search_markers(session, query, backend, POLICY, TODAY, in_sql=in_sql)
    return json.loads(f"[{page.features_text}]"), page.returned, page.number_matched


@pytest.mark.parametrize("query", QUERIES)
def test_the_database_writes_the_markers_python_writes(database, backend, directory, query):
    with database.session() as session:
        in_python = _page(session, query, backend, in_sql=False)
        by_default = _page(session, query, backend, in_sql=None)
        assert by_default == in_python
        assert in_python[1] == len(in_python[0])
        if backend is Backend.POSTGIS:  # SQLite's aggregates keep no order: Python there
            assert _page(session, query, backend, in_sql=True) == in_python
    freshness = {feature["properties"]["freshness"] for feature in in_python[0]}
    if query.limit >= 200 and query.bbox is not None:
        assert freshness == {"fresh", "due", "stale"}  # the fixture reaches every case


def test_every_marker_shape_runs_as_the_drivers_own_sql(database, backend):
    if backend is not Backend.POSTGIS:
        pytest.skip("the driver's SQL is PostgreSQL's")
    with database.engine.connect() as connection:
        for query in QUERIES:
            shape = _Shape.of(query, backend, POLICY)
            written = page_text_statement(
                _marker_statement(shape), POLICY.shorter_periods, shape.near
            )
            driver = driver_statement(written, connection.dialect)
            assert driver is not None
            assert "POSTCOMPILE" not in driver.sql


@pytest.mark.parametrize("where", ["bbox", "near"])
def test_the_maps_own_pages_are_short_enough_for_psycopg_to_parse_once(database, backend, where):
    """psycopg caches its parsing of a statement only up to 4,096 characters and 50
    parameters: past that it parses a ``near`` page's SQL again on every request."""
    if backend is not Backend.POSTGIS:
        pytest.skip("the driver's SQL is PostgreSQL's")
    policy = FreshnessPolicy()
    query = (
        GroupQuery(bbox=BBox(-0.16, 51.53, -0.12, 51.56), limit=100)
        if where == "bbox"
        else GroupQuery(near=Point(*CENTRE), radius_m=1000, limit=100)
    )
    shape = _Shape.of(query, backend, policy)
    written = page_text_statement(_marker_statement(shape), policy.shorter_periods, shape.near)
    with database.engine.connect() as connection:
        driver = driver_statement(written, connection.dialect)
    assert driver is not None
    assert len(driver.sql) <= 4096 and len(driver.short) <= 50
