"""Staff notes on a listing's page: who sees them, who changes them, and where they never go
(public pages, the API without a staff token, exports, the printed plan)."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from assetmap.accounts.users import create_api_token, create_user
from assetmap.cli import cli
from assetmap.directory.staff_notes import NOTE_LIMIT
from assetmap.models import Group, StaffNote, StaffNoteRevision, User
from tests.web.staff.helpers import (
    ESCAPED,
    PASSWORD,
    XSS,
    client_for,
    html,
    password_hash,
)

NOTE = "The organiser is lovely, ask for Jo. Stairs at the back entrance."
FIELD = "staff-note"


@pytest.fixture
def second_worker(database, world) -> str:
    """Another link worker, who may read the notes but not change anyone else's."""
    with database.sessions() as session:
        user = create_user(session, "sam@example.org", "link_worker", name="Sam Second")
        user.password_hash = password_hash()
        session.commit()
    return "sam@example.org"


def _sign_in_as(app, email: str):
    """A client signed in with ``email`` (an account the world does not have)."""
    client = client_for(app, "anonymous")
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": client.token},  # type: ignore[attr-defined]
    )
    assert response.status_code == 302
    return client


def _add(client, group_id: int, text: str = NOTE):
    return client.post(
        f"/groups/{group_id}/notes",
        data={FIELD: text, "csrf_token": client.token},  # type: ignore[attr-defined]
    )


def _notes(database) -> list[StaffNote]:
    with database.sessions() as session:
        found = list(session.scalars(select(StaffNote).order_by(StaffNote.id)))
        session.expunge_all()
        return found


def _revisions(database) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(StaffNoteRevision))


def _token(database, email: str) -> dict[str, str]:
    with database.sessions() as session:
        user = session.scalar(select(User).where(User.email == email))
        token = create_api_token(session, user)
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def _text(page: str) -> str:
    return unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


@pytest.fixture
def noted(app, database, world) -> int:
    """The link worker's note on the Men's Shed; the note's id."""
    response = _add(client_for(app, "link_worker"), world.ours)
    assert response.status_code == 302
    return _notes(database)[0].id


# ---- adding, and who sees it ---------------------------------------------------------------


def test_a_link_worker_adds_a_note_and_sees_it_signed_and_dated(app, database, world) -> None:
    worker = client_for(app, "link_worker")
    page = html(worker.get(f"/groups/{world.ours}"))
    assert 'id="staff-notes"' in page and "No notes yet" in page
    assert "About the group, not about people you refer." in page
    response = _add(worker, world.ours)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/groups/{world.ours}#staff-notes")
    page = html(worker.get(f"/groups/{world.ours}"))
    text = _text(page)
    assert NOTE in text
    assert "Your note is saved." in text
    note = _notes(database)[0]
    assert note.author_name == "lw@example.org"  # the account has no name: signed by email
    signed = re.search(r'class="nhsuk-body-s am-staff-note__signed">(.*?)</p>', page).group(1)
    assert re.fullmatch(r"lw@example\.org, \d{1,2} \w+ 20\d\d at \d\d:\d\d", signed)
    assert f"/notes/{note.id}/edit" in page  # the author may change it


def test_another_link_worker_and_an_admin_see_the_note(app, world, second_worker, noted) -> None:
    for client in (_sign_in_as(app, second_worker), client_for(app, "admin")):
        page = html(client.get(f"/groups/{world.ours}"))
        assert NOTE in _text(page)
        assert f"/notes/{noted}/edit" not in page  # not theirs to change
    admin_page = html(client_for(app, "admin").get(f"/groups/{world.ours}"))
    assert f"/notes/{noted}/delete" in admin_page  # an admin may take a note out


@pytest.mark.parametrize("role", ["organiser", "community_builder", "anonymous"])
def test_nobody_else_sees_notes_on_the_page(app, world, noted, role) -> None:
    # The organiser runs this very group; still no notes for them.
    page = html(client_for(app, role).get(f"/groups/{world.ours}"))
    assert "Men&#39;s Shed" in page or "Men's Shed" in page
    assert "lovely, ask for Jo" not in page
    assert 'id="staff-notes"' not in page
    assert "Notes from staff" not in page


@pytest.mark.parametrize("role", ["organiser", "anonymous"])
def test_nobody_else_can_add_change_or_delete_a_note(app, database, world, noted, role) -> None:
    client = client_for(app, role)
    token = {"csrf_token": client.token}  # type: ignore[attr-defined]
    added = client.post(f"/groups/{world.ours}/notes", data={FIELD: "Mine", **token})
    changed = client.post(f"/notes/{noted}/edit", data={FIELD: "Mine", **token})
    deleted = client.post(f"/notes/{noted}/delete", data=token)
    expected = 403 if role == "organiser" else 302  # anybody else is asked to sign in
    assert {added.status_code, changed.status_code, deleted.status_code} == {expected}
    if role == "anonymous":
        assert "/login" in added.headers["Location"]
    assert [n.body for n in _notes(database)] == [NOTE]
    assert _revisions(database) == 1


