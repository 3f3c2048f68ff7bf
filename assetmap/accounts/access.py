"""Taking access away and giving it back: deactivating and reactivating accounts, the list
of accounts an admin manages.

Deactivation ends every session of the account (``users.end_sessions``) and revokes its API
tokens, so nothing signed in before still works; reactivation lets the person sign in again
with their password, with new tokens made afresh. An admin never deactivates their own account
(there would be nobody left to undo it on a small team). The command line acts as the
operator (``actor`` None).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assetmap.accounts.tokens import TokenRow, revoke_all, tokens_of
from assetmap.accounts.users import end_sessions, normalise_email
from assetmap.errors import Forbidden, NotFound, ValidationError
from assetmap.models import ApiToken, Role, User


@dataclass(frozen=True)
class AccountRow:
    """One account on the admin's list."""

    id: int
    email: str
    name: str
    role: Role
    active: bool
    last_login_at: dt.datetime | None
    deactivated_at: dt.datetime | None
    live_tokens: int


def _admin(actor: User | None) -> None:
    if actor is not None and actor.role is not Role.ADMIN:
        raise Forbidden("only an admin may manage accounts")


def account(session: Session, user_id: int) -> User:
    """The account with this id (404 when there is none, however large the number)."""
    user = session.get(User, user_id) if 0 < user_id < 2**63 else None
    if user is None:
        raise NotFound("there is no such account", field="user")
    return user


def account_by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise NotFound(f"there is no account for {email.strip()}", field="email")
    return user


def accounts(
    session: Session, now: dt.datetime | None = None, *, user_id: int | None = None
) -> list[AccountRow]:
    """Every account (or the one numbered ``user_id``), active ones first, by email; with
    how many live tokens each has."""
    moment = now or dt.datetime.now(dt.UTC)
    live = (
        select(ApiToken.user_id, func.count().label("n"))
        .where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > moment)
        .group_by(ApiToken.user_id)
        .subquery()
    )
    query = (
        select(User, func.coalesce(live.c.n, 0))
        .outerjoin(live, live.c.user_id == User.id)
        .order_by(User.active.desc(), User.email)
    )
    if user_id is not None:
        query = query.where(User.id == user_id)
    rows = session.execute(query).all()
    return [
        AccountRow(
            id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            active=user.active,
            last_login_at=user.last_login_at,
            deactivated_at=user.deactivated_at,
            live_tokens=int(count),
        )
        for user, count in rows
    ]


def deactivate(session: Session, actor: User | None, user: User) -> int:
    """Deactivate ``user``: their sessions end and their tokens are revoked (how many were
    live). Deactivating an account already deactivated changes nothing."""
    _admin(actor)
    if actor is not None and actor.id == user.id:
        raise ValidationError("you cannot deactivate your own account", field="user")
    if not user.active:
        return 0
    user.active = False
    user.deactivated_at = dt.datetime.now(dt.UTC)
    end_sessions(user)
    return revoke_all(session, user)


def reactivate(session: Session, actor: User | None, user: User) -> None:
    """Let ``user`` sign in again (their old sessions and tokens stay ended)."""
    _admin(actor)
    user.active = True
    user.deactivated_at = None
    end_sessions(user)
    session.flush()


@dataclass(frozen=True)
class AccountDetail:
    """One account as its admin page shows it: the account and its tokens."""

    account: AccountRow
    tokens: list[TokenRow]


def account_detail(session: Session, user_id: int) -> AccountDetail:
    user = account(session, user_id)
    (row,) = accounts(session, user_id=user.id)
    return AccountDetail(row, tokens_of(session, user.id))
