"""A signed-in person's own API tokens: listed (name, made, expires, last used; never the
token), made (shown once, on the answer to the form, never in a flashed message or an
address) and revoked. Admins see and revoke anyone's on the account's page
(``staff/users``)."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from assetmap.accounts.tokens import (
    DEFAULT_DAYS,
    MAX_DAYS,
    create_api_token,
    revoke_token,
    tokens_of,
)
from assetmap.errors import AssetmapError, NotFound
from assetmap.models import Role
from assetmap.web.auth import acting_user, roles_required
from assetmap.web.context import db_session, read_session

account_pages = Blueprint("accounts", __name__)
anyone_signed_in = roles_required(*Role)


class _Form:
    """What was typed into the new-token form, and the error beside a field."""

    def __init__(self, name: str = "", days: str = "", error: AssetmapError | None = None):
        self.name, self.days, self.error = name, days, error

    def error_for(self, field: str) -> str | None:
        if self.error is not None and (self.error.field or "name") == field:
            return self.error.message[:1].upper() + self.error.message[1:]
        return None


def _page(form: _Form, new_token: str | None = None, status: int = 200) -> ResponseReturnValue:
    page = render_template(
        "account/tokens.html",
        tokens=tokens_of(read_session(), acting_user().id),
        form=form,
        new_token=new_token,
        now=dt.datetime.now(dt.UTC),
        default_days=DEFAULT_DAYS,
        max_days=MAX_DAYS,
        revoke_url=lambda token: url_for("accounts.revoke", token_id=token.id),
    )
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"  # a new token is on this page once
    return response


@account_pages.get("/account/tokens")
@anyone_signed_in
def tokens() -> ResponseReturnValue:
    return _page(_Form(days=str(DEFAULT_DAYS)))


@account_pages.post("/account/tokens")
@anyone_signed_in
def create_token() -> ResponseReturnValue:
    form = _Form(request.form.get("name", "")[:100], request.form.get("days", "")[:10])
    session = db_session()
    try:
        token = create_api_token(session, acting_user(), form.name, days=form.days)
    except AssetmapError as error:
        session.rollback()
        form.error = error
        return _page(form, status=400)
    session.commit()
    return _page(_Form(days=str(DEFAULT_DAYS)), new_token=token, status=201)


@account_pages.post("/account/tokens/<id:token_id>/revoke")
@anyone_signed_in
def revoke(token_id: int) -> ResponseReturnValue:
    session = db_session()
    me = acting_user()
    try:
        revoke_token(session, me, token_id, owner_id=me.id)
    except NotFound:
        abort(404)
    session.commit()
    flash("The API token is revoked: it no longer works.", "success")
    return redirect(url_for("accounts.tokens"), code=303)
