"""Referrals: send a person to a group, hear back, and move the referral on.

``refer`` makes a referral from a case (the link worker's side) and queues the group's email
in the same transaction; ``move`` makes any move the state machine allows (``states``) for
whoever asks, with a record of who and when; ``answer_by_link`` is the organiser's answer
through the emailed link, with no account. The email carries no personal data: the link's page
shows the organiser the person's initials, how they like to be contacted and their access
needs, and never the case notes (``OrganiserView``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from assetmap.accounts.users import Permissions
from assetmap.config import Config
from assetmap.errors import Conflict, Forbidden, NotFound, ValidationError
from assetmap.models import (
    Case,
    DeclineReason,
    Group,
    Referral,
    ReferralEvent,
    ReferralState,
    Role,
    Status,
    StopReason,
    User,
)
from assetmap.outbox.services import queue_email
from assetmap.referrals.cases import case_for, signature, touch, works_with_cases
from assetmap.referrals.links import LinkGone, ReferralLinks
from assetmap.referrals.notify import tell_link_worker
from assetmap.referrals.states import (
    ANSWERS,
    ENDED,
    FINAL,
    NEEDS_REASON,
    PENDING,
    Actor,
    ActorKind,
    check_move,
)

S = ReferralState
REASON_LIMIT = 500


@dataclass(frozen=True)
class ReferralSettings:
    """What referrals are configured with, and how their links are signed."""

    hold_days: int
    no_response_days: int
    links: ReferralLinks
    public_url: str

    @classmethod
    def of(cls, config: Config, secret: str) -> ReferralSettings:
        return cls(
            hold_days=config.referral_hold_days,
            no_response_days=config.referral_no_response_days,
            links=ReferralLinks(secret, config.referral_link_days),
            public_url=config.public_url,
        )

    def answer_url(self, referral_id: int, now: dt.datetime) -> str:
        return f"{self.public_url.rstrip('/')}/referral/{self.links.token(referral_id, now)}"


@dataclass(frozen=True)
class Referred:
    """A referral made, and whether its group could be told by email."""

    referral: Referral
    emailed: bool


def actor_for(user: User) -> Actor:
    if user.role is Role.ORGANISER:
        return Actor(ActorKind.ORGANISER, f"{signature(user)} (organiser)", user.id)
    if user.role in (Role.LINK_WORKER, Role.ADMIN):
        label = "link worker" if user.role is Role.LINK_WORKER else "admin"
        return Actor(ActorKind.LINK_WORKER, f"{signature(user)} ({label})", user.id)
    raise Forbidden("Only link workers, admins and the group's organisers change referrals")


# ---- making one ----


def refer(
    session: Session,
    user: User,
    case_id: int,
    group_id: int,
    now: dt.datetime,
    settings: ReferralSettings,
) -> Referred:
    """Refer the case's person to the group: refused (with why) for a group that is closed,
    paused, takes no referrals from link workers or has paused referrals, and for a group the
    person already has a live referral to."""
    case = case_for(session, user, case_id, now, record=False)
    group = session.get(Group, group_id)
    if group is None:
        raise NotFound("There is no such group", field="group_id")
    _check_group_takes_referrals(group, now.date())
    open_one = session.scalar(
        select(Referral.id).where(
            Referral.case_id == case.id,
            Referral.group_id == group.id,
            Referral.state.not_in(ENDED),
        )
    )
    if open_one is not None:
        raise Conflict(f"This person already has a referral to {group.name}", field="group_id")
    complexity = _complexity(case)
    referral = Referral(
        case_id=case.id,
        group_id=group.id,
        state=S.SENT,
        complex_needs=complexity > (group.complexity_supported or 1),
        category=group.categories[0].category.value if group.categories else None,
        sent_at=now,
        held_until=now + dt.timedelta(days=settings.hold_days),
        created_by_id=user.id,
        reason_text="",
    )
    session.add(referral)
    session.flush()
    actor = actor_for(user)
    _record(session, referral, None, S.SENT, actor, now, "")
    if group.id not in (case.shortlist or []):
        case.shortlist = [*(case.shortlist or []), group.id]
    touch(case, now)
    emailed = bool(group.contact_email)
    if emailed:
        assert group.contact_email is not None
        queue_email(
            session,
            group.contact_email,
            f"A referral to {group.name}",
            _email_body(group, user, settings, referral, now),
        )
    session.flush()
    return Referred(referral, emailed)


def _check_group_takes_referrals(group: Group, today: dt.date) -> None:
    if group.status in (Status.CLOSED, Status.PAUSED):
        raise Conflict(f"{group.name} is {group.status.value}: it is not taking anyone now")
    if group.link_worker_referral is False:
        raise Conflict(f"{group.name} does not take referrals from link workers")
    paused = group.referrals_paused_until
    if paused is not None and paused >= today:
        raise Conflict(
            f"{group.name} has paused referrals until {paused:%-d %B %Y}", field="group_id"
        )


def _complexity(case: Case) -> int:
    value = (case.profile or {}).get("complexity", 1)
    try:
        return max(1, min(3, int(value)))
    except (TypeError, ValueError):
        return 1


def _email_body(
    group: Group, user: User, settings: ReferralSettings, referral: Referral, now: dt.datetime
) -> str:
    return (
        f"Hello,\n\n{signature(user)}, a social prescribing link worker, has referred someone "
        f"to {group.name} through assetmap.\n\n"
        "Open this link to see their initials, how they would like you to get in touch and "
        "anything that would help them join in, and to say whether you can take them:\n\n"
        f"{settings.answer_url(referral.id, now)}\n\n"
        f"We hold a place for them for {settings.hold_days} days. The link works once, for "
        f"{settings.links.lifetime.days} days, and needs no account.\n\n"
        "Thank you,\nassetmap\n"
    )


# ---- moving one on ----


def move(
    session: Session,
    referral: Referral,
    to: ReferralState,
    actor: Actor,
    now: dt.datetime,
    *,
    decline_reason: DeclineReason | None = None,
    stop_reason: StopReason | None = None,
    reason_text: str = "",
) -> Referral:
    """Make one move, recorded with who and when; refused moves raise Conflict or Forbidden,
    a missing reason ValidationError. Nothing is written when it raises."""
    check_move(referral.state, to, actor.kind)
    reason_text = (reason_text or "").strip()
    if len(reason_text) > REASON_LIMIT:
        raise ValidationError(f"must be at most {REASON_LIMIT} characters", field="reason")
    if to is S.DECLINED and decline_reason is None:
        raise ValidationError("Say why the group cannot take them", field="reason")
    if to is S.STOPPED and stop_reason is None:
        raise ValidationError("Say why they stopped going", field="reason")
    if to not in NEEDS_REASON and (decline_reason or stop_reason):
        raise ValidationError("A reason goes only with declined or stopped", field="reason")
    before = referral.state
    referral.state = to
    referral.version += 1
    if to in ANSWERS and before in PENDING and referral.responded_at is None:
        referral.responded_at = now
    if to is S.ACCEPTED:
        referral.accepted_at = now
    if to is not S.SENT:
        referral.held_until = None
    if to is S.DECLINED:
        referral.decline_reason = decline_reason
    if to is S.STOPPED:
        referral.stop_reason = stop_reason
    if reason_text:
        referral.reason_text = reason_text
    referral.ended_at = now if to in ENDED else None
    _record(session, referral, before, to, actor, now, reason_text)
    touch(referral.case, now)
    session.flush()
    return referral


def _record(
    session: Session,
    referral: Referral,
    before: ReferralState | None,
    to: ReferralState,
    actor: Actor,
    now: dt.datetime,
    reason_text: str,
) -> None:
    session.add(
        ReferralEvent(
            referral_id=referral.id,
            from_state=before,
            to_state=to,
            user_id=actor.user_id,
            actor=actor.label,
            at=now,
            reason_text=reason_text,
        )
    )


def referral_for(session: Session, user: User, referral_id: int, now: dt.datetime) -> Referral:
    """The referral, if ``user`` may act on it: the case's team, or the group's organisers."""
    referral = session.get(Referral, referral_id)
    if referral is None or referral.case.erased_at is not None:
        raise NotFound("There is no such referral")
    if works_with_cases(user):
        case_for(session, user, referral.case_id, now, record=False)
        return referral
    if user.role is Role.ORGANISER and _organises(session, user, referral.group_id):
        return referral
    raise NotFound("There is no such referral")


def _organises(session: Session, user: User, group_id: int | None) -> bool:
    group = session.get(Group, group_id) if group_id is not None else None
    return group is not None and Permissions.of(session, user).may_edit(group)


def move_as(
    session: Session,
    user: User,
    referral_id: int,
    to: ReferralState,
    now: dt.datetime,
    *,
    version: int | None = None,
    decline_reason: DeclineReason | None = None,
    stop_reason: StopReason | None = None,
    reason_text: str = "",
    public_url: str | None = None,
) -> Referral:
    """A signed-in user's move: the case's team or the group's organiser. ``version``, when
    given, must be the referral's current one (Conflict otherwise: someone moved it first).
    With ``public_url`` (``ReferralSettings.public_url``), an organiser's answer is emailed
    to the referring link worker (``notify``)."""
    referral = referral_for(session, user, referral_id, now)
    if version is not None and version != referral.version:
        raise Conflict("Someone else changed this referral first: look again", field="version")
    actor = actor_for(user)
    move(
        session,
        referral,
        to,
        actor,
        now,
        decline_reason=decline_reason,
        stop_reason=stop_reason,
        reason_text=reason_text,
    )
    if actor.kind is ActorKind.ORGANISER and public_url is not None:
        tell_link_worker(session, referral, public_url)
    return referral


# ---- the organiser's emailed link -------------------------------------------------------------


@dataclass(frozen=True)
class OrganiserView:
    """What an organiser sees of a referral: enough to make contact, never the case notes."""

    referral_id: int
    group_id: int | None
    group_name: str
    state: ReferralState
    sent_at: dt.datetime
    initials: str | None
    contact_preference: str | None
    access_needs: str | None
    referred_by: str
    version: int


def organiser_view(referral: Referral, group: Group | None) -> OrganiserView:
    case = referral.case
    first = referral.events[0] if referral.events else None
    return OrganiserView(
        referral_id=referral.id,
        group_id=referral.group_id,
        group_name=group.name if group else "a group no longer listed",
        state=referral.state,
        sent_at=referral.sent_at,
        initials=case.initials,
        contact_preference=case.contact_preference,
        access_needs=case.access_needs,
        referred_by=first.actor if first else "a link worker",
        version=referral.version,
    )


def view_by_link(
    session: Session, token: str, settings: ReferralSettings, now: dt.datetime
) -> OrganiserView:
    """The referral behind an emailed link, while the link may still be used."""
    referral = _linked(session, token, settings, now)
    return organiser_view(referral, session.get(Group, referral.group_id))


def answer_by_link(
    session: Session,
    token: str,
    to: ReferralState,
    settings: ReferralSettings,
    now: dt.datetime,
    *,
    decline_reason: DeclineReason | None = None,
    reason_text: str = "",
) -> OrganiserView:
    """The organiser's answer through the link: accept, waiting list or decline, once."""
    if to not in ANSWERS:
        raise ValidationError("Choose accept, waiting list or decline", field="answer")
    referral = _linked(session, token, settings, now)
    group = session.get(Group, referral.group_id)
    actor = Actor(ActorKind.ORGANISER, f"{group.name if group else 'the group'} (by emailed link)")
    move(session, referral, to, actor, now, decline_reason=decline_reason, reason_text=reason_text)
    used: CursorResult = session.execute(  # type: ignore[assignment]
        update(Referral)
        .where(Referral.id == referral.id, Referral.link_used_at.is_(None))
        .values(link_used_at=now)
    )
    if used.rowcount != 1:
        raise LinkGone("This link was used already: it works once", field="token")
    tell_link_worker(session, referral, settings.public_url)
    return organiser_view(referral, group)


