"""Staff notes as domain rules: who reads and writes them, what a note may say, and the
history every change leaves."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from assetmap.accounts.users import create_user
from assetmap.directory.staff_notes import (
    NOTE_LIMIT,
    add_note,
    delete_note,
    edit_note,
    may_read_notes,
    note_for_editing,
    note_history,
    notes_for,
)
from assetmap.errors import Forbidden, NotFound, ValidationError
from assetmap.models import NoteAction, StaffNote, StaffNoteRevision, User
from tests.factories import listing

NOW = dt.datetime(2026, 12, 2, 10, 30, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=2)


@pytest.fixture
def people(database, add_groups):
    """A group, and one account of each role (two link workers)."""
    (group,) = add_groups(listing("Men's Shed", at="NW5 2AA", organisation="KTCC"))
    with database.sessions() as session:
        for email, role, name in (
            ("lw@example.org", "link_worker", "Lee Worker"),
            ("lw2@example.org", "link_worker", ""),
            ("admin@example.org", "admin", "Ada Admin"),
            ("jo@example.org", "organiser", "Jo"),
            ("cb@example.org", "community_builder", "Cy"),
        ):
            create_user(
                session, email, role, name=name, organisations=["KTCC"] if name == "Jo" else []
            )
        session.commit()
    return group


def _user(session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


def test_only_link_workers_and_admins_read_notes(database, people) -> None:
    with database.sessions() as session:
        add_note(session, _user(session, "lw@example.org"), people, "Ask for Jo", NOW)
        session.commit()
        for email in ("lw@example.org", "lw2@example.org", "admin@example.org"):
            notes = notes_for(session, _user(session, email), people)
            assert [n.body for n in notes] == ["Ask for Jo"]
            assert notes[0].author == "Lee Worker" and notes[0].created_at == NOW
        for email in ("jo@example.org", "cb@example.org"):
            assert notes_for(session, _user(session, email), people) is None
            assert note_history(session, _user(session, email), people) is None
        assert notes_for(session, None, people) is None
        disabled = _user(session, "lw2@example.org")
        disabled.active = False
        assert not may_read_notes(disabled)


@pytest.mark.parametrize("email", ["jo@example.org", "cb@example.org"])
def test_nobody_but_staff_writes_a_note(database, people, email) -> None:
    with database.sessions() as session:
        with pytest.raises(Forbidden):
            add_note(session, _user(session, email), people, "Lovely group", NOW)
        with pytest.raises(Forbidden):
            add_note(session, None, people, "Lovely group", NOW)
        assert session.scalar(select(func.count()).select_from(StaffNote)) == 0


def test_only_the_author_edits_and_the_author_or_an_admin_deletes(database, people) -> None:
    with database.sessions() as session:
        author = _user(session, "lw@example.org")
        note = add_note(session, author, people, "Stairs at the back entrance", NOW)
        session.commit()
        for email in ("lw2@example.org", "admin@example.org", "jo@example.org"):
            with pytest.raises(Forbidden):
                edit_note(session, _user(session, email), note.id, "Changed", LATER)
            with pytest.raises(Forbidden):
                note_for_editing(session, _user(session, email), note.id)
        with pytest.raises(Forbidden):
            delete_note(session, _user(session, "lw2@example.org"), note.id, LATER)
        assert session.get(StaffNote, note.id).body == "Stairs at the back entrance"
        shown = notes_for(session, _user(session, "admin@example.org"), people)[0]
        assert (shown.may_edit, shown.may_delete) == (False, True)
        shown = notes_for(session, author, people)[0]
        assert (shown.may_edit, shown.may_delete) == (True, True)

        edit_note(session, author, note.id, "  Ramp at the back entrance \n", LATER)
        assert session.get(StaffNote, note.id).body == "Ramp at the back entrance"
        assert session.get(StaffNote, note.id).edited_at == LATER
        assert delete_note(session, _user(session, "admin@example.org"), note.id, LATER) == people
        session.commit()
        assert session.get(StaffNote, note.id) is None


def test_every_change_stays_in_the_history_with_the_old_text(database, people) -> None:
    with database.sessions() as session:
        author = _user(session, "lw@example.org")
        note = add_note(session, author, people, "Ask for Jo", NOW)
        edit_note(session, author, note.id, "Ask for Jo or Sam", NOW + dt.timedelta(minutes=1))
        delete_note(session, author, note.id, NOW + dt.timedelta(minutes=2))
        session.commit()
        history = note_history(session, _user(session, "lw2@example.org"), people)
    assert [(c.action, c.who, c.old_body, c.new_body) for c in history] == [
        (NoteAction.DELETED, "Lee Worker", "Ask for Jo or Sam", ""),
        (NoteAction.EDITED, "Lee Worker", "Ask for Jo", "Ask for Jo or Sam"),
        (NoteAction.ADDED, "Lee Worker", "", "Ask for Jo"),
    ]
    assert history[0].changed_at == NOW + dt.timedelta(minutes=2)


def test_an_edit_that_changes_nothing_leaves_no_history(database, people) -> None:
    with database.sessions() as session:
        author = _user(session, "lw@example.org")
        note = add_note(session, author, people, "Ask for Jo", NOW)
        edit_note(session, author, note.id, "Ask for Jo ", LATER)
        session.commit()
        assert session.scalar(select(func.count()).select_from(StaffNoteRevision)) == 1
        assert session.get(StaffNote, note.id).edited_at is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write the note"),
        ("   \n ", "Write the note"),
        ("x" * (NOTE_LIMIT + 1), "1,000"),
        ("Ask for\x00 Jo", "control characters"),
    ],
)
def test_an_empty_or_too_long_note_is_refused_and_nothing_written(
    database, people, body, message
) -> None:
    with database.sessions() as session:
        author = _user(session, "lw@example.org")
        with pytest.raises(ValidationError, match=message) as raised:
            add_note(session, author, people, body, NOW)
        assert raised.value.field == "body"
        note = add_note(session, author, people, "Ask for Jo", NOW)
        with pytest.raises(ValidationError):
            edit_note(session, author, note.id, body, LATER)
        assert session.get(StaffNote, note.id).body == "Ask for Jo"
        assert session.scalar(select(func.count()).select_from(StaffNoteRevision)) == 1


def test_a_note_at_the_limit_is_kept_whole(database, people) -> None:
    with database.sessions() as session:
        note = add_note(session, _user(session, "lw@example.org"), people, "y" * NOTE_LIMIT, NOW)
        assert len(note.body) == NOTE_LIMIT
        lines = add_note(session, _user(session, "lw@example.org"), people, "a\r\n\tb", NOW)
        session.commit()
        assert session.get(StaffNote, lines.id).body == "a\n\tb"


def test_notes_on_a_missing_group_or_note_are_not_found(database, people) -> None:
    with database.sessions() as session:
        author = _user(session, "lw@example.org")
        with pytest.raises(NotFound):
            add_note(session, author, people + 99, "Ask for Jo", NOW)
        with pytest.raises(NotFound):
            edit_note(session, author, 12345, "Ask for Jo", NOW)
        with pytest.raises(NotFound):
            delete_note(session, author, 12345, NOW)
        # Someone who may not read notes learns nothing of which exist.
        with pytest.raises(Forbidden):
            delete_note(session, _user(session, "jo@example.org"), 12345, NOW)


def test_a_note_stays_signed_after_its_author_is_removed(database, people) -> None:
    with database.sessions() as session:
        author = _user(session, "lw@example.org")
        add_note(session, author, people, "Ask for Jo", NOW)
        session.commit()
        session.delete(author)
        session.commit()
        notes = notes_for(session, _user(session, "admin@example.org"), people)
        history = note_history(session, _user(session, "admin@example.org"), people)
    assert notes[0].author == "Lee Worker" and not notes[0].may_edit and notes[0].may_delete
    assert history[0].who == "Lee Worker"
