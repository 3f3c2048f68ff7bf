"""Signed-in sessions that end: on sign-out, a new password and deactivation everywhere at
once, and by themselves after a while without use.

Sessions stay Flask's signed cookies; what makes them revocable is the account's
``session_generation``, part of the id Flask-Login keeps in the session (``"42:3"``, from
``SignedIn.get_id``). The user loader (``load_user``) accepts a session only while its
generation is the account's, so bumping it (``accounts.users.end_sessions``) ends every
session of that account, a copied cookie included, at its next request. The same id would be
in a remember-me cookie, were one ever set. A session also notes when it was signed in
(``_since``) and last seen (``_seen``, refreshed at most once a minute, so not every request
sets a cookie); past ``ASSETMAP_SESSION_IDLE_MINUTES`` without a request, or
``ASSETMAP_SESSION_MAX_HOURS`` after signing in, it is signed out. The clock is
``context.now``, which tests pin. A request without a session cookie (most API calls) is
never looked at: no session work, no cookie, no ``Vary: Cookie``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request, session
from flask_login import logout_user, user_logged_in

from assetmap.config import Config
from assetmap.models import User
from assetmap.web.context import app_config, db_session, now

SINCE = "_since"
SEEN = "_seen"
#: ``_seen`` is rewritten (and so the cookie set again) only when it is older than this.
REFRESH_EVERY_S = 60


def session_id(user: User) -> str:
    """What Flask-Login keeps in the session for ``user``: their id and session generation."""
    return f"{user.id}:{user.session_generation or 0}"


def load_user(session_user_id: str) -> User | None:
    """The active account a session's id names, while the session's generation is the
    account's; None (not signed in) for an ended, foreign or malformed one."""
    user_id, colon, generation = session_user_id.partition(":")
    if not (colon and session_user_id.isascii() and user_id.isdigit() and generation.isdigit()):
        return None
    if len(user_id) > 18 or len(generation) > 18:
        return None  # no id or generation is that large (and the database's integers end)
    user = db_session().get(User, int(user_id))
    if user is None or not user.active or (user.session_generation or 0) != int(generation):
        return None
    return user


def init_session_guard(app: Flask, config: Config) -> None:
    """Note when each session signs in, and sign out sessions idle or too old."""
    app.before_request(_expire_idle_sessions)
    user_logged_in.connect(_note_sign_in, app)


def _moment() -> int:
    return int(now().timestamp())


def _note_sign_in(_app: Any, **_extra: Any) -> None:
    session[SINCE] = session[SEEN] = _moment()


def _expire_idle_sessions() -> None:
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return  # nobody signed in, and reading the session would add "Vary: Cookie"
    if "_user_id" not in session:
        return
    config = app_config()
    moment = _moment()
    since, seen = session.get(SINCE), session.get(SEEN)
    if (
        not isinstance(since, int)
        or not isinstance(seen, int)
        or moment - seen > config.session_idle_minutes * 60
        or moment - since > config.session_max_hours * 3600
    ):
        logout_user()
        session.pop(SINCE, None)
        session.pop(SEEN, None)
    elif moment - seen >= REFRESH_EVERY_S:
        session[SEEN] = moment
