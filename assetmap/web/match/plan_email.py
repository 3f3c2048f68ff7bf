"""The plan page's "Email this plan to the person" form: its words, what it sent, its errors.

The view is ``pages.email_plan_page``; the sending (and not keeping the address) is the
domain's ``referrals.plan_email``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from flask import url_for
from werkzeug.datastructures import MultiDict

from assetmap.errors import ValidationError
from assetmap.models import User
from assetmap.referrals.cases import works_with_cases
from assetmap.web.links import absolute_for

TITLE = "Email this plan to the person"
HINT = (
    "We send it once and do not keep the address: it is erased from assetmap as soon as "
    "the email has gone."
)
EMAIL_LABEL = "Their email address"
SEND_LEGEND = "What to send"
SEND_CHOICES = [
    ("pdf", "Attach the plan as a PDF"),
    ("link", "Include a link to this plan (the link holds the search: their area and needs)"),
]
BUTTON = "Send the plan"
SENT = "The plan will be emailed to the person. Their address is not kept."
#: The words, as the template reads them.
WORDS = SimpleNamespace(
    TITLE=TITLE,
    HINT=HINT,
    EMAIL_LABEL=EMAIL_LABEL,
    SEND_LEGEND=SEND_LEGEND,
    SEND_CHOICES=SEND_CHOICES,
    BUTTON=BUTTON,
)
#: A longest sensible address; the outbox checks it properly.
EMAIL_LIMIT = 254


@dataclass(frozen=True)
class PlanEmailAsked:
    email: str = ""
    attach_pdf: bool = True
    include_link: bool = False

    @property
    def send(self) -> list[str]:
        return [v for v, on in (("pdf", self.attach_pdf), ("link", self.include_link)) if on]


@dataclass(frozen=True)
class FormState:
    """What the template's field macros ask of a form: its values and any error."""

    asked: PlanEmailAsked
    error: ValidationError | None = None

    def error_for(self, field_id: str) -> str | None:
        if self.error is not None and self.error.field == field_id:
            return self.error.message
        return None

    @property
    def problems(self) -> list[tuple[str, str]]:
        if self.error is None:
            return []
        anchor = "send-pdf" if self.error.field == "send" else "email"
        return [(anchor, self.error.message)]


def parse_plan_email(form: MultiDict[str, str] | Mapping[str, Any]) -> PlanEmailAsked:
    email = str(form.get("email") or "").strip()[: EMAIL_LIMIT + 1]
    send = form.getlist("send") if isinstance(form, MultiDict) else []
    return PlanEmailAsked(email=email, attach_pdf="pdf" in send, include_link="link" in send)


def email_state(
    user: User | None, asked: PlanEmailAsked | None = None, error: ValidationError | None = None
) -> dict[str, Any]:
    """The template's ``email_form``: None for anyone who may not send plans."""
    if not works_with_cases(user):
        return {"email_form": None}
    return {"email_form": FormState(asked or PlanEmailAsked(), error), "plan_words": WORDS}


def plan_link(query_string: bytes, *, external: bool = True) -> str:
    """The plan page for the same query string: on the public address for an email."""
    path = absolute_for("match_pages.plan") if external else url_for("match_pages.plan")
    query = query_string.decode("utf-8", "replace")
    return f"{path}?{query}" if query else path
