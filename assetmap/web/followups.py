"""The link worker's follow-up calls (/follow-ups) and a case's start-of-case wellbeing scores.

For link workers and admins; a follow-up or case of another team is "not found". Each page
that shows one case's details records the opening in the case's audit. Bad answers re-show
the form with the error beside the question (400) and write nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from assetmap.errors import AssetmapError, Conflict, NotFound, ValidationError
from assetmap.models import Role, StopReason
from assetmap.referrals import followups as domain
from assetmap.referrals import wellbeing
from assetmap.referrals.followups import Answer, Ask
from assetmap.web import followup_words as words
from assetmap.web.auth import acting_user, roles_required, signed_in_user
from assetmap.web.context import app_config, db_session, now, read_session, today
from assetmap.web.referral_words import STATE, STOP_REASON, TAG
from assetmap.web.security import no_store_blueprint

followups = no_store_blueprint(Blueprint("followups", __name__))

case_workers = roles_required(Role.LINK_WORKER, Role.ADMIN)


@dataclass(frozen=True)
class FormState:
    """What the field macros ask of the form: the error beside a field, if it is this one.

    Radios' ids are ``<name>-<value>``; an error on ``attended`` shows on its fieldset."""

    error: AssetmapError | None = None

    def error_for(self, field_id: str) -> str | None:
        if self.error is None or self.error.field is None:
            return None
        return self.error.message if field_id == self.error.field else None


def _anchor(error: AssetmapError) -> str:
    """The error summary's link: the field, or a group of radios' first choice."""
    field = error.field or "follow-up-state"
    if field == "follow_up":
        return "follow-up-state"
    return f"{field}-yes" if field in ("attended", "still_going") else field


@followups.app_template_global("follow_ups_due")
def follow_ups_due() -> int:
    """For the navigation: how many open follow-up calls the signed-in person owes (0 when
    the count cannot be had, so an error page still renders after a failed transaction)."""
    user = signed_in_user()
    if user is None:
        return 0
    try:
        return domain.count_due(read_session(), user)
    except SQLAlchemyError:
        return 0


def _score_options() -> list[tuple[str, str]]:
    scale = [(str(n), words.SCALE_ENDS.get(n, str(n))) for n in range(11)]
    return [("", "Choose a score"), *scale, (words.NOT_ASKED_VALUE, words.NOT_ASKED_WORDS)]


def _ucla_options() -> list[tuple[str, str]]:
    answers = [(str(n), text) for n, text in words.UCLA_ANSWER.items()]
    return [(words.NOT_ASKED_VALUE, words.NOT_ASKED_WORDS), *answers]


def _chosen(
    form: Mapping[str, str] | None, scores: wellbeing.Scores | None, default: str
) -> dict[str, str]:
    """The choice each score's box shows: what was sent, else what is stored, else none."""
    stored = scores.values() if scores is not None else {}
    chosen: dict[str, str] = {}
    for question in wellbeing.QUESTIONS:
        if form is not None:
            chosen[question.field] = form.get(question.field, "")
        elif question.field in stored:
            value = stored[question.field]
            chosen[question.field] = words.NOT_ASKED_VALUE if value is None else str(value)
        else:
            chosen[question.field] = default if question in wellbeing.UCLA else ""
    return chosen


def _start_hint(start: wellbeing.Scores | None, field: str) -> str | None:
    """Beside each question on the follow-up: what the person said at the start."""
    if start is None:
        return None
    value = start.values()[field]
    if value is None:
        return "At the start: not asked"
    if field.startswith("ucla_"):
        return f"At the start: {words.UCLA_ANSWER[value].lower()}"
    return f"At the start: {value}"


def _words() -> dict[str, Any]:
    return {
        "words": words,
        "state_words": STATE,
        "tags": TAG,
        "score_options": _score_options(),
        "ucla_options": _ucla_options(),
        "ask": Ask,
    }


