"""The referrals endpoints: cases, referrals to groups, and their moves, with a token.

The same rules as the pages, because the same domain calls make them: ``cases.case_for``
(the case's team and admins only; anyone else is told "not found"), ``service.refer`` and
``service.move_as`` (the state machine, who may make which move, the version). An organiser's
token sees the referrals to their groups, in the organiser's view: the person's initials, how
they like to be contacted and their access needs, never the notes or the reference. URLs carry
ids only; nothing personal goes in one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from assetmap.errors import AssetmapError, ValidationError
from assetmap.models import (
    Case,
    DeclineReason,
    Group,
    Referral,
    ReferralEvent,
    ReferralState,
    Role,
    StopReason,
    User,
)
from assetmap.referrals.case_api import case_page, check_fields, patch_case
from assetmap.referrals.cases import case_for, open_case, parse_case
from assetmap.referrals.service import actor_for, move_as, refer, referral_for
from assetmap.referrals.states import ActorKind, allowed_moves
from assetmap.web.api.tokens import token_user_of
from assetmap.web.context import db_session, now, referral_settings
from assetmap.web.converters import parse_whole
from assetmap.web.inputs import request_json
from assetmap.web.security import no_store

CASE_ROLES = (Role.LINK_WORKER, Role.ADMIN)
REFERRAL_ROLES = (Role.LINK_WORKER, Role.ADMIN, Role.ORGANISER)
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
_INT_MAX = 2**31 - 1
T = TypeVar("T")
E = TypeVar("E", ReferralState, DeclineReason, StopReason)


# ---- cases ----


@no_store
def list_cases() -> ResponseReturnValue:
    """GET /cases: the token's user's cases, most recently active first, a page at a time."""
    session = db_session()
    user = token_user_of(session, CASE_ROLES)
    limit = _int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, _INT_MAX)
    page = case_page(session, user, offset=offset, limit=limit)
    return _private(
        {
            "cases": [_case_summary(case) for case in page.cases],
            "total": page.total,
            "limit": limit,
            "offset": offset,
        }
    )


@no_store
def create_case() -> ResponseReturnValue:
    """POST /cases: open a case for the token's user's team (201, with the case)."""
    session = db_session()
    user = token_user_of(session, CASE_ROLES)
    body = _json_object("the case's fields")
    check_fields(body)
    case = _written(lambda: open_case(session, user, parse_case(body), now()))
    response = _private(_case_json(case, user), 201)
    response.headers["Location"] = url_for("api.show_case", case_id=case.id)
    return response


@no_store
def show_case(case_id: int) -> ResponseReturnValue:
    """GET /cases/{id}: the case, its referrals and their events (the opening is audited)."""
    session = db_session()
    user = token_user_of(session, CASE_ROLES)
    case = _written(lambda: case_for(session, user, case_id, now()))
    return _private(_case_json(case, user))


@no_store
def change_case(case_id: int) -> ResponseReturnValue:
    """PATCH /cases/{id}: change some of the case's fields (a JSON merge patch)."""
    session = db_session()
    user = token_user_of(session, CASE_ROLES)
    body = _json_object("the fields to change")
    case = _written(lambda: patch_case(session, user, case_id, body, now()))
    return _private(_case_json(case, user))


@no_store
def create_referral(case_id: int) -> ResponseReturnValue:
    """POST /cases/{id}/referrals ``{"group_id": 17}``: refer the person (201)."""
    session = db_session()
    user = token_user_of(session, CASE_ROLES)
    body = _json_object('the group, as {"group_id": 17}')
    group_id = _int_field(body, "group_id", required=True)
    assert group_id is not None
    referred = _written(lambda: refer(session, user, case_id, group_id, now(), referral_settings()))
    response = _private(
        {**_referral_json(referred.referral, user), "emailed": referred.emailed}, 201
    )
    response.headers["Location"] = url_for("api.show_referral", referral_id=referred.referral.id)
    return response


# ---- referrals ----


@no_store
def show_referral(referral_id: int) -> ResponseReturnValue:
    """GET /referrals/{id}: the case's team, or the group's organiser (organiser view)."""
    session = db_session()
    user = token_user_of(session, REFERRAL_ROLES)
    referral = referral_for(session, user, referral_id, now())
    return _private(_referral_json(referral, user))