def _linked(session: Session, token: str, settings: ReferralSettings, now: dt.datetime) -> Referral:
    referral = session.get(Referral, settings.links.referral_id(token, now))
    if referral is None or referral.case.erased_at is not None:
        raise LinkGone("This referral is no longer open", field="token")
    if referral.link_used_at is not None:
        raise LinkGone(
            "This link was used already: it works once. Sign in to see your referrals, or "
            "contact the link worker",
            field="token",
        )
    if referral.state in FINAL or referral.state not in PENDING:
        raise LinkGone(
            f"This referral is {referral.state.value.replace('_', ' ')} already", field="token"
        )
    return referral


def referrals_for_organiser(
    session: Session, user: User, *, limit: int = 200
) -> list[OrganiserView]:
    """The referrals to the groups an organiser manages, newest first."""
    permissions = Permissions.of(session, user)
    if user.role is not Role.ORGANISER or not permissions.organisation_ids:
        return []
    rows = session.execute(
        select(Referral, Group)
        .join(Group, Group.id == Referral.group_id)
        .join(Case, Case.id == Referral.case_id)
        .where(
            Group.organisation_id.in_(permissions.organisation_ids),
            Case.erased_at.is_(None),
        )
        .order_by(Referral.sent_at.desc(), Referral.id.desc())
        .limit(limit)
    ).all()
    return [organiser_view(referral, group) for referral, group in rows]
