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

A message queued with ``erase_after_send`` (a person's plan, sent to their own address) keeps
the address only until it is spent: once sent, or after its last failed attempt, its address,
body and attachment are erased in the same commit as the outcome, and no error line or
``last_error`` ever names that address. A runner killed mid-send leaves one behind: the next
run's sweep (``erase_spent``) erases it before it does anything else.
"""

from __future__ import annotations

import datetime as dt
import re
import smtplib
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, or_, select, update
from sqlalchemy.orm import Session

from assetmap.errors import ValidationError
from assetmap.models import OutboxMessage, table_of, utcnow
from assetmap.outbox.interfaces import Attachment, Outgoing, Sender

# A message is tried this many times (one try per run of `assetmap send-email`), then left
# unsent with its last error. Five runs ride out a mail server restart or a short outage;
# a message still failing after that has a bad address or a broken configuration, which
# needs a person, not more retries.
MAX_ATTEMPTS = 5
# Errors are kept for a person to read; a whole SMTP transcript is no help.
MAX_ERROR_LENGTH = 1000
SUBJECT_LENGTH = 300  # the column's size
ADDRESS_LENGTH = 254  # the longest address SMTP can carry (RFC 5321 path limit less <>)
ATTACHMENT_NAME_LENGTH = 100  # the columns' sizes
#: What an erased-after-send message keeps instead of the person's address and its body.
ERASED_ADDRESS = "(erased after sending)"
ERASED_BODY = "(This message went to a person: its address, text and attachment were erased.)"
#: How an error line names the address of a message that is erased after sending.
HIDDEN_ADDRESS = "(a person's address, not kept)"

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
    # One line per failure: "message <id> to <address>: <error>" (a person's address hidden).
    errors: list[str] = field(default_factory=list)


def queue_email(
    session: Session,
    to: str,
    subject: str,
    body: str,
    *,
    attachment: Attachment | None = None,
    erase_after_send: bool = False,
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction; nothing is sent here.

    The message exists only once the caller commits, so a request that fails and rolls back
    sends nothing. Raises ValidationError (field ``to``, ``subject`` or ``attachment``) for
    what could never be delivered. ``erase_after_send``: see the module docstring.
    """
    message = new_message(
        to, subject, body, attachment=attachment, erase_after_send=erase_after_send
    )
    session.add(message)
    session.flush()
    return message


def new_message(
    to: str,
    subject: str,
    body: str,
    *,
    attachment: Attachment | None = None,
    erase_after_send: bool = False,
) -> OutboxMessage:
    """A checked message, not yet added to a session: for callers queueing many at once
    (add them all, then flush once). ValidationError as for ``queue_email``."""
    address = to.strip()
    if len(address) > ADDRESS_LENGTH or not _ADDRESS.fullmatch(address):
        raise ValidationError("must be an email address like jo@example.org", field="to")
    if "\r" in subject or "\n" in subject:
        raise ValidationError("must be a single line", field="subject")
    if len(subject) > SUBJECT_LENGTH:
        raise ValidationError(f"must be at most {SUBJECT_LENGTH} characters", field="subject")
    if attachment is not None:
        _check_attachment(attachment)
    return OutboxMessage(
        to_address=address,
        subject=subject,
        body=body,
        attachment=attachment.data if attachment else None,
        attachment_name=attachment.name if attachment else None,
        attachment_type=attachment.content_type if attachment else None,
        erase_after_send=erase_after_send,
    )


_CONTENT_TYPE = re.compile(r"[a-z]+/[a-z0-9.+-]+")


def _check_attachment(attachment: Attachment) -> None:
    name = attachment.name
    if not name or len(name) > ATTACHMENT_NAME_LENGTH or any(c in name for c in "\r\n/\\"):
        raise ValidationError(
            f"needs a file name of at most {ATTACHMENT_NAME_LENGTH} characters", field="attachment"
        )
    if len(attachment.content_type) > ATTACHMENT_NAME_LENGTH or not _CONTENT_TYPE.fullmatch(
        attachment.content_type
    ):
        raise ValidationError("needs a MIME type like application/pdf", field="attachment")


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
    erase_spent(session)
    session.commit()
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
            if message.erase_after_send:
                described = described.replace(message.to, HIDDEN_ADDRESS)
            last = seen + 1 >= MAX_ATTEMPTS
            _record(session, message_id, sent_at=None, error=described, erase=last)
            report.failed += 1
            if last:
                report.gave_up += 1
            to = HIDDEN_ADDRESS if message.erase_after_send else message.to
            report.errors.append(f"message {message_id} to {to}: {described}")
        else:
            _record(session, message_id, sent_at=utcnow(), error="", erase=True)
            report.sent += 1
        session.commit()
    return report


def erase_spent(session: Session) -> int:
    """Erase every erase-after-send message that is spent (sent, claimed by a runner that
    died, or out of attempts) and still holds its address; in the caller's transaction.
    Returns how many were erased."""
    result = cast(
        CursorResult[Any],
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.erase_after_send.is_(True),
                OutboxMessage.to_address != ERASED_ADDRESS,
                or_(OutboxMessage.sent_at.is_not(None), OutboxMessage.attempts >= MAX_ATTEMPTS),
            )
            .values(**_ERASED)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount


_ERASED: dict[str, Any] = {"to_address": ERASED_ADDRESS, "body": ERASED_BODY, "attachment": None}


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
            OutboxMessage.attachment,
            OutboxMessage.attachment_name,
            OutboxMessage.attachment_type,
            OutboxMessage.erase_after_send,
        ).where(OutboxMessage.id == message_id)
    ).one()
    attachment = (
        Attachment(
            row.attachment_name or "attachment",
            row.attachment_type or "application/octet-stream",
            row.attachment,
        )
        if row.attachment is not None
        else None
    )
    return Outgoing(
        message_id,
        row.to_address,
        row.subject,
        row.body,
        row.created_at,
        attachment=attachment,
        erase_after_send=bool(row.erase_after_send),
    )


def _record(
    session: Session,
    message_id: int,
    *,
    sent_at: dt.datetime | None,
    error: str,
    erase: bool = False,
) -> None:
    """Write the outcome of a claimed message: sent, or back in the queue with its error.
    With ``erase``, an erase-after-send message loses its address, body and attachment in the
    same statement (a message to a group is untouched)."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(sent_at=sent_at, last_error=error)
        .execution_options(synchronize_session=False)
    )
    if erase:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.erase_after_send.is_(True))
            .values(**_ERASED)
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
