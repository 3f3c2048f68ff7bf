"""Trusted organisations: the admin ticks which; each change is kept with who and when."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from assetmap.accounts.organisations import organisations_for_trust, set_trusted
from assetmap.models import Role
from assetmap.web.auth import acting_user, roles_required
from assetmap.web.context import db_session, read_session
from assetmap.web.converters import parse_whole
from assetmap.web.staff.blueprint import staff


def _ids(name: str) -> set[int]:
    return {n for v in request.form.getlist(name) if (n := parse_whole(v)) is not None}


@staff.get("/admin/organisations")
@roles_required(Role.ADMIN)
def organisations() -> ResponseReturnValue:
    return render_template(
        "staff/organisations.html", organisations=organisations_for_trust(read_session())
    )


@staff.post("/admin/organisations")
@roles_required(Role.ADMIN)
def save_trusted() -> ResponseReturnValue:
    session = db_session()
    # Only the organisations that were on the page: one added meanwhile stays as it is.
    saved = set_trusted(session, acting_user(), considered=_ids("shown"), trusted=_ids("trusted"))
    session.commit()
    flash(f"Saved. {saved.trusted} of {saved.considered} organisations are trusted.", "success")
    return redirect(url_for("staff.organisations"))
