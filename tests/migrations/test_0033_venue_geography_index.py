"""0033 gives PostgreSQL's venues a GiST index on their location as geography (the ``near``
page's nearest-first walk on the sphere), and its downgrade takes it away; SQLite is left
as it was."""

from __future__ import annotations

from sqlalchemy import text

from assetmap import schema
from assetmap.db import Backend, Database


def _venue_indexes(database: Database) -> dict[str, str]:
    with database.engine.connect() as connection:
        if database.backend is Backend.POSTGIS:
            rows = connection.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'venues'")
            )
        else:
            rows = connection.execute(
                text(
                    "SELECT name, sql FROM sqlite_master"
                    " WHERE type = 'index' AND tbl_name = 'venues'"
                )
            )
        return {name: definition or "" for name, definition in rows}


def test_0033_adds_the_geography_index_on_postgresql_alone_and_downgrades(
    database: Database,
) -> None:
    after = _venue_indexes(database)
    if database.backend is Backend.POSTGIS:
        definition = after["ix_venues_geography"]
        assert "USING gist" in definition and "geography(location)" in definition
    else:
        assert "ix_venues_geography" not in after
    schema.downgrade(database, "0032")
    before = _venue_indexes(database)
    assert "ix_venues_geography" not in before
    assert set(after) - set(before) <= {"ix_venues_geography"}
    schema.upgrade(database)
    assert _venue_indexes(database) == after
