"""Each engine's connection pool takes its size from the settings, on both backends; the web
app's engines bound every wait, and what a database that did not answer raises is told apart."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import QueuePool

from assetmap.db import Backend, Database, generic_plans, unavailable_reason


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


def test_web_requests_wait_bounded_and_the_cli_and_scheduler_do_not(database: Database) -> None:
    """The web app's engines carry the statement and lock timeouts; the CLI's, the
    scheduler's and the benchmarks' (``Database(config)``) let a bulk import or the nightly
    scan run as long as it needs."""
    config = database.config.with_overrides(
        {"database_statement_timeout_s": 7, "database_lock_timeout_s": 3}
    )
    web, batch = Database(config, for_requests=True), Database(config)
    try:
        if database.backend is Backend.POSTGIS:
            for engine in (web.engine, web.read_engine):
                with engine.connect() as connection:
                    shown = connection.execute(text("SHOW statement_timeout")).scalar()
                    lock = connection.execute(text("SHOW lock_timeout")).scalar()
                    assert (shown, lock) == ("7s", "3s")
                    parallel = connection.execute(text("SHOW max_parallel_workers_per_gather"))
                    assert parallel.scalar() == "0"  # a request gets one core
            with batch.engine.connect() as connection:
                assert connection.execute(text("SHOW statement_timeout")).scalar() == "0"
                assert connection.execute(text("SHOW lock_timeout")).scalar() == "0"
        else:
            for engine, busy_ms in ((web.engine, 3000), (batch.engine, 30000)):
                with engine.connect() as connection:
                    assert connection.execute(text("PRAGMA busy_timeout")).scalar() == busy_ms
    finally:
        web.dispose()
        batch.dispose()


def test_every_postgresql_statement_is_planned_for_its_values(database: Database) -> None:
    """psycopg prepares a statement run five times; PostgreSQL must not then swap a
    search's plan for one made without its values (3-5 times slower for a text search)."""
    if database.backend is not Backend.POSTGIS:
        pytest.skip("SQLite plans every statement as it is run")
    web, batch = Database(database.config, for_requests=True), Database(database.config)
    try:
        for engine in (web.engine, web.read_engine, batch.engine):
            with engine.connect() as connection:
                shown = connection.execute(text("SHOW plan_cache_mode")).scalar()
                assert shown == "force_custom_plan"
    finally:
        web.dispose()
        batch.dispose()


def test_generic_plans_hold_inside_the_block_alone_and_after_an_error(
    database: Database,
) -> None:
    """The map's marker pages are planned once per connection; nothing after them is."""
    web = Database(database.config, for_requests=True)
    shown = "SHOW plan_cache_mode"
    try:
        with web.read_engine.connect() as connection:
            if database.backend is not Backend.POSTGIS:
                with generic_plans(connection):  # nothing to set: SQLite plans every run
                    assert connection.execute(text("SELECT 1")).scalar() == 1
                return
            with generic_plans(connection):
                assert connection.execute(text(shown)).scalar() == "force_generic_plan"
            assert connection.execute(text(shown)).scalar() == "force_custom_plan"
            with pytest.raises(DBAPIError), generic_plans(connection):
                connection.execute(text("SELECT * FROM no_such_table"))
            assert connection.execute(text(shown)).scalar() == "force_custom_plan"
        with web.engine.connect() as connection:  # in a transaction: the first error is raised
            with pytest.raises(DBAPIError, match="no_such_table"), generic_plans(connection):
                connection.execute(text("SELECT * FROM no_such_table"))
            connection.rollback()
            assert connection.execute(text(shown)).scalar() == "force_custom_plan"
    finally:
        web.dispose()


def test_only_errors_of_a_database_that_did_not_answer_are_unavailability(
    database: Database,
) -> None:
    assert (
        unavailable_reason(PoolTimeout("QueuePool limit reached"))
        == "no free connection in the pool"
    )
    with database.engine.connect() as connection, pytest.raises(DBAPIError) as bad_sql:
        connection.execute(text("SELECT * FROM no_such_table"))
    assert unavailable_reason(bad_sql.value) is None  # a bug stays a 500
    assert unavailable_reason(ValueError("nothing to do with the database")) is None


def test_a_postgresql_that_cannot_be_reached_is_unavailability() -> None:
    """Built, not provoked: a real failed libpq connection in this suite's process (which has
    loaded SpatiaLite too) made the interpreter abort at exit with a double free."""
    import psycopg

    refused = OperationalError("connect", {}, psycopg.OperationalError("connection refused"))
    assert unavailable_reason(refused) == "server unreachable"
    bug = ProgrammingError("SELECT", {}, psycopg.ProgrammingError("syntax error"))
    assert unavailable_reason(bug) is None
