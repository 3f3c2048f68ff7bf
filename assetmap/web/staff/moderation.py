"""The admin's moderation queue: changes waiting, one change field by field, approve or
reject it whole or the fields ticked, and what went live at once, to review after."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from assetmap.directory.edits import StaleEdit
from assetmap.directory.moderation import (
    ChangeRow,
    approve,
    change_row,
    moderation_queue,
    reject,
    review_change,
)
from assetmap.errors import AssetmapError, Conflict, NotFound, ValidationError
from assetmap.models import ChangeKind, ChangeStatus, PendingChange, Role
from assetmap.web.auth import acting_user, roles_required
from assetmap.web.context import db_session, geocoder, read_session
from assetmap.web.converters import OFFSET_MAX, lenient_whole
from assetmap.web.staff.blueprint import staff
from assetmap.web.wording import CHANGE_KIND_NAMES, Shown, field_label, value_text

QUEUE_PAGE = 100
RECENTLY_DECIDED = 10
MAX_REASON = 2000
REMOVED_ACCOUNT = "a removed account"
admins_only = roles_required(Role.ADMIN)


@dataclass(frozen=True)
class ChangeSummary:
    """One proposed change as the queue and its page show it, in words."""

    id: int
    kind: ChangeKind
    status: ChangeStatus
    group_id: int | None
    group_name: str
    organisation: str
    proposer: str
    proposed_at: dt.datetime
    note: str
    decider: str
    decided_at: dt.datetime | None
    reason: str
    #: Whether part of it went live when it was sent (places, status), to review after.
    has_applied: bool = False

    @classmethod
    def of(cls, row: ChangeRow) -> ChangeSummary:
        missing_group = "(no name)" if row.kind is ChangeKind.NEW else "(a removed group)"
        return cls(
            id=row.id,
            kind=row.kind,
            status=row.status,
            group_id=row.group_id,
            group_name=row.group_name or missing_group,
            organisation=row.organisation or "",
            proposer=row.proposer or REMOVED_ACCOUNT,
            proposed_at=row.proposed_at,
            note=row.note,
            decider=row.decider or REMOVED_ACCOUNT,
            decided_at=row.decided_at,
            reason=row.reason,
            has_applied=bool(row.applied),
        )

    @property
    def kind_name(self) -> str:
        return CHANGE_KIND_NAMES[self.kind]

    @property
    def review_text(self) -> str:
        """What following the queue's link does, for screen readers."""
        return {
            ChangeKind.EDIT: "review the change",
            ChangeKind.NEW: "review the new group",
            ChangeKind.CLOSE: "review the request to close",
        }[self.kind]

    @property
    def title(self) -> str:
        if self.kind is ChangeKind.NEW:
            return f"New group: {self.group_name}"
        if self.kind is ChangeKind.CLOSE:
            return f"{self.group_name} asks to close"
        return f"Change to {self.group_name}"

    @property
    def what(self) -> str:
        """'the change to Men's Shed', for a message about it."""
        if self.kind is ChangeKind.NEW:
            return f"the new group {self.group_name}"
        if self.kind is ChangeKind.CLOSE:
            return f"closing {self.group_name}"
        return f"the change to {self.group_name}"


@dataclass(frozen=True)
class DiffRow:
    label: str
    old: Shown
    new: Shown
    #: The part of the change this row is approved by (a checkbox's value), if it waits.
    part: str | None = None


def _chosen_fields() -> list[str] | None:
    """The fields ticked on the change's page; None when the form offered no choice."""
    if request.form.get("choose") != "fields":
        return None
    return request.form.getlist("field")


@staff.get("/admin/changes", endpoint="moderation_queue")
@admins_only
def queue_page() -> ResponseReturnValue:
    offset = lenient_whole(request.args.get("offset"), 0, low=0, high=OFFSET_MAX)
    queue = moderation_queue(
        read_session(), offset=offset, limit=QUEUE_PAGE, recently_decided=RECENTLY_DECIDED
    )
    more = offset + len(queue.waiting) < queue.total
    return render_template(
        "staff/queue.html",
        pending=[ChangeSummary.of(row) for row in queue.waiting],
        decided=[ChangeSummary.of(row) for row in queue.recently_decided],
        total=queue.total,
        offset=offset,
        more_url=url_for("staff.moderation_queue", offset=offset + QUEUE_PAGE) if more else None,
    )


