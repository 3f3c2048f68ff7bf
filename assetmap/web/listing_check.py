"""The page behind a reminder email's link: an organiser, with no account, says whether their
group still runs. One click for "still running", a link to the edit form (or a note for a link
worker) for changes, and a confirmed "this group has stopped". The page shows the details
"still running" would confirm, and refuses it, saying why, while a change waits for an admin."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from assetmap.errors import ValidationError
from assetmap.freshness.answers import (
    MAX_CHANGES,
    ChangeWaiting,
    LinkUsed,
    LinkView,
    changes_by_link,
    confirm_by_link,
    open_link,
    stopped_by_link,
)
from assetmap.freshness.service import reminder_links
from assetmap.web.context import app_config, db_session, today

listing_check = Blueprint("listing_check", __name__, url_prefix="/check")

DONE_WORDS = {
    "confirmed": "that the group is still running and nothing has changed",
    "stopped": "that the group has stopped",
    "changes": "what has changed: a link worker will update the listing",
}


def _view(token: str) -> LinkView | ResponseReturnValue:
    try:
        return open_link(db_session(), reminder_links(app_config()), token)
    except ValidationError as error:
        return render_template("check/invalid.html", message=error.message), 400


def _render(
    view: LinkView, token: str, error: ValidationError | None = None, status: int = 200
) -> ResponseReturnValue:
    status = error.http_status if error else status
    return render_template(
        "check/choices.html",
        view=view,
        token=token,
        error=error,
        done=DONE_WORDS.get(view.reminder.used_for or ""),
        max_changes=MAX_CHANGES,
        changes=request.form.get("changes", ""),
        today=today(),
        refuse=_refusal(view),
    ), status


def _refusal(view: LinkView) -> str | None:
    """Why "still running" is not offered: a change of the listing waits for an admin."""
    if not view.waiting:
        return None
    sent = view.waiting[0].proposed_at.strftime("%-d %B %Y")
    return (
        f"A change to this listing, sent on {sent}, is waiting for review; confirming now "
        "would mark the old details as checked. Once an admin approves it, the listing counts "
        "as checked. If something else has changed, sign in and edit the waiting change, or "
        "tell us below."
    )


@listing_check.get("/<token>")
def choices(token: str) -> ResponseReturnValue:
    view = _view(token)
    if not isinstance(view, LinkView):
        return view
    return _render(view, token)


@listing_check.post("/<token>/<choice>")
def choose(token: str, choice: str) -> ResponseReturnValue:
    view = _view(token)
    if not isinstance(view, LinkView):
        return view
    session = db_session()
    try:
        if choice == "confirm":
            confirm_by_link(session, view, today())
        elif choice == "stopped":
            if request.form.get("sure") != "yes":
                raise ValidationError("Tick the box to confirm the group has stopped", field="sure")
            stopped_by_link(session, view, today())
        elif choice == "changes":
            changes_by_link(session, view, request.form.get("changes", ""))
        else:
            return render_template("check/invalid.html", message="There is no such choice."), 404
        session.commit()
    except LinkUsed:
        session.rollback()
    except ChangeWaiting:
        session.rollback()
        return _render(view, token, status=409)
    except ValidationError as error:
        session.rollback()
        return _render(view, token, error)
    return redirect(url_for("listing_check.choices", token=token))
