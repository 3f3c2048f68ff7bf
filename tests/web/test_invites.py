"""Invitations and password resets: signed links sent through the outbox, each used once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from assetmap.accounts.links import Purpose, make_link_token, user_for_link
from assetmap.accounts.users import create_user
from assetmap.errors import ValidationError
from assetmap.models import Organisation, OutboxMessage, User
from tests.web.test_auth import PASSWORD, csrf_token, sign_in

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def admin(database):
    with database.session() as session:
        session.add(Organisation(name="Kentish Town Community Centre"))
        create_user(session, "admin@example.org", "admin", password=PASSWORD)
        create_user(session, "lw@example.org", "link_worker", password=PASSWORD)


def mails(database) -> list[OutboxMessage]:
    with database.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def link_in(message: OutboxMessage) -> str:
    match = re.search(r"https?://[^/\s]+(/account/set-password/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def invite(client, **fields: str):
    token = csrf_token(client, "/admin/users/invite")
    return client.post("/admin/users/invite", data={**fields, "csrf_token": token})


def set_password(client, path: str, password: str, confirm: str | None = None):
    token = csrf_token(client, path)
    return client.post(
        path, data={"password": password, "confirm": confirm or password, "csrf_token": token}
    )


def test_an_admin_invites_an_organiser_who_sets_a_password_once(client, database, admin) -> None:
    sign_in(client, "admin@example.org")
    response = invite(
        client,
        email="jo@example.org",
        name="Jo",
        role="organiser",
        organisations="kentish town community centre",
    )
    assert response.status_code == 302
    (message,) = mails(database)
    assert message.to_address == "jo@example.org"
    assert "Choose your password" in message.body
    path = link_in(message)
    client.post("/logout", data={"csrf_token": client.token})

    assert set_password(client, path, NEW_PASSWORD, "something else").status_code == 400
    assert set_password(client, path, "short").status_code == 400
    assert set_password(client, path, NEW_PASSWORD).status_code == 302
    assert sign_in(client, "jo@example.org", NEW_PASSWORD).status_code == 302
    # Used once: the same link no longer works.
    client.post("/logout", data={"csrf_token": client.token})
    again = client.get(path)
    assert again.status_code == 400
    assert "expired or was already used" in again.get_data(as_text=True)


@pytest.mark.parametrize("who", [None, "lw@example.org", "org@example.org", "cb@example.org"])
def test_only_admins_invite(client, database, admin, who) -> None:
    with database.session() as session:
        create_user(
            session,
            "org@example.org",
            "organiser",
            password=PASSWORD,
            organisations=["Kentish Town Community Centre"],
        )
        create_user(session, "cb@example.org", "community_builder", password=PASSWORD)
    if who:
        sign_in(client, who)
        assert client.get("/admin/users/invite").status_code == 403
        refused = client.post(
            "/admin/users/invite",
            data={"email": "x@example.org", "role": "admin", "csrf_token": client.token},
        )
        assert refused.status_code == 403
    else:
        response = client.get("/admin/users/invite")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert mails(database) == []
    with database.session() as session:
        assert session.scalar(select(User).where(User.email == "x@example.org")) is None


def test_a_bad_invitation_is_a_form_error_and_sends_nothing(client, database, admin) -> None:
    sign_in(client, "admin@example.org")
    response = invite(client, email="jo@example.org", role="organiser", organisations="")
    assert response.status_code == 400
    assert "needs at least one organisation" in response.get_data(as_text=True)
    assert mails(database) == []


def test_a_reset_answers_the_same_whoever_asks_and_mails_only_real_accounts(
    client, database, admin
) -> None:
    pages = []
    for email in ("nobody@example.org", "LW@example.org"):
        token = csrf_token(client, "/account/reset")
        response = client.post("/account/reset", data={"email": email, "csrf_token": token})
        assert response.status_code == 200
        pages.append(response.get_data(as_text=True).replace(token, ""))
    assert pages[0] == pages[1]
    (message,) = mails(database)
    assert message.to_address == "lw@example.org"
    assert set_password(client, link_in(message), NEW_PASSWORD).status_code == 302
    assert sign_in(client, "lw@example.org", NEW_PASSWORD).status_code == 302


def test_forged_and_expired_links_are_refused(client, database, admin) -> None:
    assert client.get("/account/set-password/not-a-real-token").status_code == 400
    with database.session() as session:
        user = session.scalar(select(User).where(User.email == "lw@example.org"))
        token = make_link_token("secret", user, Purpose.RESET)
        assert user_for_link(session, "secret", token, Purpose.RESET).id == user.id
        with pytest.raises(ValidationError, match="expired"):
            user_for_link(session, "secret", token, Purpose.RESET, max_age=-1)
        with pytest.raises(ValidationError):
            user_for_link(session, "another secret", token, Purpose.RESET)
        with pytest.raises(ValidationError):  # a reset link is not an invitation
            user_for_link(session, "secret", token, Purpose.INVITE)


def test_an_admin_invites_a_link_worker_into_a_team(client, database, admin) -> None:
    sign_in(client, "admin@example.org")
    response = invite(client, email="sam@example.org", role="link_worker", team=" North ")
    assert response.status_code == 302
    with database.session() as session:
        user = session.scalars(select(User).where(User.email == "sam@example.org")).one()
        assert user.team == "North"
