"""Send a person their plan by email, without keeping their address.

The link worker types the person's address on the plan page; the message is queued with
``erase_after_send`` (the outbox erases the address, text and attachment once it is sent or
given up on) and the address is written nowhere else: not on a case, not in the audit, not in
a log line. The plan goes as a PDF attachment (rendered by the caller from the print page),
a link to the plan page, or both.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from assetmap.errors import Forbidden, ValidationError
from assetmap.models import OutboxMessage, User
from assetmap.outbox import Attachment, queue_email
from assetmap.outbox.services import new_message
from assetmap.referrals.cases import works_with_cases

SUBJECT = "Your plan: local groups to try"
PDF_NAME = "plan-groups-to-try.pdf"


def email_plan(
    session: Session,
    user: User,
    to: str,
    *,
    render_pdf: Callable[[], bytes] | None,
    link: str | None,
) -> OutboxMessage:
    """Queue the plan for ``to`` (in the caller's transaction): with a PDF made by
    ``render_pdf`` (called only once the rest is checked) and/or ``link``. ValidationError
    names the field: ``email`` for an address that cannot work, ``send`` when neither a PDF
    nor a link is asked for. Only link workers and admins send plans."""
    if not works_with_cases(user):
        raise Forbidden("Only link workers send a person their plan")
    try:
        new_message(to, SUBJECT, "")
    except ValidationError as error:
        raise ValidationError(
            "Enter the person's email address, like name@example.com", field="email"
        ) from error
    if render_pdf is None and not link:
        raise ValidationError(
            "Choose to attach the plan as a PDF, include a link, or both", field="send"
        )
    pdf = render_pdf() if render_pdf is not None else None
    return queue_email(
        session,
        to,
        SUBJECT,
        plan_body(link, attached=pdf is not None),
        attachment=Attachment(PDF_NAME, "application/pdf", pdf) if pdf is not None else None,
        erase_after_send=True,
    )


def plan_body(link: str | None, *, attached: bool) -> str:
    """The email's words: what the plan is, and where to find it."""
    where = []
    if attached:
        where.append("Your plan is attached as a PDF: you can open it, print it or keep it.")
    if link:
        also = "also " if attached else ""
        where.append(f"You can {also}see it on the web, with the latest details:\n\n{link}")
    return (
        "Hello,\n\nHere is the plan of local groups you talked about with your link worker.\n\n"
        + "\n\n".join(where)
        + "\n\nGroups change: ring or email a group before you go for the first time. If you "
        "have questions, ask your link worker.\n\nassetmap\n\n"
        "(We have not kept your email address: it was used once, to send you this.)\n"
    )
