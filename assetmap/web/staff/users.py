"""Accounts, for admins: the list (role, active, last sign-in, live tokens), one account's
page with its API tokens, and CSRF-protected buttons to deactivate or reactivate it and revoke
its tokens. The rules (who may, never oneself, what deactivation ends) are in
``accounts.access`` and ``accounts.tokens``; these views parse, make one call and render."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from assetmap.accounts.access import account, account_detail, accounts, deactivate, reactivate
from assetmap.accounts.tokens import revoke_token
from assetmap.errors import AssetmapError, NotFound
from assetmap.models import Role
from assetmap.web.auth import acting_user, roles_required
from assetmap.web.context import db_session, read_session
from assetmap.web.staff.blueprint import staff
from assetmap.web.wording import ROLE_NAMES

admins = roles_required(Role.ADMIN)


@staff.get("/admin/users")
@admins
def users() -> ResponseReturnValue:
    return render_template(
        "staff/users.html", accounts=accounts(read_session()), role_names=ROLE_NAMES
    )


def _user_page(user_id: int, error: AssetmapError | None = None) -> ResponseReturnValue:
    try:
        detail = account_detail(read_session(), user_id)
    except NotFound:
        abort(404)
    page = render_template(
        "staff/user.html",
        detail=detail,
        role_names=ROLE_NAMES,
        error=error,
        me=acting_user().id,
        now=dt.datetime.now(dt.UTC),
        revoke_url=lambda token: url_for(
            "staff.revoke_user_token", user_id=token.user_id, token_id=token.id
        ),
    )
    return page, 400 if error else 200


@staff.get("/admin/users/<id:user_id>")
@admins
def user_page(user_id: int) -> ResponseReturnValue:
    return _user_page(user_id)


@staff.post("/admin/users/<id:user_id>/deactivate")
@admins
def deactivate_user(user_id: int) -> ResponseReturnValue:
    session = db_session()
    try:
        revoked = deactivate(session, acting_user(), account(session, user_id))
    except NotFound:
        abort(404)
    except AssetmapError as error:
        session.rollback()
        return _user_page(user_id, error)
    session.commit()
    tokens = f", and {revoked} API token{'s' if revoked != 1 else ''} revoked" if revoked else ""
    flash(f"Deactivated. Every session of the account has ended{tokens}.", "success")
    return redirect(url_for("staff.user_page", user_id=user_id), code=303)


@staff.post("/admin/users/<id:user_id>/reactivate")
@admins
def reactivate_user(user_id: int) -> ResponseReturnValue:
    session = db_session()
    try:
        reactivate(session, acting_user(), account(session, user_id))
    except NotFound:
        abort(404)
    session.commit()
    flash("Reactivated. They can sign in again with their password.", "success")
    return redirect(url_for("staff.user_page", user_id=user_id), code=303)


@staff.post("/admin/users/<id:user_id>/tokens/<id:token_id>/revoke")
@admins
def revoke_user_token(user_id: int, token_id: int) -> ResponseReturnValue:
    session = db_session()
    try:
        revoke_token(session, acting_user(), token_id, owner_id=user_id)
    except NotFound:
        abort(404)
    session.commit()
    flash("The API token is revoked: it no longer works.", "success")
    return redirect(url_for("staff.user_page", user_id=user_id), code=303)
