"""Feeds: a directory published at a URL (a council's ORUK API, a spreadsheet, a calendar),
pulled on a schedule and loaded under the feed's name, with the health of its pulls kept.

A pull is all or nothing, and its health outlives a failure. The load runs in a savepoint of
the caller's transaction: a feed that cannot be fetched, read or loaded rolls the savepoint
back (no listing is touched) while the attempt, the error and the unchanged last success are
written outside it and committed with the transaction. A success records the counts of the
pull and clears the error.

:func:`pull_due_feeds` (the scheduler's job) and :func:`pull_now` (the command line and the
admin page's "pull now") each pull one feed under a named lock, ``import-feed:<id>``, so two
processes never pull the same feed at once; a feed found pulled meanwhile is not pulled again.
They fetch the URL before opening the transaction that loads it, so no transaction stays open
while a slow server answers.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from assetmap.db import Database
from assetmap.directory.importing import ImportProblem, ImportRejected
from assetmap.errors import AssetmapError, Conflict, NotFound, ValidationError
from assetmap.geo.geocoders import geocoder_for
from assetmap.geo.interfaces import Geocoder
from assetmap.interop.fetch import Fetch, check_url, fetch_url
from assetmap.interop.formats import ReadOptions, format_of, read_source
from assetmap.interop.load import ParsedSource, load_source
from assetmap.locks import DatabaseLock
from assetmap.models import ColumnMapping, ImportFeed, ImportFormat

log = logging.getLogger("assetmap.feeds")

#: How often a feed is pulled unless told otherwise, and the bounds (an hour to a month).
DEFAULT_EVERY_HOURS = 24
MAX_EVERY_HOURS = 24 * 31
MAX_NAME = 200
#: The scheduler looks hourly: a feed is overdue once this late on top of its interval.
OVERDUE_AFTER = dt.timedelta(hours=2)
#: The problems an error names (the rest are counted), and the longest each may be.
PROBLEMS_SHOWN = 3
PROBLEM_CHARS = 200
ERROR_CHARS = 1000
SPREADSHEETS = (ImportFormat.CSV, ImportFormat.XLSX)


class FeedBusy(Conflict):
    """Another process is pulling this feed now."""


@dataclass(frozen=True)
class PullResult:
    """How one pull went: the counts on success, the error (as the feed keeps it) otherwise."""

    feed: str
    ok: bool
    error: str | None = None
    seen: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    gaps: list[str] = field(default_factory=list)


# ---- the feeds -------------------------------------------------------------------------------


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("give the feed a name", field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(f"the name is longer than {MAX_NAME} characters", field="name")
    return name


def _every(every_hours: int) -> int:
    if not 1 <= every_hours <= MAX_EVERY_HOURS:
        raise ValidationError(
            f"pull every 1 to {MAX_EVERY_HOURS} hours (a month), not {every_hours}",
            field="every_hours",
        )
    return every_hours


def _mapping_id(session: Session, mapping: str | None, fmt: ImportFormat) -> int | None:
    if not mapping:
        if fmt in SPREADSHEETS:
            raise ValidationError(
                "a spreadsheet feed needs a saved column mapping (save one when importing a "
                "file of the same layout)",
                field="mapping",
            )
        return None
    saved = session.scalar(select(ColumnMapping.id).where(ColumnMapping.name == mapping))
    if saved is None:
        raise ValidationError(f"there is no saved column mapping {mapping!r}", field="mapping")
    return saved


def format_from_url(url: str) -> ImportFormat | None:
    """The format a URL's path names (``.csv``, ``.xlsx``, ``.ics``); None for JSON or a path
    that does not say, whose format is told from the body at each pull."""
    suffix = PurePath(urlsplit(url).path).suffix.lower()
    return {".csv": ImportFormat.CSV, ".xlsx": ImportFormat.XLSX, ".ics": ImportFormat.ICS}.get(
        suffix
    )


def add_feed(
    session: Session,
    name: str,
    url: str,
    fmt: ImportFormat | None = None,
    *,
    mapping: str | None = None,
    every_hours: int = DEFAULT_EVERY_HOURS,
    enabled: bool = True,
) -> ImportFeed:
    """A new feed, checked: a unique name, an http(s) URL, a spreadsheet's saved mapping.

    Without a format, the URL's path tells it (``.csv``, ``.xlsx``, ``.ics``); otherwise the
    feed is JSON and each pull tells ORUK, Outpost or assetmap's own listings from the body
    (kept as ``contract`` until the first pull says)."""
    name, url, every_hours = _name(name), check_url(url), _every(every_hours)
    if session.scalar(select(ImportFeed.id).where(ImportFeed.name == name)) is not None:
        raise ValidationError(f"there is a feed called {name!r} already", field="name")
    kind = fmt or format_from_url(url) or ImportFormat.CONTRACT
    feed = ImportFeed(
        name=name,
        url=url,
        format=kind,
        mapping_id=_mapping_id(session, mapping, kind),
        every_hours=every_hours,
        enabled=enabled,
    )
    session.add(feed)
    session.flush()
    return feed


def get_feed(session: Session, name: str) -> ImportFeed:
    feed = session.scalar(select(ImportFeed).where(ImportFeed.name == (name or "").strip()))
    if feed is None:
        raise NotFound(f"there is no feed called {name!r}", field="name")
    return feed


def update_feed(
    session: Session,
    name: str,
    *,
    url: str | None = None,
    fmt: ImportFormat | None = None,
    mapping: str | None = None,
    every_hours: int | None = None,
) -> ImportFeed:
    """Change a feed's URL, format, mapping or interval (not its name: its listings' provenance
    is kept under it)."""
    feed = get_feed(session, name)
    if url is not None:
        feed.url = check_url(url)
    if fmt is not None:
        feed.format = fmt
    if every_hours is not None:
        feed.every_hours = _every(every_hours)
    if mapping is not None:  # "" clears it
        feed.mapping_id = _mapping_id(session, mapping, feed.format)
    elif feed.mapping_id is None:
        _mapping_id(session, None, feed.format)  # a spreadsheet still needs one
    session.flush()
    return feed


def set_enabled(session: Session, feed_id: int, enabled: bool) -> ImportFeed:
    """Enable or disable a feed: a disabled one is never pulled by the scheduler (a person may
    still pull it now)."""
    feed = session.get(ImportFeed, feed_id)
    if feed is None:
        raise NotFound("there is no such feed", field="feed")
    feed.enabled = enabled
    session.flush()
    return feed


def list_feeds(session: Session) -> list[ImportFeed]:
    return list(session.scalars(select(ImportFeed).order_by(ImportFeed.name)))


# ---- a pull ----------------------------------------------------------------------------------


def detect_format(url: str, body: bytes) -> ImportFormat:
    """A feed's format from its URL's path and, for JSON, the body's shape."""
    from_path = format_from_url(url)
    if from_path is not None:
        return from_path
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return format_of("feed.json", body)
    if body.lstrip()[:15].upper() == b"BEGIN:VCALENDAR":
        return ImportFormat.ICS
    raise ValidationError(
        "the feed is not JSON and its URL does not say its format: give the format",
        field="format",
    )


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _problem(problem: ImportProblem) -> str:
    """A problem as a person reads it: by record where it has one, else (the whole file) as
    it is."""
    if problem.record or problem.label:
        return str(problem)
    return f"{problem.field}: {problem.message}" if problem.field else problem.message


