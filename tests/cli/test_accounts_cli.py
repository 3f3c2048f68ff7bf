"""`assetmap create-user` and `create-token`: accounts from the command line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from assetmap.accounts.users import authenticate, user_for_token
from assetmap.cli import cli
from assetmap.models import ApiToken, Organisation, Role, User

PASSWORD = "correct horse battery"


@pytest.fixture
def run(database):
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(
            cli, ["--database-url", database.config.database_url, *args], input=input
        )

    return invoke


@pytest.fixture
def organisation(database):
    with database.session() as session:
        session.add(Organisation(name="Kentish Town Community Centre"))
        session.commit()


def test_create_an_organiser_who_can_then_sign_in(run, database, organisation) -> None:
    result = run(
        "create-user",
        "Jo@Example.org",
        "--role",
        "organiser",
        "--organisation",
        "kentish town community centre",
        "--password",
        PASSWORD,
    )
    assert result.exit_code == 0, result.output
    assert "created organiser jo@example.org" in result.output
    with database.session() as session:
        user = authenticate(session, "jo@example.org", PASSWORD)
        assert user is not None and user.role is Role.ORGANISER
        assert [o.name for o in user.organisations] == ["Kentish Town Community Centre"]
        assert user.password_hash.startswith("$argon2id$")


def test_the_password_is_asked_for_when_not_given(run, database) -> None:
    result = run("create-user", "admin@example.org", "--role", "admin", input=f"{PASSWORD}\n" * 2)
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["not-an-email", "--role", "admin"], "email address"),
        (["jo@example.org", "--role", "organiser"], "needs at least one organisation"),
        (["jo@example.org", "--role", "organiser", "--organisation", "Nowhere"], "Nowhere"),
        (["jo@example.org", "--role", "wizard"], "Invalid value for '--role'"),
    ],
)
def test_bad_accounts_are_refused_in_one_line(run, database, args, words) -> None:
    result = run("create-user", *args, "--password", PASSWORD)
    assert result.exit_code != 0
    assert words in result.output
    with database.session() as session:
        assert session.scalar(select(User)) is None


def test_a_second_account_for_an_address_is_refused(run, database) -> None:
    assert (
        run("create-user", "a@example.org", "--role", "admin", "--password", PASSWORD).exit_code
        == 0
    )
    again = run("create-user", "A@example.org", "--role", "admin", "--password", PASSWORD)
    assert again.exit_code != 0 and "already an account" in again.output


def test_a_short_password_is_refused(run, database) -> None:
    result = run("create-user", "a@example.org", "--role", "admin", "--password", "short")
    assert result.exit_code != 0 and "at least 10 characters" in result.output


def test_create_token_prints_it_once_and_stores_only_a_hash(run, database) -> None:
    run("create-user", "a@example.org", "--role", "admin", "--password", PASSWORD)
    result = run("create-token", "a@example.org", "--name", "import script")
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("am_") and len(token) > 40
    with database.session() as session:
        stored = session.scalar(select(ApiToken))
        assert stored is not None and token not in stored.token_hash
        user = user_for_token(session, token)
        assert user is not None and user.email == "a@example.org"
        assert user_for_token(session, token + "x") is None
    assert run("create-token", "nobody@example.org").exit_code != 0


def test_a_link_worker_joins_a_team(run, database) -> None:
    result = run(
        "create-user",
        "sam@example.org",
        "--role",
        "link_worker",
        "--team",
        "North",
        "--password",
        PASSWORD,
    )
    assert result.exit_code == 0, result.output
    with database.session() as session:
        assert session.scalars(select(User.team)).one() == "North"


# ---- taking access away (issue 19, item 3) ---------------------------------------------------


@pytest.fixture
def worker(run, database):
    result = run("create-user", "sam@example.org", "--role", "link_worker", "--password", PASSWORD)
    assert result.exit_code == 0, result.output


def test_create_token_expires_after_the_days_asked(run, database, worker) -> None:
    import datetime as dt

    token = run("create-token", "sam@example.org", "--days", "7").output.strip()
    with database.session() as session:
        stored = session.scalar(select(ApiToken))
        assert stored.expires_at - stored.created_at == dt.timedelta(days=7)
        assert user_for_token(session, token) is not None
    refused = run("create-token", "sam@example.org", "--days", "0")
    assert refused.exit_code != 0 and "--days" in refused.output


def test_tokens_are_listed_and_revoked_by_number(run, database, worker) -> None:
    token = run("create-token", "sam@example.org", "--name", "sheet").output.strip()
    listed = run("tokens", "sam@example.org")
    assert listed.exit_code == 0, listed.output
    assert "sheet" in listed.output and "never used" in listed.output
    assert token not in listed.output
    number = listed.output.split("\t")[0].strip()
    assert run("tokens").output == listed.output  # everyone's: only Sam has one
    revoked = run("revoke-token", number)
    assert revoked.exit_code == 0 and f"revoked token {number} (sheet)" in revoked.output
    assert "revoked" in run("tokens", "sam@example.org").output
    with database.session() as session:
        assert user_for_token(session, token) is None


@pytest.mark.parametrize("number", ["999", "abc", str(2**64), "-1"])
def test_revoking_a_token_that_is_not_there_is_one_clear_line(run, worker, number) -> None:
    result = run("revoke-token", "--", number)
    assert result.exit_code != 0
    assert "no such API token" in result.output or "not a token number" in result.output
    assert "Traceback" not in result.output


def test_deactivate_and_reactivate_a_user(run, database, worker) -> None:
    token = run("create-token", "sam@example.org").output.strip()
    result = run("deactivate-user", "SAM@example.org")
    assert result.exit_code == 0, result.output
    assert "deactivated sam@example.org; 1 API token(s) revoked" in result.output
    assert "already deactivated" in run("deactivate-user", "sam@example.org").output
    with database.session() as session:
        assert authenticate(session, "sam@example.org", PASSWORD) is None
        assert user_for_token(session, token) is None
    assert run("reactivate-user", "sam@example.org").exit_code == 0
    with database.session() as session:
        assert authenticate(session, "sam@example.org", PASSWORD) is not None
        assert user_for_token(session, token) is None  # revoked for good
    missing = run("deactivate-user", "nobody@example.org")
    assert missing.exit_code != 0 and "no account for nobody@example.org" in missing.output
    assert run("tokens", "nobody@example.org").exit_code != 0
