"""Login throttling's counts in the app's own database: a `limits` storage (``database://``).

Each worker process of ``assetmap serve --workers N`` would otherwise count a client's
attempts alone, letting it try N times the limit. Every deployment already has its database,
SQLite file or PostgreSQL, so the counts go there rather than to a service of their own: one
row per limit key and window, bumped by one atomic upsert (PostgreSQL locks the row; SQLite
serialises writers), so two workers never lose a hit. A window's count starts again once its
expiry has passed; rows of windows long gone are deleted now and then.

Keys are stored as their SHA-256 digest: a per-email limit's key holds the address someone
typed at sign-in, which is personal data and has no business in a table (only equality is
ever asked of a key).

Only the fixed-window strategy (flask-limiter's default) is supported: it needs ``incr``,
``get`` and ``get_expiry`` and nothing else.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from limits.storage import Storage
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from assetmap.db import Backend, Database
from assetmap.models import RateLimitCounter, table_of

SCHEME = "database"
_COUNTERS = table_of(RateLimitCounter)
#: Expired rows are swept after this many increments in a process (a login is rare enough).
SWEEP_EVERY = 200


def stored_key(key: str) -> str:
    """The row's key for a limit key: its digest, never the key (an email) itself."""
    return hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage):
    """A `limits` storage over the ``rate_limit_counters`` table.

    ``database`` is the app's Database, or a function giving the one to use now (the web
    layer passes the current app's, so one limiter serves several apps in one process)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        *,
        database: Database | Callable[[], Database] | None = None,
        clock: Callable[[], float] = time.time,
        **options: Any,
    ) -> None:
        if database is None:
            raise ValueError("the database:// rate-limit store needs the app's database")
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._database = database
        self._clock = clock
        self._increments = 0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    @property
    def database(self) -> Database:
        return self._database if isinstance(self._database, Database) else self._database()

    def incr(self, key: str, expiry: int | float, amount: int = 1) -> int:
        """Add ``amount`` hits to ``key``'s window, opening a new window of ``expiry`` seconds
        if there is none or it has passed; the count after, as every process sees it."""
        database, now = self.database, self._clock()
        insert = (postgresql if database.backend is Backend.POSTGIS else sqlite).insert
        expired = _COUNTERS.c.expires_at <= now
        statement = (
            insert(_COUNTERS)
            .values(key=stored_key(key), hits=amount, expires_at=now + expiry)
            .on_conflict_do_update(
                index_elements=[_COUNTERS.c.key],
                set_={
                    "hits": case((expired, amount), else_=_COUNTERS.c.hits + amount),
                    "expires_at": case((expired, now + expiry), else_=_COUNTERS.c.expires_at),
                },
            )
            .returning(_COUNTERS.c.hits)
        )
        with database.engine.begin() as connection:
            hits = int(connection.execute(statement).scalar_one())
            self._increments += 1
            if self._increments % SWEEP_EVERY == 0:
                connection.execute(delete(_COUNTERS).where(expired))
        return hits

    def get(self, key: str) -> int:
        row = self._row(key)
        return 0 if row is None or row.expires_at <= self._clock() else int(row.hits)

    def get_expiry(self, key: str) -> float:
        """When ``key``'s window ends (now, if it has none)."""
        row, now = self._row(key), self._clock()
        return now if row is None or row.expires_at <= now else float(row.expires_at)

    def check(self) -> bool:
        try:
            with self.database.engine.connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every count (tests; an admin lifting every limit at once)."""
        with self.database.engine.begin() as connection:
            return int(connection.execute(delete(_COUNTERS)).rowcount)

    def clear(self, key: str) -> None:
        with self.database.engine.begin() as connection:
            connection.execute(delete(_COUNTERS).where(_COUNTERS.c.key == stored_key(key)))

    def _row(self, key: str) -> Any:
        statement = select(_COUNTERS.c.hits, _COUNTERS.c.expires_at).where(
            _COUNTERS.c.key == stored_key(key)
        )
        with self.database.engine.connect() as connection:
            return connection.execute(statement).first()
