"""Cases: one person a link worker supports, held pseudonymously, seen only by their team.

A case needs only the scheme's own reference. Initials, a postcode, how the person likes to
be contacted and what would help them join in are optional; the notes are personal data. No
name, date of birth or NHS number is asked for, and a reference that looks like an NHS
number (ten digits) is refused, so one cannot slip in by habit.

Who sees a case: the link worker who opened it, the link workers of the same team, and
admins. Organisers and community builders never do; a case they may not see is "not found",
so its existence does not leak. Every opening is written to ``case_access``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from assetmap.errors import Forbidden, NotFound, ValidationError
from assetmap.geo.postcodes import is_postcode, normalise_postcode
from assetmap.models import Case, CaseAccess, CaseAction, Postcode, Role, User

#: What a case is made of: every one of them is personal data, blanked on erasure.
CASE_FIELDS = (
    "reference",
    "initials",
    "postcode",
    "contact_preference",
    "access_needs",
    "notes",
    "profile",
    "shortlist",
)
#: Longest free text each field takes (the columns' sizes).
LIMITS = {"reference": 40, "initials": 5, "contact_preference": 300, "access_needs": 500}
NOTES_LIMIT = 5000
SHORTLIST_LIMIT = 50
_NHS_NUMBER = re.compile(r"\d{3}\s*-?\s*\d{3}\s*-?\s*\d{4}")
_INITIALS = re.compile(r"[A-Za-z][A-Za-z .'-]*")


@dataclass(frozen=True)
class CaseIn:
    """A case as a link worker types it, checked."""

    reference: str
    initials: str = ""
    postcode: str = ""
    contact_preference: str = ""
    access_needs: str = ""
    notes: str = ""
    profile: Mapping[str, Any] | None = None
    shortlist: tuple[int, ...] = field(default_factory=tuple)


def parse_case(data: Mapping[str, Any]) -> CaseIn:
    """Check what a form or the API sent; ValidationError names the first field at fault."""

    def text(name: str, limit: int) -> str:
        value = data.get(name) or ""
        if not isinstance(value, str):
            raise ValidationError("must be text", field=name)
        value = value.strip()
        if len(value) > limit:
            raise ValidationError(f"must be at most {limit} characters", field=name)
        return value

    reference = text("reference", LIMITS["reference"])
    if not reference:
        raise ValidationError("Give the scheme's reference for this person", field="reference")
    if _NHS_NUMBER.fullmatch(reference):
        raise ValidationError(
            "This looks like an NHS number: use your scheme's own reference instead",
            field="reference",
        )
    initials = text("initials", LIMITS["initials"])
    if initials and not _INITIALS.fullmatch(initials):
        raise ValidationError("Initials are letters only, like J.S.", field="initials")
    postcode = text("postcode", 8)
    if postcode:
        if not is_postcode(postcode):
            raise ValidationError("must be a full UK postcode like NW5 1AA", field="postcode")
        postcode = normalise_postcode(postcode)
    profile = data.get("profile")
    if profile is not None and not isinstance(profile, Mapping):
        raise ValidationError("must be the match's details", field="profile")
    return CaseIn(
        reference=reference,
        initials=initials,
        postcode=postcode,
        contact_preference=text("contact_preference", LIMITS["contact_preference"]),
        access_needs=text("access_needs", LIMITS["access_needs"]),
        notes=text("notes", NOTES_LIMIT),
        profile=dict(profile) if profile else None,
        shortlist=_shortlist(data.get("shortlist")),
    )


def _shortlist(value: Any) -> tuple[int, ...]:
    if value in (None, ""):
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ValidationError("must be a list of group ids", field="shortlist")
    ids: list[int] = []
    for item in value:
        try:
            number = int(item)
        except (TypeError, ValueError):
            raise ValidationError("must be a list of group ids", field="shortlist") from None
        if not 1 <= number < 2**31:
            raise ValidationError("must be a list of group ids", field="shortlist")
        if number not in ids:
            ids.append(number)
    if len(ids) > SHORTLIST_LIMIT:
        raise ValidationError(f"can hold at most {SHORTLIST_LIMIT} groups", field="shortlist")
    return tuple(ids)


# ---- who sees what ----


def works_with_cases(user: User | None) -> bool:
    """Link workers and admins open cases; nobody else ever sees one."""
    return user is not None and user.active and user.role in (Role.LINK_WORKER, Role.ADMIN)


def may_open(user: User | None, case: Case) -> bool:
    if not works_with_cases(user):
        return False
    assert user is not None
    if user.role is Role.ADMIN:
        return True
    return case.owner_id == user.id or (bool(user.team) and case.team == user.team)


def signature(user: User) -> str:
    return user.name or user.email


def audit(
    session: Session, user: User | None, case_id: int, action: CaseAction, now: dt.datetime
) -> None:
    session.add(
        CaseAccess(
            case_id=case_id,
            user_id=user.id if user else None,
            user_name=signature(user) if user else "assetmap",
            action=action,
            at=now,
        )
    )


# ---- use cases ----


def open_case(session: Session, user: User, data: CaseIn, now: dt.datetime) -> Case:
    """A new case owned by ``user`` for their team; Conflict-free: a reference already used in
    the team is a ValidationError naming it."""
    if not works_with_cases(user):
        raise Forbidden("Only link workers open cases")
    _check_reference_free(session, user.team, data.reference, None)
    case = Case(owner_id=user.id, team=user.team or None, created_at=now, last_activity_at=now)
    _apply(session, case, data)
    session.add(case)
    session.flush()
    audit(session, user, case.id, CaseAction.CHANGED, now)
    return case


def update_case(session: Session, user: User, case_id: int, data: CaseIn, now: dt.datetime) -> Case:
    case = case_for(session, user, case_id, now, record=False)
    _check_reference_free(session, case.team, data.reference, case.id)
    _apply(session, case, data)
    case.last_activity_at = now
    audit(session, user, case.id, CaseAction.CHANGED, now)
    session.flush()
    return case


def case_for(
    session: Session, user: User | None, case_id: int, now: dt.datetime, *, record: bool = True
) -> Case:
    """The case, if ``user`` may see it (NotFound otherwise, or once it is erased); each
    reading is audited unless ``record`` is false (a write audits itself)."""
    case = session.get(Case, case_id)
    if case is None or case.erased_at is not None or not may_open(user, case):
        raise NotFound("There is no such case, or it is not one of your team's")
    if record:
        audit(session, user, case.id, CaseAction.OPENED, now)
    return case


def cases_for(session: Session, user: User, *, limit: int = 200) -> list[Case]:
    """The cases ``user`` may see that are not erased, most recently active first."""
    if not works_with_cases(user):
        return []
    statement = select(Case).where(Case.erased_at.is_(None))
    if user.role is not Role.ADMIN:
        mine = Case.owner_id == user.id
        statement = statement.where(or_(mine, Case.team == user.team) if user.team else mine)
    return list(
        session.scalars(
            statement.order_by(Case.last_activity_at.desc(), Case.id.desc()).limit(limit)
        )
    )


def touch(case: Case, now: dt.datetime) -> None:
    """Something happened on the case: retention counts from now."""
    case.last_activity_at = now


def _apply(session: Session, case: Case, data: CaseIn) -> None:
    case.reference = data.reference
    case.initials = data.initials or None
    case.postcode = data.postcode or None
    case.contact_preference = data.contact_preference or None
    case.access_needs = data.access_needs or None
    case.notes = data.notes or None
    case.profile = dict(data.profile) if data.profile else None
    case.shortlist = list(data.shortlist)
    case.area_code = (
        session.scalar(select(Postcode.area_code).where(Postcode.postcode == data.postcode))
        if data.postcode
        else None
    )


def _check_reference_free(
    session: Session, team: str | None, reference: str, own_id: int | None
) -> None:
    statement = select(Case.id).where(Case.reference == reference, Case.erased_at.is_(None))
    statement = statement.where(Case.team == team if team else Case.team.is_(None))
    if own_id is not None:
        statement = statement.where(Case.id != own_id)
    if session.scalar(statement.limit(1)) is not None:
        raise ValidationError(
            f"Your team already has a case with the reference {reference}", field="reference"
        )
