"""A person's data, for admins: find a case by its reference (sent in a POST form, never in
an address), see who opened it, download everything held (subject access) or delete it on
request (with a confirmation step), and see when retention next runs. The rules are in
``referrals/privacy``; these views parse, make one call and render."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from assetmap.errors import AssetmapError, NotFound
from assetmap.models import Role
from assetmap.referrals.privacy import (
    case_audit,
    erase_case,
    export_case,
    find_case,
    retention_outlook,
)
from assetmap.web import report_words
from assetmap.web.auth import acting_user, roles_required
from assetmap.web.context import app_config, db_session, now, read_session
from assetmap.web.security import no_store
from assetmap.web.staff.blueprint import staff

admins = roles_required(Role.ADMIN)


@dataclass
class FindForm:
    reference: str = ""
    team: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def error_for(self, name: str) -> str | None:
        return self.errors.get(name)


@staff.get("/admin/cases")
@no_store
@admins
def cases() -> ResponseReturnValue:
    return render_template("staff/cases.html", form=FindForm(), words=report_words)


@staff.post("/admin/cases")
@no_store
@admins
def find() -> ResponseReturnValue:
    form = FindForm(request.form.get("reference", ""), request.form.get("team", ""))
    try:
        case = find_case(read_session(), acting_user(), form.reference, form.team)
    except AssetmapError as error:
        form.errors[error.field or "reference"] = error.message
        return render_template("staff/cases.html", form=form, words=report_words), (
            404 if isinstance(error, NotFound) else 400
        )
    return redirect(url_for("staff.case_page", case_id=case.id), code=303)


@staff.get("/admin/cases/<id:case_id>")
@no_store
@admins
def case_page(case_id: int) -> ResponseReturnValue:
    try:
        found = case_audit(read_session(), acting_user(), case_id)
    except NotFound:
        abort(404)
    return render_template("staff/cases_audit.html", audit=found, words=report_words)


@staff.post("/admin/cases/<id:case_id>/export")
@no_store
@admins
def export(case_id: int) -> ResponseReturnValue:
    session = db_session()
    try:
        data = export_case(session, acting_user(), case_id, now())
    except NotFound:
        abort(404)
    session.commit()
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}.json"'},
    )


@staff.post("/admin/cases/<id:case_id>/erase")
@no_store
@admins
def erase(case_id: int) -> ResponseReturnValue:
    session = db_session()
    try:
        found = case_audit(session, acting_user(), case_id)
    except NotFound:
        abort(404)
    if request.form.get("confirm") != "yes":
        return render_template("staff/cases_erase.html", audit=found, words=report_words)
    try:
        withdrawn = erase_case(session, acting_user(), case_id, now())
    except AssetmapError as error:
        return render_template(
            "staff/cases_erase.html", audit=found, words=report_words, error=error.message
        ), 409
    session.commit()
    flash(
        f"Their data is deleted. {withdrawn} referral{'' if withdrawn == 1 else 's'} "
        "still open were withdrawn; the anonymous counts are kept.",
        "success",
    )
    return redirect(url_for("staff.case_page", case_id=case_id), code=303)


@staff.get("/admin/cases/retention")
@no_store
@admins
def retention() -> ResponseReturnValue:
    outlook = retention_outlook(
        read_session(), acting_user(), now(), app_config().case_retention_months
    )
    return render_template("staff/cases_retention.html", outlook=outlook, words=report_words)
