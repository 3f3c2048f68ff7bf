"""Queue email in the caller's transaction; deliver it later, once, from any number of runners.

How a run claims a message (the same SQL on SQLite and PostgreSQL)::

    UPDATE outbox SET attempts = attempts + 1, sent_at = :now, last_error = :in_flight
    WHERE id = :id AND sent_at IS NULL AND attempts = :seen

and commits before it talks to the mail server. Only one runner's UPDATE can match: on
PostgreSQL a second one waits for the first to commit, re-reads the row and finds it changed;
SQLite lets one writer at a time in. The winner then sends, and records the outcome: ``sent_at``
set to the time it went, or put back to NULL with ``last_error`` so a later run tries again.

Why not ``SELECT … FOR UPDATE SKIP LOCKED``: SQLite has no row locks, and it would have to hold
a transaction open for the whole SMTP conversation, which on SQLite blocks every other writer
(the web app included). The conditional UPDATE needs no lock while sending, on either backend.

The price: a claimed message counts as taken (``sent_at`` is set) while it is being sent, so a
runner killed mid-send leaves it marked sent with ``last_error`` saying no outcome was recorded
(find them with ``sent_at IS NOT NULL AND last_error != ''``). The outbox delivers at most once:
a reminder lost to a crash is better than every reminder sent twice.
"""

from __future__ import annotations

import datetime as dt
import re
import smtplib
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, select, update
from sqlalchemy.orm import Session

from assetmap.errors import ValidationError
from assetmap.models import OutboxMessage, table_of, utcnow
from assetmap.outbox.interfaces import Outgoing, Sender

# A message is tried this many times (one try per run of `assetmap send-email`), then left
# unsent with its last error. Five runs ride out a mail server restart or a short outage;
# a message still failing after that has a bad address or a broken configuration, which
# needs a person, not more retries.
MAX_ATTEMPTS = 5
# Errors are kept for a person to read; a whole SMTP transcript is no help.
MAX_ERROR_LENGTH = 1000
SUBJECT_LENGTH = 300  # the column's size
ADDRESS_LENGTH = 254  # the longest address SMTP can carry (RFC 5321 path limit less <>)

# Simple on purpose: one @, something either side, a dot in the domain, no spaces. No line
# breaks either, so an address can never smuggle in a header.
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass
class DeliveryReport:
    """What one run of ``deliver_pending`` did."""

    sent: int = 0
    # Tried and failed this run; each will be tried again unless it has run out of attempts.
    failed: int = 0
    # Of those that failed, how many have now had MAX_ATTEMPTS and will not be tried again.
    gave_up: int = 0
    # Claimed by another runner between this run reading the queue and claiming them.
    skipped: int = 0
    # One line per failure: "message <id> to <address>: <error>".
    errors: list[str] = field(default_factory=list)


def queue_email(session: Session, to: str, subject: str, body: str) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction; nothing is sent here.

    The message exists only once the caller commits, so a request that fails and rolls back
    sends nothing. Raises ValidationError (field ``to`` or ``subject``) for what could never
    be delivered.
    """
    message = new_message(to, subject, body)
    session.add(message)
    session.flush()
    return message


def new_message(to: str, subject: str, body: str) -> OutboxMessage:
    """A checked message, not yet added to a session: for callers queueing many at once
    (add them all, then flush once). ValidationError as for ``queue_email``."""
    address = to.strip()
    if len(address) > ADDRESS_LENGTH or not _ADDRESS.fullmatch(address):
        raise ValidationError("must be an email address like jo@example.org", field="to")
    if "\r" in subject or "\n" in subject:
        raise ValidationError("must be a single line", field="subject")
    if len(subject) > SUBJECT_LENGTH:
        raise ValidationError(f"must be at most {SUBJECT_LENGTH} characters", field="subject")
    return OutboxMessage(to_address=address, subject=subject, body=body)


def deliver_pending(session: Session, sender: Sender, *, limit: int = 100) -> DeliveryReport:
    """Send up to ``limit`` unsent messages, oldest first, each at most once.

    Commits as it goes (each claim, then each outcome: a sent email cannot be rolled back), so
    ``session`` must not be inside a transaction of its own. Never raises for a message that
    fails: the error is recorded on the message and in the report. Safe to run from several
    processes at once; see the module docstring for how.
    """
    if session.in_transaction():
        raise RuntimeError(
            "deliver_pending commits each message itself: "
            "pass a session that is not inside a transaction"
        )
    candidates = session.execute(
        select(OutboxMessage.id, OutboxMessage.attempts)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    session.commit()

    report = DeliveryReport()
    for message_id, seen in candidates:
        message = _claim(session, message_id, seen)
        session.commit()
        if message is None:
            report.skipped += 1
            continue
        try:
            sender.send(message)
        # Anything a sender raises is that message's failure, recorded for a person to read;
        # it must never stop the batch or leave the message claimed and unsent.
        except Exception as error:
            described = _describe(error)
            _record(session, message_id, sent_at=None, error=described)
            report.failed += 1
            if seen + 1 >= MAX_ATTEMPTS:
                report.gave_up += 1
            report.errors.append(f"message {message_id} to {message.to}: {described}")
        else:
            _record(session, message_id, sent_at=utcnow(), error="")
            report.sent += 1
        session.commit()
    return report


def undelivered_for_good() -> ColumnElement[bool]:
    """A condition on ``outbox`` rows: messages that ran out of attempts and will never be
    sent, so their addresses can be treated as bouncing (the freshness scan does)."""
    outbox = table_of(OutboxMessage)
    return and_(outbox.c.sent_at.is_(None), outbox.c.attempts >= MAX_ATTEMPTS)


def _claim(session: Session, message_id: int, seen: int) -> Outgoing | None:
    """Take one message for this run, or None if another runner got to it first."""
    now = utcnow()
    result = cast(
        CursorResult[Any],
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.attempts == seen,
            )
            .values(
                attempts=OutboxMessage.attempts + 1,
                sent_at=now,
                last_error=_in_flight(now),
            )
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        return None
    row = session.execute(
        select(
            OutboxMessage.to_address,
            OutboxMessage.subject,
            OutboxMessage.body,
            OutboxMessage.created_at,
        ).where(OutboxMessage.id == message_id)
    ).one()
    return Outgoing(message_id, row.to_address, row.subject, row.body, row.created_at)


def _record(session: Session, message_id: int, *, sent_at: dt.datetime | None, error: str) -> None:
    """Write the outcome of a claimed message: sent, or back in the queue with its error."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(sent_at=sent_at, last_error=error)
        .execution_options(synchronize_session=False)
    )


def _in_flight(now: dt.datetime) -> str:
    """What a claimed message says until its outcome is recorded; stays if the runner dies."""
    return (
        f"delivery started {now:%Y-%m-%d %H:%M:%S} UTC and no outcome was recorded: "
        "the sender stopped mid-send, so it may not have arrived"
    )


def _describe(error: Exception) -> str:
    """One readable line for ``last_error``: SMTP's code and text rather than a bytes repr."""
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        described = f"{type(error).__name__}: {error.smtp_code} {detail}"
    elif isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{address}: {code} {reply.decode('utf-8', 'replace')}"
            for address, (code, reply) in error.recipients.items()
        )
        described = f"recipient refused: {refused}"
    else:
        described = f"{type(error).__name__}: {error}"
    return " ".join(described.split())[:MAX_ERROR_LENGTH]
