"""Cases, referrals, follow-ups and wellbeing rows written straight to the database, for the
tests that count them (reports, retention, the gap analysis's demand)."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.orm import Session

from assetmap.models import (
    Case,
    DeclineReason,
    FollowUp,
    Referral,
    ReferralEvent,
    ReferralState,
    Wellbeing,
    WellbeingStage,
)

_numbers = itertools.count(1)


def add_case(
    session: Session,
    *,
    area: str | None = "E01000001",
    team: str = "North",
    last_activity: dt.datetime,
    reference: str | None = None,
) -> Case:
    n = next(_numbers)
    case = Case(
        reference=reference or f"REF-{n:04d}",
        initials="A.B.",
        postcode="NW5 1AA",
        contact_preference="phone after 2pm",
        access_needs="step-free access",
        notes="personal notes",
        profile={"postcode": "NW5 1AA"},
        shortlist=[1],
        area_code=area,
        team=team,
        created_at=last_activity,
        last_activity_at=last_activity,
    )
    session.add(case)
    session.flush()
    return case


def add_referral(
    session: Session,
    case: Case,
    sent_at: dt.datetime,
    *,
    category: str | None = "active",
    state: ReferralState = ReferralState.SENT,
    accepted: bool = False,
    attended: bool = False,
    still_going: bool = False,
    decline: DeclineReason | None = None,
    reason_text: str = "",
    group_id: int | None = None,
) -> Referral:
    referral = Referral(
        case_id=case.id,
        group_id=group_id,
        state=state,
        category=category,
        sent_at=sent_at,
        accepted_at=sent_at + dt.timedelta(days=1) if accepted or attended else None,
        decline_reason=decline,
        reason_text=reason_text,
    )
    session.add(referral)
    session.flush()
    session.add(
        ReferralEvent(
            referral_id=referral.id,
            from_state=None,
            to_state=ReferralState.SENT,
            actor="Sam (link worker)",
            at=sent_at,
            reason_text=reason_text,
        )
    )
    if attended:
        session.add(
            ReferralEvent(
                referral_id=referral.id,
                from_state=ReferralState.ACCEPTED,
                to_state=ReferralState.ATTENDED,
                actor="Sam (link worker)",
                at=sent_at + dt.timedelta(days=8),
            )
        )
    if still_going:
        session.add(
            FollowUp(
                referral_id=referral.id,
                weeks=6,
                due_on=(sent_at + dt.timedelta(weeks=6)).date(),
                done_at=sent_at + dt.timedelta(weeks=6),
                attended=True,
                still_going=True,
            )
        )
    session.flush()
    return referral


def add_wellbeing(
    session: Session,
    case: Case,
    stage: WellbeingStage,
    at: dt.datetime,
    life_satisfaction: int | None = None,
    worthwhile: int | None = None,
    happiness: int | None = None,
    anxiety: int | None = None,
) -> Wellbeing:
    row = Wellbeing(
        case_id=case.id,
        stage=stage,
        recorded_at=at,
        life_satisfaction=life_satisfaction,
        worthwhile=worthwhile,
        happiness=happiness,
        anxiety=anxiety,
    )
    session.add(row)
    session.flush()
    return row
