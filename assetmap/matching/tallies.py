"""A staff search counts once a day: its unmet need and the listings it offered.

Unmet needs feed gap analysis and how often a listing comes up orders the re-verification
queue, so both must count people's needs, not requests. Only a signed-in link worker's search
counts (the caller decides whose: :class:`Searcher`), and the same person's same search
counts once a day however often it is reloaded, shown with more results, sent from another
browser or sent twice at once.

Each counted search leaves one row in ``search_tallies``: an HMAC of (account, search, day)
under the app's secret, so the row says neither who searched nor for what, and nobody without
the secret can test a guess. The key is the table's primary key, so of two requests at once
exactly one inserts it (the other's insert waits for the first to commit, then does nothing).
Rows of past days are deleted as the next day's searches come in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session

from assetmap.db import upsert_insert
from assetmap.geo.spatial import Point
from assetmap.matching.requests import MatchRequest
from assetmap.models import SearchTally, table_of

#: Where the person is, to about 10 m: the same postcode typed two ways is one search.
_PLACES = 4


@dataclass(frozen=True)
class Searcher:
    """The link worker whose search counts, and the app's secret that keys their tallies."""

    user_id: int
    secret: str


def search_fingerprint(request: MatchRequest, where: Point) -> str:
    """What the search asks, wherever it was typed how: the profile and the place found,
    without how many results to show (more results of the same search are the same search)."""
    asked = request.model_dump_json(exclude={"limit", "location"})
    return f"{round(where.lat, _PLACES)},{round(where.lon, _PLACES)}:{asked}"


def plan_fingerprint(request: MatchRequest, where: Point, chosen: Sequence[int]) -> str:
    """A plan: the search and the groups chosen, in their order."""
    return "plan:" + search_fingerprint(request, where) + ":" + ",".join(map(str, chosen))


def first_today(session: Session, searcher: Searcher, fingerprint: str, today: dt.date) -> bool:
    """Record that ``searcher`` made the search ``fingerprint`` today: True the first time,
    False when it was counted already (today, by any request of theirs). In the caller's
    transaction, so a search that fails to commit was never counted."""
    message = f"{searcher.user_id}\x00{today.isoformat()}\x00{fingerprint}".encode()
    key = hmac.new(searcher.secret.encode(), message, hashlib.sha256).hexdigest()
    session.execute(delete(SearchTally).where(SearchTally.day < today))
    table = table_of(SearchTally)
    inserted = session.execute(
        upsert_insert(session, table)
        .values(key=key, day=today)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.key)
    )
    return inserted.first() is not None


__all__ = ["Searcher", "first_today", "plan_fingerprint", "search_fingerprint"]
