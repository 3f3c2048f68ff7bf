"""The timetable feeds loaded: copied into the instance folder, one ``TransitFeed`` row each.

``import_feed`` checks a GTFS zip (and the street extract that goes with it), copies both to
``<instance>/transit/<folder>/`` and upserts the row by name; importing the same files again
changes only ``imported_at``. ``feeds_covering`` finds the feeds whose served stops' box holds
a place, and ``dates_warning`` says when a day falls outside a feed's timetable.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from assetmap.errors import ValidationError
from assetmap.geo.transit.feeds import FeedSummary, read_feed
from assetmap.models import TransitFeed

#: The longest feed name (the column's size).
NAME_LENGTH = 100
# The first bytes of an OpenStreetMap PBF: a 4-byte length, then the BlobHeader "OSMHeader".
PBF_MARK = b"OSMHeader"


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class FeedImport:
    feed: TransitFeed
    summary: FeedSummary
    outcome: Outcome


def transit_folder(instance_path: str | Path) -> Path:
    """Where the feeds' copies are kept: ``<instance>/transit``."""
    return Path(instance_path).resolve() / "transit"


def default_name(gtfs: Path) -> str:
    """A feed's name when none is given: the file's name without ``.zip`` or a gtfs tag
    ("newport-20230613_gtfs.zip" → "newport-20230613")."""
    stem = re.sub(r"[-_. ]?gtfs$", "", gtfs.stem, flags=re.IGNORECASE)
    return (stem or gtfs.stem)[:NAME_LENGTH]


def folder_name(name: str) -> str:
    """The feed's folder under ``transit/``: its name in lower case, letters and digits
    joined by hyphens ("Newport (South Wales)" → "newport-south-wales")."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def check_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or not folder_name(cleaned):
        raise ValidationError("a feed's name needs a letter or a digit", field="name")
    if len(cleaned) > NAME_LENGTH:
        raise ValidationError(
            f"a feed's name is at most {NAME_LENGTH} characters long", field="name"
        )
    return cleaned


def check_osm(path: Path) -> None:
    """Refuse a file that is not an OpenStreetMap PBF extract, before anything is copied."""
    try:
        with path.open("rb") as handle:
            start = handle.read(64)
    except OSError as error:
        raise ValidationError(f"{path.name}: cannot be read ({error})", field="osm") from None
    if PBF_MARK not in start:
        raise ValidationError(f"{path.name}: not an OpenStreetMap extract (.osm.pbf)", field="osm")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_feed(
    session: Session,
    instance_path: str | Path,
    gtfs: Path,
    *,
    now: dt.datetime,
    osm: Path | None = None,
    name: str | None = None,
) -> FeedImport:
    """Check the feed (and extract), copy them into the instance folder and upsert the row
    named ``name`` (default: from the file name). A broken feed raises before anything is
    copied or written. The caller's session commits."""
    name = check_name(name if name is not None else default_name(gtfs))
    summary = read_feed(gtfs)
    if osm is not None:
        check_osm(osm)
    sha = sha256_of(gtfs)
    osm_sha = sha256_of(osm) if osm is not None else None
    feed = session.scalars(select(TransitFeed).where(TransitFeed.name == name)).one_or_none()
    folder = transit_folder(instance_path) / folder_name(name)
    _refuse_shared_folder(session, name, folder)
    gtfs_copy = folder / gtfs.name
    osm_copy = folder / osm.name if osm is not None else None
    if feed is not None and _same(feed, sha, osm_sha, gtfs_copy, osm_copy):
        feed.imported_at = now
        return FeedImport(feed, summary, Outcome.UNCHANGED)
    folder.mkdir(parents=True, exist_ok=True)
    _copy(gtfs, gtfs_copy)
    if osm is not None and osm_copy is not None:
        _copy(osm, osm_copy)
    outcome = Outcome.UPDATED
    if feed is None:
        feed = TransitFeed(name=name)
        session.add(feed)
        outcome = Outcome.CREATED
    feed.gtfs_path = str(gtfs_copy)
    feed.osm_path = str(osm_copy) if osm_copy is not None else None
    feed.sha256 = sha
    feed.osm_sha256 = osm_sha
    feed.start_date = summary.start_date
    feed.end_date = summary.end_date
    feed.min_lat, feed.min_lon = summary.bbox.min_lat, summary.bbox.min_lon
    feed.max_lat, feed.max_lon = summary.bbox.max_lat, summary.bbox.max_lon
    feed.summary = summary.counts()
    feed.imported_at = now
    session.flush()
    return FeedImport(feed, summary, outcome)


def _refuse_shared_folder(session: Session, name: str, folder: Path) -> None:
    """Two names that make the same folder ("Newport", "newport") would overwrite each
    other's files."""
    for other in session.scalars(select(TransitFeed).where(TransitFeed.name != name)):
        if Path(other.gtfs_path).parent == folder:
            raise ValidationError(
                f"the name {name!r} is too like the feed {other.name!r}'s: choose another",
                field="name",
            )


def _same(
    feed: TransitFeed, sha: str, osm_sha: str | None, gtfs_copy: Path, osm_copy: Path | None
) -> bool:
    """The row already describes these files, and the copies are still there."""
    return (
        feed.sha256 == sha
        and feed.osm_sha256 == osm_sha
        and feed.gtfs_path == str(gtfs_copy)
        and feed.osm_path == (str(osm_copy) if osm_copy is not None else None)
        and gtfs_copy.is_file()
        and (osm_copy is None or osm_copy.is_file())
    )


def _copy(source: Path, target: Path) -> None:
    """Copy through a temporary file in the same folder, so a reader never sees half a file."""
    if source.resolve() == target.resolve():
        return
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".importing-")
    os.close(handle)
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def list_feeds(session: Session) -> list[TransitFeed]:
    """Every feed loaded, by name."""
    return list(session.scalars(select(TransitFeed).order_by(TransitFeed.name)))


def feeds_covering(session: Session, lat: float, lon: float) -> list[TransitFeed]:
    """The feeds whose served stops' box holds the point, the smallest box first (the most
    local feed is the likeliest to know the place)."""
    found = session.scalars(
        select(TransitFeed).where(
            TransitFeed.min_lat <= lat,
            TransitFeed.max_lat >= lat,
            TransitFeed.min_lon <= lon,
            TransitFeed.max_lon >= lon,
        )
    )
    return sorted(
        found,
        key=lambda feed: ((feed.max_lat - feed.min_lat) * (feed.max_lon - feed.min_lon), feed.name),
    )


def dates_warning(feed: TransitFeed, today: dt.date) -> str | None:
    """What to tell a user when ``today`` is outside the feed's dates; None inside them."""
    if feed.start_date <= today <= feed.end_date:
        return None
    return (
        f"The timetable {feed.name} runs from {_day(feed.start_date)} to {_day(feed.end_date)}:"
        f" today ({_day(today)}) is outside it, so journeys by bus are estimated"
    )


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"
