"""A feed's status in words: never pulled, failing, overdue (the scheduler is not running) or
healthy; a disabled feed is never overdue."""

from __future__ import annotations

import datetime as dt

from assetmap.interop.feed_health import FeedStatus, feeds_health, status_of
from assetmap.interop.feeds import add_feed
from assetmap.models import ImportFeed, ImportFormat

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def _feed(**values) -> ImportFeed:
    base = {"name": "Council", "url": "https://example.org/a.json", "every_hours": 24}
    return ImportFeed(format=ImportFormat.CONTRACT, **{"enabled": True, **base, **values})


def test_each_status() -> None:
    assert status_of(_feed(), NOW) is FeedStatus.NEVER_PULLED
    pulled = NOW - dt.timedelta(hours=25)
    assert status_of(_feed(last_attempt_at=pulled, last_success_at=pulled), NOW) is (
        FeedStatus.HEALTHY
    )
    failed = _feed(last_attempt_at=pulled, last_error="the server answered 500")
    assert status_of(failed, NOW) is FeedStatus.FAILING
    # 24 hours plus the two the hourly scheduler may take: overdue after that.
    late = NOW - dt.timedelta(hours=26, minutes=1)
    assert status_of(_feed(last_attempt_at=late), NOW) is FeedStatus.OVERDUE
    assert status_of(_feed(last_attempt_at=late, enabled=False), NOW) is FeedStatus.HEALTHY


def test_every_feed_by_name_with_its_status(database) -> None:
    with database.session() as session:
        add_feed(session, "Zeta", "https://example.org/z.json")
        add_feed(session, "Alpha", "https://example.org/a.ics")
        rows = feeds_health(session, NOW)
    assert [(r.name, r.format, r.status) for r in rows] == [
        ("Alpha", ImportFormat.ICS, FeedStatus.NEVER_PULLED),
        ("Zeta", ImportFormat.CONTRACT, FeedStatus.NEVER_PULLED),
    ]
    assert rows[0].meaning == "not pulled yet"
