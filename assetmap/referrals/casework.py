"""What the link worker's case pages read: a case with its referrals, and the list of cases.

Read models only, plus the one move a case page makes (``move_in_case``, which checks that the
referral belongs to the case in the address). Reading a case goes through ``case_for``, so it
is audited; listing cases is not an opening and is not.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from assetmap.errors import NotFound, ValidationError
from assetmap.models import (
    Case,
    DeclineReason,
    Group,
    Referral,
    ReferralEvent,
    ReferralState,
    StopReason,
    User,
)
from assetmap.referrals.cases import case_for, cases_for
from assetmap.referrals.service import move_as
from assetmap.referrals.states import ENDED, ActorKind, allowed_moves

#: Cases the "Refer" select offers: the most recent.
REFER_CHOICES = 20


@dataclass(frozen=True)
class GroupRef:
    id: int
    name: str
    #: The state of the live referral to it that stops another one, or None.
    referred: ReferralState | None = None


@dataclass(frozen=True)
class ReferralRow:
    """One referral on the case page: its state, dates, history and the moves on offer."""

    id: int
    group_id: int | None
    group_name: str
    state: ReferralState
    version: int
    sent_at: dt.datetime
    responded_at: dt.datetime | None
    accepted_at: dt.datetime | None
    ended_at: dt.datetime | None
    decline_reason: DeclineReason | None
    stop_reason: StopReason | None
    reason_text: str
    events: list[ReferralEvent]
    moves: list[ReferralState]


@dataclass(frozen=True)
class CaseSummary:
    """A case as its page shows it (personal fields included: only its team sees this)."""

    case: Case
    referrals: list[ReferralRow]
    shortlist: list[GroupRef]
    #: The postcode the match was for, from the profile, when the case has none of its own.
    profile_postcode: str | None = None


@dataclass(frozen=True)
class CaseRow:
    """One case on the list of the team's cases."""

    id: int
    reference: str
    initials: str | None
    last_activity_at: dt.datetime
    by_state: list[tuple[ReferralState, int]] = field(default_factory=list)

    @property
    def referral_count(self) -> int:
        return sum(n for _, n in self.by_state)


def group_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The names of the groups with these ids that still exist."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Group.id, Group.name).where(Group.id.in_(wanted)))
    return {id_: name for id_, name in rows}


def shortlist_refs(session: Session, ids: Iterable[int]) -> list[GroupRef]:
    """The shortlist's groups, in its order, leaving out any no longer listed."""
    wanted = list(dict.fromkeys(ids))
    names = group_names(session, wanted)
    return [GroupRef(id_, names[id_]) for id_ in wanted if id_ in names]


def case_summary(session: Session, user: User, case_id: int, now: dt.datetime) -> CaseSummary:
    """The case page's contents; NotFound unless ``user`` may see the case. Audited."""
    case = case_for(session, user, case_id, now)
    referrals = list(case.referrals)
    names = group_names(
        session, [*(case.shortlist or []), *(r.group_id for r in referrals if r.group_id)]
    )
    live = {r.group_id: r for r in referrals if r.state not in ENDED and r.group_id}
    shortlist = [
        GroupRef(
            id_,
            names[id_],
            live[id_].state if id_ in live else None,
        )
        for id_ in dict.fromkeys(case.shortlist or [])
        if id_ in names
    ]
    rows = [
        ReferralRow(
            id=r.id,
            group_id=r.group_id,
            group_name=names.get(r.group_id or 0, "A group no longer listed"),
            state=r.state,
            version=r.version,
            sent_at=r.sent_at,
            responded_at=r.responded_at,
            accepted_at=r.accepted_at,
            ended_at=r.ended_at,
            decline_reason=r.decline_reason,
            stop_reason=r.stop_reason,
            reason_text=r.reason_text,
            events=list(r.events),
            moves=allowed_moves(r.state, ActorKind.LINK_WORKER),
        )
        for r in sorted(referrals, key=lambda r: (r.sent_at, r.id), reverse=True)
    ]
    location = (case.profile or {}).get("location") or {}
    postcode = location.get("postcode") if isinstance(location, dict) else None
    return CaseSummary(case, rows, shortlist, postcode if isinstance(postcode, str) else None)


def case_rows(session: Session, user: User, *, limit: int = 200) -> list[CaseRow]:
    """The cases ``user`` may see, most recently active first, with referrals by state."""
    cases = cases_for(session, user, limit=limit)
    counts: dict[int, Counter[ReferralState]] = {case.id: Counter() for case in cases}
    if cases:
        rows = session.execute(
            select(Referral.case_id, Referral.state).where(Referral.case_id.in_(list(counts)))
        )
        for case_id, state in rows:
            counts[case_id][state] += 1
    return [
        CaseRow(
            id=case.id,
            reference=case.reference or "",
            initials=case.initials,
            last_activity_at=case.last_activity_at,
            by_state=[(s, counts[case.id][s]) for s in ReferralState if counts[case.id][s]],
        )
        for case in cases
    ]


def refer_choices(session: Session, user: User | None) -> list[tuple[int, str]]:
    """The user's most recent cases as (id, label) for a "Refer" select; empty for anyone who
    does not work with cases."""
    if user is None:
        return []
    return [
        (case.id, case.reference + (f" ({case.initials})" if case.initials else ""))
        for case in cases_for(session, user, limit=REFER_CHOICES)
        if case.reference
    ]


def move_in_case(
    session: Session,
    user: User,
    case_id: int,
    referral_id: int,
    to: ReferralState,
    now: dt.datetime,
    *,
    version: int | None,
    decline_reason: DeclineReason | None = None,
    stop_reason: StopReason | None = None,
    reason_text: str = "",
) -> Referral:
    """A move made from the case page: the referral must be one of this case's."""
    case_for(session, user, case_id, now, record=False)
    referral = session.get(Referral, referral_id)
    if referral is None or referral.case_id != case_id:
        raise NotFound("There is no such referral on this case")
    if version is None:
        raise ValidationError("The form is missing the referral's version", field="version")
    return move_as(
        session,
        user,
        referral_id,
        to,
        now,
        version=version,
        decline_reason=decline_reason,
        stop_reason=stop_reason,
        reason_text=reason_text,
    )


def group_contact(session: Session, group_id: int) -> tuple[str, str | None]:
    """A group's name and phone number, for telling the link worker how to reach it."""
    row = session.execute(
        select(Group.name, Group.contact_phone).where(Group.id == group_id)
    ).one_or_none()
    if row is None:
        raise NotFound("There is no such group", field="group_id")
    return row.name, row.contact_phone
