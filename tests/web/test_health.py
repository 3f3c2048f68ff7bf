"""`/healthz` and `/readyz`: what a load balancer probes. Ready means the database answers at
the code's migration; a database that is gone, or behind, or silent is a 503 naming it,
within a few seconds (issue 19, item 8)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from assetmap import create_app, schema
from assetmap.config import Config
from assetmap.db import Backend, Database
from assetmap.ops import readiness
from assetmap.ops.readiness import ReadinessProbe, newest_revision

#: "Did not hang": the probe's own bound is 2 s; this leaves room for a busy machine.
NO_HANG_S = 10.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _app_on(config: Config, url: str):
    return create_app(config.with_overrides({"database_url": url}))


def test_healthz_says_ok_without_a_cookie_or_a_cache(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_healthz_answers_when_the_database_is_gone(config, tmp_path) -> None:
    gone = _app_on(config, f"sqlite:///{tmp_path}/missing/none.db").test_client()
    assert gone.get("/healthz").status_code == 200


def test_readyz_is_ready_at_the_newest_migration(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "schema": "ok"},
    }
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_probes_answer_every_time_and_only_to_get(app) -> None:
    client = app.test_client()
    assert {client.get("/readyz").status_code for _ in range(30)} == {200}
    assert client.post("/readyz").status_code == 405  # only GET; no CSRF page either


def test_readyz_is_503_when_the_schema_is_behind(client, database) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0025'"))
    try:
        response = client.get("/readyz")
    finally:
        with database.engine.begin() as connection:
            connection.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": newest_revision()}
            )
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready" and body["not_ready"] == ["schema"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["schema"].startswith(f"at 0025, the code needs {newest_revision()}")


def _unreachable(database: Database, tmp_path) -> Iterator[str]:
    """A URL of this backend whose database is not there: a SpatiaLite file that was
    migrated and then removed; a PostgreSQL port nothing listens on."""
    if database.backend is Backend.POSTGIS:
        url = make_url(database.config.database_url).set(host="127.0.0.1", port=_free_port())
        yield url.render_as_string(hide_password=False)
        return
    path = tmp_path / "removed.db"
    own = Database(database.config.with_overrides({"database_url": f"sqlite:///{path}"}))
    schema.upgrade(own)
    own.dispose()
    yield f"sqlite:///{path}"


def test_readyz_is_503_within_seconds_when_the_database_is_gone(config, database, tmp_path) -> None:
    url = next(_unreachable(database, tmp_path))
    client = _app_on(config, url).test_client()
    if database.backend is Backend.SPATIALITE:
        assert client.get("/readyz").status_code == 200  # migrated: ready, until ...
        for suffix in ("", "-wal", "-shm"):
            (tmp_path / f"removed.db{suffix}").unlink(missing_ok=True)
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < NO_HANG_S
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "not ready",
        "checks": {"database": "not answering", "schema": "not known"},
        "not_ready": ["database"],
    }
    assert "127.0.0.1" not in response.get_data(as_text=True)  # no host or port told
    if database.backend is Backend.SPATIALITE:
        assert not (tmp_path / "removed.db").exists()  # the probe made no empty database


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word: a server that hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


@pytest.mark.only_backend("postgis")
def test_readyz_does_not_hang_on_a_database_that_never_answers(
    config, database, silent_server
) -> None:
    url = make_url(database.config.database_url).set(host="127.0.0.1", port=silent_server)
    client = _app_on(config, url.render_as_string(hide_password=False)).test_client()
    for _ in range(2):  # the second probe, while the first's check may still wait, too
        started = time.monotonic()
        response = client.get("/readyz")
        assert time.monotonic() - started < NO_HANG_S
        assert response.status_code == 503
        assert response.get_json()["not_ready"] == ["database"]


def test_a_stuck_check_is_not_doubled_and_the_probe_still_answers(database, monkeypatch) -> None:
    probe = ReadinessProbe(database.config, timeout_s=0.2)
    calls: list[int] = []
    release = threading.Event()

    def stuck(*_args: object) -> dict[str, str]:
        calls.append(1)
        release.wait(NO_HANG_S)
        return {"database": "ok", "schema": "ok"}

    monkeypatch.setattr(readiness, "check_primary", stuck)
    try:
        answers = [probe.check() for _ in range(3)]
    finally:
        release.set()
    assert [a.failing for a in answers] == [["database"]] * 3
    assert answers[0].checks["database"] == "no answer within 0.2 s"
    assert len(calls) == 1
    probe.dispose()


@pytest.mark.only_backend("postgis")
def test_a_replica_that_is_down_is_reported_but_the_primary_keeps_it_ready(
    config, database
) -> None:
    replica = make_url(database.config.database_url).set(host="127.0.0.1", port=_free_port())
    app = create_app(
        config.with_overrides({"database_read_url": replica.render_as_string(hide_password=False)})
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["replica"].startswith("not answering")
