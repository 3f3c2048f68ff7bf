"""A listing's history: every change, who made it and when; admins put earlier values back.
Staff (link workers and admins) also see every change to the listing's staff notes."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from assetmap.accounts.users import Permissions
from assetmap.directory.edits import READ_ONLY, listing_history
from assetmap.directory.moderation import restore
from assetmap.directory.staff_notes import note_history
from assetmap.errors import AssetmapError
from assetmap.models import Group, Revision, Role
from assetmap.web.auth import acting_user, roles_required, signed_in_user
from assetmap.web.context import db_session, geocoder, read_session
from assetmap.web.converters import OFFSET_MAX, lenient_whole
from assetmap.web.staff.blueprint import staff
from assetmap.web.wording import Shown, field_label, value_text

HISTORY_PAGE = 100


@dataclass(frozen=True)
class HistoryRow:
    id: int
    label: str
    who: str
    changed_at: dt.datetime
    old: Shown
    new: Shown
    #: Derived values (places free) follow the others: they are not put back on their own.
    restorable: bool


def _may_see_history(organisation_id: int | None) -> bool:
    user = signed_in_user()
    if user is None:
        return False
    return Permissions.of(db_session(), user).may_see_history_of(organisation_id)


@staff.app_template_global("may_see_history")
def may_see_history(group_id: int) -> bool:
    """For templates: whether the signed-in person may read this group's history."""
    if signed_in_user() is None:
        return False
    organisation_id = read_session().scalar(
        select(Group.organisation_id).where(Group.id == group_id)
    )
    return _may_see_history(organisation_id)


def _history_page(
    group_id: int, *, status: int = 200, error: str | None = None
) -> ResponseReturnValue:
    session = db_session() if request.method == "POST" else read_session()
    group = session.execute(
        select(Group.id, Group.name, Group.organisation_id).where(Group.id == group_id)
    ).first()
    if group is None:
        abort(404)
    if not _may_see_history(group.organisation_id):
        abort(403)
    offset = lenient_whole(request.args.get("offset"), 0, low=0, high=OFFSET_MAX)
    found = listing_history(session, group_id, offset=offset, limit=HISTORY_PAGE + 1)
    rows = [
        HistoryRow(
            id=entry.revision.id,
            label=field_label(entry.revision.field),
            who=entry.who or entry.revision.via or "import",
            changed_at=entry.revision.changed_at,
            old=value_text(entry.revision.field, json.loads(entry.revision.old_value)),
            new=value_text(entry.revision.field, json.loads(entry.revision.new_value)),
            restorable=entry.revision.field.split(".")[-1] not in READ_ONLY,
        )
        for entry in found[:HISTORY_PAGE]
    ]
    older = (
        url_for("staff.history", group_id=group_id, offset=offset + HISTORY_PAGE)
        if len(found) > HISTORY_PAGE
        else None
    )
    return render_template(
        "staff/history.html",
        group=group,
        rows=rows,
        error=error,
        older_url=older,
        may_restore=acting_user().role is Role.ADMIN,
        # Staff notes' additions, edits and deletions: None (no section) for non-staff.
        note_changes=note_history(session, acting_user(), group_id),
    ), status


@staff.get("/groups/<id:group_id>/history")
@roles_required(*Role)
def history(group_id: int) -> ResponseReturnValue:
    return _history_page(group_id)


@staff.post("/admin/revisions/<id:revision_id>/restore")
@roles_required(Role.ADMIN)
def restore_revision(revision_id: int) -> ResponseReturnValue:
    session = db_session()
    revision = session.get(Revision, revision_id)
    if revision is None:
        abort(404)
    group_id, path = revision.group_id, revision.field
    earlier = value_text(path, json.loads(revision.old_value))
    try:
        restore(session, acting_user(), revision_id, geocoder(session))
    except AssetmapError as problem:
        session.rollback()
        message = f"{field_label(path)} could not be put back: {problem.message}."
        return _history_page(group_id, status=problem.http_status, error=message)
    session.commit()
    flash(f"{field_label(path)} is back to its earlier value: {earlier}.", "success")
    return redirect(url_for("staff.history", group_id=group_id))
