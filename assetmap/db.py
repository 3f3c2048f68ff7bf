"""Engine and sessions for both backends: SQLite+SpatiaLite (embedded) and PostgreSQL+PostGIS."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar, cast

import sqlean
from geoalchemy2.admin.dialects.sqlite import init_spatialite
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Engine,
    Integer,
    Row,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from assetmap.config import Config
from assetmap.errors import ConfigError

T = TypeVar("T")


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


def make_engine(config: Config, isolation_level: str | None = None) -> Engine:
    """Create an engine for ``config.database_url`` with the spatial extension ready."""
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
        return create_engine(url, pool_pre_ping=True, **pool, **options)

    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # A file's connections are file handles, with no server limit: the same sizes suit.
        options |= pool
    # The pyenv Python's sqlite3 cannot load extensions; sqlean.py is a drop-in that can.
    engine = create_engine(url, module=sqlean, connect_args={"timeout": 30}, **options)

    @event.listens_for(engine, "connect")
    def _prepare(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.enable_load_extension(True)
        dbapi_conn.load_extension(config.spatialite_library_path)
        dbapi_conn.enable_load_extension(False)
        # WGS84 only: loading every coordinate system makes a new file take ~10 s.
        init_spatialite(dbapi_conn, init_mode="WGS84")
        dbapi_conn.execute("PRAGMA foreign_keys = ON")
        # WAL lets the web app read while the scheduler or an import writes.
        dbapi_conn.execute("PRAGMA journal_mode = WAL")
        dbapi_conn.execute("PRAGMA synchronous = NORMAL")

    return engine


class Database:
    """One engine and its session factory, shared by the app, the CLI and the scheduler."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.backend = backend_of(config.database_url)
        self.engine = make_engine(config)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Reads that write nothing skip BEGIN and ROLLBACK: two fewer round trips on PostgreSQL
        # for every map move. Each statement sees its own snapshot.
        # Their engine has its own pool of connections that stay in autocommit, so nothing
        # is reset when a connection goes back.
        self.read_engine = make_engine(config, isolation_level="AUTOCOMMIT")
        self.read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()


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


def fetch_all(session: Session, statement: Any) -> Sequence[Row[Any]]:
    """Every row at once, on the session's connection (Core, no ORM): fetching row by row
    costs several microseconds a row with SQLite's driver."""
    return cast("Sequence[Row[Any]]", session.connection().execute(statement).all())


def id_in(session: Session, column: Any, ids: list[int]) -> ColumnElement[bool]:
    """``column IN ids`` with the ids as one parameter: an array on PostgreSQL, a JSON list
    read by ``json_each`` on SQLite. A thousand separate parameters cost more to render,
    send and plan than the query takes."""
    if session_backend(session) is Backend.POSTGIS:
        return column == any_(bindparam("ids", ids, type_=ARRAY(Integer)))
    listed = func.json_each(bindparam("ids", json.dumps(ids))).table_valued("value")
    return column.in_(select(listed.c.value))


def chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``: for IN lists and batched writes."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
