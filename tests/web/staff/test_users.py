"""The admin's accounts pages (issue 19, item 3): the list, one account with its tokens,
deactivate and reactivate by CSRF-protected POST, never oneself, admins only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assetmap.accounts.tokens import check_token, create_api_token
from assetmap.accounts.users import create_user
from assetmap.models import ApiToken, Organisation, User
from tests.web.test_auth import PASSWORD, csrf_token, sign_in


@pytest.fixture
def ids(database) -> dict[str, int]:
    with database.sessions() as session:
        session.add(Organisation(name="Kentish Town Community Centre"))
        session.flush()
        made = {
            "admin": create_user(session, "admin@example.org", "admin", password=PASSWORD),
            "jo": create_user(session, "jo@example.org", "link_worker", password=PASSWORD),
            "org": create_user(
                session,
                "org@example.org",
                "organiser",
                password=PASSWORD,
                organisations=["Kentish Town Community Centre"],
            ),
        }
        session.commit()
        return {name: user.id for name, user in made.items()}


def _post(client, path: str, page: str):
    return client.post(path, data={"csrf_token": csrf_token(client, page)})


def test_the_list_shows_roles_status_and_links_to_invite(client, ids) -> None:
    sign_in(client, "admin@example.org")
    page = client.get("/admin/users").get_data(as_text=True)
    for email in ("admin@example.org", "jo@example.org", "org@example.org"):
        assert email in page
    assert "Link worker" in page and "Active" in page
    assert 'href="/admin/users/invite"' in page
    assert 'href="/admin/users"' in client.get("/admin/changes").get_data(as_text=True)


@pytest.mark.parametrize("who", [None, "jo@example.org", "org@example.org"])
def test_only_admins_open_or_use_the_pages(client, ids, who) -> None:
    if who:
        sign_in(client, who)
    for path in ("/admin/users", f"/admin/users/{ids['admin']}"):
        assert client.get(path).status_code == (403 if who else 302)
    token = csrf_token(client, "/login") if not who else client.token
    answer = client.post(f"/admin/users/{ids['admin']}/deactivate", data={"csrf_token": token})
    assert answer.status_code == (403 if who else 302)


def test_an_admin_deactivates_and_reactivates_an_account(client, database, ids) -> None:
    with database.sessions() as session:
        token = create_api_token(session, session.get(User, ids["jo"]), "their sheet")
        session.commit()
    sign_in(client, "admin@example.org")
    page = f"/admin/users/{ids['jo']}"
    assert "their sheet" in client.get(page).get_data(as_text=True)
    assert client.post(f"{page}/deactivate").status_code == 400  # no CSRF token
    answer = _post(client, f"{page}/deactivate", page)
    assert answer.status_code == 303
    shown = client.get(page).get_data(as_text=True)
    assert "Deactivated" in shown and 'id="reactivate"' in shown
    with database.sessions() as session:
        assert not session.get(User, ids["jo"]).active
        assert check_token(session, token).user is None
    assert sign_in(client.application.test_client(), "jo@example.org").status_code == 401
    assert _post(client, f"{page}/reactivate", page).status_code == 303
    assert sign_in(client.application.test_client(), "jo@example.org").status_code == 302


def test_an_admin_cannot_deactivate_themselves(client, database, ids) -> None:
    sign_in(client, "admin@example.org")
    page = f"/admin/users/{ids['admin']}"
    assert 'id="deactivate"' not in client.get(page).get_data(as_text=True)
    answer = _post(client, f"{page}/deactivate", page)
    assert answer.status_code == 400
    assert "You cannot deactivate your own account" in answer.get_data(as_text=True)
    with database.sessions() as session:
        assert session.get(User, ids["admin"]).active


def test_an_admin_revokes_someone_elses_token(client, database, ids) -> None:
    with database.sessions() as session:
        token = create_api_token(session, session.get(User, ids["jo"]))
        session.commit()
        token_id = session.scalar(select(ApiToken.id))
    sign_in(client, "admin@example.org")
    page = f"/admin/users/{ids['jo']}"
    wrong = _post(client, f"/admin/users/{ids['org']}/tokens/{token_id}/revoke", page)
    assert wrong.status_code == 404  # the token is not that account's
    assert _post(client, f"{page}/tokens/{token_id}/revoke", page).status_code == 303
    with database.sessions() as session:
        assert check_token(session, token).user is None


@pytest.mark.parametrize("number", ["999999", str(2**63), "9" * 40])
def test_an_account_that_is_not_there_is_a_404(client, ids, number) -> None:
    sign_in(client, "admin@example.org")
    assert client.get(f"/admin/users/{number}").status_code == 404
    page = f"/admin/users/{ids['jo']}"
    assert _post(client, f"/admin/users/{number}/deactivate", page).status_code == 404
    assert _post(client, f"/admin/users/{number}/reactivate", page).status_code == 404
    revoke = f"/admin/users/{ids['jo']}/tokens/{number}/revoke"
    assert _post(client, revoke, page).status_code == 404