def _change_page(
    change_id: int,
    *,
    status: int = 200,
    error: str | None = None,
    stale_fields: list[str] | None = None,
    reason: str = "",
    reason_error: str | None = None,
) -> ResponseReturnValue:
    session = db_session() if request.method == "POST" else read_session()
    try:
        review = review_change(session, change_id)
    except NotFound:
        abort(404)
    waiting = review.row.status is ChangeStatus.PENDING
    diff = [
        DiffRow(
            field_label(change.field),
            value_text(change.field, change.old) if waiting else Shown(),
            value_text(change.field, change.new),
            change.part if waiting else None,
        )
        for change in review.fields
    ]
    applied = [
        DiffRow(field_label(change.field), Shown(), value_text(change.field, change.new))
        for change in review.applied
    ]
    if stale_fields is None:
        stale_fields = review.changed_since
    stale_names = [field_label(path) for path in stale_fields] if stale_fields is not None else None
    if stale_names is not None and not reason:
        reason = (
            "The listing changed since you sent this"
            + (f" ({', '.join(stale_names)})" if stale_names else "")
            + ". Please check it and send your change again."
        )
    return render_template(
        "staff/change.html",
        row=ChangeSummary.of(review.row),
        diff=diff,
        applied=applied,
        error=error,
        stale_names=stale_names,
        reason=reason,
        reason_error=reason_error,
        max_reason=MAX_REASON,
    ), status


@staff.get("/admin/changes/<id:change_id>")
@admins_only
def change_page(change_id: int) -> ResponseReturnValue:
    return _change_page(change_id)


def _change_in_words(change: PendingChange) -> str:
    return ChangeSummary.of(change_row(db_session(), change.id)).what


@staff.post("/admin/changes/<id:change_id>/approve")
@admins_only
def approve_change(change_id: int) -> ResponseReturnValue:
    session = db_session()
    try:
        change = approve(session, acting_user(), change_id, geocoder(session), _chosen_fields())
    except NotFound:
        session.rollback()
        abort(404)
    except StaleEdit as stale:
        session.rollback()
        return _change_page(change_id, status=409, stale_fields=stale.changed)
    except Conflict as conflict:
        session.rollback()
        return _change_page(change_id, status=409, error=f"{conflict.message.capitalize()}.")
    except AssetmapError as problem:
        session.rollback()
        message = f"It cannot be approved as it is: {problem.message}."
        return _change_page(change_id, status=problem.http_status, error=message)
    what = _change_in_words(change)
    session.commit()
    if change.patch == "{}":
        flash(f"Reviewed {what}.", "success")
    elif change.id != change_id:
        flash(f"Approved part of {what}: that part is live now, the rest still waits.", "success")
        return redirect(url_for("staff.change_page", change_id=change_id))
    else:
        flash(f"Approved {what}. It is live now.", "success")
    return redirect(url_for("staff.moderation_queue"))


@staff.post("/admin/changes/<id:change_id>/reject")
@admins_only
def reject_change(change_id: int) -> ResponseReturnValue:
    session = db_session()
    reason = (request.form.get("reason") or "").strip()
    if len(reason) > MAX_REASON:
        return _change_page(
            change_id,
            status=400,
            reason=reason,
            reason_error=f"Keep the reason under {MAX_REASON} characters.",
        )
    try:
        change = reject(session, acting_user(), change_id, reason, _chosen_fields())
    except NotFound:
        session.rollback()
        abort(404)
    except ValidationError as problem:
        session.rollback()
        if problem.field == "fields":
            return _change_page(
                change_id, status=400, reason=reason, error=f"{problem.message.capitalize()}."
            )
        return _change_page(
            change_id,
            status=400,
            reason_error="Say why you are not approving it, so the organiser can put it right.",
        )
    except Conflict as conflict:
        session.rollback()
        return _change_page(change_id, status=409, error=f"{conflict.message.capitalize()}.")
    what = _change_in_words(change)
    session.commit()
    if change.id != change_id:
        flash(f"Not approved: part of {what}. We have told the organiser why.", "success")
        return redirect(url_for("staff.change_page", change_id=change_id))
    flash(f"Not approved: {what}. We have told the organiser why.", "success")
    return redirect(url_for("staff.moderation_queue"))
