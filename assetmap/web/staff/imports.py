"""Importing a directory file, for admins, in four steps: upload it (any format assetmap reads),
say which column is which (spreadsheets), preview what would happen row by row with every
problem, then import it all or nothing.

The file is kept server-side between the steps (``interop.uploads``: the instance folder,
under a random token); the browser's session holds only that token, never the file or its
contents, and no step puts anything of it in an address.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from assetmap.directory.importing import ImportRejected
from assetmap.errors import AssetmapError
from assetmap.interop.formats import MAX_SOURCE_BYTES
from assetmap.interop.mappings import delete_mapping, list_mappings
from assetmap.interop.sheet_fields import choices
from assetmap.interop.uploads import (
    accept_upload,
    import_upload,
    map_columns,
    mapping_step,
    review_upload,
    uploads_folder,
)
from assetmap.models import Category, Role
from assetmap.web import wording
from assetmap.web.auth import roles_required
from assetmap.web.context import app_config, db_session, geocoder, now, read_session, today
from assetmap.web.converters import parse_whole
from assetmap.web.limits import body_limit
from assetmap.web.staff.blueprint import staff

admins = roles_required(Role.ADMIN)
#: The session's key for the upload's token (the token only: see the module).
TOKEN_KEY = "import_upload"
DONE_KEY = "import_done"
#: Room for the form's other fields around a file of the largest size.
_FORM_SLACK = 64 * 1024


@dataclass
class Form:
    """What was typed, and the errors by field (the fields macros ask ``error_for``)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def error_for(self, name: str) -> str | None:
        return self.errors.get(name)


def _folder() -> Any:
    return uploads_folder(app_config().instance_path)


def _categories() -> list[tuple[str, str]]:
    return [("", "None: refuse rows whose categories are not assetmap's")] + [
        (c.value, wording.CATEGORY_NAMES[c]) for c in Category
    ]


def _upload_page(form: Form, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "staff/imports/upload.html",
        form=form,
        categories=_categories(),
        saved=list_mappings(read_session()),
        max_mb=MAX_SOURCE_BYTES // (1024 * 1024),
    ), status


def _start_again(error: AssetmapError) -> ResponseReturnValue:
    """A step reached with no upload (expired, or never made): step 1 with the reason."""
    session.pop(TOKEN_KEY, None)
    return _upload_page(Form(errors={"file": error.message}), error.http_status)


@staff.get("/admin/imports")
@admins
def imports() -> ResponseReturnValue:
    return _upload_page(Form())


@staff.post("/admin/imports")
@body_limit(MAX_SOURCE_BYTES + _FORM_SLACK)  # a bigger body is a 413 before it is read
@admins
def upload() -> ResponseReturnValue:
    form = Form(
        values={
            "source": request.form.get("source", "").strip(),
            "default_category": request.form.get("default_category", ""),
        }
    )
    sent = request.files.get("file")
    data = sent.stream.read(MAX_SOURCE_BYTES + 1) if sent else b""
    try:
        state = accept_upload(
            _folder(),
            (sent.filename or "") if sent else "",
            data,
            form.values["source"],
            form.values["default_category"] or None,
            replaces=session.get(TOKEN_KEY),
        )
    except AssetmapError as error:
        form.errors[error.field or "file"] = error.message
        return _upload_page(form, error.http_status)
    session[TOKEN_KEY] = state.token
    target = "staff.import_map" if state.is_sheet else "staff.import_preview"
    return redirect(url_for(target), code=303)


def _map_page(step: Any, form: Form, chosen: dict[str, str], status: int = 200):
    return render_template(
        "staff/imports/map.html",
        step=step,
        form=form,
        chosen=chosen,
        fields=choices(),
    ), status


@staff.get("/admin/imports/map")
@admins
def import_map() -> ResponseReturnValue:
    wanted = request.args.get("mapping", "")
    try:
        step = mapping_step(
            read_session(),
            _folder(),
            session.get(TOKEN_KEY),
            parse_whole(wanted, low=0),
        )
    except AssetmapError as error:
        if error.field == "mapping":
            return _map_error(error)
        return _start_again(error)
    return _map_page(step, Form(), step.columns)


def _map_error(error: AssetmapError) -> ResponseReturnValue:
    try:
        step = mapping_step(read_session(), _folder(), session.get(TOKEN_KEY))
    except AssetmapError as gone:
        return _start_again(gone)
    return _map_page(step, Form(errors={"mapping": error.message}), step.columns, 404)


@staff.post("/admin/imports/map")
@admins
def save_map() -> ResponseReturnValue:
    picked = {
        column: value
        for key, value in request.form.items()
        if key.startswith("column-")
        and (column := parse_whole(key.removeprefix("column-"), low=0, high=10_000)) is not None
    }
    save = request.form.get("save") == "yes"
    name = request.form.get("mapping_name", "")
    form = Form(values={"mapping_name": name, "save": "yes" if save else ""})
    db = db_session()
    try:
        map_columns(db, _folder(), session.get(TOKEN_KEY), picked, now(), name if save else None)
    except AssetmapError as error:
        db.rollback()
        if error.field == "file":
            return _start_again(error)
        form.errors[error.field or "columns"] = error.message
        try:
            step = mapping_step(read_session(), _folder(), session.get(TOKEN_KEY))
        except AssetmapError as gone:
            return _start_again(gone)
        chosen = {h: picked.get(i, "") for i, h in enumerate(step.headers)}
        return _map_page(step, form, chosen, error.http_status)
    db.commit()
    if save:
        flash(f"Saved the mapping {name.strip()!r} for next time.", "success")
    return redirect(url_for("staff.import_preview"), code=303)


@staff.get("/admin/imports/preview")
@admins
def import_preview() -> ResponseReturnValue:
    try:
        state, review = review_upload(
            read_session(), _folder(), session.get(TOKEN_KEY), geocoder(), today()
        )
    except AssetmapError as error:
        return _start_again(error)
    return render_template("staff/imports/preview.html", state=state, review=review)


@staff.post("/admin/imports/import")
@admins
def run_import() -> ResponseReturnValue:
    db = db_session()
    try:
        state, result = import_upload(db, _folder(), session.get(TOKEN_KEY), geocoder(db), now())
    except ImportRejected as rejected:
        db.rollback()
        return render_template(
            "staff/imports/preview.html", state=None, review=None, rejected=rejected.problems
        ), 400
    except AssetmapError as error:
        db.rollback()
        return _start_again(error)
    db.commit()
    session.pop(TOKEN_KEY, None)
    session[DONE_KEY] = {
        "source": state.source,
        "filename": state.filename,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "gaps": result.gaps[:10],
    }
    return redirect(url_for("staff.import_done"), code=303)


@staff.get("/admin/imports/done")
@admins
def import_done() -> ResponseReturnValue:
    done = session.get(DONE_KEY)
    if not done:
        return redirect(url_for("staff.imports"))
    return render_template("staff/imports/done.html", done=done)


@staff.post("/admin/imports/mappings/<id:mapping_id>/delete")
@admins
def remove_mapping(mapping_id: int) -> ResponseReturnValue:
    db = db_session()
    try:
        gone = delete_mapping(db, mapping_id)
    except AssetmapError as error:
        return _upload_page(Form(errors={"saved": error.message}), error.http_status)
    db.commit()
    flash(f"Deleted the mapping {gone.name!r}.", "success")
    return redirect(url_for("staff.imports"), code=303)