def describe_rejection(rejected: ImportRejected) -> str:
    """The first problems by record label and field, the rest counted; nothing imported."""
    problems = rejected.problems
    shown = "; ".join(_short(_problem(p), PROBLEM_CHARS) for p in problems[:PROBLEMS_SHOWN])
    more = len(problems) - PROBLEMS_SHOWN
    rest = f"; and {more} more problem{'s' * (more > 1)}" if more > 0 else ""
    count = f"{len(problems)} problem{'s' * (len(problems) > 1)}"
    return _short(f"{count} in the feed, so nothing was imported: {shown}{rest}", ERROR_CHARS)


def _columns(session: Session, feed: ImportFeed) -> dict[str, str]:
    if feed.mapping_id is None:
        return {}
    mapping = session.get(ColumnMapping, feed.mapping_id)
    return dict(mapping.columns) if mapping is not None else {}


def pull_feed(
    session: Session,
    feed: ImportFeed,
    geocoder: Geocoder | None,
    now: dt.datetime,
    fetch: Fetch = fetch_url,
) -> PullResult:
    """Fetch, read and load one feed, then record how it went (see the module for the
    transactions). Never raises for the feed's own faults: they become its ``last_error``."""
    name, url, saved = feed.name, feed.url, feed.format
    try:
        body = fetch(url)  # before any write: no transaction waits on the network
    except ValidationError as error:
        return _failed(session, feed, now, _short(error.message, ERROR_CHARS))
    # The attempt is written first, outside the savepoint, so the load nests inside a
    # transaction already begun (SQLite's driver begins one only at the first write).
    feed.last_attempt_at = now
    session.flush()
    try:
        fmt = detect_format(url, body) if _detects(feed, saved) else saved
        options = ReadOptions(source=name, columns=_columns(session, feed), today=now.date())
        parsed = _read(feed.id, fmt, body, options)
        with session.begin_nested():
            loaded = load_source(session, name, parsed, geocoder, now)
    except ImportRejected as rejected:
        return _failed(session, feed, now, describe_rejection(rejected))
    except ValidationError as error:
        return _failed(session, feed, now, _short(error.message, ERROR_CHARS))
    except SQLAlchemyError as error:
        # Never the statement or its values in the log or on the page: they hold listings.
        log.error("feed %s: the database refused the load (%s)", feed.id, type(error).__name__)
        return _failed(session, feed, now, "the database refused the feed's listings")
    feed.format = fmt
    feed.last_attempt_at = feed.last_success_at = now
    feed.last_error = None
    feed.rows_seen, feed.rows_created = loaded.seen, loaded.created
    feed.rows_updated, feed.rows_unchanged = loaded.updated, loaded.unchanged
    session.flush()
    return PullResult(
        feed=name,
        ok=True,
        seen=loaded.seen,
        created=loaded.created,
        updated=loaded.updated,
        unchanged=loaded.unchanged,
        gaps=list(loaded.gaps),
    )


