"""Is this process ready for requests? The database answers, its schema is the code's, and
(reported, never failing readiness) the read replica's state.

Each check runs on a connection of its own, never the app's pools: a pool that is full or a
server that stops answering must make the probe say "not ready" within ``TIMEOUT_S``, never
hang it. The connection is opened fresh for each probe (``NullPool``: the path the app takes
when it needs a new one) with the driver's own timeouts, and the checks run in threads the
probe waits for at most ``TIMEOUT_S``; while a check from an earlier probe is still stuck,
no new one is started, so a dead server cannot pile threads up.

Answers name what is not ready in a few words; the driver's message (which may carry host
names and ports) goes to the log only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import sqlean
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from assetmap.config import Config
from assetmap.db import Backend, backend_of
from assetmap.schema import alembic_config

log = logging.getLogger(__name__)

#: The longest a probe waits for its answer (a load balancer probes every few seconds).
TIMEOUT_S = 2.0
#: libpq's connect timeout (whole seconds; it cannot be shorter than 2).
CONNECT_TIMEOUT_S = 2
#: Each check's statements are stopped by the server after this long (PostgreSQL).
STATEMENT_TIMEOUT_MS = 1500


@dataclass(frozen=True)
class Readiness:
    """``checks``: each check's name and its state in words ("ok" or what is wrong);
    ``failing``: the checks that make the process not ready (the replica is never one)."""

    checks: dict[str, str]
    failing: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.failing

    def as_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"status": "ready" if self.ready else "not ready"}
        answer["checks"] = self.checks
        if self.failing:
            answer["not_ready"] = self.failing
        return answer


class _NotReady(Exception):
    """A check's answer in words."""


def newest_revision() -> str:
    """The migration the code expects the database to be at."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return head or ""


def probe_engine(url: str, spatialite_library: str = "mod_spatialite") -> Engine:
    """An engine whose every connection is new and gives up quickly. SQLite opens the file
    read-write without creating it (a missing file is not an empty database) and loads the
    spatial extension, as the app's connections do."""
    if backend_of(url) is Backend.POSTGIS:
        parsed = make_url(url)
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(
            parsed,
            poolclass=NullPool,
            connect_args={
                "connect_timeout": CONNECT_TIMEOUT_S,
                "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
                "application_name": "assetmap readiness",
            },
        )
    path = make_url(url).database or ""

    def connect() -> Any:
        if not path or path == ":memory:":
            connection = sqlean.connect(":memory:", timeout=TIMEOUT_S)
        else:
            connection = sqlean.connect(f"file:{path}?mode=rw", uri=True, timeout=TIMEOUT_S)
        connection.enable_load_extension(True)
        connection.load_extension(spatialite_library)
        connection.enable_load_extension(False)
        return connection

    return create_engine("sqlite://", module=sqlean, creator=connect, poolclass=NullPool)


def check_primary(engine: Engine, expected_revision: str) -> dict[str, str]:
    """The database answers ``SELECT 1``, and its schema is at ``expected_revision``."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            try:
                revision = connection.execute(
                    text("SELECT version_num FROM alembic_version")
                ).scalar()
            except Exception:
                revision = None
    except Exception as error:
        log.warning("readiness: the database does not answer: %s", _first_line(error))
        return {"database": "not answering", "schema": "not known"}
    if revision is None:
        return {"database": "ok", "schema": "not migrated: run `assetmap init-db`"}
    if revision != expected_revision:
        return {
            "database": "ok",
            "schema": f"at {revision}, the code needs {expected_revision}: run `assetmap init-db`",
        }
    return {"database": "ok", "schema": "ok"}


def check_replica(engine: Engine, max_lag_s: float) -> str:
    """The replica's state in words: ok, behind, or not answering."""
    try:
        with engine.connect() as connection:
            standby, lag = connection.execute(
                text(
                    "SELECT pg_is_in_recovery(), CASE WHEN NOT pg_is_in_recovery() THEN 0"
                    " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                    " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()),"
                    " 0) END"
                )
            ).one()
    except Exception as error:
        log.warning("readiness: the read replica does not answer: %s", _first_line(error))
        return "not answering: reads go to the primary"
    if not standby:
        return "not a standby"
    if max_lag_s and float(lag) > max_lag_s:
        return f"{float(lag):.0f} s behind: reads go to the primary"
    return "ok"


def _first_line(error: BaseException) -> str:
    orig = getattr(error, "orig", None)
    lines = str(orig if orig is not None else error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


class ReadinessProbe:
    """One per app: ``check()`` answers within about ``timeout_s``, whatever the database does."""

    def __init__(self, config: Config, timeout_s: float = TIMEOUT_S) -> None:
        self.timeout_s = timeout_s
        self.expected = newest_revision()
        self.primary = probe_engine(config.database_url, config.spatialite_library_path)
        self.replica = probe_engine(config.database_read_url) if config.database_read_url else None
        self.max_lag_s = config.database_read_max_lag_s
        self._lock = threading.Lock()
        self._running: dict[str, Future[Any]] = {}

    def check(self) -> Readiness:
        primary = self._start("primary", lambda: check_primary(self.primary, self.expected))
        replica = None
        if self.replica is not None:
            engine = self.replica
            replica = self._start("replica", lambda: check_replica(engine, self.max_lag_s))
        checks: dict[str, str] = {}
        try:
            checks |= primary.result(self.timeout_s)
        except TimeoutError:
            checks |= {"database": f"no answer within {self.timeout_s:g} s", "schema": "not known"}
        if replica is not None:
            try:
                checks["replica"] = replica.result(max(self.timeout_s / 4, 0.1))
            except TimeoutError:
                checks["replica"] = "no answer yet: reads go to the primary"
        # The schema is only known of a database that answers.
        failing = ["database"] if checks["database"] != "ok" else []
        failing += ["schema"] if not failing and checks["schema"] != "ok" else []
        return Readiness(checks, failing)

    def _start(self, name: str, work: Callable[[], Any]) -> Future[Any]:
        """``work`` in a thread of its own, unless the last one of that name still runs:
        then that one's future (a stuck check is waited for, never doubled)."""
        with self._lock:
            running = self._running.get(name)
            if running is not None and not running.done():
                return running
            future: Future[Any] = Future()

            def run() -> None:
                try:
                    future.set_result(work())
                except BaseException as error:  # reported as the check's answer
                    future.set_exception(error)

            self._running[name] = future
            threading.Thread(target=run, name=f"readiness-{name}", daemon=True).start()
            return future

    def dispose(self) -> None:
        self.primary.dispose()
        if self.replica is not None:
            self.replica.dispose()


__all__ = ["TIMEOUT_S", "Readiness", "ReadinessProbe", "check_primary", "newest_revision"]
