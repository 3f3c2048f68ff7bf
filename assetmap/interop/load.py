"""Loading a source into the directory: all or nothing, idempotent, with provenance.

Every reader (ORUK JSON, Outpost JSON, spreadsheets, calendars, the listing contract) turns its
file into a :class:`ParsedSource`: records in the listing contract, each with its id in the
source and a label a person can find it by ("row 12", "service 'Knit and Natter' (id 42)"),
plus the problems the reader found and the gaps it left as not known (a service with no
location imports with its venue not known; nothing is guessed).

:func:`load_source` then, in the caller's transaction:

1. refuses the whole source if any record has a problem (every problem is reported, by label);
2. finds each record's listing by ``(source, source_id)`` in ``listing_sources``, so a second
   import of the same file updates rather than duplicates;
3. validates and geocodes every record (``directory.importing.validate_records``);
4. leaves alone the listings the record does not change (no new version, no history), and keeps
   a verification made here that is newer than the source's;
5. writes the rest set-wise (``directory.importing.save_listings``) and records provenance:
   when each listing was last written by an import and last seen in its source.

:func:`preview_source` runs steps 1-4 without writing, for the admin page's preview.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assetmap.directory.bulk import gc_paused, insert_rows, lookup, update_rows
from assetmap.directory.contract import DoorToDoorIn, ListingIn, parse_listing
from assetmap.directory.importing import (
    ImportProblem,
    ImportRejected,
    save_listings,
    validate_records,
)
from assetmap.geo.interfaces import Geocoder
from assetmap.interop.duplicates import find_duplicates
from assetmap.models import Group, ListingSource, table_of

#: Fields a re-import is compared on: everything but ids and what is derived when served.
_NOT_COMPARED = frozenset({"id", "external_id", "freshness"})
_DERIVED_CAPACITY = ("spare_places", "places_held")


@dataclass(frozen=True)
class SourceRecord:
    """One record of a source, in the listing contract."""

    listing: dict[str, Any]
    #: Its id in the source (an ORUK service id, an id column, a calendar UID); None where the
    #: source has none and the listing is matched by name, organisation and venue.
    source_id: str | None = None
    #: How a person finds it in the file; "record N" when empty.
    label: str = ""


@dataclass
class ParsedSource:
    """A whole source as read: its records, the problems found, and the gaps left unknown."""

    records: list[SourceRecord] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    #: What the source did not say, in words ("3 services have no location: not known").
    gaps: list[str] = field(default_factory=list)


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: The group of each record, in the source's order.
    group_ids: list[int] = field(default_factory=list)
    #: Groups this load created (the duplicate check looks at these).
    created_ids: list[int] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class PreviewRow:
    """What an import would do with one record: ``create``, ``update`` or ``unchanged``."""

    number: int
    label: str
    name: str
    action: str


@dataclass
class Preview:
    rows: list[PreviewRow] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


def label_of(record: SourceRecord, number: int) -> str:
    return record.label or f"record {number}"


def _labelled(
    problems: Sequence[ImportProblem], records: Sequence[SourceRecord]
) -> list[ImportProblem]:
    out = []
    for p in problems:
        if p.label or not 1 <= p.record <= len(records):
            out.append(p)
            continue
        out.append(
            ImportProblem(p.record, p.field, p.message, label_of(records[p.record - 1], p.record))
        )
    return out


def _repeated_ids(records: Sequence[SourceRecord]) -> list[ImportProblem]:
    first: dict[str, int] = {}
    problems = []
    for number, record in enumerate(records, start=1):
        if record.source_id is None:
            continue
        if record.source_id in first:
            earlier = label_of(records[first[record.source_id] - 1], first[record.source_id])
            problems.append(
                ImportProblem(
                    number,
                    "id",
                    f"repeats the id {record.source_id!r} of {earlier}",
                    label_of(record, number),
                )
            )
        first.setdefault(record.source_id, number)
    return problems


def known_groups(session: Session, source: str, source_ids: Sequence[str]) -> dict[str, int]:
    """The group already imported from ``source`` under each of these ids."""
    statement = select(ListingSource.source_id, ListingSource.group_id).where(
        ListingSource.source == source
    )
    return {
        str(source_id): group_id
        for source_id, group_id in lookup(session, statement, ListingSource.source_id, source_ids)
    }


def _stored(session: Session, ids: Sequence[int]) -> dict[int, ListingIn]:
    """The stored listings, read back through the contract (so they compare like for like)."""
    out: dict[int, ListingIn] = {}
    statement = select(Group.id, Group.document, Group.last_verified_at, Group.verified_by)
    for row in lookup(session, statement, Group.id, ids):
        if not row.document:
            continue
        listing, _ = parse_listing(
            json.loads(row.document).get("properties", {}), venue_required=False
        )
        if listing is not None:
            # the columns are the truth on checks (a verification writes them first)
            listing.last_verified_at, listing.verified_by = (
                row.last_verified_at,
                row.verified_by,
            )
            out[row.id] = listing
    return out


def _comparable(listing: ListingIn) -> dict[str, Any]:
    """The listing as stored and compared: lists whose order the directory does not keep are
    sorted, and the capacity figures derived when served are left out."""
    data = listing.model_dump(mode="json", exclude=set(_NOT_COMPARED))
    for key in ("categories", "interests", "cancelled_dates"):
        data[key] = sorted(data[key])
    data["schedule"] = sorted(json.dumps(entry, sort_keys=True) for entry in data["schedule"])
    for derived in _DERIVED_CAPACITY:
        data["capacity"].pop(derived, None)
    # A stored listing always says door-to-door transport is not known; a source may say
    # nothing at all. Both mean the same.
    if data["transport"]["door_to_door"] is None:
        data["transport"]["door_to_door"] = DoorToDoorIn().model_dump(mode="json")
    return data


def _keep_newer_verification(incoming: ListingIn, stored: ListingIn) -> None:
    """A check made here that is newer than the source's stands: an import never makes a
    listing look less recently checked than it is."""
    if stored.last_verified_at is None:
        return
    if incoming.last_verified_at is None or incoming.last_verified_at < stored.last_verified_at:
        incoming.last_verified_at = stored.last_verified_at
        incoming.verified_by = stored.verified_by


def _prepared(
    session: Session,
    source: str,
    parsed: ParsedSource,
    geocoder: Geocoder | None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[ListingIn], list[bool]]:
    """Every record validated, with its stored listing's id; and whether each changes it.
    ``progress`` is told as records are checked."""
    problems = list(parsed.problems) + _repeated_ids(parsed.records)
    if problems:
        raise ImportRejected(_labelled(problems, parsed.records))
    ids = [r.source_id for r in parsed.records if r.source_id is not None]
    known = known_groups(session, source, ids)
    raw: list[dict[str, Any]] = []
    for record in parsed.records:
        data = dict(record.listing)
        if record.source_id is not None and record.source_id in known:
            data["id"] = known[record.source_id]
        raw.append(data)
    try:
        listings = validate_records(raw, geocoder, progress, venue_required=False)
    except ImportRejected as rejected:
        raise ImportRejected(_labelled(rejected.problems, parsed.records)) from None
    stored = _stored(session, [listing.id for listing in listings if listing.id is not None])
    changes: list[bool] = []
    for listing in listings:
        before = stored.get(listing.id) if listing.id is not None else None
        if before is not None:
            _keep_newer_verification(listing, before)
        changes.append(before is None or _comparable(before) != _comparable(listing))
    return listings, changes


@gc_paused()
def preview_source(
    session: Session, source: str, parsed: ParsedSource, geocoder: Geocoder | None
) -> Preview:
    """What :func:`load_source` would do, record by record, without writing; raises
    ``ImportRejected`` with every problem as the import would."""
    listings, changes = _prepared(session, source, parsed, geocoder)
    rows = [
        PreviewRow(
            number,
            label_of(record, number),
            listing.name,
            "unchanged" if not changed else ("update" if listing.id is not None else "create"),
        )
        for number, (record, listing, changed) in enumerate(
            zip(parsed.records, listings, changes, strict=True), start=1
        )
    ]
    return Preview(rows=rows, gaps=list(parsed.gaps))


@gc_paused()  # an object or more for every record, kept to the end: see bulk.gc_paused
def load_source(
    session: Session,
    source: str,
    parsed: ParsedSource,
    geocoder: Geocoder | None,
    now: dt.datetime,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Write a parsed source: all or nothing in the caller's transaction (see the module).
    ``progress`` moves twice per record (``importing.PROGRESS_STEPS``): checked, then written
    or found unchanged."""
    listings, changes = _prepared(session, source, parsed, geocoder, progress)
    to_write = [listing for listing, changed in zip(listings, changes, strict=True) if changed]
    if progress:
        progress(len(listings) - len(to_write))
    existed = {listing.id for listing in to_write if listing.id is not None}
    saved = save_listings(session, to_write, progress)
    written = iter(saved.group_ids)
    group_ids = [
        next(written) if changed else int(listing.id or 0)
        for listing, changed in zip(listings, changes, strict=True)
    ]
    result = LoadResult(
        created=saved.created,
        updated=saved.updated,
        unchanged=len(listings) - len(to_write),
        group_ids=group_ids,
        created_ids=[g for g in saved.group_ids if g not in existed],
        gaps=list(parsed.gaps),
    )
    record_sources(session, source, parsed.records, group_ids, changes, now)
    find_duplicates(session, result.created_ids, now=now)  # queued for an admin, never merged
    return result


