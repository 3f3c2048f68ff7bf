"""The pluggable part of the outbox: how a message leaves, as a small protocol."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message: its name as the reader sees it, its MIME type, its bytes."""

    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Outgoing:
    """One queued message as a sender sees it: plain values, not a database row, so a
    sender can neither change the row nor depend on a live session."""

    id: int
    to: str
    subject: str
    body: str
    created_at: dt.datetime
    attachment: Attachment | None = None
    # To a person whose address is erased once sent: never name ``to`` in a log line.
    erase_after_send: bool = False


class Sender(Protocol):
    """Delivers one message, or raises; whatever it raises is recorded as the message's
    ``last_error`` and the message is tried again on a later run."""

    name: str

    def send(self, message: Outgoing) -> None: ...
