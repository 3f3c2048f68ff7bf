"""How each import feed is doing, in words: what the admin page and ``assetmap feeds`` show.

A feed is *never pulled* until its first attempt, *failing* while its last attempt failed,
*overdue* when enabled and not attempted for its interval plus :data:`OVERDUE_AFTER` (the
scheduler looks hourly, so a later one means the scheduler is not running), else *healthy*.
A disabled feed keeps the status of its last pull; it is never overdue.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy.orm import Session

from assetmap.interop.feeds import OVERDUE_AFTER, list_feeds
from assetmap.models import ImportFeed, ImportFormat


class FeedStatus(enum.StrEnum):
    HEALTHY = "healthy"
    FAILING = "failing"
    NEVER_PULLED = "never pulled"
    OVERDUE = "overdue"


#: What each status means, for the page's legend and the command line.
MEANING = {
    FeedStatus.HEALTHY: "the last pull worked",
    FeedStatus.FAILING: "the last pull failed: nothing from it was imported",
    FeedStatus.NEVER_PULLED: "not pulled yet",
    FeedStatus.OVERDUE: "not pulled when it should have been: is the scheduler running?",
}


@dataclass(frozen=True)
class FeedHealth:
    id: int
    name: str
    url: str
    format: ImportFormat
    every_hours: int
    enabled: bool
    status: FeedStatus
    last_attempt_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_error: str | None
    rows_seen: int
    rows_created: int
    rows_updated: int
    rows_unchanged: int

    @property
    def meaning(self) -> str:
        return MEANING[self.status]


def status_of(feed: ImportFeed, now: dt.datetime) -> FeedStatus:
    if feed.last_attempt_at is None:
        return FeedStatus.NEVER_PULLED
    if feed.last_error is not None:
        return FeedStatus.FAILING
    late = feed.last_attempt_at + dt.timedelta(hours=feed.every_hours) + OVERDUE_AFTER
    if feed.enabled and now > late:
        return FeedStatus.OVERDUE
    return FeedStatus.HEALTHY


def health_of(feed: ImportFeed, now: dt.datetime) -> FeedHealth:
    return FeedHealth(
        id=feed.id,
        name=feed.name,
        url=feed.url,
        format=feed.format,
        every_hours=feed.every_hours,
        enabled=feed.enabled,
        status=status_of(feed, now),
        last_attempt_at=feed.last_attempt_at,
        last_success_at=feed.last_success_at,
        last_error=feed.last_error,
        rows_seen=feed.rows_seen,
        rows_created=feed.rows_created,
        rows_updated=feed.rows_updated,
        rows_unchanged=feed.rows_unchanged,
    )


def feeds_health(session: Session, now: dt.datetime) -> list[FeedHealth]:
    """Every feed by name, with its status."""
    return [health_of(feed, now) for feed in list_feeds(session)]


__all__ = ["MEANING", "FeedHealth", "FeedStatus", "feeds_health", "health_of", "status_of"]