def record_sources(
    session: Session,
    source: str,
    records: Sequence[SourceRecord],
    group_ids: Sequence[int],
    changed: Sequence[bool],
    now: dt.datetime,
) -> None:
    """Each record's provenance: seen in ``source`` now, and imported now if written.

    A listing may hold several records (an admin merged two imported duplicates): a record
    updates the row of its own id in this source, else the listing's only row from this
    source (a record that was matched by name and now has an id), else a new row."""
    rows: dict[tuple[int, str | None], bool] = {}
    for record, group_id, was_changed in zip(records, group_ids, changed, strict=True):
        key = (group_id, record.source_id)
        rows[key] = rows.get(key, False) or was_changed
    statement = select(ListingSource.id, ListingSource.group_id, ListingSource.source_id).where(
        ListingSource.source == source
    )
    held: dict[int, list[tuple[int, str | None]]] = {}
    for row in lookup(session, statement, ListingSource.group_id, {g for g, _ in rows}):
        held.setdefault(row.group_id, []).append((row.id, row.source_id))
    inserts, updates = [], []
    for (group_id, source_id), was_changed in rows.items():
        mine = held.get(group_id, [])
        same = [row_id for row_id, held_id in mine if held_id == source_id]
        row_id = same[0] if same else (mine[0][0] if len(mine) == 1 else None)
        if row_id is None:
            inserts.append(
                {
                    "group_id": group_id,
                    "source": source,
                    "source_id": source_id,
                    "imported_at": now,
                    "last_seen_at": now,
                }
            )
            continue
        updates.append(
            {
                "id": row_id,
                "source_id": source_id,
                "last_seen_at": now,
                **({"imported_at": now} if was_changed else {}),
            }
        )
    insert_rows(session, table_of(ListingSource), inserts)
    for kind in (True, False):  # rows of one shape per statement
        same_shape = [u for u in updates if ("imported_at" in u) is kind]
        update_rows(session, table_of(ListingSource), same_shape, key="id")


__all__ = [
    "LoadResult",
    "ParsedSource",
    "Preview",
    "PreviewRow",
    "SourceRecord",
    "known_groups",
    "load_source",
    "preview_source",
    "record_sources",
]
