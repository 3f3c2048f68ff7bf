"""The email outbox: queued in the caller's transaction, delivered once, over real SMTP (an
aiosmtpd server on a loopback port) or into a folder of .eml files."""

import datetime as dt
import email
import socket
import subprocess
import sys
import threading
from email import policy
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner

from assetmap.cli import cli
from assetmap.config import Config
from assetmap.errors import ConfigError, ValidationError
from assetmap.models import OutboxMessage
from assetmap.outbox import (
    MAX_ATTEMPTS,
    FolderSender,
    Outgoing,
    SmtpSender,
    compose,
    deliver_pending,
    queue_email,
    sender_for,
)
from assetmap.outbox.services import _claim

MAIL_FROM = "Camden asset map <no-reply@example.org>"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Collector:
    """An aiosmtpd handler that keeps what it receives, or refuses it with ``refuse``."""

    def __init__(self):
        self.envelopes = []
        self.logins = []
        self.refuse = ""

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"p@ss word")

    def received(self):
        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free loopback port; ``url`` is how to reach it."""
    handler = Collector()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=handler.authenticate,
        auth_require_tls=False,  # loopback only; lets the test exercise login from the URL
    )
    controller.start()
    try:
        yield SimpleNamespace(
            handler=handler,
            port=controller.port,
            url=f"smtp://127.0.0.1:{controller.port}",
            sender=SmtpSender("127.0.0.1", controller.port, mail_from=MAIL_FROM, timeout=10),
        )
    finally:
        controller.stop()


class Recorder:
    """A sender that only remembers what it was asked to send, in order."""

    name = "recorder"

    def __init__(self, fail_with=None):
        self.sent = []
        self.fail_with = fail_with

    def send(self, message):
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append(message)


def queue(database, *messages):
    """Queue (to, subject, body) messages in one committed transaction; returns their ids."""
    with database.session() as session:
        return [queue_email(session, *message).id for message in messages]


def deliver(database, sender, **options):
    with database.sessions() as session:
        return deliver_pending(session, sender, **options)


def row(database, message_id):
    with database.sessions() as session:
        return session.get(OutboxMessage, message_id)


def test_a_queued_message_arrives_over_smtp(database, smtp_server):
    [message_id] = queue(
        database, ("jo@example.org", "Please check your listing", "Hello Jo,\ncafé at 10")
    )
    report = deliver(database, SmtpSender.from_url(smtp_server.url, MAIL_FROM))

    assert (report.sent, report.failed, report.errors) == (1, 0, [])
    [envelope] = smtp_server.handler.envelopes
    assert envelope.mail_from == "no-reply@example.org"
    assert envelope.rcpt_tos == ["jo@example.org"]
    [received] = smtp_server.handler.received()
    assert received["To"] == "jo@example.org"
    assert received["From"] == MAIL_FROM
    assert received["Subject"] == "Please check your listing"
    assert received["Message-ID"].startswith(f"<outbox.{message_id}.")
    # The wire has CRLF line ends; the text is what was queued.
    assert received.get_content().splitlines() == ["Hello Jo,", "café at 10"]
    sent = row(database, message_id)
    assert sent.sent_at is not None
    assert (sent.attempts, sent.last_error) == (1, "")


def test_smtp_credentials_come_from_the_url(database, smtp_server):
    queue(database, ("jo@example.org", "Hi", "Body"))
    url = f"smtp://mailer:p%40ss%20word@127.0.0.1:{smtp_server.port}"
    report = deliver(database, SmtpSender.from_url(url, MAIL_FROM))
    assert report.sent == 1
    assert smtp_server.handler.logins == [("mailer", "p@ss word")]


def test_folder_delivery_writes_rfc_5322_files_that_sort_oldest_first(database, tmp_path):
    folder = tmp_path / "outbox"
    queue(
        database,
        ("a@example.org", "First", "one"),
        ("b@example.org", "Second", "two"),
        ("c@example.org", "Third", "three"),
    )
    report = deliver(database, FolderSender(folder, MAIL_FROM))

    assert report.sent == 3
    assert [p.name for p in folder.iterdir() if not p.name.endswith(".eml")] == []
    files = sorted(folder.glob("*.eml"))
    assert len(files) == 3
    raw = files[0].read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    parsed = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]
    assert [m["Subject"] for m in parsed] == ["First", "Second", "Third"]
    assert [m["To"] for m in parsed] == ["a@example.org", "b@example.org", "c@example.org"]
    assert all(m["From"] == MAIL_FROM and m["Date"] for m in parsed)
    assert parsed[1].get_content().splitlines() == ["two"]


def test_nothing_listening_leaves_the_message_for_a_later_run(database, smtp_server):
    [message_id] = queue(database, ("jo@example.org", "Hi", "Body"))
    nobody = SmtpSender("127.0.0.1", free_port(), mail_from=MAIL_FROM, timeout=5)

    report = deliver(database, nobody)
    assert (report.sent, report.failed, report.gave_up) == (0, 1, 0)
    assert report.errors[0].startswith(f"message {message_id} to jo@example.org: ")
    failed = row(database, message_id)
    assert failed.sent_at is None
    assert failed.attempts == 1
    assert "ConnectionRefusedError" in failed.last_error

    assert deliver(database, smtp_server.sender).sent == 1
    delivered = row(database, message_id)
    assert delivered.sent_at is not None
    assert (delivered.attempts, delivered.last_error) == (2, "")
    assert len(smtp_server.handler.envelopes) == 1


def test_a_refusing_server_is_recorded_and_a_later_run_delivers(database, smtp_server):
    [message_id] = queue(database, ("jo@example.org", "Hi", "Body"))
    smtp_server.handler.refuse = "550 Mailbox unavailable"

    assert deliver(database, smtp_server.sender).failed == 1
    failed = row(database, message_id)
    assert (failed.sent_at, failed.attempts) == (None, 1)
    assert "550 Mailbox unavailable" in failed.last_error

    smtp_server.handler.refuse = ""
    assert deliver(database, smtp_server.sender).sent == 1
    assert len(smtp_server.handler.envelopes) == 1
    assert row(database, message_id).last_error == ""


def test_a_message_is_never_sent_twice(database, smtp_server):
    queue(database, ("jo@example.org", "Hi", "Body"))
    assert deliver(database, smtp_server.sender).sent == 1
    again = deliver(database, smtp_server.sender)
    assert (again.sent, again.failed, again.skipped) == (0, 0, 0)
    assert len(smtp_server.handler.envelopes) == 1


def test_two_runners_at_once_send_each_message_once(database):
    ids = queue(
        database,
        ("a@example.org", "1", "x"),
        ("b@example.org", "2", "x"),
        ("c@example.org", "3", "x"),
    )
    delivered = Recorder()
    other_run = []

    class RaceSender:
        """While the first runner sends its first message, a second runner does a whole run."""

        name = "race"

        def send(self, message):
            if not other_run:
                with database.sessions() as other:
                    other_run.append(deliver_pending(other, delivered))
            delivered.send(message)

    with database.sessions() as session:
        first = deliver_pending(session, RaceSender())

    assert sorted(m.id for m in delivered.sent) == ids
    assert (other_run[0].sent, other_run[0].skipped) == (2, 0)
    assert (first.sent, first.skipped) == (1, 2)
    assert all(row(database, i).attempts == 1 for i in ids)


def test_a_competing_claim_waits_for_the_first_and_then_loses(database):
    """The SQL guarantee under the runners: while one claim is uncommitted, a second claim on
    the same message blocks (a row lock on PostgreSQL, the write lock on SQLite) and, once the
    first commits, matches nothing."""
    [message_id] = queue(database, ("jo@example.org", "Hi", "Body"))
    second = {}

    def claim_elsewhere():
        with database.sessions() as session:
            second["claim"] = _claim(session, message_id, 0)
            session.commit()

    with database.sessions() as session:
        assert _claim(session, message_id, 0) is not None
        competitor = threading.Thread(target=claim_elsewhere)
        competitor.start()
        competitor.join(0.5)
        assert competitor.is_alive(), "the second claim should wait for the first"
        session.commit()
    competitor.join(10)
    assert second == {"claim": None}
    assert row(database, message_id).attempts == 1


def test_a_rolled_back_transaction_queues_nothing(database):
    with pytest.raises(RuntimeError), database.session() as session:
        queue_email(session, "jo@example.org", "Hi", "Body")
        raise RuntimeError("the request failed after queuing")
    recorder = Recorder()
    assert deliver(database, recorder).sent == 0
    assert recorder.sent == []


def test_oldest_first_and_at_most_limit_per_run(database):
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with database.session() as session:
        for subject, minutes in [("second", 2), ("first", 1), ("third", 3)]:
            message = queue_email(session, "jo@example.org", subject, "x")
            message.created_at = start + dt.timedelta(minutes=minutes)
    recorder = Recorder()
    assert deliver(database, recorder, limit=2).sent == 2
    assert deliver(database, recorder, limit=2).sent == 1
    assert [m.subject for m in recorder.sent] == ["first", "second", "third"]


def test_gives_up_after_max_attempts(database):
    [message_id] = queue(database, ("jo@example.org", "Hi", "Body"))
    broken = Recorder(fail_with=OSError("disk full"))
    reports = [deliver(database, broken) for _ in range(MAX_ATTEMPTS)]
    assert [r.failed for r in reports] == [1] * MAX_ATTEMPTS
    assert [r.gave_up for r in reports] == [0] * (MAX_ATTEMPTS - 1) + [1]

    working = Recorder()
    assert deliver(database, working).sent == 0
    assert working.sent == []
    given_up = row(database, message_id)
    assert (given_up.sent_at, given_up.attempts) == (None, MAX_ATTEMPTS)
    assert given_up.last_error == "OSError: disk full"


def test_a_runner_killed_mid_send_never_sends_that_message_again(database):
    class Killed(BaseException):
        pass

    [message_id] = queue(database, ("jo@example.org", "Hi", "Body"))
    with pytest.raises(Killed):
        deliver(database, Recorder(fail_with=Killed()))
    stuck = row(database, message_id)
    assert stuck.sent_at is not None
    assert stuck.last_error.startswith("delivery started ")

    recorder = Recorder()
    assert deliver(database, recorder).sent == 0
    assert recorder.sent == []


def test_deliver_refuses_a_session_inside_a_transaction(database):
    with database.session() as session, pytest.raises(RuntimeError, match="not inside"):
        deliver_pending(session, Recorder())


@pytest.mark.parametrize(
    ("to", "subject", "field"),
    [
        ("not-an-address", "Hi", "to"),
        ("jo@example", "Hi", "to"),
        ("jo@example.org\r\nBcc: x@example.org", "Hi", "to"),
        ("jo@example.org", "Hi\r\nBcc: x@example.org", "subject"),
        ("jo@example.org", "x" * 301, "subject"),
    ],
)
def test_queue_email_refuses_what_could_never_be_delivered(database, to, subject, field):
    with database.session() as session, pytest.raises(ValidationError) as raised:
        queue_email(session, to, subject, "Body")
    assert raised.value.field == field


def test_queue_email_trims_the_address(database):
    [message_id] = queue(database, ("  jo@example.org ", "Hi", "Body"))
    assert row(database, message_id).to_address == "jo@example.org"


def test_sender_for_picks_smtp_when_configured_else_the_folder(tmp_path):
    folder = sender_for(Config(outbox_dir=str(tmp_path)))
    assert isinstance(folder, FolderSender)
    assert folder.folder == tmp_path

    smtp = sender_for(Config(smtp_url="smtp://u:secret@mail.example.org:2525", mail_from=MAIL_FROM))
    assert isinstance(smtp, SmtpSender)
    assert (smtp.host, smtp.port, smtp.username, smtp.password) == (
        "mail.example.org",
        2525,
        "u",
        "secret",
    )
    assert (smtp.use_ssl, smtp.starttls, smtp.mail_from) == (False, False, MAIL_FROM)
    assert "secret" not in repr(smtp)


@pytest.mark.parametrize(
    ("url", "port", "use_ssl", "starttls"),
    [
        ("smtp://mail.example.org", 25, False, False),
        ("smtp://mail.example.org?starttls=1", 587, False, True),
        ("smtp://mail.example.org:2525?starttls=1", 2525, False, True),
        ("smtps://mail.example.org", 465, True, False),
    ],
)
def test_smtp_url_forms(url, port, use_ssl, starttls):
    sender = SmtpSender.from_url(url, MAIL_FROM)
    assert (sender.port, sender.use_ssl, sender.starttls) == (port, use_ssl, starttls)


@pytest.mark.parametrize(
    "url",
    [
        "smtp://",
        "smtp://mail.example.org:port",
        "smtp://mail.example.org?tls=1",
        "smtps://mail.example.org?starttls=1",
        "http://mail.example.org",
    ],
)
def test_bad_smtp_urls_are_config_errors_that_hide_the_password(url):
    with pytest.raises(ConfigError) as raised:
        SmtpSender.from_url(url.replace("://", "://u:secret@", 1), MAIL_FROM)
    assert "secret" not in raised.value.message


def test_config_checks_mail_settings_at_start_up():
    with pytest.raises(ConfigError, match="ASSETMAP_SMTP_URL"):
        Config.from_env({"ASSETMAP_SMTP_URL": "mail.example.org:25"})
    with pytest.raises(ConfigError, match="ASSETMAP_MAIL_FROM"):
        Config.from_env({"ASSETMAP_MAIL_FROM": "no address here"})
    with pytest.raises(ConfigError, match="ASSETMAP_OUTBOX_DIR"):
        Config.from_env({"ASSETMAP_OUTBOX_DIR": ""})
    assert Config.from_env({"ASSETMAP_SMTP_URL": "smtp://h", "ASSETMAP_OUTBOX_DIR": ""})


def test_a_message_keeps_one_message_id_across_retries():
    message = Outgoing(7, "jo@example.org", "Hi", "Body", dt.datetime(2026, 1, 2, 3, 4, 5))
    first, second = compose(message, MAIL_FROM), compose(message, MAIL_FROM)
    assert first["Message-ID"] == second["Message-ID"] == "<outbox.7.20260102030405@example.org>"


@pytest.fixture
def run(database, tmp_path):
    """Run the CLI against the test database, with a folder outbox in tmp_path unless
    the environment given says otherwise."""

    def invoke(*args, env=None):
        environment = {"ASSETMAP_OUTBOX_DIR": str(tmp_path / "cli-outbox"), "ASSETMAP_SMTP_URL": ""}
        environment.update(env or {})
        return CliRunner().invoke(
            cli, ["--database-url", database.config.database_url, *args], env=environment
        )

    return invoke


def test_cli_send_email_into_the_folder(run, database, tmp_path):
    queue(database, ("jo@example.org", "Hi", "Body"), ("al@example.org", "Hi", "Body"))
    result = run("send-email")
    assert result.exit_code == 0, result.output
    assert "sent 2, failed 0 (folder)" in result.output
    assert len(list((tmp_path / "cli-outbox").glob("*.eml"))) == 2
    assert "sent 0, failed 0" in run("send-email").output


def test_cli_send_email_over_smtp_and_its_failures(run, database, smtp_server):
    queue(database, ("jo@example.org", "Hi", "Body"))
    smtp_server.handler.refuse = "550 Mailbox unavailable"
    failed = run("send-email", env={"ASSETMAP_SMTP_URL": smtp_server.url})
    assert failed.exit_code == 1
    assert "sent 0, failed 1 (smtp)" in failed.output
    assert "550 Mailbox unavailable" in failed.output
    assert "Traceback" not in failed.output

    smtp_server.handler.refuse = ""
    result = run("send-email", "--limit", "5", env={"ASSETMAP_SMTP_URL": smtp_server.url})
    assert result.exit_code == 0, result.output
    assert "sent 1, failed 0 (smtp)" in result.output
    assert len(smtp_server.handler.envelopes) == 1


def test_cli_send_email_explains_a_bad_smtp_url(run):
    result = run("send-email", env={"ASSETMAP_SMTP_URL": "smtp://mail.example.org:port"})
    assert result.exit_code == 1
    assert "port that is not a number" in result.output
    assert "Traceback" not in result.output


def test_cli_send_email_has_help():
    result = CliRunner().invoke(cli, ["send-email", "--help"])
    assert result.exit_code == 0
    assert "Deliver queued email" in result.output


def test_outbox_does_not_import_flask():
    code = (
        "import sys, assetmap.outbox\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'werkzeug'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
