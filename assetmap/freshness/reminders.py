"""Organiser reminders: the email and its signed link (what the link does is in ``answers``).

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
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from assetmap.errors import ValidationError
from assetmap.models import (
    FreshnessReminder,
    Group,
    Organisation,
    OutboxMessage,
    table_of,
)
from assetmap.outbox.services import new_message

SALT = "assetmap-listing-check"


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


def one_line(text: str, limit: int = 120) -> str:
    """``text`` on one line, cut to ``limit`` characters: for subjects and greetings."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _subject(row: Any) -> str:
    return SUBJECTS[min(row.round, 3)].format(name=one_line(row.name, 200))


def _body(row: Any, links: ReminderLinks, public_url: str, today: dt.date) -> str:
    when = f"on {row.last_verified_at:%-d %B %Y}" if row.last_verified_at else "never"
    until = today + links.lifetime
    return BODY.format(
        greeting=f" {one_line(row.contact_name, 60)}" if row.contact_name else "",
        name=one_line(row.name),
        organisation=f" ({one_line(row.organisation)})" if row.organisation else "",
        when=when,
        link=f"{public_url.rstrip('/')}/check/{links.token(row.id)}",
        until=f"{until:%-d %B %Y}",
        closing=CLOSINGS[min(row.round, 3)],
    )


__all__ = ["ReminderLinks", "write_reminder_emails"]
