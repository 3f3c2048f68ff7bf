"""Deactivating and reactivating accounts (issue 19, item 3): sessions end, tokens stop
working, an admin never locks themselves out."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assetmap.accounts.access import (
    account,
    account_by_email,
    account_detail,
    accounts,
    deactivate,
    reactivate,
)
from assetmap.accounts.tokens import TokenProblem, check_token, create_api_token
from assetmap.accounts.users import authenticate, create_user, set_password
from assetmap.errors import Forbidden, NotFound, ValidationError
from assetmap.models import User

PASSWORD = "correct horse battery"


@pytest.fixture
def ids(database):
    with database.sessions() as session:
        admin = create_user(session, "admin@example.org", "admin", password=PASSWORD)
        jo = create_user(session, "jo@example.org", "link_worker", password=PASSWORD)
        session.commit()
        return admin.id, jo.id


def test_deactivation_ends_sessions_revokes_tokens_and_stops_sign_in(database, ids) -> None:
    admin_id, jo_id = ids
    with database.sessions() as session:
        jo = session.get(User, jo_id)
        token = create_api_token(session, jo)
        generation = jo.session_generation
        assert deactivate(session, session.get(User, admin_id), jo) == 1
        session.commit()
        assert jo.session_generation > generation and jo.deactivated_at is not None
        assert check_token(session, token).problem is TokenProblem.INACTIVE
        assert authenticate(session, "jo@example.org", PASSWORD) is None
        (row,) = [a for a in accounts(session) if a.id == jo_id]
        assert not row.active and row.live_tokens == 0
        # Back again: they sign in, but the old token stays revoked.
        reactivate(session, None, jo)
        session.commit()
        assert authenticate(session, "jo@example.org", PASSWORD) is not None
        assert check_token(session, token).problem is TokenProblem.REVOKED


def test_an_admin_cannot_deactivate_themselves(database, ids) -> None:
    with database.sessions() as session:
        admin = session.get(User, ids[0])
        with pytest.raises(ValidationError, match="your own account"):
            deactivate(session, admin, admin)
        assert admin.active


def test_only_admins_manage_accounts(database, ids) -> None:
    with database.sessions() as session:
        jo, admin = session.get(User, ids[1]), session.get(User, ids[0])
        with pytest.raises(Forbidden):
            deactivate(session, jo, admin)
        with pytest.raises(Forbidden):
            reactivate(session, jo, admin)


def test_a_new_password_ends_every_session(database, ids) -> None:
    with database.sessions() as session:
        jo = session.get(User, ids[1])
        before = jo.session_generation
        set_password(jo, "another good passphrase")
        assert jo.session_generation == before + 1


def test_accounts_are_found_by_id_and_email_or_not_at_all(database, ids) -> None:
    with database.sessions() as session:
        assert account(session, ids[1]).email == "jo@example.org"
        assert account_by_email(session, " JO@example.org").id == ids[1]
        assert account_detail(session, ids[1]).account.email == "jo@example.org"
        for number in (0, -1, 2**63, 10**30):
            with pytest.raises(NotFound):
                account(session, number)
        with pytest.raises(NotFound, match=r"no account for nobody@example\.org"):
            account_by_email(session, "nobody@example.org")
        assert session.scalar(select(User.active).where(User.id == ids[1]))
