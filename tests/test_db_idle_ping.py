"""The primary's pooled connections are pinged only when they have sat idle (issue 18): a
request on a busy server makes one round trip, not two, and a connection the server closed
while it sat idle is replaced instead of failing the request."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from assetmap import db as db_module
from assetmap.db import Database

pytestmark = pytest.mark.only_backend("postgis")


def _pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_busy_connection_is_not_pinged(database: Database):
    engine = database.read_engine
    _pid(engine)  # one connection in the pool, just used
    pings: list[str] = []
    event.listen(engine.pool, "checkout", lambda *a: pings.append("checkout"))
    with engine.connect() as connection:
        connection.execute(text("SELECT 1")).scalar_one()
    # pool_pre_ping would have run its own statement at checkout; nothing but ours ran.
    assert engine.pool._pre_ping is False  # type: ignore[attr-defined]
    assert pings == ["checkout"]


def test_an_idle_connection_the_server_closed_is_replaced(database: Database, monkeypatch):
    engine = database.read_engine
    first = _pid(engine)
    with database.engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        admin.commit()
    monkeypatch.setattr(db_module, "IDLE_PING_SECONDS", 0.0)  # as if it sat idle a while
    second = _pid(engine)  # no error: the dead one was pinged and replaced
    assert second != first
