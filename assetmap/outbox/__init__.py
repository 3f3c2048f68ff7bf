"""The email outbox: messages are queued in the ``outbox`` table inside the caller's
transaction and delivered later by ``deliver_pending`` (the ``assetmap send-email`` command),
over SMTP or into a folder of .eml files.

Queuing instead of sending inline means a request that rolls back sends nothing, and a slow
or broken mail server never holds up a page.
"""

from assetmap.outbox.interfaces import Attachment, Outgoing, Sender
from assetmap.outbox.senders import FolderSender, SmtpSender, compose, sender_for
from assetmap.outbox.services import (
    MAX_ATTEMPTS,
    DeliveryReport,
    deliver_pending,
    erase_spent,
    queue_email,
)

__all__ = [
    "MAX_ATTEMPTS",
    "Attachment",
    "DeliveryReport",
    "FolderSender",
    "Outgoing",
    "Sender",
    "SmtpSender",
    "compose",
    "deliver_pending",
    "erase_spent",
    "queue_email",
    "sender_for",
]