def _read(feed_id: int, fmt: ImportFormat, body: bytes, options: ReadOptions) -> ParsedSource:
    """The body read; a reader that breaks on what a feed sent is the feed's error (named by
    the exception's type only: its text may quote the feed), never the scheduler's."""
    try:
        return read_source(fmt, body, options)
    except AssetmapError:
        raise
    except Exception as error:
        log.error("feed %s: the %s reader failed (%s)", feed_id, fmt.value, type(error).__name__)
        raise ValidationError(
            f"the feed could not be read as {fmt.value} ({type(error).__name__})"
        ) from None


def _detects(feed: ImportFeed, saved: ImportFormat) -> bool:
    """A JSON feed kept as ``contract`` (as one added without a format is) is told from its
    body; its first successful pull saves the format found. ORUK, Outpost and the formats a URL
    names are read as saved."""
    return saved is ImportFormat.CONTRACT and format_from_url(feed.url) is None


def _failed(session: Session, feed: ImportFeed, now: dt.datetime, error: str) -> PullResult:
    feed.last_attempt_at = now
    feed.last_error = error
    session.flush()
    log.info("feed %s: pull failed", feed.id)
    return PullResult(feed=feed.name, ok=False, error=error)


# ---- due feeds, one process at a time --------------------------------------------------------


def is_due(feed: ImportFeed, now: dt.datetime) -> bool:
    return feed.enabled and (
        feed.last_attempt_at is None
        or feed.last_attempt_at <= now - dt.timedelta(hours=feed.every_hours)
    )


