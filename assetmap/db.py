"""Engine and sessions for both backends: SQLite+SpatiaLite (embedded) and PostgreSQL+PostGIS."""

from __future__ import annotations

import enum
import json
import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar, cast

import sqlean
from geoalchemy2.admin.dialects.sqlite import init_spatialite
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Engine,
    Integer,
    Row,
    Table,
    Text,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from assetmap.config import Config
from assetmap.errors import ConfigError

T = TypeVar("T")
log = logging.getLogger(__name__)

#: A replica that failed is left alone this long before one request tries it again ...
REPLICA_RETRY_S = 5.0
#: ... a connection to it may take this long (libpq's connect_timeout, whole seconds) ...
REPLICA_CONNECT_TIMEOUT_S = 2
#: ... and its lag is measured at most this often (each measurement is one more query).
REPLICA_LAG_CHECK_S = 1.0
# How far behind the primary the replica is: nothing when it has replayed all it received
# (an idle primary sends nothing, and the last replayed commit grows old without any lag).
_REPLICA_LAG = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
    " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


class Backend(enum.StrEnum):
    SPATIALITE = "spatialite"
    POSTGIS = "postgis"


def backend_of(url: str) -> Backend:
    """Tell which spatial backend a database URL points at."""
    driver = make_url(url).get_backend_name()
    if driver == "sqlite":
        return Backend.SPATIALITE
    if driver == "postgresql":
        return Backend.POSTGIS
    raise ConfigError(f"unsupported database {driver!r}: use sqlite:/// or postgresql+psycopg://")


def session_backend(session: Session) -> Backend:
    """The backend a session is bound to: for the few statements written per backend."""
    return (
        Backend.POSTGIS if session.get_bind().dialect.name == "postgresql" else Backend.SPATIALITE
    )


#: A pooled PostgreSQL connection idle longer than this is pinged before use. SQLAlchemy's
#: ``pool_pre_ping`` pings on every checkout: a second round trip on every map move, which
#: on a busy machine doubled the chances of waiting for the CPU (issue 18).
IDLE_PING_SECONDS = 10.0


def _note_checkin(_dbapi_conn: Any, record: Any) -> None:
    record.info["checked_in"] = time.monotonic()


def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
    """Ping a connection that has sat idle (the server may have closed it meanwhile); a dead
    one is replaced by the pool (DisconnectionError) rather than failing the request."""
    idle = time.monotonic() - record.info.get("checked_in", time.monotonic())
    if idle < IDLE_PING_SECONDS:
        return
    try:
        with dbapi_conn.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not dbapi_conn.autocommit:
            dbapi_conn.rollback()
    except Exception as error:  # any failure means the connection is no good
        raise DisconnectionError(str(error)) from error


#: The CLI, the scheduler and benchmarks wait this long for SQLite's write lock (a web
#: request waits ``database_lock_timeout_s``) ...
BATCH_BUSY_TIMEOUT_S = 30.0
#: ... and a web request's new PostgreSQL connection may take this long (libpq, seconds).
REQUEST_CONNECT_TIMEOUT_S = 5


#: Every PostgreSQL session plans each statement for its values. psycopg prepares a
#: statement run five times, and PostgreSQL then switches to a plan for any values (a
#: "generic" plan) when it estimates it no dearer; for a search those estimates are wrong
#: (an array of words, a box of unknown size) and the generic plan is 3-5 times slower
#: (a text search's short list: 15-30 ms, then 70-110 ms from the eleventh request on).
#: Planning a statement costs well under a millisecond.
_SESSION_SETTINGS = ("-c plan_cache_mode=force_custom_plan",)
#: A web request is one of many at once and gets one core: no parallel workers. With them,
#: PostgreSQL's planner, misled by a box's size (a tenth of its venues estimated), swapped
#: a 10 km text search's index walk for a parallel scan of every group (44 → 150 ms).
_REQUEST_SETTINGS = ("-c max_parallel_workers_per_gather=0",)


def _connect_options(url: Any, config: Config, for_requests: bool) -> dict[str, Any]:
    """libpq connect arguments: the session settings every engine's connections get and,
    for a web request's, what bounds its waits: the statement and lock timeouts (session
    settings given at connect: no extra round trip) and how long connecting may take.
    Options already in the URL are kept, ours after them."""
    settings = list(_SESSION_SETTINGS)
    if for_requests:
        settings.extend(_REQUEST_SETTINGS)
        settings.append(f"-c lock_timeout={round(config.database_lock_timeout_s * 1000)}")
        if config.database_statement_timeout_s:
            ms = round(config.database_statement_timeout_s * 1000)
            settings.append(f"-c statement_timeout={ms}")
    given = url.query.get("options")
    if isinstance(given, str) and given:
        settings.insert(0, given)
    options: dict[str, Any] = {"options": " ".join(settings)}
    if for_requests and "connect_timeout" not in url.query:
        options["connect_timeout"] = REQUEST_CONNECT_TIMEOUT_S
    return options