# ---- my follow-ups ------------------------------------------------------------------------


@followups.get("/follow-ups")
@case_workers
def index() -> ResponseReturnValue:
    items = domain.follow_ups_for(db_session(), acting_user(), today())
    return render_template(
        "followups/index.html",
        items=items,
        weeks=app_config().follow_up_weeks,
        **_words(),
    )


def _render_record(
    follow_up_id: int, form: Mapping[str, str] | None = None, error: AssetmapError | None = None
) -> ResponseReturnValue:
    session = db_session()
    try:
        detail = domain.follow_up_detail(
            session, acting_user(), follow_up_id, now(), record=error is None
        )
    except NotFound:
        abort(404)
    session.commit()  # the audit of who opened the case (none when showing an error)
    answers = {
        name: (form.get(name, "") if form is not None else "")
        for name in ("attended", "still_going", "stop_reason", "reason_text")
    }
    return render_template(
        "followups/record.html",
        detail=detail,
        item=detail.item,
        form_state=FormState(error),
        error=error,
        summary=[(_anchor(error), error.message)] if error else [],
        answers=answers,
        chosen=_chosen(form, None, words.NOT_ASKED_VALUE),
        hints={q.field: _start_hint(detail.start, q.field) for q in wellbeing.QUESTIONS},
        yes_no=[(a.value, words.ANSWER[a]) for a in Answer],
        stop_reasons=[("", "Choose a reason"), *((r.value, STOP_REASON[r]) for r in StopReason)],
        **_words(),
    ), (error.http_status if error else 200)


@followups.route("/follow-ups/<id:follow_up_id>", methods=["GET", "POST"])
@case_workers
def record(follow_up_id: int) -> ResponseReturnValue:
    """The call's form; sent, it saves the call, and any problem re-shows the form with what
    was chosen and writes nothing."""
    if request.method == "GET":
        return _render_record(follow_up_id)
    session = db_session()
    try:
        outcome = domain.parse_outcome(request.form)
        domain.record_follow_up(session, acting_user(), follow_up_id, outcome, now())
        session.commit()
    except NotFound:
        session.rollback()
        abort(404)
    except (ValidationError, Conflict) as error:
        session.rollback()
        return _render_record(follow_up_id, request.form, error)
    flash("Follow-up recorded.", "success")
    return redirect(url_for("followups.index"))


# ---- the start-of-case scores ---------------------------------------------------------------


def _render_start(
    case_id: int, form: Mapping[str, str] | None = None, error: AssetmapError | None = None
) -> ResponseReturnValue:
    session = db_session()
    try:
        stored = wellbeing.start_scores(
            session, acting_user(), case_id, now(), record=error is None
        )
    except NotFound:
        abort(404)
    session.commit()  # the audit of who opened the case (none when showing an error)
    return render_template(
        "followups/start.html",
        case_id=case_id,
        stored=stored,
        form_state=FormState(error),
        error=error,
        summary=[(_anchor(error), error.message)] if error else [],
        chosen=_chosen(form, stored, words.NOT_ASKED_VALUE),
        hints={},
        **_words(),
    ), (error.http_status if error else 200)


@followups.route("/cases/<id:case_id>/wellbeing", methods=["GET", "POST"])
@case_workers
def start_wellbeing(case_id: int) -> ResponseReturnValue:
    """The start-of-case scores: shown, and saved (again, to correct them) when sent."""
    if request.method == "GET":
        return _render_start(case_id)
    session = db_session()
    try:
        scores = wellbeing.parse_scores(request.form)
        wellbeing.record_start(session, acting_user(), case_id, scores, now())
        session.commit()
    except NotFound:
        session.rollback()
        abort(404)
    except ValidationError as error:
        session.rollback()
        return _render_start(case_id, request.form, error)
    flash("Start-of-case wellbeing scores saved.", "success")
    return redirect(url_for("followups.start_wellbeing", case_id=case_id))
