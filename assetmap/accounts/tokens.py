"""API tokens: made with an expiry, shown once, checked on every API call, listed and revoked.

A token is 256 random bits behind the ``am_`` prefix; only its SHA-256 is stored. A token
stops working when it expires (``expires_at``, 90 days after it is made by default), when it
is revoked, or when its account is deactivated; the check says which, so an API client can
tell its operator what to do. ``last_used_at`` is written at most once a minute per token, so
a busy client's reads do not each become a write.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from assetmap.errors import Forbidden, NotFound, ValidationError
from assetmap.models import ApiToken, Role, User

TOKEN_PREFIX = "am_"
DEFAULT_DAYS = 90
MAX_DAYS = 366
#: ``last_used_at`` is brought up to date only when it is older than this.
LAST_USED_EVERY = dt.timedelta(minutes=1)


class TokenProblem(enum.StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class TokenCheck:
    """A token's account, or why it does not open the API (``user`` is then None)."""

    user: User | None
    problem: TokenProblem | None = None


@dataclass(frozen=True)
class TokenRow:
    """A token as its owner and admins see it: never the token itself."""

    id: int
    user_id: int
    user_email: str
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    def live(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _token_hash(token: str) -> str:
    # Tokens are 256 random bits: a plain SHA-256 is enough (no guessing to slow down).
    return hashlib.sha256(token.encode()).hexdigest()


def token_days(value: int | str | None) -> int:
    """How many days a new token works: a whole number from 1 to 366 (default 90)."""
    if value is None or value == "":
        return DEFAULT_DAYS
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 3 and 1 <= int(text) <= MAX_DAYS):
        raise ValidationError(f"days must be a whole number from 1 to {MAX_DAYS}", field="days")
    return int(text)


def create_api_token(
    session: Session,
    user: User,
    name: str = "",
    *,
    days: int | str = DEFAULT_DAYS,
    now: dt.datetime | None = None,
) -> str:
    """A new token for ``user`` working for ``days`` days (a number, or a form's text),
    shown once: only its hash is stored."""
    if not user.active:
        raise ValidationError("a deactivated account cannot have new API tokens", field="email")
    lifetime = token_days(days)
    moment = now or _now()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id,
            name=name.strip()[:100],
            token_hash=_token_hash(token),
            created_at=moment,
            expires_at=moment + dt.timedelta(days=lifetime),
        )
    )
    session.flush()
    return token


def check_token(session: Session, token: str, now: dt.datetime | None = None) -> TokenCheck:
    """The account ``token`` opens, or why it opens none (unknown, expired, revoked, or the
    account deactivated). Brings ``last_used_at`` up to date at most once a minute."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return TokenCheck(None, TokenProblem.UNKNOWN)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None:
        return TokenCheck(None, TokenProblem.UNKNOWN)
    moment = now or _now()
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return TokenCheck(None, TokenProblem.INACTIVE)
    if row.revoked_at is not None:
        return TokenCheck(None, TokenProblem.REVOKED)
    if row.expires_at <= moment:
        return TokenCheck(None, TokenProblem.EXPIRED)
    if row.last_used_at is None or moment - row.last_used_at >= LAST_USED_EVERY:
        row.last_used_at = moment
    return TokenCheck(user)


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a live token belongs to, or None."""
    return check_token(session, token).user


def tokens_of(session: Session, user_id: int | None = None) -> list[TokenRow]:
    """Tokens newest first: one account's, or everyone's (``user_id`` None)."""
    query = (
        select(ApiToken, User.email)
        .join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return [
        TokenRow(
            id=row.id,
            user_id=row.user_id,
            user_email=email,
            name=row.name,
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )
        for row, email in session.execute(query).all()
    ]


def revoke_token(
    session: Session, actor: User | None, token_id: int, *, owner_id: int | None = None
) -> ApiToken:
    """Revoke a token: its owner may, and admins (or the command line, ``actor`` None) may
    revoke anyone's. ``owner_id``, when given, must be the token's account (a page that
    shows one account's tokens never revokes another's). Revoking twice is harmless."""
    row = session.get(ApiToken, token_id) if 0 < token_id < 2**63 else None
    if row is None or (owner_id is not None and row.user_id != owner_id):
        raise NotFound("there is no such API token", field="token")
    if actor is not None and actor.id != row.user_id and actor.role is not Role.ADMIN:
        raise Forbidden("only its owner or an admin may revoke an API token")
    if row.revoked_at is None:
        row.revoked_at = _now()
    session.flush()
    return row


def revoke_all(session: Session, user: User) -> int:
    """Revoke every live token of ``user`` (deactivation); how many were live."""
    moment = _now()
    rows = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for row in rows:
        row.revoked_at = moment
    session.flush()
    return len(rows)