def make_engine(
    config: Config,
    isolation_level: str | None = None,
    *,
    ping_when_idle: bool = False,
    for_requests: bool = False,
) -> Engine:
    """Create an engine for ``config.database_url`` with the spatial extension ready.

    PostgreSQL connections are pinged on every checkout, unless ``ping_when_idle``: then only
    after :data:`IDLE_PING_SECONDS` unused (the primary's engines: a busy server's
    connections are never idle that long, and after a restart the first failed statement
    invalidates the whole pool). A standby's engine keeps the ping on every checkout: that
    is how a replica that went down is noticed before a request reads from it.

    ``for_requests`` (the web app's engines) bounds every wait: PostgreSQL's statement and
    lock timeouts, SQLite's busy timeout from ``database_lock_timeout_s``. Without it (the
    CLI, the scheduler, benchmarks) a bulk import or the nightly scan runs as long as it
    needs, and waits up to :data:`BATCH_BUSY_TIMEOUT_S` for SQLite's lock."""
    url = make_url(config.database_url)
    options: dict[str, Any] = {"isolation_level": isolation_level} if isolation_level else {}
    pool_size, max_overflow = config.pool_sizes()
    pool = {
        "pool_size": pool_size,
        "max_overflow": max_overflow,
        "pool_timeout": config.database_pool_timeout,
    }
    if backend_of(config.database_url) is Backend.POSTGIS:
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        options["connect_args"] = _connect_options(url, config, for_requests)
        engine = create_engine(url, pool_pre_ping=not ping_when_idle, **pool, **options)
        if ping_when_idle:
            event.listen(engine, "checkin", _note_checkin)
            event.listen(engine, "checkout", _ping_if_idle)
        return engine

    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # A file's connections are file handles, with no server limit: the same sizes suit.
        options |= pool
    # The pyenv Python's sqlite3 cannot load extensions; sqlean.py is a drop-in that can.
    busy_s = config.database_lock_timeout_s if for_requests else BATCH_BUSY_TIMEOUT_S
    engine = create_engine(url, module=sqlean, connect_args={"timeout": busy_s}, **options)

    @event.listens_for(engine, "connect")
    def _prepare(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.enable_load_extension(True)
        dbapi_conn.load_extension(config.spatialite_library_path)
        dbapi_conn.enable_load_extension(False)
        # WGS84 only: loading every coordinate system makes a new file take ~10 s.
        init_spatialite(dbapi_conn, init_mode="WGS84")
        # Loading SpatiaLite sets the busy timeout to 5 s, whatever the connection was given.
        dbapi_conn.execute(f"PRAGMA busy_timeout = {round(busy_s * 1000)}")
        dbapi_conn.execute("PRAGMA foreign_keys = ON")
        # WAL lets the web app read while the scheduler or an import writes.
        dbapi_conn.execute("PRAGMA journal_mode = WAL")
        dbapi_conn.execute("PRAGMA synchronous = NORMAL")

    return engine


class Database:
    """One engine and its session factory, shared by the app, the CLI and the scheduler;
    ``for_requests``: the web app's, every wait bounded (see :func:`make_engine`)."""

    def __init__(self, config: Config, *, for_requests: bool = False) -> None:
        self.config = config
        self.backend = backend_of(config.database_url)
        self.engine = make_engine(config, ping_when_idle=True, for_requests=for_requests)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Reads that write nothing skip BEGIN and ROLLBACK: two fewer round trips on PostgreSQL
        # for every map move. Each statement sees its own snapshot.
        # Their engine has its own pool of connections that stay in autocommit, so nothing
        # is reset when a connection goes back.
        self.read_engine = make_engine(
            config, isolation_level="AUTOCOMMIT", ping_when_idle=True, for_requests=for_requests
        )
        self.read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)
        # Reads that tolerate a little lag may go to a streaming replica instead.
        self.replica = (
            ReadReplica(config, for_requests=for_requests) if config.database_read_url else None
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
        if self.replica is not None:
            self.replica.engine.dispose()


class ReadReplica:
    """A PostgreSQL streaming replica for reads that tolerate a little lag, passed over
    (the caller reads from the primary) while it is down or too far behind.

    A failed connection, or one lost mid-query, marks it down for ``retry_s``: in that time
    no request waits for it, then the next one tries it again. Its connections are in
    autocommit, like the primary's read engine.
    """

    def __init__(
        self,
        config: Config,
        clock: Callable[[], float] = time.monotonic,
        *,
        for_requests: bool = False,
    ) -> None:
        url = make_url(config.database_read_url)
        if "connect_timeout" not in url.query:
            url = url.update_query_dict({"connect_timeout": str(REPLICA_CONNECT_TIMEOUT_S)})
        own = replace(config, database_url=url.render_as_string(hide_password=False))
        self.engine = make_engine(own, isolation_level="AUTOCOMMIT", for_requests=for_requests)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.max_lag_s = config.database_read_max_lag_s
        self.retry_s = REPLICA_RETRY_S
        self.clock = clock
        self._down_until: float | None = None
        self._behind = False
        self._lag_checked_at = -math.inf
        event.listen(self.engine, "handle_error", self._on_error)

    @property
    def usable(self) -> bool:
        """Whether the last look found it up and close enough behind."""
        return self._down_until is None and not self._behind

    def session(self) -> Session | None:
        """A session already connected to the replica, or None: read from the primary."""
        moment = self.clock()
        if self._down_until is not None and moment < self._down_until:
            return None
        if self._behind and moment - self._lag_checked_at < REPLICA_LAG_CHECK_S:
            return None  # behind at the last look: not worth a connection until the next
        session = self.sessions()
        try:
            connection = session.connection()
            if self.max_lag_s and moment - self._lag_checked_at >= REPLICA_LAG_CHECK_S:
                self._lag_checked_at = moment
                self._note_lag(float(connection.execute(_REPLICA_LAG).scalar_one()))
        except DBAPIError as error:
            session.close()
            self._mark_down(type(error.orig).__name__ if error.orig else type(error).__name__)
            return None
        if self._down_until is not None:
            self._down_until = None
            log.warning("read replica reachable again: lag-tolerant reads use it")
        if self._behind:
            session.close()
            return None
        return session

    def _mark_down(self, reason: str) -> None:
        if self._down_until is None:
            log.warning(
                "read replica unavailable (%s): reads go to the primary, retried after %g s",
                reason,
                self.retry_s,
            )
        self._down_until = self.clock() + self.retry_s

    def _note_lag(self, lag_s: float) -> None:
        behind = lag_s > self.max_lag_s
        if behind != self._behind:
            if behind:
                log.warning(
                    "read replica %.1f s behind (more than %g s): reads go to the primary",
                    lag_s,
                    self.max_lag_s,
                )
            else:
                log.warning("read replica caught up: lag-tolerant reads use it")
        self._behind = behind

    def _on_error(self, context: ExceptionContext) -> None:
        """A connection lost in the middle of a request: the next ones go to the primary."""
        if context.is_disconnect:
            self._mark_down("connection lost")


#: SQLSTATEs of a PostgreSQL that did not answer in time or cannot take the statement now.
_UNAVAILABLE_STATES = {
    "57014": "statement timeout",  # query_canceled
    "55P03": "lock timeout",  # lock_not_available
    "57P01": "server shutting down",  # admin_shutdown
    "57P03": "server not accepting connections yet",  # cannot_connect_now
    "53300": "too many connections",  # too_many_connections
}


def unavailable_reason(error: BaseException) -> str | None:
    """Why the database could not serve a statement in time, if that is what ``error`` is:
    the pool had no free connection, a statement or lock timeout, SQLite's lock held past
    the busy timeout, a server that cannot be reached. None for any other error (a bug,
    bad SQL), which stays a 500. The reason names no data, only what happened."""
    if isinstance(error, PoolTimeout):
        return "no free connection in the pool"
    if not isinstance(error, DBAPIError):
        return None
    original = error.orig
    state = getattr(original, "sqlstate", None)
    if state in _UNAVAILABLE_STATES:
        return _UNAVAILABLE_STATES[state]
    if error.connection_invalidated:
        return "connection lost"
    postgres = type(original).__module__.startswith("psycopg")
    if postgres and state is None and isinstance(error, OperationalError):
        return "server unreachable"  # a connection that failed has no SQLSTATE
    message = str(original).lower()
    if "database is locked" in message or "database table is locked" in message:
        return "database locked"
    return None


def allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """Reserve ``count`` new primary keys for ``table`` before a bulk insert.

    Bulk inserts with ids chosen up front run as one executemany on both backends, where
    INSERT … RETURNING in parameter order would go row by row on SQLite.
    """
    if count <= 0:
        return []
    if session_backend(session) is Backend.POSTGIS:
        sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
        rows = session.execute(
            text(f"SELECT nextval({sequence}) FROM generate_series(1, :n)"), {"n": count}
        )
        return [row[0] for row in rows]
    # SQLite serialises writers, and a transaction whose snapshot is out of date cannot write,
    # so the ids after the current maximum stay ours until commit.
    highest = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(highest + 1, highest + 1 + count))


