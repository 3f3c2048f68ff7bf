"""The data model in one place: organisations, venues, groups and what hangs off them.

Anything a query filters on is a real column or a child table with an index, never a JSON
blob. Unknown stays NULL: accessibility is never guessed, so its flags are nullable booleans.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Time,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assetmap.models.base import (
    SRID,
    Base,
    Created,
    IntPK,
    JSONValue,
    MaybeBool,
    Name,
    UTCDateTime,
    stored_enum,
    utcnow,
)
from assetmap.models.covering import JUDGING_COLUMNS, MATCHING_COLUMNS
from assetmap.models.enums import (
    Category,
    ChangeKind,
    ChangeStatus,
    Day,
    Frequency,
    Gender,
    ProblemKind,
    Role,
    Status,
    TaskOutcome,
    TaskReason,
    TaskStage,
    VerificationMethod,
)


class Organisation(Base):
    """Who runs groups: a charity, a centre, a faith group, a council team."""

    __tablename__ = "organisations"

    id: Mapped[IntPK]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Trusted organisations' minor edits (times, capacity, status) skip moderation.
    trusted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[Created]

    groups: Mapped[list[Group]] = relationship(back_populates="organisation")


class Venue(Base):
    """A place where groups meet. ``lat``/``lon`` mirror ``location`` so reads need no GIS call."""

    __tablename__ = "venues"

    id: Mapped[IntPK]
    name: Mapped[Name]
    address: Mapped[str | None] = mapped_column(String(300))
    postcode: Mapped[str | None] = mapped_column(String(8), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    # Created by the migration per backend (SpatiaLite's AddGeometryColumn and its R*Tree index;
    # a GiST index on PostGIS), hence spatial_index=False here.
    location: Mapped[Any] = mapped_column(
        Geometry("POINT", srid=SRID, spatial_index=False, nullable=False)
    )

    groups: Mapped[list[Group]] = relationship(back_populates="venue")

    __table_args__ = (
        # Imports find venues by name and postcode (migration 0021).
        Index("ix_venues_name", "name", "postcode"),
        # PostgreSQL only (0033): a ``near`` page walks venues nearest first on the sphere.
        Index("ix_venues_geography", text("geography(location)"), postgresql_using="gist").ddl_if(
            dialect="postgresql"
        ),
    )


class Group(Base):
    """One listing: a group, class or service a person can be referred to."""

    __tablename__ = "groups"

    id: Mapped[IntPK]
    # A stable key from the source of an import, so re-importing updates rather than duplicates.
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    name: Mapped[Name]
    description: Mapped[str] = mapped_column(Text, default="")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    venue_id: Mapped[int | None] = mapped_column(
        ForeignKey("venues.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[Status] = mapped_column(
        stored_enum(Status, "status"), default=Status.OPEN, index=True
    )
    online: Mapped[bool] = mapped_column(default=False)

    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    gender: Mapped[Gender] = mapped_column(stored_enum(Gender, "gender"), default=Gender.ANY)
    languages: Mapped[list[str]] = mapped_column(JSONValue, default=list)

    cost_free: Mapped[bool | None] = mapped_column(index=True)
    cost_amount_gbp: Mapped[float | None]
    cost_notes: Mapped[str] = mapped_column(String(500), default="")

    total_places: Mapped[int | None]
    places_taken: Mapped[int | None]
    waiting_list: Mapped[int | None]
    complex_needs_places: Mapped[int | None]
    complexity_supported: Mapped[int | None]

    step_free: MaybeBool
    wheelchair_accessible: MaybeBool
    accessible_toilet: MaybeBool
    hearing_loop: MaybeBool
    blue_badge_parking: MaybeBool
    seating_available: MaybeBool
    dementia_friendly: MaybeBool
    quiet_space: MaybeBool
    access_notes: Mapped[str] = mapped_column(Text, default="")

    # Bus stops are shown, never filtered on: a list of {name, distance_m, routes}.
    bus_stops: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue, default=list)
    #: ISO dates on which a session is cancelled (the listing's ``cancelled_dates``).
    cancelled_dates: Mapped[list[str] | None] = mapped_column(JSONValue, default=list)
    rail_station_name: Mapped[str | None] = mapped_column(String(200))
    rail_station_distance_m: Mapped[int | None]
    parking: MaybeBool
    # Indexed with radius and venue (0003): whose transport could reach a person far away.
    door_to_door_available: MaybeBool
    door_to_door_radius_km: Mapped[float | None]
    door_to_door_notes: Mapped[str] = mapped_column(String(500), default="")

    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_website: Mapped[str | None] = mapped_column(String(500))

    self_referral: MaybeBool
    link_worker_referral: MaybeBool
    referral_notes: Mapped[str] = mapped_column(Text, default="")
    # The organiser paused new referrals until this day (included): matching leaves them out.
    referrals_paused_until: Mapped[dt.date | None] = mapped_column(Date)
    # The group's categories as bits (CATEGORY_BITS), for the matcher: written by the
    # database's triggers on group_categories (migration 0032), never by the app.
    category_mask: Mapped[int] = mapped_column(Integer, server_default=text("0"))

    last_verified_at: Mapped[dt.date | None] = mapped_column(Date, index=True)
    # The day someone last reported a problem: due for re-verification at once unless
    # verified since (see freshness.policy).
    reported_on: Mapped[dt.date | None] = mapped_column(Date)
    # The day a freshness reminder to the listing's contact bounced: due at once, like a report.
    bounced_on: Mapped[dt.date | None] = mapped_column(Date)
    # The expiry period that applies (a shorter one for some categories; NULL: the default),
    # written by the freshness scan from the policy and the categories.
    expiry_days: Mapped[int | None]
    verified_by: Mapped[str | None] = mapped_column(String(200))

    # The listing as GeoJSON Feature text, rebuilt by every write (directory.documents):
    # reads serve it as it is instead of re-joining six tables per listing.
    document: Mapped[str] = mapped_column(Text, default="")
    # Optimistic locking: every write bumps it; a write based on an old version is refused.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[Created]
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation | None] = relationship(back_populates="groups")
    venue: Mapped[Venue | None] = relationship(back_populates="groups")
    categories: Mapped[list[GroupCategory]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )
    interests: Mapped[list[GroupInterest]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )
    schedule: Mapped[list[ScheduleEntry]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="ScheduleEntry.id"
    )
    verifications: Mapped[list[Verification]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="Verification.id"
    )

    __table_args__ = (
        # The freshness scan looks up the few listings with a problem report each day: without
        # this it reads the whole table for them (about 1 s at a million listings).
        Index(
            "ix_groups_reported_on",
            "reported_on",
            sqlite_where=text("reported_on IS NOT NULL"),
            postgresql_where=text("reported_on IS NOT NULL"),
        ),
        # The scan rewrites expiry periods only for listings changed since its last run.
        Index("ix_groups_updated_at", "updated_at"),
        # Who collects people from home, how far, from where (migration 0003).
        Index(
            "ix_groups_door_to_door_available",
            "door_to_door_available",
            "door_to_door_radius_km",
            "venue_id",
        ),
        # PostgreSQL only (0025): who collects people from home, by venue, for the matcher.
        Index(
            "ix_groups_pickup",
            "venue_id",
            "door_to_door_radius_km",
            "id",
            postgresql_where=text("door_to_door_available IS true"),
        ).ddl_if(dialect="postgresql"),
        # What the matcher judges of a group, so no row (with its document) is read (0003, 0030).
        Index("ix_groups_matching", *MATCHING_COLUMNS).ddl_if(dialect="sqlite"),
        Index("ix_groups_judging", "venue_id", postgresql_include=JUDGING_COLUMNS).ddl_if(
            dialect="postgresql"
        ),
        # Imports find a record with no id of its own by name (migration 0021).
        Index("ix_groups_name", "name"),
    )


class GroupCategory(Base):
    __tablename__ = "group_categories"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[Category] = mapped_column(stored_enum(Category, "category"), primary_key=True)

    group: Mapped[Group] = relationship(back_populates="categories")

    __table_args__ = (Index("ix_group_categories_category", "category", "group_id"),)


class GroupInterest(Base):
    """An interest a group serves, stored lower-case so filters match however it was typed."""

    __tablename__ = "group_interests"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    interest: Mapped[str] = mapped_column(String(100), primary_key=True)

    group: Mapped[Group] = relationship(back_populates="interests")

    __table_args__ = (Index("ix_group_interests_interest", "interest", "group_id"),)


class ScheduleEntry(Base):
    """A regular session of a group: a day of the week and a time."""

    __tablename__ = "schedule_entries"

    id: Mapped[IntPK]
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    day: Mapped[Day] = mapped_column(stored_enum(Day, "day"))
    start: Mapped[dt.time] = mapped_column(Time)
    end: Mapped[dt.time | None] = mapped_column(Time)
    frequency: Mapped[Frequency] = mapped_column(
        stored_enum(Frequency, "frequency"), default=Frequency.WEEKLY
    )
    #: The date of one session, for a fortnightly or monthly group: which weeks it meets.
    from_date: Mapped[dt.date | None] = mapped_column(Date)

    group: Mapped[Group] = relationship(back_populates="schedule")

    __table_args__ = (
        Index("ix_schedule_entries_group_id", "group_id"),
        Index("ix_schedule_entries_day", "day", "group_id"),
    )


class Verification(Base):
    """Someone confirmed a listing was right on a day: the history behind ``last_verified_at``."""

    __tablename__ = "verifications"

    id: Mapped[IntPK]
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    verified_on: Mapped[dt.date] = mapped_column(Date)
    verified_by: Mapped[str | None] = mapped_column(String(200))
    method: Mapped[VerificationMethod] = mapped_column(stored_enum(VerificationMethod, "method"))
    note: Mapped[str] = mapped_column(Text, default="")
    # False for a try that reached nobody: kept in the history, but verifies nothing.
    reached: Mapped[bool] = mapped_column(default=True)
    recorded_at: Mapped[Created]

    group: Mapped[Group] = relationship(back_populates="verifications")


class ProblemReport(Base):
    """Someone said a listing is wrong. Anonymous: only a salted hash of the sender's address
    is kept, to rate-limit, and the free text is the reporter's own words."""

    __tablename__ = "problem_reports"

    id: Mapped[IntPK]
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ProblemKind] = mapped_column(stored_enum(ProblemKind, "kind"))
    details: Mapped[str] = mapped_column(Text, default="")
    sender_hash: Mapped[str] = mapped_column(String(64), index=True)
    reported_at: Mapped[Created]
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class UnmetNeed(Base):
    """A match that found fewer than three groups: demand nobody is meeting. Anonymous by
    design: what was wanted, roughly where (a cell of about 1 km) and when, never who."""

    __tablename__ = "unmet_needs"

    id: Mapped[IntPK]
    recorded_on: Mapped[dt.date] = mapped_column(Date, index=True)
    interests: Mapped[list[str]] = mapped_column(JSONValue, default=list)
    categories: Mapped[list[str]] = mapped_column(JSONValue, default=list)
    # The south-west corner of the grid cell (CELL_DEGREES square) the search was made from.
    cell_lat: Mapped[float]
    cell_lon: Mapped[float]
    modes: Mapped[list[str]] = mapped_column(JSONValue, default=list)
    max_travel_minutes: Mapped[int]
    max_walk_metres: Mapped[int | None]
    access_needs: Mapped[list[str]] = mapped_column(JSONValue, default=list)
    door_to_door_needed: Mapped[bool] = mapped_column(default=False)
    complexity: Mapped[int] = mapped_column(default=1)
    # How many groups the match did find (0, 1 or 2).
    results: Mapped[int]

    __table_args__ = (Index("ix_unmet_needs_cell", "cell_lat", "cell_lon"),)


