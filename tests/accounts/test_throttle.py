"""The database:// rate-limit store: two processes' engines on one database share each count,
and a window's count starts again once it has expired."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import func, select

from assetmap.accounts.throttle import SWEEP_EVERY, DatabaseStorage, stored_key
from assetmap.db import Database
from assetmap.models import RateLimitCounter


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def two_stores(database: Database, clock: Clock) -> Iterator[tuple[DatabaseStorage, ...]]:
    """Two stores as two worker processes have them: each with its own engine and pool."""
    other = Database(database.config)
    stores = (
        DatabaseStorage("database://", database=database, clock=clock),
        DatabaseStorage("database://", database=lambda: other, clock=clock),
    )
    yield stores
    other.dispose()


def test_the_scheme_names_the_store(database: Database) -> None:
    store = storage_from_string("database://", database=database)
    assert isinstance(store, DatabaseStorage)
    assert store.check()


def test_two_processes_share_one_count(two_stores) -> None:
    first, second = two_stores
    assert first.incr("login:jo", 60) == 1
    assert second.incr("login:jo", 60) == 2
    assert first.incr("login:jo", 60, amount=3) == 5
    assert second.get("login:jo") == first.get("login:jo") == 5
    assert first.get("login:someone-else") == 0


def test_a_limit_holds_across_both(two_stores) -> None:
    """Five a minute: the sixth attempt is refused whichever process it reaches."""
    limit = RateLimitItemPerMinute(5)
    limiters = [FixedWindowRateLimiter(store) for store in two_stores]
    allowed = [limiters[i % 2].hit(limit, "jo@example.org") for i in range(8)]
    assert allowed == [True] * 5 + [False] * 3


def test_an_expired_window_starts_again(two_stores, clock: Clock) -> None:
    first, second = two_stores
    first.incr("k", 60)
    first.incr("k", 60)
    assert second.get_expiry("k") == clock.now + 60
    clock.now += 61
    assert first.get("k") == second.get("k") == 0
    assert second.get_expiry("k") == clock.now  # no window open
    assert second.incr("k", 60) == 1
    assert first.get_expiry("k") == clock.now + 60


def test_expired_rows_are_swept_and_clear_and_reset_forget(
    database: Database, two_stores, clock: Clock
) -> None:
    first, second = two_stores
    first.incr("old", 1)
    clock.now += 10
    for n in range(SWEEP_EVERY):
        first.incr(f"new-{n % 3}", 60)
    with database.engine.connect() as connection:
        keys = set(connection.execute(select(RateLimitCounter.key)).scalars())
    assert keys == {stored_key(f"new-{n}") for n in range(3)}
    second.clear("new-0")
    assert first.get("new-0") == 0 and first.get("new-1") > 0
    assert second.reset() == 2
    with database.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(RateLimitCounter)).scalar() == 0


def test_an_email_in_a_limit_key_is_never_stored(database: Database, clock: Clock) -> None:
    store = DatabaseStorage("database://", database=database, clock=clock)
    assert store.incr("login:someone@example.org", 60) == 1
    assert store.get("login:someone@example.org") == 1
    with database.engine.connect() as connection:
        (key,) = connection.execute(select(RateLimitCounter.key)).scalars()
    assert "someone" not in key and "example.org" not in key
