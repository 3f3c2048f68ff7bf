"""A database that does not answer in time is a 503 with Retry-After, never a hung thread or a
500: a table locked by another connection (PostgreSQL), no free connection in the pool (both
backends), SQLite's write lock held past the busy timeout. Meanwhile the app still serves
what does not need that table."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from assetmap import create_app
from assetmap.accounts.users import create_api_token, create_user
from assetmap.config import Config
from assetmap.db import Database
from assetmap.errors import ConfigError
from assetmap.web.context import database_of
from tests.factories import listing

#: A hung request would take the lock holder's whole life (15 s) or forever; a bounded one
#: answers within a few seconds of its 1 s timeouts.
ANSWERS_WITHIN_S = 8


@pytest.fixture
def impatient(config: Config, database: Database) -> Iterator[Flask]:
    """The app with a 2 s statement timeout and a 1 s lock timeout."""
    app = create_app(
        config.with_overrides({"database_statement_timeout_s": 2.0, "database_lock_timeout_s": 1.0})
    )
    yield app
    database_of(app).dispose()


def _timed(call: Any) -> tuple[Any, float]:
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


def _assert_unavailable_json(response: Any, seconds: float) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.headers["Retry-After"] == "5"
    error = response.get_json()["error"]
    assert error["code"] == "unavailable"
    assert "did not answer in time" in error["message"]
    assert seconds < ANSWERS_WITHIN_S


def _assert_unavailable_page(response: Any, seconds: float) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "The service is busy" in html and 'class="am-header' in html
    assert "Traceback" not in html
    assert seconds < ANSWERS_WITHIN_S


@pytest.mark.only_backend("postgis")
def test_a_locked_table_is_a_503_json_and_page_while_the_rest_still_answers(
    impatient: Flask, database: Database, add_groups: Any, caplog: pytest.LogCaptureFixture
) -> None:
    (group_id,) = add_groups(listing("Men's Shed", at="NW5 2AA"))
    client = impatient.test_client()
    with database.engine.connect() as holder:
        # The holder's session ends itself after 15 s idle, so a test of today's code (no
        # timeouts) answers late rather than hanging the suite.
        holder.execute(text("SET idle_in_transaction_session_timeout = '15s'"))
        holder.execute(text("LOCK TABLE groups IN ACCESS EXCLUSIVE MODE"))
        with caplog.at_level(logging.WARNING, logger="assetmap.web.limits"):
            api, seconds = _timed(lambda: client.get("/api/v1/groups"))
        _assert_unavailable_json(api, seconds)
        assert "database unavailable (lock timeout): GET api.list_groups" in caplog.text
        page, seconds = _timed(lambda: client.get(f"/groups/{group_id}"))
        _assert_unavailable_page(page, seconds)
        oruk, seconds = _timed(lambda: client.get("/openreferral/services"))
        _assert_unavailable_json(oruk, seconds)
        assert oruk.headers["Access-Control-Allow-Origin"] == "*"
        # What does not read the locked table still answers at once.
        assert client.get("/login").status_code == 200
        assert client.get("/static/css/assetmap.css").status_code == 200
        holder.rollback()
    assert client.get("/api/v1/groups").status_code == 200


@pytest.mark.only_backend("postgis")
def test_a_statement_over_the_time_limit_is_cancelled_and_a_503(
    impatient: Flask, database: Database
) -> None:
    @impatient.get("/api/v1/slow")
    def slow() -> str:
        from assetmap.web.context import read_session

        read_session().execute(text("SELECT pg_sleep(20)"))
        return "done"

    response, seconds = _timed(lambda: impatient.test_client().get("/api/v1/slow"))
    _assert_unavailable_json(response, seconds)


def test_no_free_connection_in_the_pool_is_a_503(config: Config, database: Database) -> None:
    app = create_app(
        config.with_overrides(
            {
                "database_pool_size": 1,
                "database_max_overflow": 0,
                "database_pool_timeout": 0.5,
            }
        )
    )
    client = app.test_client()
    try:
        assert client.get("/api/v1/groups").status_code == 200
        with database_of(app).read_engine.connect():  # the one connection, held
            api, seconds = _timed(lambda: client.get("/api/v1/groups"))
            _assert_unavailable_json(api, seconds)
            page, seconds = _timed(lambda: client.get("/?q=knitting"))
            _assert_unavailable_page(page, seconds)
        assert client.get("/api/v1/groups").status_code == 200
    finally:
        database_of(app).dispose()


@pytest.mark.only_backend("spatialite")
def test_sqlites_write_lock_held_past_the_busy_timeout_is_a_503(
    impatient: Flask, database: Database, add_groups: Any
) -> None:
    (group_id,) = add_groups(listing("Men's Shed", at="NW5 2AA"))
    with database.session() as session:
        token = create_api_token(session, create_user(session, "admin@example.org", "admin"))
    client = impatient.test_client()
    headers = {
        "Authorization": f"Bearer {token}",
        "If-Match": client.get(f"/api/v1/groups/{group_id}").headers["ETag"],
    }
    holder = database.engine.raw_connection()
    try:
        holder.execute("BEGIN IMMEDIATE")  # the write lock, as an import or the scan holds it
        write, seconds = _timed(
            lambda: client.patch(
                f"/api/v1/groups/{group_id}", json={"description": "New."}, headers=headers
            )
        )
        _assert_unavailable_json(write, seconds)
        assert client.get(f"/api/v1/groups/{group_id}").status_code == 200  # reads go on
    finally:
        holder.rollback()
        holder.close()
    done = client.patch(f"/api/v1/groups/{group_id}", json={"description": "New."}, headers=headers)
    assert done.status_code == 200


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ASSETMAP_DATABASE_STATEMENT_TIMEOUT_S", "-1"),
        ("ASSETMAP_DATABASE_STATEMENT_TIMEOUT_S", "4000"),
        ("ASSETMAP_DATABASE_LOCK_TIMEOUT_S", "0"),
        ("ASSETMAP_DATABASE_LOCK_TIMEOUT_S", "601"),
    ],
)
def test_timeouts_out_of_bounds_are_refused_at_start_up(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Config.from_env({name: value})
