"""Shared fixtures: one migrated database per backend, cleaned after every test.

Tests that use ``database`` (or ``app``/``client``) run once on SpatiaLite and once on PostGIS.
PostGIS comes from ASSETMAP_TEST_POSTGRES_URL (``make test`` starts a private cluster). Without
it the run fails rather than skipping half the suite; ASSETMAP_TEST_BACKENDS=spatialite opts out
explicitly for a quick local run.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from assetmap import create_app, schema
from assetmap.config import Config
from assetmap.db import Backend, Database
from assetmap.directory.importing import import_listings
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import Base, Postcode
from assetmap.web.context import LOCAL_TIME, set_clock
from tests.factories import POSTCODES, TODAY

BACKENDS = [
    b.strip()
    for b in os.environ.get("ASSETMAP_TEST_BACKENDS", "spatialite,postgis").split(",")
    if b.strip()
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "only_backend(name): run this test on one backend only (not skipped elsewhere)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked only_backend("postgis") are collected for that backend alone."""
    kept, dropped = [], []
    for item in items:
        marker = item.get_closest_marker("only_backend")
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database_url") if callspec else None
        if marker and backend is not None and backend != marker.args[0]:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _postgres_database() -> Iterator[str]:
    """A fresh database with PostGIS on the test server, dropped afterwards."""
    server_url = os.environ.get("ASSETMAP_TEST_POSTGRES_URL")
    if not server_url:
        pytest.fail(
            "ASSETMAP_TEST_POSTGRES_URL is not set: run `make test`, which starts PostGIS "
            "(or set ASSETMAP_TEST_BACKENDS=spatialite to run the SpatiaLite half only)"
        )
    name = f"assetmap_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        make_url(server_url).set(drivername="postgresql+psycopg", database="postgres"),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(drivername="postgresql+psycopg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    if request.param == "postgis":
        yield from _postgres_database()
    else:
        path = tmp_path_factory.mktemp("spatialite") / "test.db"
        yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def config(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Config:
    instance = tmp_path_factory.mktemp("instance")
    return Config(
        database_url=database_url,
        secret_key="test-secret",
        instance_path=str(instance),
        tile_url="",  # no internet here: pages render without map tiles
        testing=True,
    )


@pytest.fixture(scope="session")
def migrated(config: Config) -> Iterator[Database]:
    database = Database(config)
    schema.upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def database(migrated: Database) -> Iterator[Database]:
    """The backend's database, emptied after the test."""
    yield migrated
    _empty(migrated)


def _empty(database: Database) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with database.engine.begin() as connection:
        if database.backend is Backend.POSTGIS:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def backend(database: Database) -> Backend:
    return database.backend


@pytest.fixture(scope="session")
def _app(config: Config) -> Flask:
    return create_app(config)


def _on_the_suite_day() -> dt.datetime:
    """This moment's time of day, on the day the factories' dates count from: a run that
    crosses midnight keeps one "today" for the listings it builds and for the app."""
    moment = dt.datetime.now(LOCAL_TIME)
    return dt.datetime.combine(TODAY, moment.time(), tzinfo=LOCAL_TIME)


@pytest.fixture
def app(_app: Flask, database: Database) -> Iterator[Flask]:
    from assetmap.web.auth import limiter

    with _app.app_context():  # the counts of this app's database (database://, the default)
        limiter.reset()  # login throttling counts start afresh for each test
    set_clock(_app, _on_the_suite_day)  # a test may pin its own; the next test gets this again
    yield _app
    set_clock(_app, None)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def add_groups(database: Database):
    """Save listings (contract dicts) and the fixture postcodes; returns their ids in order."""

    def add(*listings: dict[str, Any]) -> list[int]:
        with database.session() as session:
            _ensure_postcodes(session)
            result = import_listings(session, list(listings), GazetteerGeocoder(session))
        return result.group_ids

    return add


def _ensure_postcodes(session: Any) -> None:
    if session.get(Postcode, next(iter(POSTCODES))) is None:
        session.add_all(
            Postcode(postcode=p, lat=lat, lon=lon) for p, (lat, lon) in POSTCODES.items()
        )
        session.flush()


@pytest.fixture
def tmp_json(tmp_path: Path):
    """Write an object as a JSON file and return its path."""
    import json

    def write(data: Any, name: str = "data.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(data))
        return path

    return write


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say how many tests passed on each backend, so a run shows PostGIS really ran."""
    counts: dict[str, int] = {}
    for report in terminalreporter.stats.get("passed", []):
        if report.when != "call":
            continue
        for backend in ("spatialite", "postgis"):
            if f"[{backend}" in report.nodeid or f"-{backend}]" in report.nodeid:
                counts[backend] = counts.get(backend, 0) + 1
    if counts:
        summary = ", ".join(f"{name}: {n} passed" for name, n in sorted(counts.items()))
        terminalreporter.write_line(f"database tests by backend — {summary}")


@pytest.fixture(scope="session")
def replica_pair() -> Iterator[Any]:
    """A migrated PostgreSQL primary and a streaming standby of it (tests/replica_cluster.py),
    for the read-replica tests; PostGIS-only, started once per run."""
    if "postgis" not in BACKENDS:
        pytest.skip("a read replica is PostgreSQL's: ASSETMAP_TEST_BACKENDS leaves PostGIS out")
    from tests.replica_cluster import replica_pair as start

    with start() as pair:
        yield pair
