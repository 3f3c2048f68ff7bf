"""Staff notes on a listing: word of mouth that link workers keep for each other.

Who may do what is decided here, from the ``User`` alone:

- link workers and admins read every listing's notes and add their own;
- only a note's author edits it; the author, or an admin (to take out what should not be
  there), deletes it;
- everyone else (organisers, even of the group; community builders; anybody not signed
  in) sees no notes at all, and no sign of them.

Every change leaves a ``StaffNoteRevision`` with who, when and the text before and after, so
the listing's history keeps a note after it is deleted. Notes are not part of the listing
contract: ``listing_json``, the exports and the printed plan never read these tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from assetmap.errors import Forbidden, NotFound, ValidationError
from assetmap.models import Group, NoteAction, Role, StaffNote, StaffNoteRevision, User

#: The longest note, in characters: a few sentences, not a case file.
NOTE_LIMIT = 1000
#: The roles that read and write notes.
STAFF_ROLES = frozenset({Role.LINK_WORKER, Role.ADMIN})


@dataclass(frozen=True)
class NoteShown:
    """One note as a staff member sees it, with what they may do to it."""

    id: int
    group_id: int
    body: str
    author: str
    created_at: dt.datetime
    edited_at: dt.datetime | None
    may_edit: bool
    may_delete: bool


@dataclass(frozen=True)
class NoteChange:
    """One entry in the notes' part of a listing's history."""

    id: int
    note_id: int
    action: NoteAction
    who: str
    changed_at: dt.datetime
    old_body: str
    new_body: str


# ---- the rules ------------------------------------------------------------------------------


def may_read_notes(user: User | None) -> bool:
    """Link workers and admins, signed in with an active account."""
    return user is not None and user.active and user.role in STAFF_ROLES


def may_edit_note(user: User | None, note: StaffNote) -> bool:
    """Only the author, while they are still staff."""
    return may_read_notes(user) and user is not None and note.author_id == user.id


def may_delete_note(user: User | None, note: StaffNote) -> bool:
    """The author, or an admin."""
    return may_edit_note(user, note) or (
        may_read_notes(user) and user is not None and user.role is Role.ADMIN
    )


def _require_staff(user: User | None) -> User:
    if user is None or not may_read_notes(user):
        raise Forbidden("only link workers and admins read and write staff notes")
    return user


def clean_body(body: str) -> str:
    """The note's text, trimmed; a ValidationError naming ``body`` if it is empty, too long
    or holds control characters."""
    text = body.replace("\r\n", "\n").strip()
    # NUL and the other control characters (but tab and new line) are never typed in a note,
    # and PostgreSQL refuses NUL in text: say so rather than fail.
    if any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in text):
        raise ValidationError("A note cannot contain control characters", field="body")
    if not text:
        raise ValidationError("Write the note before saving it", field="body")
    if len(text) > NOTE_LIMIT:
        raise ValidationError(
            f"A note can be {NOTE_LIMIT:,} characters at most; this one is {len(text):,}",
            field="body",
        )
    return text


def _signature(user: User) -> str:
    return user.name or user.email


# ---- reading --------------------------------------------------------------------------------


def notes_for(session: Session, user: User | None, group_id: int) -> list[NoteShown] | None:
    """The group's notes, newest first, for a staff member; None for anyone else (so a page
    can leave the whole section out without asking the rules itself)."""
    if not may_read_notes(user):
        return None
    notes = session.scalars(
        select(StaffNote)
        .where(StaffNote.group_id == group_id)
        .order_by(StaffNote.created_at.desc(), StaffNote.id.desc())
    )
    return [_shown(note, user) for note in notes]


def _shown(note: StaffNote, user: User | None) -> NoteShown:
    return NoteShown(
        id=note.id,
        group_id=note.group_id,
        body=note.body,
        author=note.author_name,
        created_at=note.created_at,
        edited_at=note.edited_at,
        may_edit=may_edit_note(user, note),
        may_delete=may_delete_note(user, note),
    )


def note_for_editing(session: Session, user: User | None, note_id: int) -> NoteShown:
    """One note, for its author to change: NotFound if there is none, Forbidden for anyone
    else."""
    note = _note(session, _require_staff(user), note_id)
    if not may_edit_note(user, note):
        raise Forbidden("only the note's author may change it")
    return _shown(note, user)


def note_for_deleting(session: Session, user: User | None, note_id: int) -> NoteShown:
    """One note, for its author or an admin to confirm its deletion: NotFound if there is
    none, Forbidden for anyone else."""
    note = _note(session, _require_staff(user), note_id)
    if not may_delete_note(user, note):
        raise Forbidden("only the note's author or an admin may delete it")
    return _shown(note, user)


def note_history(session: Session, user: User | None, group_id: int) -> list[NoteChange] | None:
    """Every addition, edit and deletion of the group's notes, newest first; None for anyone
    who may not read notes."""
    if not may_read_notes(user):
        return None
    found = session.scalars(
        select(StaffNoteRevision)
        .where(StaffNoteRevision.group_id == group_id)
        .order_by(StaffNoteRevision.changed_at.desc(), StaffNoteRevision.id.desc())
    )
    return [
        NoteChange(
            id=entry.id,
            note_id=entry.note_id,
            action=entry.action,
            who=entry.user_name,
            changed_at=entry.changed_at,
            old_body=entry.old_body,
            new_body=entry.new_body,
        )
        for entry in found
    ]


# ---- writing --------------------------------------------------------------------------------


def add_note(
    session: Session, user: User | None, group_id: int, body: str, now: dt.datetime
) -> StaffNote:
    """A new note on the group, signed by ``user`` and dated ``now``."""
    author = _require_staff(user)
    text = clean_body(body)
    if session.get(Group, group_id) is None:
        raise NotFound(f"no group has id {group_id}")
    note = StaffNote(
        group_id=group_id,
        author_id=author.id,
        author_name=_signature(author),
        body=text,
        created_at=now,
    )
    session.add(note)
    session.flush()
    _record(session, note, NoteAction.ADDED, author, now, old="", new=text)
    return note


def edit_note(
    session: Session, user: User | None, note_id: int, body: str, now: dt.datetime
) -> StaffNote:
    """The author's new text for their note; the old text stays in the history."""
    editor = _require_staff(user)
    note = _note(session, editor, note_id)
    if not may_edit_note(editor, note):
        raise Forbidden("only the note's author may change it")
    text = clean_body(body)
    if text != note.body:
        _record(session, note, NoteAction.EDITED, editor, now, old=note.body, new=text)
        note.body, note.edited_at = text, now
    return note


def delete_note(session: Session, user: User | None, note_id: int, now: dt.datetime) -> int:
    """Take a note off the listing (its text stays in the history); the group's id."""
    deleter = _require_staff(user)
    note = _note(session, deleter, note_id)
    if not may_delete_note(deleter, note):
        raise Forbidden("only the note's author or an admin may delete it")
    _record(session, note, NoteAction.DELETED, deleter, now, old=note.body, new="")
    group_id = note.group_id
    session.delete(note)
    return group_id


def _note(session: Session, _staff: User, note_id: int) -> StaffNote:
    """The note (asked only once the asker is known to be staff: nobody else learns which
    notes exist)."""
    note = session.get(StaffNote, note_id)
    if note is None:
        raise NotFound(f"no note has id {note_id}")
    return note


def _record(
    session: Session,
    note: StaffNote,
    action: NoteAction,
    user: User,
    now: dt.datetime,
    *,
    old: str,
    new: str,
) -> None:
    session.add(
        StaffNoteRevision(
            group_id=note.group_id,
            note_id=note.id,
            action=action,
            user_id=user.id,
            user_name=_signature(user),
            changed_at=now,
            old_body=old,
            new_body=new,
        )
    )
