"""Signed, expiring links for setting a password: an admin's invitation, or a reset.

A link carries the user's id and a fingerprint of their current password hash, signed with
the app's secret (itsdangerous). Setting a password changes the hash, so a link works once;
it also stops working after its time (invitations last a week, resets an hour).
"""

from __future__ import annotations

import enum
import hashlib

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from assetmap.errors import ValidationError
from assetmap.models import User


class Purpose(enum.StrEnum):
    INVITE = "invite"
    RESET = "reset"


#: How long each kind of link works, in seconds.
LIFETIME = {Purpose.INVITE: 7 * 24 * 3600, Purpose.RESET: 3600}


def _serializer(secret: str, purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=f"assetmap-password-{purpose.value}")


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()[:16]


def make_link_token(secret: str, user: User, purpose: Purpose) -> str:
    return _serializer(secret, purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_link(
    session: Session, secret: str, token: str, purpose: Purpose, *, max_age: int | None = None
) -> User:
    """The user a link is for; ValidationError if it is forged, expired or already used."""
    problem = "this link has expired or was already used: ask for a new one"
    try:
        data = _serializer(secret, purpose).loads(
            token, max_age=LIFETIME[purpose] if max_age is None else max_age
        )
    except SignatureExpired:
        raise ValidationError(problem, field="token") from None
    except BadSignature:
        raise ValidationError(
            "this link is not right: check it was copied whole", field="token"
        ) from None
    user = session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        raise ValidationError(problem, field="token")
    return user
