"""Senders: SMTP (stdlib ``smtplib``) when ``smtp_url`` is set, else a folder of .eml files.

The folder is the default because it needs no mail server and loses nothing: every message is
kept as a real RFC 5322 file that any mail client opens.
"""

from __future__ import annotations

import os
import secrets
import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from assetmap.config import Config
from assetmap.errors import ConfigError
from assetmap.models import utcnow
from assetmap.outbox.interfaces import Outgoing, Sender

# A mail server that has not answered in this long is treated as down: the message is
# retried on the next run rather than holding the whole batch up.
SMTP_TIMEOUT_SECONDS = 30.0
# Ports used when the URL names none: plain SMTP, submission with STARTTLS, SMTP over TLS.
SMTP_PORT, SUBMISSION_PORT, SMTPS_PORT = 25, 587, 465


def compose(message: Outgoing, mail_from: str) -> EmailMessage:
    """The RFC 5322 email for a queued message, as both senders deliver it.

    The Message-ID is derived from the outbox row, so it stays the same across retries and a
    receiver that somehow gets a message twice can tell it is one message.
    """
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(utcnow())
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    email["Message-ID"] = f"<outbox.{message.id}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"
    email.set_content(message.body)
    if message.attachment is not None:
        maintype, _, subtype = message.attachment.content_type.partition("/")
        email.add_attachment(
            message.attachment.data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=message.attachment.name,
        )
    return email


class SmtpSender:
    """Delivers over SMTP with the standard library.

    One connection per message: volumes are small (reminders, invitations), and a connection
    that broke on one message can never take the next ones down with it.
    """

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        mail_from: str,
        username: str = "",
        password: str = "",
        use_ssl: bool = False,
        starttls: bool = False,
        timeout: float = SMTP_TIMEOUT_SECONDS,
    ) -> None:
        if use_ssl and starttls:
            raise ConfigError("ASSETMAP_SMTP_URL: smtps:// is TLS already; drop ?starttls=1")
        self.host = host
        self.port = port
        self.mail_from = mail_from
        self.username = username
        self.password = password
        self.use_ssl = use_ssl
        self.starttls = starttls
        self.timeout = timeout

    @classmethod
    def from_url(cls, url: str, mail_from: str) -> SmtpSender:
        """Build a sender from ``smtp://user:pass@host:port`` (``smtps://`` for TLS from the
        start, ``?starttls=1`` to upgrade a plain connection). Errors never repeat the URL,
        which may hold a password."""
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"}:
            raise ConfigError("ASSETMAP_SMTP_URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise ConfigError("ASSETMAP_SMTP_URL names no host")
        try:
            port = parts.port
        except ValueError:
            raise ConfigError("ASSETMAP_SMTP_URL has a port that is not a number") from None
        query = parse_qs(parts.query, keep_blank_values=True)
        unknown = sorted(set(query) - {"starttls"})
        if unknown:
            raise ConfigError(f"ASSETMAP_SMTP_URL: unknown option(s) {', '.join(unknown)}")
        starttls = query.get("starttls", ["0"])[-1].lower() in {"1", "true", "yes", "on"}
        use_ssl = parts.scheme == "smtps"
        if port is None:
            port = SMTPS_PORT if use_ssl else SUBMISSION_PORT if starttls else SMTP_PORT
        return cls(
            parts.hostname,
            port,
            mail_from=mail_from,
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            use_ssl=use_ssl,
            starttls=starttls,
        )

    def send(self, message: Outgoing) -> None:
        email = compose(message, self.mail_from)
        smtp: smtplib.SMTP
        if self.use_ssl:
            smtp = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(email)

    def __repr__(self) -> str:
        # Never the password: senders end up in logs and error messages.
        return f"SmtpSender({self.host!r}, {self.port}, user={self.username!r})"


class FolderSender:
    """Writes each message as an .eml file into a folder.

    File names start with the UTC time to the microsecond, so they sort in the order written,
    then the outbox id and a random tag, so two processes can never pick the same name. Each
    file is written under a hidden temporary name and renamed into place, so anyone reading the
    folder never sees half a message.
    """

    name = "folder"

    def __init__(self, folder: Path | str, mail_from: str) -> None:
        self.folder = Path(folder)
        self.mail_from = mail_from

    def send(self, message: Outgoing) -> None:
        email = compose(message, self.mail_from)
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S%fZ}-{message.id:08d}-{secrets.token_hex(4)}.eml"
        temporary = self.folder / f".{name}.tmp"
        try:
            # policy.SMTP: CRLF line endings, as RFC 5322 has them on the wire.
            temporary.write_bytes(email.as_bytes(policy=policy.SMTP))
            os.replace(temporary, self.folder / name)
        except OSError:
            temporary.unlink(missing_ok=True)
            raise

    def __repr__(self) -> str:
        return f"FolderSender({str(self.folder)!r})"


def sender_for(config: Config) -> Sender:
    """The sender the configuration asks for: SMTP when ``smtp_url`` is set, else the folder."""
    if config.smtp_url:
        return SmtpSender.from_url(config.smtp_url, config.mail_from)
    return FolderSender(config.outbox_dir, config.mail_from)
