"""The organiser's referrals (``/my/referrals``) and pausing a group's referrals.

An organiser with an account sees the referrals to their organisations' groups (initials, how
the person would like to be contacted, access needs, state and date; never the notes) and
makes the moves the state machine gives organisers: accept, waiting list, decline with a
reason, went along or did not go. Each move posts the referral's version, so a move made on a
page opened before someone else's is refused rather than lost.

Pausing referrals is a small form on the dashboard; a bad date comes back on a page of its
own, with the error beside the field.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from assetmap.errors import AssetmapError, Conflict, Forbidden, NotFound, ValidationError
from assetmap.models import DeclineReason, Group, ReferralState, Role
from assetmap.referrals.pause import latest_pause, pausable_group, pause_referrals, paused_until
from assetmap.referrals.service import OrganiserView, move_as, referrals_for_organiser
from assetmap.referrals.states import ActorKind, allowed_moves
from assetmap.web.auth import acting_user, roles_required
from assetmap.web.context import db_session, now, referral_settings, today
from assetmap.web.converters import parse_whole
from assetmap.web.manage.referral_words import (
    NEXT_STEPS,
    NOTE_HINT,
    NOTES_NEVER,
    PAUSE_EXPLAINED,
    PAUSE_HINT,
    PAUSED_FLASH,
    paused_words,
    sent_words,
)
from assetmap.web.manage.views import manage
from assetmap.web.referral_words import DECLINE_REASON, MOVE, STATE, TAG
from assetmap.web.security import no_store

S = ReferralState
organisers = roles_required(Role.ORGANISER)
organisers_and_admins = roles_required(Role.ORGANISER, Role.ADMIN)


def _moves(view: OrganiserView) -> list[tuple[str, str]]:
    return [(to.value, MOVE[to]) for to in allowed_moves(view.state, ActorKind.ORGANISER)]


def _render(
    error: AssetmapError | None = None, error_for: int | None = None, status: int = 200
) -> ResponseReturnValue:
    views = referrals_for_organiser(db_session(), acting_user())
    return render_template(
        "manage/referrals.html",
        referrals=[(view, _moves(view)) for view in views],
        error=error,
        error_for=error_for,
        chosen_reason=request.form.get("reason", "") if error else "",
        note=request.form.get("note", "") if error else "",
        reasons=[(reason.value, DECLINE_REASON[reason]) for reason in DeclineReason],
        states=STATE,
        tags=TAG,
        sent=sent_words,
        note_hint=NOTE_HINT,
        notes_never=NOTES_NEVER,
    ), status


@manage.get("/referrals")
@no_store
@organisers
def referrals() -> ResponseReturnValue:
    return _render()


def _move_form() -> tuple[ReferralState, int, DeclineReason | None]:
    try:
        to = ReferralState(request.form.get("to", ""))
    except ValueError:
        raise ValidationError("Choose what to do with this referral", field="to") from None
    version = parse_whole(request.form.get("version"), low=0)
    if version is None:
        raise ValidationError("The page was not right: open it again", field="version")
    reason = None
    if to is S.DECLINED:
        try:
            reason = DeclineReason(request.form.get("reason", ""))
        except ValueError:
            raise ValidationError("Choose why you cannot take them", field="reason") from None
    return to, version, reason


@manage.post("/referrals/<id:referral_id>")
@no_store
@organisers
def move_referral(referral_id: int) -> ResponseReturnValue:
    session = db_session()
    try:
        to, version, reason = _move_form()
        moved = move_as(
            session,
            acting_user(),
            referral_id,
            to,
            now(),
            version=version,
            decline_reason=reason,
            reason_text=request.form.get("note", ""),
            public_url=referral_settings().public_url,
        )
    except NotFound:
        session.rollback()
        abort(404)
    except Forbidden as refused:
        session.rollback()
        flash(refused.message, "error")
        return redirect(url_for("manage.referrals"))
    except Conflict as conflict:
        session.rollback()
        return _render(conflict, referral_id, 409)
    except ValidationError as error:
        session.rollback()
        return _render(error, referral_id, 400)
    session.commit()
    # No initials here: a flashed message travels in the session cookie.
    title, next_steps = NEXT_STEPS.get(moved.state, ("Saved", ""))
    flash(f"{title}. {next_steps}".strip(), "success")
    return redirect(url_for("manage.referrals") + f"#referral-{referral_id}")


# ---- pausing referrals ----


def _pause_page(
    group: Group, error: ValidationError | None = None, status: int = 200
) -> ResponseReturnValue:
    day = today()
    return render_template(
        "manage/pause.html",
        group=group,
        error=error,
        typed=request.form.get("until", "") if error else "",
        paused=paused_words(paused_until(group, day), day),
        explained=PAUSE_EXPLAINED,
        hint=PAUSE_HINT,
        earliest=(day + dt.timedelta(days=1)).isoformat(),
        latest=latest_pause(day).isoformat(),
    ), status


def _editable(group_id: int) -> Group:
    try:
        return pausable_group(db_session(), acting_user(), group_id)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)


@manage.get("/groups/<id:group_id>/pause-referrals")
@organisers_and_admins
def pause_form(group_id: int) -> ResponseReturnValue:
    return _pause_page(_editable(group_id))


def _until() -> dt.date | None:
    if request.form.get("action") == "resume":
        return None
    typed = request.form.get("until", "").strip()
    if not typed:
        raise ValidationError("Enter the last day of the pause", field="until")
    try:
        return dt.date.fromisoformat(typed)
    except ValueError:
        raise ValidationError("Enter a real date, for example 2027-01-31", field="until") from None


@manage.post("/groups/<id:group_id>/pause-referrals")
@organisers_and_admins
def pause(group_id: int) -> ResponseReturnValue:
    session = db_session()
    try:
        group = pause_referrals(session, acting_user(), group_id, _until(), today())
    except NotFound:
        session.rollback()
        abort(404)
    except Forbidden:
        session.rollback()
        abort(403)
    except ValidationError as error:
        session.rollback()
        return _pause_page(_editable(group_id), error, 400)
    name, until = group.name, group.referrals_paused_until
    session.commit()
    if until is None:
        flash(f"{name} takes referrals again.", "success")
    else:
        flash(f"{name}: {paused_words(until, today()).lower()}. {PAUSED_FLASH}", "success")
    return redirect(url_for("manage.dashboard") + f"#group-{group_id}")
