"""A PostgreSQL primary and its streaming standby on loopback, for the read-replica tests.

The primary runs with ``wal_level=replica``; the standby is a ``pg_basebackup -R`` copy of it
that streams from it, both on free ports under one temp dir (removed afterwards). As root,
like ``scripts/postgis-cluster``, the clusters run as the ``postgres`` user, since initdb
refuses root. The primary is migrated before the copy is taken, so the standby starts with
the schema and the pair is up in a few seconds.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from assetmap import schema
from assetmap.config import Config
from assetmap.db import Database

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
# Durability is of no use to a throwaway cluster; speed is.
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
REPLAY_WAIT_S = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_owner(*args: str | Path) -> list[str]:
    command = [str(a) for a in args]
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(*args: str | Path) -> None:
    done = subprocess.run(_as_owner(*args), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(str(args[0])).name} failed:\n{done.stdout}{done.stderr}")


def _url(port: int, database: str = "assetmap") -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"


@dataclass
class ReplicaPair:
    """The running pair, with what the tests do to the standby: stop it, start it again,
    hold its replay (a deterministic lag) and wait for it to catch up."""

    root: Path
    primary_port: int
    replica_port: int

    @property
    def primary_url(self) -> str:
        return _url(self.primary_port)

    @property
    def replica_url(self) -> str:
        return _url(self.replica_port)

    def start_replica(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.replica_port} -k {self.root} {FAST}"
        _run(
            PG_BIN / "pg_ctl",
            *("-D", self.root / "standby", "-l", self.root / "standby.log", "-w", "-t", "30"),
            *("start", "-o", options),
        )

    def stop_replica(self) -> None:
        _run(PG_BIN / "pg_ctl", "-D", self.root / "standby", "-m", "fast", "-w", "stop")

    def replica_running(self) -> bool:
        status = subprocess.run(
            _as_owner(PG_BIN / "pg_ctl", "-D", self.root / "standby", "status"),
            capture_output=True,
            check=False,
        )
        return status.returncode == 0

    def pause_replay(self) -> None:
        """The standby keeps receiving WAL but applies none of it until resumed."""
        with self._admin(self.replica_port) as engine, engine.connect() as connection:
            connection.execute(text("SELECT pg_wal_replay_pause()"))

    def resume_replay(self) -> None:
        with self._admin(self.replica_port) as engine, engine.connect() as connection:
            connection.execute(text("SELECT pg_wal_replay_resume()"))

    def wait_for_replay(self) -> None:
        """Until the standby has applied everything the primary has committed so far: a
        counter bumped on the primary is read back from the standby (WAL replays in order).
        Comparing LSNs would race asynchronous commit, whose WAL may not be written yet."""
        with self._admin(self.primary_port) as primary, primary.connect() as connection:
            bump = text("UPDATE replica_probe SET n = n + 1 RETURNING n")
            target = connection.execute(bump).scalar_one()
        with self._admin(self.replica_port) as replica, replica.connect() as connection:
            deadline = time.monotonic() + REPLAY_WAIT_S
            while connection.execute(text("SELECT n FROM replica_probe")).scalar_one() < target:
                if time.monotonic() > deadline:
                    raise RuntimeError("the standby did not catch up with the primary")
                time.sleep(0.02)

    def wait_for_receipt(self) -> None:
        """Until the standby has received (not necessarily replayed) all the WAL the primary
        has written so far: with replay paused, that is what makes its lag measurable."""
        with self._admin(self.primary_port) as primary, primary.connect() as connection:
            target = connection.execute(text("SELECT pg_current_wal_insert_lsn()")).scalar_one()
        with self._admin(self.replica_port) as replica, replica.connect() as connection:
            deadline = time.monotonic() + REPLAY_WAIT_S
            received = text("SELECT pg_last_wal_receive_lsn() >= CAST(:target AS pg_lsn)")
            while not connection.execute(received, {"target": target}).scalar_one():
                if time.monotonic() > deadline:
                    raise RuntimeError("the standby did not receive the primary's WAL")
                time.sleep(0.02)

    @contextmanager
    def _admin(self, port: int, database: str = "assetmap") -> Iterator[Engine]:
        engine = create_engine(
            _url(port, database), isolation_level="AUTOCOMMIT", poolclass=NullPool
        )
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def replica_pair() -> Iterator[ReplicaPair]:
    """Start a migrated primary and a streaming standby of it; remove both afterwards."""
    root = Path(tempfile.mkdtemp(prefix="assetmap-replica."))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    pair = ReplicaPair(root, _free_port(), _free_port())
    try:
        _start_primary(pair)
        config = Config(database_url=pair.primary_url, secret_key="test", testing=True)
        database = Database(config)
        schema.upgrade(database)
        database.dispose()
        _run(
            PG_BIN / "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(pair.primary_port), "-U", "postgres"),
            *("-D", root / "standby", "-R", "-X", "stream", "-c", "fast", "--no-sync"),
        )
        pair.start_replica()
        yield pair
    finally:
        for data in ("standby", "primary"):
            if (root / data).exists():
                subprocess.run(
                    _as_owner(PG_BIN / "pg_ctl", "-D", root / data, "-m", "immediate", "stop"),
                    capture_output=True,
                    check=False,
                )
        shutil.rmtree(root, ignore_errors=True)


def _start_primary(pair: ReplicaPair) -> None:
    root = pair.root
    _run(PG_BIN / "initdb", "-D", root / "primary", "-U", "postgres", "-A", "trust", "--no-sync")
    options = (
        f"-c listen_addresses=127.0.0.1 -p {pair.primary_port} -k {root} {FAST}"
        " -c wal_level=replica -c max_wal_senders=4"
    )
    _run(
        PG_BIN / "pg_ctl",
        *("-D", root / "primary", "-l", root / "primary.log", "-w", "-t", "30"),
        *("start", "-o", options),
    )
    with pair._admin(pair.primary_port, "postgres") as engine, engine.connect() as connection:
        connection.execute(text("CREATE DATABASE assetmap"))
    with pair._admin(pair.primary_port) as engine, engine.connect() as connection:
        connection.execute(text("CREATE EXTENSION postgis"))
        # Not the app's: the counter wait_for_replay reads back from the standby.
        connection.execute(text("CREATE TABLE replica_probe (n integer NOT NULL)"))
        connection.execute(text("INSERT INTO replica_probe VALUES (0)"))
