"""The plan by email (issue 15, item 8): a link worker sends the person their plan as a PDF of
the print page and/or a link, and the person's address is kept nowhere once it has gone."""

from __future__ import annotations

import email
import io
import logging
from email import policy

import pypdf
import pytest
from sqlalchemy import func, select

from assetmap.accounts.users import create_user
from assetmap.models import Base, OutboxMessage
from assetmap.outbox import FolderSender, deliver_pending
from assetmap.outbox.services import ERASED_ADDRESS
from tests.factories import listing
from tests.web.manage.helpers import csrf_token, form_fields, sign_in
from tests.web.match.test_plan_print import plan_url

PERSON_EMAIL = "margaret.okafor@example.net"
PERSON = [("postcode", "NW5 1AA"), ("interests", "knitting")]


ORGANISATION = "Kentish Town Community Centre"


@pytest.fixture
def people(database, two_groups) -> dict[str, int]:
    with database.session() as session:
        ids = {
            role: create_user(
                session,
                f"{role}@example.org",
                role,
                organisations=(ORGANISATION,) if role == "organiser" else (),
            ).id
            for role in ("link_worker", "admin", "organiser", "community_builder")
        }
        session.commit()
    return ids


@pytest.fixture
def two_groups(add_groups) -> list[int]:
    return add_groups(
        listing("Knit and Natter", at="NW5 1AA", interests=["knitting"], organisation=ORGANISATION),
        listing("Kentish Town Knitters", at="NW5 2AA", interests=["knitting"]),
    )


def email_path(ids: list[int]) -> str:
    return plan_url(ids, PERSON).replace("/match/plan?", "/match/plan/email?")


def send(client, ids, fields):
    token = csrf_token(client, plan_url(ids, PERSON))
    return client.post(email_path(ids), data={"csrf_token": token, **fields})


def outbox(database) -> list[OutboxMessage]:
    with database.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_the_form_is_for_link_workers_and_admins_only(client, people, two_groups):
    assert "Email this plan" not in client.get(plan_url(two_groups, PERSON)).get_data(True)
    for role in ("organiser", "community_builder"):
        sign_in(client, people[role])
        assert "Email this plan" not in client.get(plan_url(two_groups, PERSON)).get_data(True)
        assert send(client, two_groups, {"email": PERSON_EMAIL, "send": "pdf"}).status_code == 403
    for role in ("link_worker", "admin"):
        sign_in(client, people[role])
        html = client.get(plan_url(two_groups, PERSON)).get_data(as_text=True)
        assert "Email this plan to the person" in html
        # The address goes in the form's body; the form posts to the plan's own query.
        assert 'action="/match/plan/email?postcode=NW5+1AA' in html
    assert outbox_count(client) == 0


def outbox_count(client) -> int:
    from assetmap.web.context import db_session

    with client.application.app_context():
        return db_session().scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_a_pdf_of_the_print_page_is_attached_and_the_address_erased_once_sent(
    client, database, people, two_groups, tmp_path
):
    sign_in(client, people["link_worker"])
    response = send(client, two_groups, {"email": f"  {PERSON_EMAIL} ", "send": "pdf"})
    assert response.status_code == 302
    assert "/match/plan?postcode=NW5+1AA" in response.headers["Location"]
    assert PERSON_EMAIL not in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The plan will be emailed to the person" in page
    assert PERSON_EMAIL not in page

    [queued] = outbox(database)
    assert queued.to_address == PERSON_EMAIL
    assert queued.erase_after_send
    assert queued.attachment_type == "application/pdf"
    assert queued.attachment is not None and queued.attachment.startswith(b"%PDF")
    text = pdf_text(queued.attachment)
    assert "Knit and Natter" in text and "Kentish Town Knitters" in text
    assert "Groups to try" in text
    # The print stylesheet applied: the page's tools and this very form are not in the PDF.
    assert "Email this plan" not in text and "Print this plan" not in text
    # No link unless asked for: the body says nothing of the search.
    assert "http" not in queued.body and "NW5" not in queued.body

    with database.sessions() as session:
        report = deliver_pending(session, FolderSender(tmp_path, "assetmap <no@example.org>"))
    assert report.sent == 1
    [eml] = tmp_path.glob("*.eml")
    received = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert received["To"] == PERSON_EMAIL
    [attached] = list(received.iter_attachments())
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_filename() == "plan-groups-to-try.pdf"
    assert attached.get_content().startswith(b"%PDF")

    [sent] = outbox(database)
    assert sent.to_address == ERASED_ADDRESS
    assert sent.attachment is None
    assert PERSON_EMAIL not in sent.body and PERSON_EMAIL not in sent.last_error


def test_the_link_is_included_only_when_ticked(client, database, people, two_groups):
    sign_in(client, people["admin"])
    assert send(client, two_groups, {"email": PERSON_EMAIL, "send": "link"}).status_code == 302
    [message] = outbox(database)
    assert message.attachment is None
    assert "/match/plan?postcode=NW5+1AA&interests=knitting&choose=" in message.body
    assert "attached" not in message.body


def test_both_a_pdf_and_a_link(client, database, people, two_groups):
    sign_in(client, people["link_worker"])
    response = send(client, two_groups, {"email": PERSON_EMAIL, "send": ["pdf", "link"]})
    assert response.status_code == 302
    [message] = outbox(database)
    assert message.attachment is not None
    assert "attached as a PDF" in message.body and "/match/plan?" in message.body


@pytest.mark.parametrize(
    ("fields", "field_id", "words"),
    [
        ({"email": "not an address", "send": "pdf"}, "email", "Enter the person"),
        ({"email": "", "send": "link"}, "email", "Enter the person"),
        ({"email": PERSON_EMAIL}, "send", "Choose to attach the plan"),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_nothing_is_queued(
    client, database, people, two_groups, fields, field_id, words
):
    sign_in(client, people["link_worker"])
    response = send(client, two_groups, fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field_id}-error"' in html
    assert words in html
    assert "nhsuk-error-summary" in html
    # What was typed comes back, escaped.
    if fields.get("email"):
        assert form_fields(html, "plan-email-form")["email"] == fields["email"]
    assert outbox(database) == []


def test_without_a_csrf_token_nothing_is_sent(client, database, people, two_groups):
    sign_in(client, people["link_worker"])
    response = client.post(email_path(two_groups), data={"email": PERSON_EMAIL, "send": "pdf"})
    assert response.status_code == 400
    assert outbox(database) == []


def test_a_typed_address_is_escaped(client, people, two_groups):
    sign_in(client, people["link_worker"])
    html = send(client, two_groups, {"email": '"><script>x</script>', "send": "pdf"}).get_data(
        as_text=True
    )
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;" in html or "&#34;&gt;&lt;script" in html


def test_the_address_is_written_nowhere_else(client, database, people, two_groups, caplog):
    sign_in(client, people["link_worker"])
    with caplog.at_level(logging.DEBUG):
        send(client, two_groups, {"email": PERSON_EMAIL, "send": ["pdf", "link"]})
    assert PERSON_EMAIL not in caplog.text
    with database.sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name == "outbox":
                continue  # until it is sent: the test above sees it erased then
            for row in session.execute(select(table)):
                assert PERSON_EMAIL not in repr(tuple(row)), table.name
