"""Staff notes: what link workers know about a group by word of mouth, for staff eyes only.

A note is about the group ("the organiser is lovely, ask for Jo"), signed by its author and
dated. Every addition, edit and deletion leaves a ``StaffNoteRevision`` with the text before
and after, so a listing's history still shows a note after it is deleted. Neither table is
part of the listing contract: notes never reach public pages, exports or printed plans.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assetmap.models.base import Base, Created, IntPK, UTCDateTime, stored_enum


class NoteAction(enum.StrEnum):
    ADDED = "added"
    EDITED = "edited"
    DELETED = "deleted"


class StaffNote(Base):
    """One staff note on one listing, as it reads now."""

    __tablename__ = "staff_notes"

    id: Mapped[IntPK]
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    # Only the author may change the note; NULL once their account is removed.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as well as the id: the note stays signed after the account is removed.
    author_name: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Created]
    # When the author last changed it (NULL: never edited).
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class StaffNoteRevision(Base):
    """A note was added, edited or deleted: who, when, and its text before and after."""

    __tablename__ = "staff_note_revisions"

    id: Mapped[IntPK]
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    # No foreign key: the trail outlives the note it tells of.
    note_id: Mapped[int]
    action: Mapped[NoteAction] = mapped_column(stored_enum(NoteAction, "note_action"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(254))
    changed_at: Mapped[Created]
    old_body: Mapped[str] = mapped_column(Text, default="")
    new_body: Mapped[str] = mapped_column(Text, default="")