# ---- the API -------------------------------------------------------------------------------


def test_the_api_shows_notes_only_to_a_staff_token(app, database, world, noted) -> None:
    client = app.test_client()
    url = f"/api/v1/groups/{world.ours}"
    anonymous = client.get(url)
    assert anonymous.status_code == 200
    assert "staff_notes" not in anonymous.get_json()
    assert "lovely" not in anonymous.get_data(as_text=True)
    for email in ("jo@example.org", "cb@example.org"):
        response = client.get(url, headers=_token(database, email))
        assert response.status_code == 200
        assert "lovely" not in response.get_data(as_text=True)
    for email in ("lw@example.org", "admin@example.org"):
        response = client.get(url, headers=_token(database, email))
        feature = response.get_json()
        assert feature["properties"]["name"] == "Men's Shed"
        assert "staff_notes" not in feature["properties"]  # beside the listing, not in it
        [note] = feature["staff_notes"]
        assert note["text"] == NOTE and note["author"] == "lw@example.org"
        assert note["id"] == noted and note["edited_at"] is None
        assert note["created_at"].startswith("20")
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "Authorization" in response.headers["Vary"]
    bad = client.get(url, headers={"Authorization": "Bearer am_not-a-token"})
    assert bad.status_code == 401


def test_searches_and_the_openapi_description(app, database, world, noted) -> None:
    client = app.test_client()
    found = client.get("/api/v1/groups", headers=_token(database, "lw@example.org"))
    assert found.status_code == 200 and "lovely" not in found.get_data(as_text=True)
    document = client.get("/api/v1/openapi.json").get_json()
    feature = document["components"]["schemas"]["Feature"]["properties"]
    assert feature["staff_notes"]["items"]["required"] == [
        "id",
        "text",
        "author",
        "created_at",
        "edited_at",
    ]
    assert "staff_notes" in document["paths"]["/groups/{id}"]["get"]["description"]


# ---- exports and the plan never have them ---------------------------------------------------


def test_exports_and_the_printed_plan_never_carry_notes(app, database, world, noted) -> None:
    runner = CliRunner()
    exported = runner.invoke(cli, ["--database-url", database.config.database_url, "export-groups"])
    assert exported.exit_code == 0, exported.output
    assert "Men's Shed" in exported.stdout
    assert "lovely" not in exported.stdout and "staff_notes" not in exported.stdout
    worker = client_for(app, "link_worker")
    person = {"postcode": "NW5 1AA", "interests": "woodwork", "mode": "walk", "minutes": "30"}
    plan = worker.get("/match/plan?" + urlencode({**person, "choose": world.ours}))
    assert plan.status_code == 200
    assert "Men&#39;s Shed" in html(plan) or "Men's Shed" in html(plan)
    assert "lovely" not in html(plan)
    matched = worker.get("/match?" + urlencode(person))
    assert matched.status_code == 200 and "lovely" not in html(matched)
    api_match = app.test_client().post(
        "/api/v1/match",
        json={"location": {"postcode": "NW5 1AA"}, "interests": ["woodwork"]},
        headers=_token(database, "lw@example.org"),
    )
    assert api_match.status_code == 200
    assert "Men's Shed" in api_match.get_data(as_text=True)
    assert "lovely" not in api_match.get_data(as_text=True)
    # The listing's public JSON, kept beside it, knows nothing of notes either.
    with database.sessions() as session:
        document = session.scalar(select(Group.document).where(Group.id == world.ours))
    assert "lovely" not in json.dumps(document)


# ---- changing and deleting ----------------------------------------------------------------


def test_the_author_changes_their_note(app, database, world, noted) -> None:
    worker = client_for(app, "link_worker")
    form = html(worker.get(f"/notes/{noted}/edit"))
    assert "Change your note" in form and "lovely, ask for Jo" in form
    response = worker.post(
        f"/notes/{noted}/edit",
        data={FIELD: "Ask for Sam now: Jo has left.", "csrf_token": worker.token},  # type: ignore[attr-defined]
    )
    assert response.status_code == 302
    page = _text(html(worker.get(f"/groups/{world.ours}")))
    assert "Ask for Sam now: Jo has left." in page and "(changed " in page
    assert "lovely" not in page


def test_only_the_author_may_change_a_note(app, database, world, second_worker, noted) -> None:
    for client in (_sign_in_as(app, second_worker), client_for(app, "admin")):
        opened = client.get(f"/notes/{noted}/edit")
        sent = client.post(
            f"/notes/{noted}/edit",
            data={FIELD: "Not mine to change", "csrf_token": client.token},  # type: ignore[attr-defined]
        )
        for response in (opened, sent):
            assert response.status_code == 403
            page = html(response)
            assert "You cannot open this page" in page  # the site's own error page
            assert 'id="maincontent"' in page
    other = _sign_in_as(app, second_worker)
    assert other.get(f"/notes/{noted}/delete").status_code == 403
    deleted = other.post(f"/notes/{noted}/delete", data={"csrf_token": other.token})  # type: ignore[attr-defined]
    assert deleted.status_code == 403
    assert [n.body for n in _notes(database)] == [NOTE]
    assert client_for(app, "link_worker").get("/notes/9999/edit").status_code == 404


