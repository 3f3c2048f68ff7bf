"""Signing a test client in without the (slow, argon2) password form: the session as
Flask-Login and the session guard keep it after a real sign-in (tests/web/test_auth.py and
tests/web/test_session_guard.py cover signing in itself)."""

from __future__ import annotations

from flask.testing import FlaskClient

from assetmap.web.context import now
from assetmap.web.session_guard import SEEN, SINCE


def sign_in_as(client: FlaskClient, user_id: int, generation: int = 0) -> None:
    """Signed in as ``user_id`` (whose session generation is ``generation``: 0 until the
    account signs out or changes its password), just now by the app's clock."""
    with client.application.app_context():
        moment = int(now().timestamp())
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:{generation}"
        session["_fresh"] = True
        session[SINCE] = session[SEEN] = moment
