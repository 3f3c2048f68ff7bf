"""Organiser reminders: the email and its signed link, and what the link lets them do.

The scan decides who gets a reminder (``freshness_reminders`` rows); ``write_reminder_emails``
writes each one's text and link into the outbox. The link carries only the reminder's id,
signed with the app's secret (itsdangerous) and expiring after the policy's days. It acts on
that reminder's listing alone, and once: the first choice made with it marks it used, with a
conditional UPDATE so two clicks at once cannot both count. No account is needed: the person
who reads the listing's contact mailbox is the person who knows whether the group still runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import CursorResult, bindparam, select, update
from sqlalchemy.orm import Session

from assetmap.directory.confirmations import (
    close_open_task,
    record_verification,
    task_for_link_workers,
)
from assetmap.directory.documents import refresh_documents
from assetmap.directory.edits import edit_listing
from assetmap.errors import ValidationError
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import (
    FreshnessReminder,
    Group,
    Organisation,
    OutboxMessage,
    Status,
    TaskOutcome,
    TaskReason,
    Verification,
    VerificationMethod,
    table_of,
    utcnow,
)
from assetmap.outbox.services import new_message

SALT = "assetmap-listing-check"
#: The longest "what has changed" note an organiser can send with the link.
MAX_CHANGES = 2000
WHO = "the organiser"


class LinkUsed(Exception):
    """The link was used already: it works once."""


class ReminderLinks:
    """Makes and reads the signed link of a reminder."""

    def __init__(self, secret: str, lifetime_days: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=SALT)
        self.lifetime = dt.timedelta(days=lifetime_days)

    def token(self, reminder_id: int) -> str:
        return self._serializer.dumps({"r": reminder_id})

    def reminder_id(self, token: str) -> int:
        """The reminder a token is for; ValidationError if it is forged or expired."""
        try:
            data = self._serializer.loads(token, max_age=int(self.lifetime.total_seconds()))
        except SignatureExpired:
            raise ValidationError(
                "This link has expired. We will send a new one, or a link worker will ring.",
                field="token",
            ) from None
        except BadSignature:
            raise ValidationError(
                "This link is not right: check it was copied whole from the email.",
                field="token",
            ) from None
        reminder_id = data.get("r") if isinstance(data, dict) else None
        if not isinstance(reminder_id, int):
            raise ValidationError("This link is not right.", field="token")
        return reminder_id


# -- writing the emails ------------------------------------------------------------------------


SUBJECTS = {
    1: "Is {name} still running? Please check its listing",
    2: "Reminder: is {name} still running?",
    3: "Last reminder: is {name} still running?",
}

BODY = """Hello{greeting},

Social prescribing link workers use assetmap to find local groups for the people they support. It lists {name}{organisation}, and its details were last confirmed {when}.

Please tell us whether they are still right. This link opens a page where you can say the group is still running and nothing has changed (one click), update its details, or tell us it has stopped:

{link}

The link works once, until {until}. You do not need an account or a password.
{closing}
Thank you,
assetmap
"""  # noqa: E501 (one line per paragraph: mail programs wrap them to the reader's window)

CLOSINGS = {
    1: "",
    2: "\nThis is our second reminder.\n",
    3: "\nThis is our last reminder: if we do not hear from you, a link worker will ring to "
    "check.\n",
}


def write_reminder_emails(
    session: Session,
    links: ReminderLinks,
    public_url: str,
    today: dt.date,
    *,
    batch: int = 500,
) -> int:
    """Write the email of every queued reminder that has none yet; returns how many.

    An address the outbox refuses outright is marked undeliverable: the next scan treats it
    as a bounce and hands the listing to a link worker.
    """
    written = 0
    reminders = table_of(FreshnessReminder)
    while True:
        rows = session.execute(
            select(
                reminders.c.id,
                reminders.c.round,
                reminders.c.to_address,
                Group.name,
                Group.contact_name,
                Group.last_verified_at,
                Organisation.name.label("organisation"),
            )
            .join(Group, Group.id == reminders.c.group_id)
            .outerjoin(Organisation, Organisation.id == Group.organisation_id)
            .where(reminders.c.outbox_id.is_(None), ~reminders.c.undeliverable)
            .order_by(reminders.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return written
        written += _write_batch(session, rows, links, public_url, today)


def _write_batch(
    session: Session, rows: Sequence[Any], links: ReminderLinks, public_url: str, today: dt.date
) -> int:
    """One batch: the messages added together and flushed once, then each reminder pointed
    at its message in one statement (a flush per message costs a round trip each)."""
    reminders = table_of(FreshnessReminder)
    made: list[tuple[int, OutboxMessage]] = []
    refused: list[int] = []
    for row in rows:
        try:
            made.append(
                (
                    row.id,
                    new_message(
                        row.to_address, _subject(row), _body(row, links, public_url, today)
                    ),
                )
            )
        except ValidationError:
            refused.append(row.id)
    if refused:
        session.execute(
            update(reminders).where(reminders.c.id.in_(refused)).values(undeliverable=True)
        )
    if made:
        session.add_all(message for _, message in made)
        session.flush()
        session.execute(
            update(reminders)
            .where(reminders.c.id == bindparam("reminder_id"))
            .values(outbox_id=bindparam("message_id")),
            [{"reminder_id": rid, "message_id": message.id} for rid, message in made],
        )
    return len(made)


def _one_line(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _subject(row: Any) -> str:
    return SUBJECTS[min(row.round, 3)].format(name=_one_line(row.name, 200))


def _body(row: Any, links: ReminderLinks, public_url: str, today: dt.date) -> str:
    when = f"on {row.last_verified_at:%-d %B %Y}" if row.last_verified_at else "never"
    until = today + links.lifetime
    return BODY.format(
        greeting=f" {_one_line(row.contact_name, 60)}" if row.contact_name else "",
        name=_one_line(row.name),
        organisation=f" ({_one_line(row.organisation)})" if row.organisation else "",
        when=when,
        link=f"{public_url.rstrip('/')}/check/{links.token(row.id)}",
        until=f"{until:%-d %B %Y}",
        closing=CLOSINGS[min(row.round, 3)],
    )


# -- what the link does ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkView:
    """What the page behind a link shows."""

    reminder: FreshnessReminder
    group: Group
    used: bool


def open_link(session: Session, links: ReminderLinks, token: str) -> LinkView:
    """The reminder behind a token; ValidationError if the token is forged or expired."""
    reminder = session.get(FreshnessReminder, links.reminder_id(token))
    if reminder is None:
        raise ValidationError("This link is no longer valid.", field="token")
    group = session.get(Group, reminder.group_id)
    if group is None:
        raise ValidationError("This listing no longer exists.", field="token")
    return LinkView(reminder=reminder, group=group, used=reminder.used_at is not None)


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
    who = f"{_one_line(group.contact_name, 150)} (organiser)" if group.contact_name else WHO
    return record_verification(
        session, group, today, who=who, method=VerificationMethod.ORGANISER, note=note
    )


def confirm_by_link(
    session: Session, view: LinkView, today: dt.date, now: dt.datetime | None = None
) -> Verification:
    """ "Still running, nothing changed": the listing is verified today. LinkUsed if the link
    was used already."""
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
            geocoder=GazetteerGeocoder(session),
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
    "LinkUsed",
    "LinkView",
    "ReminderLinks",
    "changes_by_link",
    "confirm_by_link",
    "open_link",
    "stopped_by_link",
    "write_reminder_emails",
]
