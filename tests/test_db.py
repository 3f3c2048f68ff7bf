"""Each engine's connection pool takes its size from the settings, on both backends."""

from __future__ import annotations

from sqlalchemy.pool import QueuePool

from assetmap.db import Database


def test_engines_pool_as_configured(database: Database) -> None:
    config = database.config.with_overrides(
        {"database_pool_size": 3, "database_max_overflow": 1, "database_pool_timeout": 4}
    )
    sized = Database(config)
    try:
        for engine in (sized.engine, sized.read_engine):
            pool = engine.pool
            assert isinstance(pool, QueuePool)
            assert (pool.size(), pool._max_overflow, pool._timeout) == (3, 1, 4)
        with sized.engine.connect() as first, sized.engine.connect() as second:
            assert first is not second  # the pool hands out separate connections
    finally:
        sized.dispose()
