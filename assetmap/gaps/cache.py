"""Gap results kept for a profile until the data they came from changes.

An analysis reads every fitting group, every postcode and every area, so it is worth keeping;
but a result is only true while the directory is as it was. Each entry is stored under the
profile's key *and* a fingerprint of the tables it read (row counts, the newest change, the
sum of listing versions), read from the database at every lookup: an edit, an import, a new
group or a closed one changes the fingerprint, so the next request computes afresh. Because
the fingerprint lives in the database, each web worker's cache is right on its own; nothing
needs telling when another process changes a listing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.orm import Session

from assetmap.models import Group, table_of

T = TypeVar("T")

#: A fingerprint of the data a result was computed from: one tuple of figures per table.
Fingerprint = tuple[tuple[Any, ...], ...]


def fingerprint(session: Session, *tables: Table) -> Fingerprint:
    """Row count and newest change of each table (``updated_at``: every table an answer
    reads has one), and for listings the sum of their versions, which every edit moves."""
    figures = []
    for table in tables:
        columns: list[ColumnElement[Any]] = [func.count()]
        if "updated_at" in table.c:
            columns.append(func.max(table.c.updated_at))
        elif "id" in table.c:
            columns.append(func.max(table.c.id))
        if table is table_of(Group):
            columns.append(func.coalesce(func.sum(table.c.version), 0))
        figures.append(tuple(session.execute(select(*columns).select_from(table)).one()))
    return tuple(figures)


class ResultCache(Generic[T]):
    """The last ``size`` results, each valid for the fingerprint it was computed under."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Fingerprint, T]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_compute(self, key: Hashable, current: Fingerprint, compute: Callable[[], T]) -> T:
        """The result kept for ``key`` if the data is still at ``current``; else ``compute()``
        (outside the lock: two requests may both compute, and the later result is kept)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == current:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[1]
            self.misses += 1
        result = compute()
        with self._lock:
            self._entries[key] = (current, result)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return result

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


__all__ = ["Fingerprint", "ResultCache", "fingerprint"]