class User(Base):
    """Someone who signs in. Organisers manage the groups of their organisations."""

    __tablename__ = "users"

    id: Mapped[IntPK]
    # Stored lower-case: one account per address however it is typed.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(stored_enum(Role, "role"))
    # An argon2 hash; empty until an invited person sets a password.
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Link workers see the cases of their own team (and admins all of them).
    team: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[Created]
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Every signed-in session carries the number it was signed in under; bumping it (sign
    # out, a new password, deactivation) ends them all at their next request.
    session_generation: Mapped[int] = mapped_column(default=0)
    # When an admin (or the command line) last deactivated the account; None while active.
    deactivated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    organisations: Mapped[list[Organisation]] = relationship(secondary="memberships")


class Membership(Base):
    """An organiser manages the groups of this organisation."""

    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ApiToken(Base):
    """A per-user key for the API. Only a SHA-256 hash of the token is kept; it stops
    working at ``expires_at`` or once revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[Created]
    # Written at most once a minute per token (never a write on every read).
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """An email waiting to go, or gone: the sender delivers over SMTP or into a folder."""

    __tablename__ = "outbox"

    id: Mapped[IntPK]
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Created]
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # One file sent with the message (a person's plan as a PDF), if any.
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    attachment_name: Mapped[str | None] = mapped_column(String(100))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    # A message to a person, not a group: once sent (or given up on) its address, body and
    # attachment are erased, so the outbox never keeps a person's address (ERASED_ADDRESS).
    erase_after_send: Mapped[bool] = mapped_column(default=False)


class Revision(Base):
    """One field of one listing changed: who, when, from what, to what (JSON values)."""

    __tablename__ = "revisions"

    id: Mapped[IntPK]
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[Created]
    field: Mapped[str] = mapped_column(String(100))
    old_value: Mapped[str] = mapped_column(Text, default="null")
    new_value: Mapped[str] = mapped_column(Text, default="null")
    # The group's version this change produced.
    version: Mapped[int]
    # How a change with no signed-in person behind it came (empty: an import).
    via: Mapped[str] = mapped_column(String(100), default="")


class TrustChange(Base):
    """An admin marked an organisation trusted, or no longer trusted: the audit trail behind
    ``Organisation.trusted`` (whose organisers' minor edits then skip moderation)."""

    __tablename__ = "trust_changes"

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    trusted: Mapped[bool]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as well as the id: the trail still says who after their account is removed.
    user_name: Mapped[str] = mapped_column(String(254))
    changed_at: Mapped[Created]


class PendingChange(Base):
    """An organiser's change, new group or request to close, waiting for an admin. The public
    keeps seeing the approved listing until it is approved."""

    __tablename__ = "pending_changes"

    id: Mapped[IntPK]
    kind: Mapped[ChangeKind] = mapped_column(stored_enum(ChangeKind, "change_kind"))
    # None for a proposed new group until it is approved.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    # A JSON merge patch of the listing (edit, close) or a whole listing (new).
    patch: Mapped[str] = mapped_column(Text)
    # The urgent part of the same change (places, status), applied at once: a merge patch,
    # for the admin to review after. "{}" when nothing went live.
    applied: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    based_on: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proposed_at: Mapped[Created]
    status: Mapped[ChangeStatus] = mapped_column(
        stored_enum(ChangeStatus, "change_status"), default=ChangeStatus.PENDING, index=True
    )
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")


class VerificationTask(Base):
    """A listing that needs re-verifying, from the scan that opened it to its outcome."""

    __tablename__ = "verification_tasks"

    id: Mapped[IntPK]
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    opened_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[TaskReason] = mapped_column(stored_enum(TaskReason, "task_reason"))
    stage: Mapped[TaskStage] = mapped_column(stored_enum(TaskStage, "task_stage"))
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Tries that reached nobody; at the policy's limit the listing is paused.
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    outcome: Mapped[TaskOutcome | None] = mapped_column(stored_enum(TaskOutcome, "task_outcome"))
    closed_by: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")

    group: Mapped[Group] = relationship()

    __table_args__ = (
        # Never two open tasks for one listing, whoever opens them.
        Index(
            "uq_verification_tasks_open",
            "group_id",
            unique=True,
            sqlite_where=text("closed_on IS NULL"),
            postgresql_where=text("closed_on IS NULL"),
        ),
        Index("ix_verification_tasks_group_id", "group_id"),
    )


class FreshnessReminder(Base):
    """One reminder email to a listing's contact, and what they did with its link."""

    __tablename__ = "freshness_reminders"

    id: Mapped[IntPK]
    task_id: Mapped[int] = mapped_column(ForeignKey("verification_tasks.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    round: Mapped[int]
    queued_on: Mapped[dt.date] = mapped_column(Date)
    to_address: Mapped[str] = mapped_column(String(254))
    # The email, once written (the scan decides; writing the text and its link comes after).
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    # The address could not take email at all: counts as a bounce.
    undeliverable: Mapped[bool] = mapped_column(default=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    used_for: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (Index("uq_freshness_reminders_round", "task_id", "round", unique=True),)


class FreshnessScan(Base):
    """One run of the freshness scan: a log for staff, and what the next run starts from."""

    __tablename__ = "freshness_scans"

    id: Mapped[IntPK]
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    seconds: Mapped[float]
    scan_day: Mapped[dt.date] = mapped_column(Date)
    # The policy's settings: while they stay the same, expiry periods are rewritten only for
    # listings changed since the last run.
    policy: Mapped[str] = mapped_column(String(500))
    counts: Mapped[dict[str, Any]] = mapped_column(JSONValue, default=dict)


class ListingActivity(Base):
    """How often a listing came up for link workers on a day: shown in a match, or put in a
    person's plan. Counts only, nobody's details: it orders the re-verification queue."""

    __tablename__ = "listing_activity"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    matched: Mapped[int] = mapped_column(default=0)
    planned: Mapped[int] = mapped_column(default=0)


class SchedulerLock(Base):
    """Who leads the scheduler on SQLite, until when (PostgreSQL uses an advisory lock)."""

    __tablename__ = "scheduler_locks"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
