"""A big import leaves the planner statistics that know about it (issue 18): without them
PostgreSQL's map query walked every venue and group instead of the spatial index."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from assetmap.db import Database
from assetmap.directory import importing
from assetmap.geo.geocoders import GazetteerGeocoder
from seed.synthetic import generate_listings

pytestmark = pytest.mark.only_backend("postgis")


def _reltuples(session, table: str) -> float:
    return session.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table}
    ).scalar_one()


def _import(database: Database, count: int, seed: int) -> dict[str, float]:
    records = list(generate_listings(count, seed=seed))
    with database.session() as session:
        importing.import_listings(session, records, GazetteerGeocoder(session))
        return {t: _reltuples(session, t) for t in ("groups", "venues", "group_categories")}


def test_a_big_import_is_analysed_with_its_own_rows(database: Database):
    counted = _import(database, 1200, seed=5)
    assert counted["groups"] == 1200
    assert counted["venues"] > 0 and counted["group_categories"] > 0
    with database.engine.connect() as connection:
        # The plan for a map viewport starts at the spatial index, as it does once analysed.
        plan = connection.execute(
            text(
                "EXPLAIN SELECT g.id FROM groups g JOIN venues v ON v.id = g.venue_id "
                "WHERE v.location && ST_MakeEnvelope(-0.2, 51.5, -0.17, 51.52, 4326) "
                "AND g.status IN ('open', 'waiting_list') ORDER BY g.id LIMIT 100"
            )
        ).scalars()
        assert "idx_venues_location" in "\n".join(plan)


def test_a_small_import_into_a_big_directory_leaves_the_statistics_alone(database: Database):
    _import(database, 1200, seed=5)
    after_small = _import(database, 30, seed=6)
    assert after_small["groups"] == 1200  # 30 more is not worth an ANALYZE: autovacuum's job
