"""Attachments in the outbox, and messages erased once sent: a person's plan goes to their own
address, which the outbox keeps only until the message is spent."""

from __future__ import annotations

import smtplib

import pytest
from sqlalchemy import update

from assetmap.errors import ValidationError
from assetmap.models import OutboxMessage
from assetmap.outbox import MAX_ATTEMPTS, Attachment, deliver_pending, erase_spent, queue_email
from assetmap.outbox.services import ERASED_ADDRESS, ERASED_BODY, HIDDEN_ADDRESS
from tests.outbox.test_outbox import MAIL_FROM, Recorder, deliver, row, smtp_server  # noqa: F401

PDF = b"%PDF-1.7\n% a plan\n" + bytes(range(256)) * 4
PLAN = Attachment("plan.pdf", "application/pdf", PDF)
PERSON = "margaret@example.net"


def queue_one(database, to=PERSON, *, attachment=PLAN, erase=True) -> int:
    with database.session() as session:
        message = queue_email(
            session, to, "Your plan", "Hello,\nyour plan.", attachment=attachment,
            erase_after_send=erase,
        )  # fmt: skip
        session.commit()
        return message.id


def test_an_attachment_arrives_over_smtp_as_a_real_mime_part(database, smtp_server):  # noqa: F811
    message_id = queue_one(database, erase=False)
    report = deliver(database, smtp_server.sender)
    assert (report.sent, report.errors) == (1, [])
    [received] = smtp_server.handler.received()
    assert received.get_content_type() == "multipart/mixed"
    assert received.get_body(("plain",)).get_content().splitlines() == ["Hello,", "your plan."]
    [part] = list(received.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    assert part.get_filename() == "plan.pdf"
    assert part["Content-Transfer-Encoding"] == "base64"
    assert part.get_content() == PDF
    # Not erased: a message to a group or to staff keeps what it was.
    kept = row(database, message_id)
    assert (kept.to_address, kept.attachment) == (PERSON, PDF)


def test_an_erase_after_send_message_loses_address_body_and_attachment_once_sent(
    database,
    smtp_server,  # noqa: F811
):
    message_id = queue_one(database)
    assert deliver(database, smtp_server.sender).sent == 1
    [envelope] = smtp_server.handler.envelopes
    assert envelope.rcpt_tos == [PERSON]
    [received] = smtp_server.handler.received()
    assert [p.get_content() for p in received.iter_attachments()] == [PDF]

    sent = row(database, message_id)
    assert sent.sent_at is not None
    assert sent.to_address == ERASED_ADDRESS
    assert sent.body == ERASED_BODY
    assert sent.attachment is None
    assert sent.subject == "Your plan"  # not personal: what the message was stays


def test_a_refused_address_is_never_named_in_the_errors(database, smtp_server):  # noqa: F811
    message_id = queue_one(database)
    smtp_server.handler.refuse = f"550 no such user {PERSON}"
    report = deliver(database, smtp_server.sender)
    assert report.failed == 1
    [line] = report.errors
    assert line.startswith(f"message {message_id} to {HIDDEN_ADDRESS}: ")
    assert PERSON not in line
    waiting = row(database, message_id)
    assert PERSON not in waiting.last_error
    # Not spent yet: it keeps what it needs for the next try.
    assert waiting.to_address == PERSON and waiting.attachment == PDF


def test_recipients_refused_names_no_erased_address(database):
    message_id = queue_one(database)
    refused = smtplib.SMTPRecipientsRefused({PERSON: (550, b"no such user " + PERSON.encode())})
    report = deliver(database, Recorder(fail_with=refused))
    assert PERSON not in report.errors[0]
    assert PERSON not in row(database, message_id).last_error


def test_a_group_address_is_still_named_in_the_errors(database):
    message_id = queue_one(database, "group@example.org", erase=False)
    report = deliver(database, Recorder(fail_with=OSError("down")))
    assert report.errors == [f"message {message_id} to group@example.org: OSError: down"]


def test_a_message_that_can_never_be_sent_is_erased_after_its_last_attempt(database):
    message_id = queue_one(database)
    broken = Recorder(fail_with=OSError(f"cannot reach {PERSON}"))
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = deliver(database, broken)
        assert PERSON not in " ".join(report.errors)
        left = row(database, message_id)
        if attempt < MAX_ATTEMPTS:
            assert left.to_address == PERSON
    assert report.gave_up == 1
    given_up = row(database, message_id)
    assert (given_up.sent_at, given_up.attempts) == (None, MAX_ATTEMPTS)
    assert given_up.to_address == ERASED_ADDRESS
    assert given_up.attachment is None and given_up.body == ERASED_BODY
    assert PERSON not in given_up.last_error


def test_a_runner_killed_mid_send_leaves_nothing_for_the_next_run_to_keep(database):
    class Killed(BaseException):
        pass

    message_id = queue_one(database)
    with pytest.raises(Killed):
        deliver(database, Recorder(fail_with=Killed()))
    assert row(database, message_id).to_address == PERSON  # claimed, outcome unknown
    recorder = Recorder()
    assert deliver(database, recorder).sent == 0
    assert recorder.sent == []
    assert row(database, message_id).to_address == ERASED_ADDRESS


def test_erase_spent_touches_only_spent_erase_after_send_messages(database):
    waiting = queue_one(database)
    group = queue_one(database, "group@example.org", erase=False)
    with database.session() as session:
        session.execute(update(OutboxMessage).values(attempts=MAX_ATTEMPTS))
        assert erase_spent(session) == 1
        session.commit()
    assert row(database, waiting).to_address == ERASED_ADDRESS
    assert row(database, group).to_address == "group@example.org"


def test_folder_delivery_writes_the_attachment(database, tmp_path):
    import email
    from email import policy

    from assetmap.outbox import FolderSender

    queue_one(database)
    with database.sessions() as session:
        assert deliver_pending(session, FolderSender(tmp_path, MAIL_FROM)).sent == 1
    [eml] = tmp_path.glob("*.eml")
    received = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert [p.get_content() for p in received.iter_attachments()] == [PDF]


@pytest.mark.parametrize(
    "attachment",
    [
        Attachment("", "application/pdf", PDF),
        Attachment("plan\r\nBcc: x@example.org.pdf", "application/pdf", PDF),
        Attachment("../plan.pdf", "application/pdf", PDF),
        Attachment("plan.pdf", "pdf", PDF),
        Attachment("plan.pdf", "application/pdf\r\nX: y", PDF),
        Attachment("x" * 101, "application/pdf", PDF),
    ],
)
def test_an_attachment_that_could_not_be_sent_is_refused(database, attachment):
    with database.session() as session, pytest.raises(ValidationError) as refused:
        queue_email(session, PERSON, "Plan", "Body", attachment=attachment)
    assert refused.value.field == "attachment"
