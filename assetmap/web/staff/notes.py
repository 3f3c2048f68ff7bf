"""Staff notes on a listing's page: add one, change your own, delete one.

The rules (who reads, who writes, what a note may say) are in ``directory/staff_notes``;
these views parse the form, make one call and render. A note that cannot be saved comes back
on a page of its own with the error beside the box and the text as typed, and nothing is
written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from assetmap.directory.staff_notes import (
    NOTE_LIMIT,
    NoteShown,
    add_note,
    delete_note,
    edit_note,
    note_for_deleting,
    note_for_editing,
    notes_for,
)
from assetmap.errors import AssetmapError, Forbidden, NotFound, ValidationError
from assetmap.models import Group
from assetmap.web.auth import acting_user, signed_in_user
from assetmap.web.context import db_session, read_session
from assetmap.web.staff.blueprint import staff

#: The form's one field, as its id and name on both pages.
FIELD = "staff-note"
#: What the box says under its label.
HINT = (
    f"About the group, not about people you refer. Up to {NOTE_LIMIT:,} characters. "
    "Only link workers and admins see notes."
)
FLASH = "staff-note"


@dataclass(frozen=True)
class NoteForm:
    """What the field macros ask about the form: the error beside the box, if any."""

    error: ValidationError | None = None

    def error_for(self, field_id: str) -> str | None:
        return self.error.message if self.error is not None and field_id == FIELD else None


def listing_notes(group_id: int) -> list[NoteShown] | None:
    """For the listing's page: the group's notes if the viewer is staff, else None (and
    the page shows no notes section at all)."""
    user = signed_in_user()
    if user is None:
        return None
    return notes_for(read_session(), user, group_id)


@staff.app_template_global("staff_note_form")
def staff_note_form() -> dict[str, str]:
    """For the listing's notes section: the box's name and the words under it."""
    return {"field": FIELD, "hint": HINT}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _group_name(group_id: int) -> str:
    name = db_session().scalar(select(Group.name).where(Group.id == group_id))
    if name is None:
        abort(404)
    return name


def _form_page(
    *, group_id: int, text: str, error: ValidationError | None, note: NoteShown | None = None
) -> ResponseReturnValue:
    return render_template(
        "staff/note_form.html",
        group_id=group_id,
        group_name=_group_name(group_id),
        note=note,
        text=text,
        form=NoteForm(error),
        field=FIELD,
        hint=HINT,
    ), (error.http_status if error else 200)


def _back(group_id: int) -> ResponseReturnValue:
    return redirect(url_for("public.listing_page", group_id=group_id) + "#staff-notes")


@staff.post("/groups/<id:group_id>/notes")
def add_staff_note(group_id: int) -> ResponseReturnValue:
    session = db_session()
    text = request.form.get(FIELD, "")
    try:
        add_note(session, acting_user(), group_id, text, _now())
    except Forbidden:
        session.rollback()
        abort(403)
    except NotFound:
        session.rollback()
        abort(404)
    except ValidationError as error:
        session.rollback()
        return _form_page(group_id=group_id, text=text, error=error)
    session.commit()
    flash("Your note is saved.", FLASH)
    return _back(group_id)


@staff.route("/notes/<id:note_id>/edit", methods=["GET", "POST"])
def edit_staff_note(note_id: int) -> ResponseReturnValue:
    session = db_session()
    user = acting_user()
    error: ValidationError | None = None
    text = request.form.get(FIELD, "")
    if request.method == "POST":
        try:
            note = edit_note(session, user, note_id, text, _now())
        except ValidationError as problem:
            session.rollback()
            error = problem
        except AssetmapError as problem:
            session.rollback()
            abort(problem.http_status)
        else:
            session.commit()
            flash("Your note is changed.", FLASH)
            return _back(note.group_id)
    try:
        shown = note_for_editing(session, user, note_id)
    except AssetmapError as problem:
        abort(problem.http_status)
    return _form_page(
        group_id=shown.group_id, text=text if error else shown.body, error=error, note=shown
    )


@staff.get("/notes/<id:note_id>/delete")
def confirm_delete_staff_note(note_id: int) -> ResponseReturnValue:
    """Are you sure? The note as it reads, and the button that deletes it."""
    try:
        note = note_for_deleting(read_session(), acting_user(), note_id)
    except AssetmapError as problem:
        abort(problem.http_status)
    return render_template(
        "staff/note_delete.html", note=note, group_name=_group_name(note.group_id)
    )


@staff.post("/notes/<id:note_id>/delete")
def delete_staff_note(note_id: int) -> ResponseReturnValue:
    session = db_session()
    try:
        group_id = delete_note(session, acting_user(), note_id, _now())
    except AssetmapError as problem:
        session.rollback()
        abort(problem.http_status)
    session.commit()
    flash("The note is deleted. Its text stays in the listing's history.", FLASH)
    return _back(group_id)