@no_store
def move_referral(referral_id: int) -> ResponseReturnValue:
    """POST /referrals/{id}/transitions: one move of the state machine, from ``version``."""
    session = db_session()
    user = token_user_of(session, REFERRAL_ROLES)
    body = _json_object('the move, as {"to": "accepted", "version": 3}')
    unknown = sorted(set(body) - {"to", "reason", "reason_text", "version"})
    if unknown:
        raise ValidationError("a move has to, reason, reason_text and version", field=unknown[0])
    to = _choice(body, "to", ReferralState)
    version = _int_field(body, "version", required=True)
    reason_text = body.get("reason_text") or ""
    if not isinstance(reason_text, str):
        raise ValidationError("must be text", field="reason_text")
    decline_reason = stop_reason = None
    if body.get("reason") is not None:
        if to is ReferralState.DECLINED:
            decline_reason = _choice(body, "reason", DeclineReason)
        elif to is ReferralState.STOPPED:
            stop_reason = _choice(body, "reason", StopReason)
        else:
            raise ValidationError("A reason goes only with declined or stopped", field="reason")
    referral = _written(
        lambda: move_as(
            session,
            user,
            referral_id,
            to,
            now(),
            version=version,
            decline_reason=decline_reason,
            stop_reason=stop_reason,
            reason_text=reason_text,
            public_url=referral_settings().public_url,
        )
    )
    return _private(_referral_json(referral, user))


# ---- reading requests ----


def _json_object(what: str) -> dict[str, Any]:
    body = request_json()
    if not isinstance(body, dict):
        raise ValidationError(f"send {what} as a JSON object (Content-Type: application/json)")
    return body


def _int_field(body: dict[str, Any], name: str, *, required: bool) -> int | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ValidationError("is required", field=name)
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _INT_MAX:
        raise ValidationError("must be a whole number from 1", field=name)
    return value


def _choice(body: dict[str, Any], name: str, kind: type[E]) -> E:
    value = body.get(name)
    choices = ", ".join(member.value for member in kind)
    if not isinstance(value, str) or value not in {member.value for member in kind}:
        raise ValidationError(f"must be one of {choices}", field=name)
    return kind(value)


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    value = parse_whole(raw, low=low, high=high)
    if value is None:
        raise ValidationError(f"must be a whole number from {low} to {high}", field=name)
    return value


def _written(write: Callable[[], T]) -> T:
    """Run a domain call that writes and commit it; on any refusal nothing is kept."""
    session = db_session()
    try:
        result = write()
    except AssetmapError:
        session.rollback()
        raise
    session.commit()
    return result


def _private(body: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    # Personal data: never kept by a cache on the way.
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Authorization")
    return response


# ---- the JSON shapes (openapi_referrals describes them) ----


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _case_summary(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "reference": case.reference,
        "initials": case.initials,
        "team": case.team,
        "created_at": _when(case.created_at),
        "last_activity_at": _when(case.last_activity_at),
        "referrals": [
            {"id": r.id, "group_id": r.group_id, "state": r.state.value} for r in case.referrals
        ],
    }


def _case_json(case: Case, user: User) -> dict[str, Any]:
    return {
        "id": case.id,
        "reference": case.reference,
        "initials": case.initials,
        "postcode": case.postcode,
        "contact_preference": case.contact_preference,
        "access_needs": case.access_needs,
        "notes": case.notes,
        "profile": case.profile,
        "shortlist": list(case.shortlist or []),
        "area_code": case.area_code,
        "team": case.team,
        "created_at": _when(case.created_at),
        "last_activity_at": _when(case.last_activity_at),
        "referrals": [_referral_json(referral, user) for referral in case.referrals],
    }


def _referral_json(referral: Referral, user: User) -> dict[str, Any]:
    kind = actor_for(user).kind
    group = db_session().get(Group, referral.group_id) if referral.group_id else None
    shown: dict[str, Any] = {
        "id": referral.id,
        "case_id": referral.case_id,
        "group": {"id": group.id, "name": group.name} if group else None,
        "state": referral.state.value,
        "allowed_moves": [state.value for state in allowed_moves(referral.state, kind)],
        "sent_at": _when(referral.sent_at),
        "held_until": _when(referral.held_until),
        "responded_at": _when(referral.responded_at),
        "accepted_at": _when(referral.accepted_at),
        "ended_at": _when(referral.ended_at),
        "decline_reason": referral.decline_reason.value if referral.decline_reason else None,
        "stop_reason": referral.stop_reason.value if referral.stop_reason else None,
        "reason_text": referral.reason_text,
        "version": referral.version,
        "events": [_event_json(event) for event in referral.events],
    }
    if kind is ActorKind.ORGANISER:
        case = referral.case
        # What the organiser needs to make contact, and nothing else of the case.
        shown["person"] = {
            "initials": case.initials,
            "contact_preference": case.contact_preference,
            "access_needs": case.access_needs,
        }
    return shown


def _event_json(event: ReferralEvent) -> dict[str, Any]:
    return {
        "from": event.from_state.value if event.from_state else None,
        "to": event.to_state.value,
        "by": event.actor,
        "at": _when(event.at),
        "reason_text": event.reason_text,
    }
