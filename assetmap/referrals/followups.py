"""Follow-up: the link worker's calls some weeks after a group took the person in.

The scheduler runs two things each day. ``mark_no_response`` moves referrals still ``sent``
after the configured days to ``no_response`` (as assetmap, recorded like any move: a group
that answers late is still heard). ``open_due_follow_ups`` opens a ``FollowUp`` for each
referral accepted at least N weeks ago (for each configured N, by default 2 and 6), for the
case's owner, due N weeks after the day of acceptance (UK date). The unique index on
(referral, weeks) and ``ON CONFLICT DO NOTHING`` make it safe to run twice, or in two
processes at once.

``follow_ups_for`` is a link worker's list (their own; admins see all), due first, each with
what to ask. ``record_follow_up`` saves what the person said: did they go, are they still
going, and their wellbeing scores, and moves the referral on to match, as the link worker.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assetmap.db import upsert_insert
from assetmap.directory.sessions import LOCAL_TIME
from assetmap.errors import Conflict, NotFound, ValidationError
from assetmap.models import (
    Case,
    FollowUp,
    Group,
    Referral,
    ReferralState,
    Role,
    StopReason,
    User,
    WellbeingStage,
)
from assetmap.referrals import service
from assetmap.referrals.cases import case_for, touch, works_with_cases
from assetmap.referrals.states import FINAL, SYSTEM, TAKING_A_PLACE, ActorKind, check_move
from assetmap.referrals.wellbeing import Scores, parse_scores, start_row, wellbeing_row

S = ReferralState
#: A follow-up still open this many days after it fell due is overdue.
OVERDUE_AFTER = dt.timedelta(days=7)
#: The states a follow-up can still record something for.
OPEN_STATES = frozenset({S.ACCEPTED, S.DID_NOT_ATTEND, S.ATTENDED, S.STILL_GOING})


class Ask(enum.StrEnum):
    """What the link worker asks on the call (the page words each)."""

    ATTENDED = "attended"
    STILL_GOING = "still_going"
    WELLBEING = "wellbeing"


class Answer(enum.StrEnum):
    YES = "yes"
    NO = "no"
    NOT_ASKED = "not_asked"


# ---- the scheduler's side -----------------------------------------------------------------


def local_date(moment: dt.datetime) -> dt.date:
    """The UK calendar day of a stored (UTC) moment."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LOCAL_TIME).date()


def open_due_follow_ups(session: Session, today: dt.date, weeks: tuple[int, ...] = (2, 6)) -> int:
    """Open the follow-ups due by ``today``; returns how many were opened (0 when run again)."""
    if not weeks:
        return 0
    # A day's slack on the cut-off: the UK date of acceptance is checked below.
    latest_accepted = dt.datetime.combine(
        today - dt.timedelta(weeks=min(weeks)) + dt.timedelta(days=1), dt.time(), dt.UTC
    )
    candidates = session.execute(
        select(Referral.id, Referral.accepted_at, Case.owner_id)
        .join(Case, Case.id == Referral.case_id)
        .where(
            Referral.state.in_(TAKING_A_PLACE),
            Referral.accepted_at.is_not(None),
            Referral.accepted_at < latest_accepted,
            Case.erased_at.is_(None),
        )
        .order_by(Referral.id)
    ).all()
    if not candidates:
        return 0
    existing = {
        (referral_id, n)
        for referral_id, n in session.execute(
            select(FollowUp.referral_id, FollowUp.weeks).where(
                FollowUp.referral_id.in_([c.id for c in candidates])
            )
        )
    }
    opened = 0
    table = FollowUp.__table__
    for referral_id, accepted_at, owner_id in candidates:
        assert accepted_at is not None
        accepted_on = local_date(accepted_at)
        for n in weeks:
            due_on = accepted_on + dt.timedelta(weeks=n)
            if due_on > today or (referral_id, n) in existing:
                continue
            statement = (
                upsert_insert(session, table)  # type: ignore[arg-type]
                .values(referral_id=referral_id, weeks=n, due_on=due_on, owner_id=owner_id)
                .on_conflict_do_nothing(index_elements=["referral_id", "weeks"])
                .returning(table.c.id)
            )
            # RETURNING says whether the row went in (rowcount is not reliable here).
            opened += len(session.execute(statement).all())
    session.flush()
    return opened


