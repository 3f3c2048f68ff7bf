"""Cases, referrals and follow-up: the loop from a link worker's plan to "did it help?".

A ``Case`` is one person, pseudonymously: the scheme's own reference, optional initials and
what the organiser needs to make contact. Everything personal sits on the case row (and its
notes), so the retention job can blank it and keep the anonymous rest: the area, the month,
each referral's states and the wellbeing scores, which is what commissioners' reports count.

A ``Referral`` sends the person to one group and moves through ``ReferralState``; every move
is a ``ReferralEvent`` with who and when. ``FollowUp`` rows are the link worker's calls at two
and six weeks after acceptance; ``Wellbeing`` rows hold the ONS4 and UCLA answers (a NULL
score was not asked). ``CaseAccess`` is the audit of who opened, exported or erased a case:
it has no foreign key, so it outlives the case.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assetmap.models.base import Base, Created, IntPK, JSONValue, UTCDateTime, stored_enum


class ReferralState(enum.StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    WAITING_LIST = "waiting_list"
    DECLINED = "declined"
    NO_RESPONSE = "no_response"
    ATTENDED = "attended"
    DID_NOT_ATTEND = "did_not_attend"
    STILL_GOING = "still_going"
    STOPPED = "stopped"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"


class DeclineReason(enum.StrEnum):
    """Why a group said no; ``full`` counts as demand the area cannot meet (gap analysis)."""

    FULL = "full"
    NEEDS_NOT_MET = "needs_not_met"
    NOT_SUITABLE = "not_suitable"
    NOT_RUNNING = "not_running"
    OTHER = "other"


class StopReason(enum.StrEnum):
    NOT_FOR_THEM = "not_for_them"
    HEALTH = "health"
    TRANSPORT = "transport"
    MOVED = "moved"
    GROUP_ENDED = "group_ended"
    OTHER = "other"


class WellbeingStage(enum.StrEnum):
    START = "start"
    FOLLOW_UP = "follow_up"


class CaseAction(enum.StrEnum):
    OPENED = "opened"
    CHANGED = "changed"
    EXPORTED = "exported"
    ERASED = "erased"


class Case(Base):
    """One person a link worker supports. Personal fields are NULL once erased."""

    __tablename__ = "cases"

    id: Mapped[IntPK]
    # The scheme's own reference for the person (never an NHS number); unique per team.
    reference: Mapped[str | None] = mapped_column(String(40))
    initials: Mapped[str | None] = mapped_column(String(5))
    postcode: Mapped[str | None] = mapped_column(String(8))
    # How the person would like the group to get in touch ("phone 07700 900123 after 2pm").
    contact_preference: Mapped[str | None] = mapped_column(String(300))
    # What the organiser should know to welcome them ("uses a wheelchair").
    access_needs: Mapped[str | None] = mapped_column(String(500))
    # Personal data: for the link worker's team only, never shown to organisers.
    notes: Mapped[str | None] = mapped_column(Text)
    # The needs profile from /match (its query, as a dict) and the plan's group ids.
    profile: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)
    shortlist: Mapped[list[int] | None] = mapped_column(JSONValue)
    # Kept after erasure, for anonymous counts: the small area the postcode lies in.
    area_code: Mapped[str | None] = mapped_column(String(20), index=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    team: Mapped[str | None] = mapped_column(String(100), index=True)
    created_at: Mapped[Created]
    # Retention counts from here (default 24 months): any change, referral or follow-up.
    last_activity_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # "retention" or "request" (a person asked for their data to be deleted).
    erased_why: Mapped[str | None] = mapped_column(String(20))

    referrals: Mapped[list[Referral]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Referral.id"
    )

    __table_args__ = (Index("uq_cases_team_reference", "team", "reference", unique=True),)


class Referral(Base):
    """The person referred to one group, and where that stands."""

    __tablename__ = "referrals"

    id: Mapped[IntPK]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[ReferralState] = mapped_column(stored_enum(ReferralState, "referral_state"))
    # Counted against the group's complex-needs places rather than its ordinary ones.
    complex_needs: Mapped[bool] = mapped_column(default=False)
    # The category and area are copied at referral time: reports still count them after the
    # group is deleted and the case erased.
    category: Mapped[str | None] = mapped_column(String(20))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # A pending referral holds a place until then (ASSETMAP_REFERRAL_HOLD_DAYS).
    held_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The organiser's first answer (accept, waiting list or decline): how fast groups reply.
    responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[DeclineReason | None] = mapped_column(
        stored_enum(DeclineReason, "decline_reason")
    )
    stop_reason: Mapped[StopReason | None] = mapped_column(stored_enum(StopReason, "stop_reason"))
    # The organiser's or link worker's words with a decline or a stop (not personal data).
    reason_text: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The emailed link works once: set when the organiser answers through it.
    link_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    case: Mapped[Case] = relationship(back_populates="referrals")
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralEvent.id"
    )

    __table_args__ = (Index("ix_referrals_group_state", "group_id", "state"),)


class ReferralEvent(Base):
    """One move of a referral: from what, to what, who and when."""

    __tablename__ = "referral_events"

    id: Mapped[IntPK]
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[ReferralState | None] = mapped_column(
        stored_enum(ReferralState, "from_state")
    )
    to_state: Mapped[ReferralState] = mapped_column(stored_enum(ReferralState, "to_state"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Who, in words that outlive the account: "Sam (link worker)", "organiser, by emailed link".
    actor: Mapped[str] = mapped_column(String(254))
    at: Mapped[Created]
    reason_text: Mapped[str] = mapped_column(String(500), default="")

    referral: Mapped[Referral] = relationship(back_populates="events")


class FollowUp(Base):
    """A call the link worker owes the person, some weeks after the group took them in."""

    __tablename__ = "follow_ups"

    id: Mapped[IntPK]
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    weeks: Mapped[int]
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # What the person said (NULL: not asked).
    attended: Mapped[bool | None]
    still_going: Mapped[bool | None]

    __table_args__ = (Index("uq_follow_ups_referral_weeks", "referral_id", "weeks", unique=True),)


class Wellbeing(Base):
    """ONS4 personal wellbeing (0–10) and the three-item UCLA scale (1–3); NULL: not asked."""

    __tablename__ = "wellbeing"

    id: Mapped[IntPK]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    follow_up_id: Mapped[int | None] = mapped_column(
        ForeignKey("follow_ups.id", ondelete="SET NULL")
    )
    stage: Mapped[WellbeingStage] = mapped_column(stored_enum(WellbeingStage, "wellbeing_stage"))
    recorded_at: Mapped[Created]
    life_satisfaction: Mapped[int | None]
    worthwhile: Mapped[int | None]
    happiness: Mapped[int | None]
    anxiety: Mapped[int | None]
    ucla_companionship: Mapped[int | None]
    ucla_left_out: Mapped[int | None]
    ucla_isolated: Mapped[int | None]


class CaseAccess(Base):
    """Who opened, changed, exported or erased which case, and when (kept after erasure)."""

    __tablename__ = "case_access"

    id: Mapped[IntPK]
    # No foreign key: the audit outlives the case it tells of.
    case_id: Mapped[int] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(254))
    action: Mapped[CaseAction] = mapped_column(stored_enum(CaseAction, "case_action"))
    at: Mapped[Created]
