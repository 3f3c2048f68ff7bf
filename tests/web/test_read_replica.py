"""Reads that tolerate lag go to a real streaming replica; writes and a person's own change
stay on the primary; a replica that is down or behind is passed over, then used again.

The pair (tests/replica_cluster.py) is a PostgreSQL primary and a ``pg_basebackup -R``
standby streaming from it. Holding the standby's replay makes the lag deterministic: a row
written meanwhile is on the primary only, so a page that shows it read from the primary.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from assetmap import create_app
from assetmap.accounts.users import create_user
from assetmap.config import Config
from assetmap.db import REPLICA_LAG_CHECK_S, Database, ReadReplica
from assetmap.directory.importing import import_listings
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.interop.oruk_out import oruk_id
from assetmap.web.context import (
    OWN_WRITES_COOKIE,
    db_session,
    lag_tolerant_session,
    read_session,
    reads_from_replica,
)
from tests.conftest import _empty, _ensure_postcodes
from tests.factories import listing
from tests.web.manage.helpers import OURS, open_form, save, sign_in
from tests.web.test_auth import csrf_token

BBOX = "-0.2,51.5,-0.1,51.6"


class Clock:
    """The replica's clock, moved on by the test instead of waited for."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def primary(replica_pair: Any) -> Iterator[Database]:
    database = Database(Config(database_url=replica_pair.primary_url, secret_key="t", testing=True))
    yield database
    # Leave the pair as every test finds it: the standby up, replaying, and empty.
    if not replica_pair.replica_running():
        replica_pair.start_replica()
    replica_pair.resume_replay()
    _empty(database)
    replica_pair.wait_for_replay()
    database.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def replica_app(replica_pair: Any, primary: Database, clock: Clock, tmp_path: Path):
    config = Config(
        database_url=replica_pair.primary_url,
        database_read_url=replica_pair.replica_url,
        database_read_max_lag_s=0,  # a held replay must not be passed over, but for one test
        secret_key="test-secret",
        instance_path=str(tmp_path),
        tile_url="",
        testing=True,
    )
    app = create_app(config)
    database: Database = app.extensions["assetmap.database"]
    assert database.replica is not None
    database.replica.clock = clock
    yield app
    database.dispose()


def _replica(app: Flask) -> ReadReplica:
    replica = app.extensions["assetmap.database"].replica
    assert replica is not None
    return replica


def _add(primary: Database, *listings: dict[str, Any]) -> list[int]:
    with primary.session() as session:
        _ensure_postcodes(session)
        return import_listings(session, list(listings), GazetteerGeocoder(session)).group_ids


def _in_recovery(session: Session) -> bool:
    return bool(session.scalar(text("SELECT pg_is_in_recovery()")))


def _lag_tolerant_reads_on_replica(app: Flask, **context: Any) -> bool:
    with app.test_request_context("/", **context):
        return _in_recovery(lag_tolerant_session())


def _seen(client: FlaskClient, group_id: int) -> dict[str, bool]:
    """Whether each lag-tolerant page shows the group: every one must answer, never a 500."""
    pages = {
        "search": "/?q=lantern",
        "listing": f"/groups/{group_id}",
        "calendar": f"/groups/{group_id}/calendar.ics",
        "map api": f"/api/v1/groups?bbox={BBOX}&limit=100",
        "one group api": f"/api/v1/groups/{group_id}",
        "oruk list": "/openreferral/services",
        "oruk service": f"/openreferral/services/{oruk_id('service', group_id)}",
    }
    seen = {}
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code in (200, 404), (name, response.status_code)
        if name == "search":
            seen[name] = "Lantern Choir" in response.get_data(as_text=True)
        elif name == "map api":
            seen[name] = response.get_json()["numberMatched"] == 1
        elif name == "oruk list":
            seen[name] = response.get_json()["total_items"] == 1
        else:
            seen[name] = response.status_code == 200
    return seen


def test_lag_tolerant_reads_go_to_the_replica_and_the_rest_to_the_primary(replica_app) -> None:
    with replica_app.test_request_context("/"):
        assert _in_recovery(lag_tolerant_session())
        assert reads_from_replica()
        assert not _in_recovery(read_session())
        assert not _in_recovery(db_session())


def test_public_pages_and_apis_read_from_the_replica(replica_app, primary, replica_pair) -> None:
    client = replica_app.test_client()
    replica_pair.pause_replay()
    (choir,) = _add(primary, listing("Lantern Choir", at="NW5 1AA"))

    # Written on the primary, not yet replayed: nothing the replica serves shows it.
    assert _seen(client, choir) == dict.fromkeys(_seen(client, choir), False)

    replica_pair.resume_replay()
    replica_pair.wait_for_replay()
    assert all(_seen(client, choir).values())