def mark_no_response(session: Session, now: dt.datetime, days: int) -> int:
    """Move referrals sent ``days`` or more days ago and still unanswered to no_response."""
    cutoff = now - dt.timedelta(days=days)
    referrals = session.scalars(
        select(Referral)
        .join(Case, Case.id == Referral.case_id)
        .where(Referral.state == S.SENT, Referral.sent_at <= cutoff, Case.erased_at.is_(None))
        .order_by(Referral.id)
        # A second scheduler by mistake passes over the rows the first is moving (PostgreSQL;
        # SQLite writes one transaction at a time anyway).
        .with_for_update(of=Referral, skip_locked=True)
    ).all()
    for referral in referrals:
        service.move(session, referral, S.NO_RESPONSE, SYSTEM, now)
    return len(referrals)


# ---- the link worker's side ---------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpItem:
    """One follow-up as the link worker's list shows it (personal data: their team only)."""

    id: int
    referral_id: int
    case_id: int
    group_name: str | None
    reference: str | None
    initials: str | None
    weeks: int
    due_on: dt.date
    overdue: bool
    state: ReferralState
    asks: tuple[Ask, ...]
    done_at: dt.datetime | None = None


def asks_for(state: ReferralState) -> tuple[Ask, ...]:
    """What to ask, given where the referral stands: whether they went (unless the group or
    an earlier call said so), whether they are still going, and the wellbeing questions."""
    if state in (S.ATTENDED, S.STILL_GOING):
        return (Ask.STILL_GOING, Ask.WELLBEING)
    return (Ask.ATTENDED, Ask.STILL_GOING, Ask.WELLBEING)


def _items(rows: Any, today: dt.date) -> list[FollowUpItem]:
    return [
        FollowUpItem(
            id=follow_up.id,
            referral_id=referral.id,
            case_id=case.id,
            group_name=group_name,
            reference=case.reference,
            initials=case.initials,
            weeks=follow_up.weeks,
            due_on=follow_up.due_on,
            overdue=follow_up.done_at is None and today > follow_up.due_on + OVERDUE_AFTER,
            state=referral.state,
            asks=asks_for(referral.state),
            done_at=follow_up.done_at,
        )
        for follow_up, referral, case, group_name in rows
    ]


def _open_follow_ups(user: User) -> Any:
    statement = (
        select(FollowUp, Referral, Case, Group.name)
        .join(Referral, Referral.id == FollowUp.referral_id)
        .join(Case, Case.id == Referral.case_id)
        .outerjoin(Group, Group.id == Referral.group_id)
        .where(
            FollowUp.done_at.is_(None),
            Case.erased_at.is_(None),
            Referral.state.in_(OPEN_STATES),
        )
    )
    if user.role is not Role.ADMIN:
        statement = statement.where(FollowUp.owner_id == user.id)
    return statement


def follow_ups_for(
    session: Session, user: User, today: dt.date, *, limit: int = 200
) -> list[FollowUpItem]:
    """The open follow-ups ``user`` owes (all of them for an admin), soonest due first."""
    if not works_with_cases(user):
        return []
    rows = session.execute(
        _open_follow_ups(user).order_by(FollowUp.due_on, FollowUp.id).limit(limit)
    ).all()
    return _items(rows, today)


def count_due(session: Session, user: User) -> int:
    """How many open follow-ups ``user`` owes (for the navigation's count)."""
    if not works_with_cases(user):
        return 0
    inner = _open_follow_ups(user).with_only_columns(FollowUp.id).subquery()
    return session.scalar(select(func.count()).select_from(inner)) or 0


@dataclass(frozen=True)
class FollowUpDetail:
    """One follow-up's page: the item and the start-of-case scores to compare with."""

    item: FollowUpItem
    start: Scores | None


def _follow_up(
    session: Session, user: User, follow_up_id: int, now: dt.datetime, record: bool
) -> tuple[FollowUp, Referral, Case]:
    follow_up = session.get(FollowUp, follow_up_id)
    referral = session.get(Referral, follow_up.referral_id) if follow_up else None
    if follow_up is None or referral is None or referral.case.erased_at is not None:
        raise NotFound("There is no such follow-up, or it is not one of your team's")
    try:
        case = case_for(session, user, referral.case_id, now, record=record)
    except NotFound:
        raise NotFound("There is no such follow-up, or it is not one of your team's") from None
    return follow_up, referral, case


def follow_up_detail(
    session: Session, user: User, follow_up_id: int, now: dt.datetime, *, record: bool = True
) -> FollowUpDetail:
    """A follow-up of the user's team (NotFound otherwise); opening it is audited unless
    ``record`` is false (the form shown again after a wrong answer)."""
    follow_up, referral, case = _follow_up(session, user, follow_up_id, now, record=record)
    group = session.get(Group, referral.group_id) if referral.group_id else None
    item = _items([(follow_up, referral, case, group.name if group else None)], local_date(now))
    return FollowUpDetail(item[0], Scores.of(start_row(session, case.id)))


