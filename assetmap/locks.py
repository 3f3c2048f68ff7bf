"""Named locks held in the database, so only one process does a thing at a time, across
processes and machines. Two locks use it: the scheduler's leadership (``jobs.scheduler``:
one scheduler acts, others wait) and the freshness scan's (``freshness.service``: one scan at a
time, whoever started it).

PostgreSQL: a session-level advisory lock, held by a connection kept open for as long as the
process leads; the server frees it the moment that connection or process dies.
SQLite: a lock row with an expiry that the leader renews; a leader that dies without letting
go is replaced once its row expires, or at once when its holder (``host:pid:nonce``) names a
process on this machine that no longer exists (a ``kill -9`` or a crash: issue 19).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import socket
import uuid
from typing import Any

from sqlalchemy import Connection, create_engine, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.pool import NullPool

from assetmap.db import Backend, Database
from assetmap.models import SchedulerLock, table_of

log = logging.getLogger(__name__)

#: A lock row not renewed for this long is taken over (the leader renews it every minute).
LEASE = dt.timedelta(minutes=5)


def _advisory_key(name: str) -> int:
    """A stable signed 64-bit key for the lock's name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _gone(holder: str) -> bool:
    """Whether ``holder`` names a process of this machine that no longer exists. A holder on
    another machine, one whose process runs (under any user), or one we cannot read is kept:
    only its lease frees it."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid() or pid <= 1:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: it runs, as another user
        return False
    return False


class DatabaseLock:
    """``acquire()`` is True while this process holds the lock named ``name``; call it before
    each piece of work (it also renews the lease) and ``release()`` on the way out."""

    def __init__(self, database: Database, name: str) -> None:
        self.database = database
        self.name = name
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._connection: Connection | None = None

    def acquire(self, now: dt.datetime | None = None) -> bool:
        if self.database.backend is Backend.POSTGIS:
            return self._acquire_advisory()
        return self._acquire_row(now or dt.datetime.now(dt.UTC))

    def release(self) -> None:
        if self._connection is not None:
            self._connection.execute(
                text("SELECT pg_advisory_unlock(:k)"), {"k": _advisory_key(self.name)}
            )
            self._connection.close()
            self._connection = None
        elif self.database.backend is not Backend.POSTGIS:
            with self.database.engine.begin() as connection:
                connection.execute(
                    text("DELETE FROM scheduler_locks WHERE name = :n AND holder = :h"),
                    {"n": self.name, "h": self.holder},
                )

    def _acquire_advisory(self) -> bool:
        if self._connection is not None:
            return True  # held for as long as this connection lives
        # A connection of its own, outside the pool: a pooled one would keep the session (and
        # the lock) alive after this process had let it go.
        connection = create_engine(self.database.engine.url, poolclass=NullPool).connect()
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": _advisory_key(self.name)}
        ).scalar()
        connection.commit()
        if got:
            self._connection = connection
            return True
        connection.close()
        return False

    def _acquire_row(self, now: dt.datetime) -> bool:
        expires = now + LEASE
        table = table_of(SchedulerLock)
        with self.database.engine.begin() as connection:
            renewed: Any = connection.execute(
                update(table)
                .where(
                    table.c.name == self.name,
                    (table.c.holder == self.holder) | (table.c.expires_at < now),
                )
                .values(holder=self.holder, expires_at=expires)
            )
            if renewed.rowcount == 1:
                return True
            held_by = connection.execute(
                select(table.c.holder).where(table.c.name == self.name)
            ).scalar()
            if held_by is not None and _gone(held_by):
                taken: Any = connection.execute(
                    update(table)
                    .where(table.c.name == self.name, table.c.holder == held_by)
                    .values(holder=self.holder, expires_at=expires)
                )
                if taken.rowcount == 1:
                    log.warning("lock %r taken over from %s: no longer runs", self.name, held_by)
                    return True
            statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=["name"])
            created: Any = connection.execute(
                statement.values(name=self.name, holder=self.holder, expires_at=expires)
            )
            return bool(created.rowcount == 1)


__all__ = ["LEASE", "DatabaseLock"]
