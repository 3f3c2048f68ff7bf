"""The timetable's many-to-many matrix for gap analysis, with its own cache.

:class:`MatrixCache` keeps the bus's median minutes over the departure window for one block of
origins and destinations, keyed by the feed, the travel day and window, the walk limit and
step-free flag, and a hash of the coordinates: a bounded LRU in memory (``MAX_ENTRIES``), so a
second identical gap analysis does not route again. ``gaps/cache.py`` keeps whole answers on
top of it; this one saves the routing when only the arithmetic around it changes.

:func:`quickest_with_bus` folds a bus matrix into the estimate's by the estimate's rules (as
``EstimatedTravel.matrix`` does through the journey rules): the quickest of the person's own
ways, the bus included, and the group's door-to-door transport only where none of those is
within their budget.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np

from assetmap.geo.transit.engine import Walking
from assetmap.geo.transit.window import DepartureWindow

#: How many blocks of bus minutes the cache holds before it drops the least recently used.
MAX_ENTRIES = 32


def coordinates_hash(*arrays: np.ndarray) -> str:
    """A digest of the coordinates, in order (the same points in the same order hash alike)."""
    digest = hashlib.sha256()
    for a in arrays:
        digest.update(np.ascontiguousarray(a, dtype=float).tobytes())
        digest.update(b"|")
    return digest.hexdigest()


def cache_key(
    feed: str,
    window: DepartureWindow,
    walking: Walking,
    points: str,
) -> tuple[Hashable, ...]:
    """The feed, the travel day and window, the walk limit and step-free flag, the points."""
    return (
        feed,
        window.day,
        window.start,
        window.end,
        window.step_minutes,
        walking.max_walk_m,
        walking.step_free,
        walking.m_per_s,
        points,
    )


class MatrixCache:
    """A bounded, thread-safe LRU of bus minute matrices."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[Hashable, ...], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(
        self, key: tuple[Hashable, ...], compute: Callable[[], np.ndarray]
    ) -> np.ndarray:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = compute()
        value.setflags(write=False)
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)


def quickest_with_bus(
    own_only: np.ndarray,
    with_pickup: np.ndarray,
    bus: np.ndarray,
    budget: float,
) -> np.ndarray:
    """The minutes of the quickest of their own ways (``own_only``: the estimate without the
    bus and without door-to-door transport; ``bus``: the timetable's, inf where it has none),
    and the group's transport (``with_pickup``: the estimate without the bus, pickup allowed)
    only where no own way is within budget. Every array has the same shape."""
    own = np.minimum(own_only, bus)
    collected = (with_pickup != own_only) & (own > budget)
    return np.where(collected, with_pickup, own)
