"""The page behind a referral email's link: an organiser, with no account, answers a referral.

It shows what they need to make contact (the person's initials, how they would like to be
contacted, their access needs, who referred them and when, to which group), never the case
notes, and three answers: accept, put on the waiting list, or decline with a reason. A forged
link gets 400; an expired or used one, or one whose referral has moved on, 410.

The token is the key to the referral, so it stays out of what could leak it: the page sends
``Referrer-Policy: no-referrer`` (a link followed from it carries no Referer) and is never
cached, and the request line the server logs has the token replaced (``hide_tokens``).
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, render_template, request
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue

from assetmap.errors import ValidationError
from assetmap.models import DeclineReason, ReferralState
from assetmap.referrals.service import OrganiserView, answer_by_link, view_by_link
from assetmap.web.context import db_session, now, referral_settings
from assetmap.web.manage.referral_words import NEXT_STEPS, NOTE_HINT, NOTES_NEVER, sent_words
from assetmap.web.referral_words import DECLINE_REASON

referral_link = Blueprint("referral_link", __name__, url_prefix="/referral")
log = logging.getLogger(__name__)

S = ReferralState
#: The answers the page offers, in its order.
ANSWERS = (S.ACCEPTED, S.WAITING_LIST, S.DECLINED)
_TOKEN_IN_PATH = re.compile(r"/referral/[^/\s?#\"']+")
HIDDEN = "/referral/[link]"


class HideTokens(logging.Filter):
    """Replaces the token in any ``/referral/<token>`` a log record would write."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/referral/" in message:
            record.msg, record.args = _TOKEN_IN_PATH.sub(HIDDEN, message), None
        return True


def hide_tokens(logger: logging.Logger) -> None:
    """Put the filter on ``logger`` (once): the servers' request lines (werkzeug's; waitress
    logs none, but names the path of a request that failed) and the app's errors."""
    if not any(isinstance(f, HideTokens) for f in logger.filters):
        logger.addFilter(HideTokens())


@referral_link.record_once
def _hide_tokens_in_logs(state: BlueprintSetupState) -> None:
    for name in ("werkzeug", "waitress"):
        hide_tokens(logging.getLogger(name))
    hide_tokens(state.app.logger)


@referral_link.after_request
def _keep_the_link_private(response: Response) -> Response:
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _invalid(error: ValidationError) -> ResponseReturnValue:
    return render_template("referral/invalid.html", message=error.message), error.http_status


def _page(
    view: OrganiserView, token: str, error: ValidationError | None = None
) -> ResponseReturnValue:
    return render_template(
        "referral/answer.html",
        view=view,
        token=token,
        sent=sent_words,
        error=error,
        reasons=[(reason.value, DECLINE_REASON[reason]) for reason in DeclineReason],
        chosen_reason=request.form.get("reason", ""),
        note=request.form.get("note", ""),
        note_hint=NOTE_HINT,
        notes_never=NOTES_NEVER,
    ), (error.http_status if error else 200)


def _answer() -> ReferralState:
    try:
        answer = ReferralState(request.form.get("answer", ""))
    except ValueError:
        answer = S.SENT
    if answer not in ANSWERS:
        raise ValidationError("Choose accept, waiting list or decline", field="answer")
    return answer


def _reason(answer: ReferralState) -> DeclineReason | None:
    typed = request.form.get("reason", "")
    if answer is not S.DECLINED:
        return None
    try:
        return DeclineReason(typed)
    except ValueError:
        raise ValidationError("Choose why you cannot take them", field="reason") from None


@referral_link.route("/<token>", methods=["GET", "POST"])
def answer(token: str) -> ResponseReturnValue:
    session, settings, moment = db_session(), referral_settings(), now()
    try:
        view = view_by_link(session, token, settings, moment)
    except ValidationError as error:
        return _invalid(error)
    if request.method == "GET":
        return _page(view, token)
    try:
        to = _answer()
        answered = answer_by_link(
            session,
            token,
            to,
            settings,
            moment,
            decline_reason=_reason(to),
            reason_text=request.form.get("note", ""),
        )
    except ValidationError as error:
        session.rollback()
        if error.field == "token":
            return _invalid(error)
        return _page(view, token, error)
    session.commit()
    log.info("referral %s answered through the emailed link: %s", answered.referral_id, to.value)
    title, next_steps = NEXT_STEPS[to]
    return render_template(
        "referral/answered.html",
        view=answered,
        title=title,
        next_steps=next_steps,
        sent_words=sent_words,
    )