def sync_id_sequence(session: Session, table: Table) -> None:
    """After inserting rows with ids of their own, move PostgreSQL's sequence past them."""
    if session_backend(session) is Backend.POSTGIS:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
            )
        )


def upsert_insert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with ON CONFLICT clauses (``on_conflict_do_nothing`` / ``_do_update``) in the
    session's backend: both have them, under the same names."""
    if session_backend(session) is Backend.POSTGIS:
        return postgresql.insert(table)
    return sqlite.insert(table)


# ---- statements several packages write alike -------------------------------------------------


@contextmanager
def generic_plans(connection: Connection) -> Iterator[None]:
    """PostgreSQL plans the statements run inside once per connection, from their shape
    alone, instead of for each one's values (the sessions' ``force_custom_plan``): for the
    map's marker pages, one shape whose plan the spatial index decides whatever the box,
    where planning a ``near`` page cost 0.45 ms of its 1.9 and the generic plan runs it in
    1.1 (same rows). psycopg prepares a statement once it has run a few times on a
    connection (``prepare_threshold``, 5), and only a prepared statement keeps a plan. Two
    short round trips (55 µs); nothing on SQLite."""
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
    try:
        yield
    except BaseException:
        if not connection.invalidated:  # a lost connection is not given back
            # In a failed transaction this fails too, and the rollback undoes the SET.
            with suppress(DBAPIError):
                connection.exec_driver_sql(_RESET_PLANS)
        raise
    connection.exec_driver_sql(_RESET_PLANS)


