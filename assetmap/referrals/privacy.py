"""Privacy built in: retention, the subject access export, erasure on request, the audit.

**Erasing** a case blanks every personal field on it (reference, initials, postcode, contact
preference, access needs, notes, the match profile and the shortlist) and keeps what the
anonymous counts need: the area code, the team, the dates, the referrals with their states,
events and coded reasons, the follow-ups and the wellbeing scores (anonymous once nothing ties
them to a person). The free-text reasons on referrals and their events (``reason_text``) are
blanked too: an organiser's decline is usually about the group ("full until April"), but a
stop is written by the link worker about the person ("had a fall"), and no one can check each
text. The coded reasons (``decline_reason``, ``stop_reason``) keep what the reports and the gap
analysis count. The staff names on events (``actor``) are not the person's and stay.

**Retention** (``apply_retention``) erases, in a few set-based statements, every case whose
last activity is older than the retention period; the scheduler runs it daily. **Erasure on
request** (``erase_case``) also withdraws the referrals still live, so no group keeps a place
held for someone who has gone. Every export and erasure is written to ``case_access``, which
outlives the case; ``case_audit`` shows it to admins.

Who: admins, on the admin pages; ``user=None`` is the command line on the server (the
operator), written to the audit as "assetmap".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Integer,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.orm import Session

from assetmap.errors import Forbidden, NotFound, ValidationError
from assetmap.models import (
    Case,
    CaseAccess,
    CaseAction,
    FollowUp,
    Group,
    Referral,
    ReferralEvent,
    ReferralState,
    Role,
    User,
    Wellbeing,
)
from assetmap.referrals.cases import CASE_FIELDS, audit
from assetmap.referrals.service import move
from assetmap.referrals.states import FINAL, Actor, ActorKind
from assetmap.referrals.wellbeing import QUESTIONS

#: When the scheduler runs retention each day (UTC).
RETENTION_AT = dt.time(3, 30)
SYSTEM_NAME = "assetmap"
#: Who withdraws a live referral when the person's data is deleted on request.
ERASURE_ACTOR = Actor(ActorKind.LINK_WORKER, "assetmap (the person's data was deleted)")
#: The personal fields of a case, blanked on erasure.
PERSONAL = CASE_FIELDS


def _check_admin(user: User | None) -> None:
    if user is not None and not (user.active and user.role is Role.ADMIN):
        raise Forbidden("Only admins export, delete or audit a person's data")


def _actor_name(user: User | None) -> str:
    return SYSTEM_NAME if user is None else (user.name or user.email)


# ---- retention ------------------------------------------------------------------------------


def retention_cutoff(now: dt.datetime, months: int) -> dt.datetime:
    """``months`` calendar months before ``now`` (the 31st becomes the month's last day)."""
    index = now.year * 12 + now.month - 1 - months
    year, month = index // 12, index % 12 + 1
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (following - dt.timedelta(days=1)).day
    return now.replace(year=year, month=month, day=min(now.day, last_day))


def _due(now: dt.datetime, months: int) -> ColumnElement[bool]:
    cutoff = retention_cutoff(now.astimezone(dt.UTC), months)
    return Case.erased_at.is_(None) & (Case.last_activity_at < cutoff)


def retention_due(session: Session, now: dt.datetime, months: int) -> int:
    """How many cases a retention run now would erase."""
    return session.scalar(select(func.count(Case.id)).where(_due(now, months))) or 0


def apply_retention(session: Session, now: dt.datetime, months: int) -> int:
    """Erase every case not active for ``months`` months; the number erased."""
    return _erase_where(session, _due(now, months), now, "retention", None)


def _erase_where(
    session: Session,
    where: ColumnElement[bool],
    now: dt.datetime,
    why: str,
    user: User | None,
) -> int:
    """Blank the cases ``where`` selects, their free-text reasons, and audit each, in four
    statements however many cases there are."""
    chosen = select(Case.id).where(where).scalar_subquery()
    session.execute(
        insert(CaseAccess).from_select(
            ["case_id", "user_id", "user_name", "action", "at"],
            select(
                Case.id,
                literal(user.id, Integer) if user else null(),
                literal(_actor_name(user), CaseAccess.user_name.type),
                literal(CaseAction.ERASED, CaseAccess.action.type),
                literal(now, CaseAccess.at.type),
            ).where(where),
        )
    )
    session.execute(
        update(ReferralEvent)
        .where(
            ReferralEvent.referral_id.in_(select(Referral.id).where(Referral.case_id.in_(chosen)))
        )
        .values(reason_text="")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Referral)
        .where(Referral.case_id.in_(chosen))
        .values(reason_text="")
        .execution_options(synchronize_session=False)
    )
    blanked: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Case)
        .where(where)
        .values({name: None for name in PERSONAL} | {"erased_at": now, "erased_why": why})
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    session.flush()
    return int(blanked.rowcount or 0)


@dataclass(frozen=True)
class RetentionOutlook:
    months: int
    cutoff: dt.datetime
    next_run: dt.datetime
    due: int


def next_retention_run(now: dt.datetime) -> dt.datetime:
    """When the scheduler next runs retention (daily at ``RETENTION_AT`` UTC)."""
    utc = now.astimezone(dt.UTC)
    run = dt.datetime.combine(utc.date(), RETENTION_AT, tzinfo=dt.UTC)
    return run if run > utc else run + dt.timedelta(days=1)


def retention_outlook(
    session: Session, user: User, now: dt.datetime, months: int
) -> RetentionOutlook:
    """For the admin page: when retention next runs and how many cases it would erase then."""
    _check_admin(user)
    run = next_retention_run(now)
    return RetentionOutlook(
        months, retention_cutoff(run, months), run, retention_due(session, run, months)
    )


