"""Where listings come from and how they are kept true to their sources (Open Referral UK and
other imports).

``ListingSource`` is a listing's provenance: the source it was imported from (a council's ORUK
feed, a spreadsheet, a calendar), its id there, when it was last written by an import and when
the source last had it. A listing entered on assetmap's own pages has none. A re-import finds
its listing by ``(source, source_id)``, so importing the same file twice changes nothing.

``ColumnMapping`` is a saved mapping of a spreadsheet's columns to listing fields, reused for the
next file with the same headers. ``ImportFeed`` is a source pulled on a schedule from a URL,
with its health: the last attempt and success, the last error, and the rows of the last pull.

``DuplicatePair`` is two listings that look like one (similar names, venues close together, the
same phone or email), queued for an admin to merge or keep apart; nothing is merged silently.
``GroupMerge`` records a merge: the listing merged away, the one kept, who did it and what the
merged one said, so both histories stay readable.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assetmap.models.base import Base, Created, IntPK, JSONValue, UTCDateTime, stored_enum


class ImportFormat(enum.StrEnum):
    """The formats assetmap reads (``interop.formats`` maps each to its reader)."""

    ORUK = "oruk"  # ORUK 3.0 / HSDS 3.0 JSON: a /services page or a list of full services
    OUTPOST = "outpost"  # the JSON that Outpost/Scout council directories serve
    CSV = "csv"
    XLSX = "xlsx"
    ICS = "ics"  # an iCalendar feed of one group's sessions
    CONTRACT = "contract"  # assetmap's own listing contract (export-groups)


class DuplicateStatus(enum.StrEnum):
    OPEN = "open"
    MERGED = "merged"
    KEPT_APART = "kept_apart"


class ListingSource(Base):
    """A listing's provenance: one record of one source it was imported from, and its id
    there. A listing has one per record (two after an admin merged two imported duplicates)."""

    __tablename__ = "listing_sources"
    __table_args__ = (UniqueConstraint("source", "source_id", name="uq_listing_sources_key"),)

    id: Mapped[IntPK]
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    # The source's name as the importer gave it ("camden-oruk", "Knit and Natter calendar").
    source: Mapped[str] = mapped_column(String(200), index=True)
    # The record's id in that source (an ORUK service id, a spreadsheet's id column, a
    # calendar's UID); NULL where the source has none and the listing was matched by name.
    source_id: Mapped[str | None] = mapped_column(String(200))
    # When an import last wrote this listing, and when the source last had it.
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ColumnMapping(Base):
    """A spreadsheet's columns mapped to listing fields, saved under a name for the next file."""

    __tablename__ = "column_mappings"

    id: Mapped[IntPK]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    format: Mapped[ImportFormat] = mapped_column(stored_enum(ImportFormat, "mapping_format"))
    # {column header: listing field path ("venue.postcode", "schedule[0].day", ...)}
    columns: Mapped[dict[str, str]] = mapped_column(JSONValue, default=dict)
    created_at: Mapped[Created]
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ImportFeed(Base):
    """A source pulled from a URL on a schedule, and how its pulls have gone."""

    __tablename__ = "import_feeds"

    id: Mapped[IntPK]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    format: Mapped[ImportFormat] = mapped_column(stored_enum(ImportFormat, "feed_format"))
    mapping_id: Mapped[int | None] = mapped_column(
        ForeignKey("column_mappings.id", ondelete="SET NULL")
    )
    every_hours: Mapped[int] = mapped_column(default=24)
    enabled: Mapped[bool] = mapped_column(default=True)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The last pull's error in words (NULL after a success).
    last_error: Mapped[str | None] = mapped_column(Text)
    # The last successful pull: records read, and listings created, updated, unchanged.
    rows_seen: Mapped[int] = mapped_column(default=0)
    rows_created: Mapped[int] = mapped_column(default=0)
    rows_updated: Mapped[int] = mapped_column(default=0)
    rows_unchanged: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[Created]


class DuplicatePair(Base):
    """Two listings that look like one, for an admin to decide (``first_id`` < ``second_id``)."""

    __tablename__ = "duplicate_pairs"
    __table_args__ = (
        UniqueConstraint("first_id", "second_id", name="uq_duplicate_pairs_pair"),
        Index("ix_duplicate_pairs_status", "status"),
    )

    id: Mapped[IntPK]
    first_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    second_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    # How alike they are, 0-1, and why: {"name": 0.93, "distance_m": 40, "phone": true, ...}
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[dict[str, Any]] = mapped_column(JSONValue, default=dict)
    status: Mapped[DuplicateStatus] = mapped_column(
        stored_enum(DuplicateStatus, "duplicate_status"), default=DuplicateStatus.OPEN
    )
    found_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class GroupMerge(Base):
    """One merge: the listing merged away points at the one kept, with what it said."""

    __tablename__ = "group_merges"

    id: Mapped[IntPK]
    # No foreign key to the merged listing's row: the record outlives it if it is deleted.
    merged_id: Mapped[int] = mapped_column(unique=True)
    kept_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    merged_name: Mapped[str] = mapped_column(String(200))
    # The merged listing's contract document as it was, for its history.
    merged_listing: Mapped[dict[str, Any]] = mapped_column(JSONValue, default=dict)
    merged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