_RESET_PLANS = "RESET plan_cache_mode"


def fetch_all(session: Session, statement: Any) -> Sequence[Row[Any]]:
    """Every row at once, on the session's connection (Core, no ORM): fetching row by row
    costs several microseconds a row with SQLite's driver."""
    return cast("Sequence[Row[Any]]", session.connection().execute(statement).all())


def id_in(session: Session, column: Any, ids: list[int], name: str = "ids") -> ColumnElement[bool]:
    """``column IN ids`` with the ids as one parameter (called ``name``): an array on
    PostgreSQL, a JSON list read by ``json_each`` on SQLite. A thousand separate parameters
    cost more to render, send and plan than the query takes. The array is sent as its text
    (``{1,2,3}``): psycopg's dumping of a list of 2,000 ints element by element cost 0.65 ms
    more than the query of them took."""
    if session_backend(session) is Backend.POSTGIS:
        array = "{" + ",".join(str(int(i)) for i in ids) + "}"
        return column == any_(sql_cast(bindparam(name, array, type_=Text), ARRAY(Integer)))
    listed = func.json_each(bindparam(name, json.dumps(ids))).table_valued("value")
    return column.in_(select(listed.c.value))


def refresh_statistics(session: Session, tables: Sequence[Table], written: int) -> None:
    """ANALYZE ``tables`` on PostgreSQL when ``written`` rows grew the first of them by more
    than a fifth (an import into an empty or small directory). Until autovacuum gets round to
    it the planner has no statistics, and the map's spatial query then walks every venue and
    every group's status instead of the spatial index: 0.5–3.5 s a request instead of 1–2 ms
    at 100,000 listings (issue 18). Inside the transaction, ANALYZE counts its own rows.
    SQLite picks the same plans with or without ``sqlite_stat1``, so nothing is done there."""
    if written < 1000 or session_backend(session) is not Backend.POSTGIS:
        return
    known = session.execute(
        text("SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = to_regclass(:name)"),
        {"name": tables[0].name},
    ).scalar()
    if known is None or written > known / 5:
        session.execute(text("ANALYZE " + ", ".join(table.name for table in tables)))


def chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``: for IN lists and batched writes."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