def test_deleting_asks_first_and_shows_the_note(app, database, world, noted) -> None:
    for role in ("link_worker", "admin"):
        response = client_for(app, role).get(f"/notes/{noted}/delete")
        assert response.status_code == 200
        page = html(response)
        assert "Delete this note?" in page and "lovely, ask for Jo" in page
        assert f'action="/notes/{noted}/delete"' in page
    assert [n.body for n in _notes(database)] == [NOTE]  # asking deletes nothing
    assert client_for(app, "organiser").get(f"/notes/{noted}/delete").status_code == 403


def test_edits_and_deletions_show_in_the_staff_history(app, database, world, noted) -> None:
    worker = client_for(app, "link_worker")
    worker.post(
        f"/notes/{noted}/edit",
        data={FIELD: "Ask for Sam", "csrf_token": worker.token},  # type: ignore[attr-defined]
    )
    admin = client_for(app, "admin")
    assert admin.post(f"/notes/{noted}/delete", data={"csrf_token": admin.token}).status_code == 302  # type: ignore[attr-defined]
    assert _notes(database) == []
    assert NOTE not in _text(html(worker.get(f"/groups/{world.ours}")))
    page = html(worker.get(f"/groups/{world.ours}/history"))
    rows = re.findall(r'<tr class="nhsuk-table__row" id="note-change-\d+">(.*?)</tr>', page, re.S)
    text = [_text(row) for row in rows]
    assert re.fullmatch(
        r"When \d{1,2} \w+ 20\d\d at \d\d:\d\d Who Ada Admin What Note deleted "
        r"Before Ask for Sam After none",
        text[0],
    )
    assert re.search(
        rf"Who lw@example\.org What Note changed Before {re.escape(NOTE)} After Ask for Sam",
        text[1],
    )
    assert re.search(r"Who lw@example\.org What Note added Before none After ", text[2])
    # The listing's own history is still there, above.
    assert 'id="history"' in page


@pytest.mark.parametrize("role", ["organiser", "community_builder"])
def test_the_history_shows_notes_to_staff_only(app, world, noted, role) -> None:
    page = html(client_for(app, role).get(f"/groups/{world.ours}/history"))
    assert 'id="history"' in page  # they may read the listing's history...
    assert "note-history" not in page and "lovely" not in page  # ...but not the notes'


# ---- escaping, CSRF and bad input ----------------------------------------------------------


def test_a_note_is_escaped_everywhere_it_is_shown(app, database, world) -> None:
    worker = client_for(app, "link_worker")
    assert _add(worker, world.ours, XSS).status_code == 302
    note_id = _notes(database)[0].id
    for url in (f"/groups/{world.ours}", f"/groups/{world.ours}/history", f"/notes/{note_id}/edit"):
        page = html(worker.get(url))
        assert ESCAPED in page, url
        assert XSS not in page, url
    too_long = _add(worker, world.ours, XSS + "x" * NOTE_LIMIT)
    assert ESCAPED in html(too_long) and XSS not in html(too_long)


def test_a_note_without_the_csrf_token_is_refused(app, database, world, noted) -> None:
    worker = client_for(app, "link_worker")
    assert worker.post(f"/groups/{world.ours}/notes", data={FIELD: "Sneaky"}).status_code == 400
    assert worker.post(f"/notes/{noted}/edit", data={FIELD: "Sneaky"}).status_code == 400
    assert worker.post(f"/notes/{noted}/delete").status_code == 400
    assert [n.body for n in _notes(database)] == [NOTE]
    assert _revisions(database) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write the note before saving it"),
        ("   ", "Write the note before saving it"),
        ("z" * (NOTE_LIMIT + 1), "A note can be 1,000 characters at most; this one is 1,001"),
    ],
)
def test_an_empty_or_too_long_note_is_a_form_error(app, database, world, text, message) -> None:
    worker = client_for(app, "link_worker")
    response = _add(worker, world.ours, text)
    assert response.status_code == 400
    page = html(response)
    assert "There is a problem" in page
    assert f'href="#{FIELD}">{message}' in page  # the summary links to the box
    assert f'id="{FIELD}-error"' in page and "nhsuk-textarea--error" in page
    if text.strip():
        assert text in page  # what was typed comes back
    assert _notes(database) == [] and _revisions(database) == 0


def test_an_edit_that_is_too_long_keeps_the_note_as_it_was(app, database, world, noted) -> None:
    worker = client_for(app, "link_worker")
    response = worker.post(
        f"/notes/{noted}/edit",
        data={FIELD: "", "csrf_token": worker.token},  # type: ignore[attr-defined]
    )
    assert response.status_code == 400
    assert "Write the note before saving it" in html(response)
    assert [n.body for n in _notes(database)] == [NOTE]
    assert _revisions(database) == 1


def test_a_note_on_a_group_that_does_not_exist(app, world) -> None:
    assert _add(client_for(app, "link_worker"), world.ours + 999).status_code == 404
