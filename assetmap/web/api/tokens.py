"""Who an API call is from: the account behind its ``Authorization: Bearer am_…`` token.

A token that has expired, been revoked or whose account is deactivated is refused with a 401
that says which, so whoever runs the client knows to make a new one.

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

from assetmap.accounts.tokens import TokenProblem, check_token
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
    if scheme.lower() != "bearer":
        _refuse()
    check = check_token(session, token.strip())
    if check.user is None:
        _refuse(check.problem)
    return check.user


_PROBLEMS = {
    TokenProblem.EXPIRED: ("token_expired", "this API token has expired: make a new one"),
    TokenProblem.REVOKED: ("token_revoked", "this API token has been revoked: make a new one"),
    TokenProblem.INACTIVE: (
        "account_deactivated",
        "the account this API token belongs to has been deactivated",
    ),
}


def _refuse(problem: TokenProblem | None = None) -> NoReturn:
    code, message = _PROBLEMS.get(
        problem or TokenProblem.UNKNOWN,
        ("unauthorised", "send an API token: Authorization: Bearer am_…"),
    )
    error = {"code": code, "message": message, "field": None}
    abort(
        Response(
            json.dumps({"error": error}),
            status=401,
            mimetype="application/json",
            headers={"WWW-Authenticate": "Bearer"},
        )
    )
