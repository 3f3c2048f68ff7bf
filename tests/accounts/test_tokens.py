"""API tokens (issue 19, item 3): they expire, can be revoked, say why they no longer work,
and note their last use at most once a minute."""

from __future__ import annotations

import datetime as dt

import pytest

from assetmap.accounts.tokens import (
    TokenProblem,
    check_token,
    create_api_token,
    revoke_token,
    token_days,
    tokens_of,
)
from assetmap.accounts.users import create_user
from assetmap.errors import Forbidden, NotFound, ValidationError
from assetmap.models import User

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def people(database):
    with database.sessions() as session:
        jo = create_user(session, "jo@example.org", "link_worker")
        sam = create_user(session, "sam@example.org", "link_worker")
        admin = create_user(session, "admin@example.org", "admin")
        session.commit()
        return jo.id, sam.id, admin.id


def test_a_token_works_until_it_expires(database, people) -> None:
    with database.sessions() as session:
        jo = session.get(User, people[0])
        token = create_api_token(session, jo, "sheet", days=30, now=NOW)
        session.commit()
        assert check_token(session, token, NOW + dt.timedelta(days=29)).user == jo
        late = check_token(session, token, NOW + dt.timedelta(days=30))
        assert late.user is None and late.problem is TokenProblem.EXPIRED


def test_a_new_token_works_for_ninety_days_by_default(database, people) -> None:
    with database.sessions() as session:
        create_api_token(session, session.get(User, people[0]), now=NOW)
        (row,) = tokens_of(session, people[0])
        assert row.expires_at == NOW + dt.timedelta(days=90)


def test_a_revoked_token_says_so(database, people) -> None:
    with database.sessions() as session:
        jo = session.get(User, people[0])
        token = create_api_token(session, jo)
        (row,) = tokens_of(session, jo.id)
        revoke_token(session, jo, row.id)
        session.commit()
        check = check_token(session, token)
        assert check.user is None and check.problem is TokenProblem.REVOKED


def test_only_the_owner_or_an_admin_revokes_a_token(database, people) -> None:
    jo_id, sam_id, admin_id = people
    with database.sessions() as session:
        token = create_api_token(session, session.get(User, jo_id))
        (row,) = tokens_of(session, jo_id)
        with pytest.raises(Forbidden):
            revoke_token(session, session.get(User, sam_id), row.id)
        with pytest.raises(NotFound):  # a page of Sam's never reaches Jo's token
            revoke_token(session, session.get(User, admin_id), row.id, owner_id=sam_id)
        with pytest.raises(NotFound):
            revoke_token(session, None, 2**70)
        assert check_token(session, token).user is not None
        revoke_token(session, session.get(User, admin_id), row.id)
        assert check_token(session, token).problem is TokenProblem.REVOKED


def test_last_use_is_written_at_most_once_a_minute(database, people) -> None:
    with database.sessions() as session:
        token = create_api_token(session, session.get(User, people[0]), now=NOW)
        check_token(session, token, NOW)
        (row,) = tokens_of(session, people[0])
        assert row.last_used_at == NOW
        check_token(session, token, NOW + dt.timedelta(seconds=30))
        assert tokens_of(session, people[0])[0].last_used_at == NOW
        check_token(session, token, NOW + dt.timedelta(seconds=61))
        assert tokens_of(session, people[0])[0].last_used_at == NOW + dt.timedelta(seconds=61)


def test_an_unknown_token_is_unknown(database, people) -> None:
    with database.sessions() as session:
        for token in ("am_nothing", "not-even-ours", "am_" + "x" * 5000):
            assert check_token(session, token).problem is TokenProblem.UNKNOWN


@pytest.mark.parametrize("days", ["0", "367", "-1", "ten", "1e3", "²", "9" * 40])
def test_a_tokens_days_are_checked(days) -> None:
    with pytest.raises(ValidationError) as problem:
        token_days(days)
    assert problem.value.field == "days"


def test_a_tokens_days_default_and_accept_a_number() -> None:
    assert token_days("") == 90 and token_days(None) == 90 and token_days(" 7 ") == 7
