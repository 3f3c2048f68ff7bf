"""Who an API call is from: the account behind its ``Authorization: Bearer am_…`` token.

Writes need a token; reads and matches work without one, but a match made with a link
worker's token counts as demand for gap analysis (an anonymous one does not). Gap analysis
itself needs a community builder's or an admin's token (its unmet-need counts are sensitive).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import NoReturn

from flask import Response, abort, request
from sqlalchemy.orm import Session

from assetmap.accounts.users import user_for_token
from assetmap.errors import Forbidden
from assetmap.models import Role, User


def token_user(session: Session) -> User:
    """The token's account; a 401 in the API's error shape without a valid token."""
    user = optional_token_user(session)
    if user is None:
        _refuse()
    return user


def token_user_of(session: Session, roles: Collection[Role]) -> User:
    """The token's account if it has one of ``roles``: a 401 without a valid token, a 403
    (Forbidden, in the API's error shape) for an account of another role."""
    user = token_user(session)
    if user.role not in roles:
        allowed = " or ".join(role.value.replace("_", " ") for role in roles)
        raise Forbidden(f"only a {allowed} may ask this")
    return user


def optional_token_user(session: Session) -> User | None:
    """The token's account, or None when the call sends no token at all. A token that is
    sent but not valid is refused (401), never quietly treated as anonymous."""
    header = request.headers.get("Authorization", "").strip()
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    user = user_for_token(session, token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        _refuse()
    return user


def _refuse() -> NoReturn:
    error = {
        "code": "unauthorised",
        "message": "send an API token: Authorization: Bearer am_…",
        "field": None,
    }
    abort(
        Response(
            json.dumps({"error": error}),
            status=401,
            mimetype="application/json",
            headers={"WWW-Authenticate": "Bearer"},
        )
    )