# ---- one person -----------------------------------------------------------------------------


def find_case(session: Session, user: User | None, reference: str, team: str | None = None) -> Case:
    """The case (not erased) with this reference, in ``team`` when given; a reference used in
    several teams needs the team."""
    _check_admin(user)
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError("Give the person's reference", field="reference")
    statement = select(Case).where(Case.reference == reference, Case.erased_at.is_(None))
    if team and team.strip():
        statement = statement.where(Case.team == team.strip())
    found = list(session.scalars(statement.order_by(Case.id).limit(10)))
    if not found:
        raise NotFound("There is no case with that reference", field="reference")
    if len(found) > 1:
        teams = ", ".join(sorted(case.team or "no team" for case in found))
        raise ValidationError(
            f"Several teams have a case with that reference ({teams}): say which team",
            field="team",
        )
    return found[0]


def _case(session: Session, user: User | None, case_id: int) -> Case:
    _check_admin(user)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("There is no such case")
    return case


def export_case(
    session: Session, user: User | None, case_id: int, now: dt.datetime
) -> dict[str, Any]:
    """Everything held about the person, as JSON-ready data; the export is audited. Long
    because it names every field held, in one place, so a subject access request misses
    nothing."""
    case = _case(session, user, case_id)
    referrals = []
    for referral in case.referrals:
        group = session.get(Group, referral.group_id) if referral.group_id else None
        follow_ups = session.scalars(
            select(FollowUp).where(FollowUp.referral_id == referral.id).order_by(FollowUp.weeks)
        )
        referrals.append(
            {
                "id": referral.id,
                "group": group.name if group else None,
                "category": referral.category,
                "state": referral.state.value,
                "complex_needs": referral.complex_needs,
                "sent_at": _when(referral.sent_at),
                "responded_at": _when(referral.responded_at),
                "accepted_at": _when(referral.accepted_at),
                "ended_at": _when(referral.ended_at),
                "decline_reason": _value(referral.decline_reason),
                "stop_reason": _value(referral.stop_reason),
                "reason_text": referral.reason_text,
                "events": [
                    {
                        "from": _value(event.from_state),
                        "to": event.to_state.value,
                        "by": event.actor,
                        "at": _when(event.at),
                        "reason_text": event.reason_text,
                    }
                    for event in referral.events
                ],
                "follow_ups": [
                    {
                        "weeks": f.weeks,
                        "due_on": f.due_on.isoformat(),
                        "done_at": _when(f.done_at),
                        "attended": f.attended,
                        "still_going": f.still_going,
                    }
                    for f in follow_ups
                ],
            }
        )
    wellbeing = session.scalars(
        select(Wellbeing)
        .where(Wellbeing.case_id == case.id)
        .order_by(Wellbeing.recorded_at, Wellbeing.id)
    )
    data: dict[str, Any] = {
        "case": {
            "id": case.id,
            **{name: getattr(case, name) for name in PERSONAL},
            "area_code": case.area_code,
            "team": case.team,
            "created_at": _when(case.created_at),
            "last_activity_at": _when(case.last_activity_at),
            "erased_at": _when(case.erased_at),
            "erased_why": case.erased_why,
        },
        "referrals": referrals,
        "wellbeing": [
            {
                "stage": w.stage.value,
                "recorded_at": _when(w.recorded_at),
                **{name: getattr(w, name) for name in (question.field for question in QUESTIONS)},
            }
            for w in wellbeing
        ],
        "audit": [_entry(e) for e in _entries(session, case.id)],
        "exported_at": _when(now),
    }
    audit(session, user, case.id, CaseAction.EXPORTED, now)
    session.flush()
    return data


def erase_case(session: Session, user: User | None, case_id: int, now: dt.datetime) -> int:
    """Delete the person's data on their request: withdraw their live referrals (no place stays
    held), then blank the case as retention does. The number of referrals withdrawn."""
    case = _case(session, user, case_id)
    if case.erased_at is not None:
        raise ValidationError("This person's data was deleted already", field="case")
    live = [r for r in case.referrals if r.state not in FINAL]
    for referral in live:
        move(session, referral, ReferralState.WITHDRAWN, ERASURE_ACTOR, now)
    _erase_where(session, Case.id == case.id, now, "request", user)
    return len(live)


# ---- the audit ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    who: str
    action: CaseAction


@dataclass(frozen=True)
class CaseAudit:
    case_id: int
    reference: str | None
    team: str | None
    created_at: dt.datetime
    last_activity_at: dt.datetime
    erased_at: dt.datetime | None
    erased_why: str | None
    live_referrals: int
    entries: list[AuditEntry]


def case_audit(session: Session, user: User | None, case_id: int) -> CaseAudit:
    """Who opened, changed, exported or erased the case, and when (oldest first)."""
    case = _case(session, user, case_id)
    return CaseAudit(
        case_id=case.id,
        reference=case.reference,
        team=case.team,
        created_at=case.created_at,
        last_activity_at=case.last_activity_at,
        erased_at=case.erased_at,
        erased_why=case.erased_why,
        live_referrals=sum(1 for r in case.referrals if r.state not in FINAL),
        entries=[AuditEntry(e.at, e.user_name, e.action) for e in _entries(session, case.id)],
    )


def _entries(session: Session, case_id: int) -> list[CaseAccess]:
    return list(
        session.scalars(
            select(CaseAccess)
            .where(CaseAccess.case_id == case_id)
            .order_by(CaseAccess.at, CaseAccess.id)
        )
    )


def _entry(entry: CaseAccess) -> dict[str, Any]:
    return {"at": _when(entry.at), "by": entry.user_name, "action": entry.action.value}


def _when(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat() if moment else None


def _value(member: Any) -> str | None:
    return member.value if member is not None else None