def test_an_organiser_sees_their_own_change_at_once_others_after_the_lag(
    replica_app, primary, replica_pair
) -> None:
    (shed,) = _add(primary, listing("Men's Shed", at="NW5 2AA", organisation=OURS))
    with primary.session() as session:
        jo = create_user(session, "jo@example.org", "organiser", name="Jo", organisations=[OURS])
    replica_pair.wait_for_replay()
    organiser, someone = replica_app.test_client(), replica_app.test_client()
    sign_in(organiser, jo.id)

    def places(client: FlaskClient) -> int:
        feature = client.get(f"/api/v1/groups/{shed}").get_json()
        return int(feature["properties"]["capacity"]["total_places"])

    assert places(someone) == places(organiser) == 20
    replica_pair.pause_replay()
    fields = open_form(organiser, shed)
    assert save(organiser, shed, fields, capacity__total_places="25").status_code == 302
    assert organiser.get_cookie(OWN_WRITES_COOKIE) is not None

    # The organiser's form, and every page they read for the next seconds, are the primary's.
    assert open_form(organiser, shed)["capacity-total_places"] == "25"
    assert places(organiser) == 25
    assert "11 places free" in organiser.get(f"/groups/{shed}").get_data(as_text=True)
    # Someone else is served by the replica, a moment behind.
    assert places(someone) == 20
    assert "6 places free" in someone.get(f"/groups/{shed}").get_data(as_text=True)

    replica_pair.resume_replay()
    replica_pair.wait_for_replay()
    assert places(someone) == 25


def test_a_report_is_written_to_the_primary(replica_app, primary, replica_pair) -> None:
    (shed,) = _add(primary, listing("Men's Shed", at="NW5 2AA"))
    replica_pair.wait_for_replay()
    replica_pair.pause_replay()
    client = replica_app.test_client()
    token = csrf_token(client, f"/groups/{shed}/report")
    response = client.post(f"/groups/{shed}/report", data={"kind": "phone", "csrf_token": token})
    assert response.status_code == 302

    count = text("SELECT count(*) FROM problem_reports")
    with primary.engine.connect() as connection:
        assert connection.execute(count).scalar_one() == 1
    replica = create_engine(replica_pair.replica_url)
    try:
        with replica.connect() as connection:
            assert connection.execute(count).scalar_one() == 0
    finally:
        replica.dispose()


def test_requests_with_a_token_read_from_the_primary(replica_app) -> None:
    assert _lag_tolerant_reads_on_replica(replica_app)
    assert not _lag_tolerant_reads_on_replica(
        replica_app, headers={"Authorization": "Bearer some-token"}
    )


def test_a_stopped_replica_is_passed_over_then_used_again(
    replica_app, primary, replica_pair, clock, caplog
) -> None:
    (choir,) = _add(primary, listing("Lantern Choir", at="NW5 1AA"))
    replica_pair.wait_for_replay()
    client = replica_app.test_client()
    assert all(_seen(client, choir).values())  # the replica's pool holds a connection now
    replica = _replica(replica_app)

    replica_pair.stop_replica()
    with caplog.at_level(logging.WARNING, logger="assetmap.db"):
        assert all(_seen(client, choir).values())  # every page answers, from the primary
    assert not replica.usable
    flips = [r.getMessage() for r in caplog.records if "read replica" in r.getMessage()]
    assert len(flips) == 1 and "unavailable" in flips[0]
    assert "postgres@" not in flips[0]

    replica_pair.start_replica()
    # Until the retry is due nobody waits on the replica, even now that it is back.
    assert not _lag_tolerant_reads_on_replica(replica_app)
    clock.now += replica.retry_s
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="assetmap.db"):
        assert _lag_tolerant_reads_on_replica(replica_app)
    assert replica.usable
    assert any("reachable again" in r.getMessage() for r in caplog.records)


def test_a_replica_too_far_behind_is_passed_over(
    replica_app, primary, replica_pair, clock, caplog
) -> None:
    replica = _replica(replica_app)
    replica.max_lag_s = 0.001
    assert _lag_tolerant_reads_on_replica(replica_app)  # all replayed: no lag at all

    replica_pair.pause_replay()
    (choir,) = _add(primary, listing("Lantern Choir", at="NW5 1AA"))
    replica_pair.wait_for_receipt()  # received but not replayed: behind
    clock.now += REPLICA_LAG_CHECK_S
    with caplog.at_level(logging.WARNING, logger="assetmap.db"):
        assert not _lag_tolerant_reads_on_replica(replica_app)
        # Between two measurements the verdict stands: no query per request for it.
        assert not _lag_tolerant_reads_on_replica(replica_app)
    assert all(_seen(replica_app.test_client(), choir).values())
    assert any("behind" in r.getMessage() for r in caplog.records)

    replica_pair.resume_replay()
    replica_pair.wait_for_replay()
    clock.now += REPLICA_LAG_CHECK_S
    assert _lag_tolerant_reads_on_replica(replica_app)


def test_without_a_replica_lag_tolerant_reads_are_the_read_session(app) -> None:
    with app.test_request_context("/"):
        assert lag_tolerant_session() is read_session()
        assert not reads_from_replica()


def test_the_replicas_reads_have_the_web_requests_statement_timeout(replica_app: Flask) -> None:
    """A page reading on the replica is bounded like one on the primary (then a 503)."""
    with _replica(replica_app).engine.connect() as connection:
        assert bool(connection.scalar(text("SELECT pg_is_in_recovery()")))
        assert connection.scalar(text("SHOW statement_timeout")) == "30s"
        assert connection.scalar(text("SHOW lock_timeout")) == "10s"
