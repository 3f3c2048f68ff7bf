"""An organiser's answers: "still running" on their page, and the choices behind a reminder's link.

The link carries only the reminder's id (``reminders.ReminderLinks``). It acts on that
reminder's listing alone, and once: the first choice made with it marks it used, with a
conditional UPDATE so two clicks at once cannot both count.

"Still running" is refused while a change to the listing waits for an admin
(``ChangeWaiting``): it would mark the old details, the public ones, as checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from assetmap.accounts.users import Permissions
from assetmap.directory.documents import refresh_documents
from assetmap.directory.edits import current_listing, edit_listing
from assetmap.directory.my_groups import WaitingChange, waiting_changes
from assetmap.errors import Conflict, Forbidden, NotFound, ValidationError
from assetmap.freshness.reminders import ReminderLinks, one_line
from assetmap.models import (
    FreshnessReminder,
    Group,
    Status,
    TaskOutcome,
    TaskReason,
    User,
    Verification,
    VerificationMethod,
    table_of,
    utcnow,
)
from assetmap.verification.records import (
    close_open_task,
    record_verification,
    task_for_link_workers,
)

STILL_RUNNING = "Still running, nothing changed"
#: The longest "what has changed" note an organiser can send with the link.
MAX_CHANGES = 2000
WHO = "the organiser"


class LinkUsed(Exception):
    """The link was used already: it works once."""


class ChangeWaiting(Conflict):
    """A change to the listing waits for an admin: confirming now would mark the old
    details as checked. ``change`` is the oldest one waiting."""

    code = "change_waiting"

    def __init__(self, change: WaitingChange) -> None:
        super().__init__(
            f"a change sent on {change.proposed_at:%-d %B %Y} waits for an admin's review; "
            "confirming now would mark the old details as checked",
            field="confirm",
        )
        self.change = change


def refuse_if_waiting(session: Session, group_id: int) -> None:
    """ChangeWaiting if a change to the group waits for an admin."""
    if waiting := waiting_changes(session, [group_id]).get(group_id):
        raise ChangeWaiting(waiting[0])


def confirm_still_running(
    session: Session, user: User, group_id: int, today: dt.date
) -> Verification:
    """Record that ``user`` confirmed the group on ``today``; Forbidden unless they may edit
    it, ChangeWaiting while a change of it waits for an admin."""
    group = session.get(Group, group_id)
    if group is None:
        raise NotFound(f"no group has id {group_id}")
    if not Permissions.of(session, user).may_edit(group):
        raise Forbidden("you may not confirm this group")
    refuse_if_waiting(session, group_id)
    who = (user.name or user.email)[:200]
    verification = record_verification(
        session, group, today, who=who, method=VerificationMethod.ORGANISER, note=STILL_RUNNING
    )
    close_open_task(session, group.id, TaskOutcome.ORGANISER, today, who, STILL_RUNNING)
    refresh_documents(session, [group.id])
    return verification


@dataclass(frozen=True)
class LinkView:
    """What the page behind a link shows."""

    reminder: FreshnessReminder
    group: Group
    used: bool
    #: The listing as the public sees it (the details "still running" confirms).
    listing: dict[str, Any] = field(default_factory=dict)
    #: Changes to it waiting for an admin, oldest first: "still running" waits for them.
    waiting: list[WaitingChange] = field(default_factory=list)


def open_link(session: Session, links: ReminderLinks, token: str) -> LinkView:
    """The reminder behind a token; ValidationError if the token is forged or expired."""
    reminder = session.get(FreshnessReminder, links.reminder_id(token))
    if reminder is None:
        raise ValidationError("This link is no longer valid.", field="token")
    group = session.get(Group, reminder.group_id)
    if group is None:
        raise ValidationError("This listing no longer exists.", field="token")
    return LinkView(
        reminder=reminder,
        group=group,
        used=reminder.used_at is not None,
        listing=current_listing(session, group.id),
        waiting=waiting_changes(session, [group.id]).get(group.id, []),
    )


def _use(session: Session, reminder: FreshnessReminder, what: str, now: dt.datetime) -> None:
    claimed = session.execute(
        update(table_of(FreshnessReminder))
        .where(
            table_of(FreshnessReminder).c.id == reminder.id,
            table_of(FreshnessReminder).c.used_at.is_(None),
        )
        .values(used_at=now, used_for=what)
    )
    if not isinstance(claimed, CursorResult) or claimed.rowcount != 1:
        raise LinkUsed()
    session.expire(reminder)


def _verify(session: Session, group: Group, today: dt.date, note: str) -> Verification:
    who = f"{one_line(group.contact_name, 150)} (organiser)" if group.contact_name else WHO
    return record_verification(
        session, group, today, who=who, method=VerificationMethod.ORGANISER, note=note
    )


def confirm_by_link(
    session: Session, view: LinkView, today: dt.date, now: dt.datetime | None = None
) -> Verification:
    """ "Still running, nothing changed": the listing is verified today. LinkUsed if the link
    was used already; ChangeWaiting (the link still unused) while a change waits."""
    refuse_if_waiting(session, view.group.id)
    _use(session, view.reminder, "confirmed", now or utcnow())
    verification = _verify(session, view.group, today, "Still running, nothing changed (email)")
    close_open_task(session, view.group.id, TaskOutcome.ORGANISER, today, WHO, "Still running")
    refresh_documents(session, [view.group.id])
    return verification


def stopped_by_link(
    session: Session, view: LinkView, today: dt.date, now: dt.datetime | None = None
) -> None:
    """ "This group has stopped": the listing is closed (kept, with its history, not deleted)."""
    _use(session, view.reminder, "stopped", now or utcnow())
    group = view.group
    if group.status is not Status.CLOSED:
        edit_listing(
            session,
            group.id,
            {"status": Status.CLOSED.value},
            based_on=group.version,
            user_id=None,
            via="the organiser, by the link in a reminder email",
        )
    session.refresh(group)
    _verify(session, group, today, "The organiser says the group has stopped (email)")
    close_open_task(session, group.id, TaskOutcome.CLOSED, today, WHO, "Group has stopped")
    refresh_documents(session, [group.id])


def changes_by_link(
    session: Session, view: LinkView, changes: str, now: dt.datetime | None = None
) -> None:
    """ "Update details" without an account: the organiser's words go to a link worker, who
    makes the change (and can ring them back)."""
    text = changes.strip()
    if not text:
        raise ValidationError("Tell us what has changed", field="changes")
    if len(text) > MAX_CHANGES:
        raise ValidationError(f"Tell us in {MAX_CHANGES} characters or fewer", field="changes")
    if "\x00" in text:
        raise ValidationError("Remove the NUL characters from your message", field="changes")
    when = now or utcnow()
    _use(session, view.reminder, "changes", when)
    # Even if it was checked some other way since the email went: the changes need making.
    task_for_link_workers(
        session,
        view.group.id,
        TaskReason.CHANGES,
        when.date(),
        f"The organiser wrote: {text}",
        live_only=False,
    )


__all__ = [
    "MAX_CHANGES",
    "ChangeWaiting",
    "LinkUsed",
    "LinkView",
    "changes_by_link",
    "confirm_by_link",
    "confirm_still_running",
    "open_link",
    "refuse_if_waiting",
    "stopped_by_link",
]