@dataclass(frozen=True)
class Outcome:
    """What the person said on the call; None is "not asked"."""

    attended: bool | None = None
    still_going: bool | None = None
    stop_reason: StopReason | None = None
    reason_text: str = ""
    scores: Scores = field(default_factory=Scores)


def parse_outcome(data: Mapping[str, Any]) -> Outcome:
    """The follow-up form (or JSON): ``attended`` and ``still_going`` each yes, no or
    not_asked, ``stop_reason`` when they stopped, and the scores (``parse_scores``)."""
    attended = _yes_no(data.get("attended"), "attended")
    still_going = _yes_no(data.get("still_going"), "still_going")
    stop_reason = None
    raw_reason = data.get("stop_reason") or ""
    if still_going is False:
        try:
            stop_reason = StopReason(raw_reason)
        except ValueError:
            raise ValidationError("Say why they stopped going", field="stop_reason") from None
    reason_text = data.get("reason_text") or ""
    if not isinstance(reason_text, str):
        raise ValidationError("must be text", field="reason_text")
    if len(reason_text.strip()) > service.REASON_LIMIT:
        raise ValidationError(
            f"must be at most {service.REASON_LIMIT} characters", field="reason_text"
        )
    return Outcome(
        attended=attended,
        still_going=still_going,
        stop_reason=stop_reason,
        reason_text=reason_text.strip() if still_going is False else "",
        scores=parse_scores(data),
    )


def _yes_no(raw: Any, field: str) -> bool | None:
    if isinstance(raw, bool):
        return raw
    try:
        answer = Answer(raw if raw is not None else "")
    except ValueError:
        raise ValidationError("Choose yes, no or not asked", field=field) from None
    return {Answer.YES: True, Answer.NO: False, Answer.NOT_ASKED: None}[answer]


def _moves(state: ReferralState, outcome: Outcome) -> list[ReferralState]:
    """The moves the answers call for, from ``state``, checked before any is made."""
    moves: list[ReferralState] = []
    went = state in (S.ATTENDED, S.STILL_GOING)
    if outcome.attended is False and went:
        raise ValidationError(
            "The referral already says they went along: choose yes or not asked", field="attended"
        )
    if outcome.attended is True and not went:
        moves.append(S.ATTENDED)
        went = True
    elif outcome.attended is False and state is S.ACCEPTED:
        moves.append(S.DID_NOT_ATTEND)
    if outcome.still_going is not None and not went:
        if outcome.attended is False and outcome.still_going is False:
            return moves  # they never went: nothing to stop
        raise ValidationError(
            "Say they went along before saying whether they are still going", field="still_going"
        )
    current = moves[-1] if moves else state
    if outcome.still_going is True and current is not S.STILL_GOING:
        moves.append(S.STILL_GOING)
    elif outcome.still_going is False:
        moves.append(S.STOPPED)
    for before, after in zip([state, *moves], moves, strict=False):
        check_move(before, after, ActorKind.LINK_WORKER)
    return moves


def record_follow_up(
    session: Session, user: User, follow_up_id: int, outcome: Outcome, now: dt.datetime
) -> FollowUp:
    """Save the call: the answers, the referral's moves (as ``user``), the scores as a
    follow-up ``Wellbeing`` row, and the follow-up done. NotFound for another team's,
    Conflict for one already done or a referral that has ended; every check comes before
    the first write, so nothing is written when it raises."""
    follow_up, referral, case = _follow_up(session, user, follow_up_id, now, record=False)
    if follow_up.done_at is not None:
        raise Conflict("This follow-up was recorded already", field="follow_up")
    if referral.state in FINAL:
        raise Conflict(
            "This referral has ended: there is nothing more to record", field="follow_up"
        )
    for to in _moves(referral.state, outcome):
        service.move_as(
            session,
            user,
            referral.id,
            to,
            now,
            stop_reason=outcome.stop_reason if to is S.STOPPED else None,
            reason_text=outcome.reason_text if to is S.STOPPED else "",
        )
    follow_up.attended = outcome.attended
    follow_up.still_going = outcome.still_going
    follow_up.done_at = now
    session.add(wellbeing_row(case.id, outcome.scores, WellbeingStage.FOLLOW_UP, now, follow_up.id))
    touch(case, now)
    session.flush()
    return follow_up