def due_feeds(session: Session, now: dt.datetime) -> list[ImportFeed]:
    """Enabled feeds not attempted within their interval (or never), oldest attempt first."""
    feeds = session.scalars(select(ImportFeed).where(ImportFeed.enabled.is_(True))).all()
    due = [feed for feed in feeds if is_due(feed, now)]
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(due, key=lambda f: (f.last_attempt_at or epoch, f.name))


def feed_lock(database: Database, feed_id: int) -> DatabaseLock:
    return DatabaseLock(database, f"import-feed:{feed_id}")


def _pull_locked(
    database: Database,
    feed_id: int,
    now: dt.datetime,
    fetch: Fetch,
    still_due: Callable[[ImportFeed], bool],
) -> PullResult | None:
    """Pull the feed under its lock, in a transaction of its own; None if someone else holds
    the lock, or the feed is gone or no longer ``still_due`` once it is held."""
    lock = feed_lock(database, feed_id)
    if not lock.acquire():
        return None
    try:
        with database.session() as session:
            feed = session.get(ImportFeed, feed_id)
            if feed is None or not still_due(feed):
                return None
            url = feed.url
        fetched = _prefetched(fetch, url)  # no transaction open while the network answers
        with database.session() as session:
            feed = session.get(ImportFeed, feed_id)
            if feed is None:
                return None
            return pull_feed(session, feed, geocoder_for(database.config, session), now, fetched)
    finally:
        lock.release()


def _prefetched(fetch: Fetch, url: str) -> Fetch:
    """``fetch(url)`` done now, handed to :func:`pull_feed` as a fetch that answers at once."""
    try:
        body = fetch(url)
    except ValidationError as error:
        failure = error

        def refuse(_url: str) -> bytes:
            raise failure

        return refuse
    return lambda _url: body


def pull_now(
    database: Database, name: str, now: dt.datetime, fetch: Fetch = fetch_url
) -> PullResult:
    """Pull the named feed at once, enabled or not; FeedBusy if another process is pulling it."""
    with database.session() as session:
        feed_id = get_feed(session, name).id
    result = _pull_locked(database, feed_id, now, fetch, lambda feed: True)
    if result is None:
        raise FeedBusy(f"the feed {name!r} is being pulled now; try again in a minute")
    return result


def pull_feed_id(
    database: Database, feed_id: int, now: dt.datetime, fetch: Fetch = fetch_url
) -> PullResult:
    """:func:`pull_now` by the feed's id (the admin page's button)."""
    with database.session() as session:
        feed = session.get(ImportFeed, feed_id)
        if feed is None:
            raise NotFound("there is no such feed", field="feed")
        name = feed.name
    return pull_now(database, name, now, fetch)


def pull_due_feeds(
    database: Database, now: dt.datetime, fetch: Fetch = fetch_url
) -> list[PullResult]:
    """Pull every due feed, one at a time and each under its lock (the scheduler's job). A
    feed another process is pulling, or has just pulled, is left alone: running this twice
    at once, or twice in a row, pulls each due feed once."""
    with database.session() as session:
        ids = [feed.id for feed in due_feeds(session, now)]
    results = []
    for feed_id in ids:
        result = _pull_locked(database, feed_id, now, fetch, lambda feed: is_due(feed, now))
        if result is not None:
            results.append(result)
    return results


__all__ = [
    "DEFAULT_EVERY_HOURS",
    "MAX_EVERY_HOURS",
    "OVERDUE_AFTER",
    "FeedBusy",
    "PullResult",
    "add_feed",
    "describe_rejection",
    "detect_format",
    "due_feeds",
    "feed_lock",
    "get_feed",
    "is_due",
    "list_feeds",
    "pull_due_feeds",
    "pull_feed",
    "pull_feed_id",
    "pull_now",
    "set_enabled",
    "update_feed",
]
