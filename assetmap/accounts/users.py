"""Creating users, signing them in, ending their sessions, and what each role may change.

API tokens are in ``accounts.tokens`` (``create_api_token`` and ``user_for_token`` are
named here too, where callers have always found them)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assetmap.accounts.passwords import (
    check_password,
    hash_password,
    needs_rehash,
    password_problem,
)
from assetmap.accounts.tokens import create_api_token as create_api_token
from assetmap.accounts.tokens import user_for_token as user_for_token
from assetmap.errors import Conflict, NotFound, ValidationError
from assetmap.models import Group, Membership, Organisation, Role, User

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise ValidationError("must be an email address like jo@example.org", field="email")
    return email


def create_user(
    session: Session,
    email: str,
    role: Role | str,
    *,
    name: str = "",
    password: str | None = None,
    organisations: Sequence[str] = (),
    team: str | None = None,
) -> User:
    """A new user; organisers name the organisations whose groups they manage (by name);
    link workers may belong to a ``team``, whose cases they share."""
    address = normalise_email(email)
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError(
            f"role must be one of {', '.join(r.value for r in Role)}", field="role"
        ) from None
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise Conflict(f"there is already an account for {address}", field="email")
    if role is Role.ORGANISER and not organisations:
        raise ValidationError("an organiser needs at least one organisation", field="organisation")
    if password is not None and (problem := password_problem(password)):
        raise ValidationError(f"password {problem}", field="password")
    user = User(
        email=address,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password) if password else "",
        team=(team or "").strip()[:100] or None,
    )
    for organisation_name in organisations:
        organisation = session.scalar(
            select(Organisation).where(func.lower(Organisation.name) == organisation_name.lower())
        )
        if organisation is None:
            raise NotFound(f"no organisation is called {organisation_name!r}", field="organisation")
        user.organisations.append(organisation)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None; the same work either way."""
    try:
        address = normalise_email(email)
    except ValidationError:
        address = ""
    user = session.scalar(select(User).where(User.email == address)) if address else None
    if not check_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = dt.datetime.now(dt.UTC)
    return user


def set_password(user: User, password: str) -> None:
    """A new password; every session signed in with the old one ends."""
    if problem := password_problem(password):
        raise ValidationError(f"password {problem}", field="password")
    user.password_hash = hash_password(password)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """End every signed-in session of ``user`` at its next request (sign out everywhere):
    each carries the generation it was signed in under, and that one is now past."""
    user.session_generation = (user.session_generation or 0) + 1


# ---- who may do what -------------------------------------------------------------------------


@dataclass(frozen=True)
class Permissions:
    """What one user may change. Organisers: their organisations' groups only."""

    role: Role
    organisation_ids: frozenset[int]

    @classmethod
    def of(cls, session: Session, user: User) -> Permissions:
        ids = session.scalars(
            select(Membership.organisation_id).where(Membership.user_id == user.id)
        )
        return cls(user.role, frozenset(ids))

    def may_edit(self, group: Group) -> bool:
        if self.role is Role.ADMIN:
            return True
        return self.role is Role.ORGANISER and group.organisation_id in self.organisation_ids

    @property
    def may_moderate(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def may_manage_users(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def may_see_history(self) -> bool:
        """Staff: everyone signed in but organisers, who see their own groups' history."""
        return self.role in (Role.ADMIN, Role.LINK_WORKER, Role.COMMUNITY_BUILDER)

    def may_see_history_of(self, organisation_id: int | None) -> bool:
        """Whether this user may read the history of a group of ``organisation_id``."""
        if self.may_see_history:
            return True
        return self.role is Role.ORGANISER and organisation_id in self.organisation_ids
