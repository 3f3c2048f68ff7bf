"""db.ReadReplica on its own: a replica nobody answers is passed over at once, said once in
the log, and tried again only when its retry is due. (With a real standby:
tests/web/test_read_replica.py.)"""

from __future__ import annotations

import logging
import socket

from sqlalchemy import event

from assetmap.config import Config
from assetmap.db import Database, ReadReplica


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_without_a_read_url_there_is_no_replica(tmp_path) -> None:
    database = Database(Config(database_url=f"sqlite:///{tmp_path / 'a.db'}"))
    assert database.replica is None
    database.dispose()


def test_a_replica_nobody_answers_is_passed_over_and_retried_when_due(caplog) -> None:
    dead = f"postgresql+psycopg://postgres:s3cret@127.0.0.1:{_closed_port()}/assetmap"
    config = Config(database_url=dead, database_read_url=dead)
    moment = [100.0]
    replica = ReadReplica(config, clock=lambda: moment[0])
    assert replica.engine.url.query["connect_timeout"] == "2"  # no request waits long
    attempts: list[int] = []
    event.listen(replica.engine, "do_connect", lambda *args: attempts.append(1))
    with caplog.at_level(logging.WARNING, logger="assetmap.db"):
        assert replica.session() is None
        assert not replica.usable
        assert replica.session() is None  # within the retry: not even tried
        assert len(attempts) == 1
        moment[0] += replica.retry_s
        assert replica.session() is None  # tried again, still refused
        assert len(attempts) == 2
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and "unavailable" in said[0]
    assert "s3cret" not in said[0] and "127.0.0.1" not in said[0]
    replica.engine.dispose()
