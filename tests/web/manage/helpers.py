"""Helpers for the organiser's pages' tests: reading and posting the listing form, signing in."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from assetmap.models import (
    Group,
    Organisation,
    PendingChange,
)
from tests.web.signed_in import sign_in_as

OURS, THEIRS = "Kentish Town Community Centre", "Gospel Oak Trust"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SHORT = "<b>x</b>"  # for boxes that hold 20 characters at most


# ---- helpers -------------------------------------------------------------------------------


class _FormReader(HTMLParser):
    """The fields a browser would submit from one <form>, as (name, value) pairs."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._first_option: str | None = None
        self._selected = False
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and "name" in a:
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._first_option, self._selected = a["name"], None, False
        elif tag == "option" and self._select is not None:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self.fields.append((self._select, a.get("value", "")))
                self._selected = True
        elif tag == "textarea":
            self._textarea, self._text = a["name"], ""

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "select" and self._select is not None:
            if not self._selected:
                self.fields.append((self._select, self._first_option or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data


def form_fields(html: str, form_id: str = "listing-form") -> MultiDict[str, str]:
    reader = _FormReader(form_id)
    reader.feed(html)
    assert reader.fields, f"no form #{form_id} on the page"
    return MultiDict(reader.fields)


def csrf_token(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"{path} carries a CSRF token"
    return match.group(1)


def sign_in(client: FlaskClient, user_id: int) -> None:
    """Signed in as Flask-Login keeps it, without the (slow, argon2) password form:
    tests/web/test_auth.py covers signing in itself, and the browser test below uses it."""
    sign_in_as(client, user_id)


def open_form(client: FlaskClient, group_id: int) -> MultiDict[str, str]:
    response = client.get(f"/my/groups/{group_id}/edit")
    assert response.status_code == 200
    return form_fields(response.get_data(as_text=True))


def save(client: FlaskClient, group_id: int, fields: MultiDict[str, str], **changes: str):
    data = fields.copy()
    for name, value in changes.items():
        data.setlist(name.replace("__", "-"), [value])
    return client.post(f"/my/groups/{group_id}/edit", data=data)


def replace(fields: MultiDict[str, str], values: dict[str, str]) -> None:
    for name, value in values.items():
        fields.setlist(name, [value])


def summary(page: str) -> str:
    """The error summary's text, to say why a test failed."""
    found = re.search(r'<ul class="nhsuk-list nhsuk-error-summary__list">(.*?)</ul>', page, re.S)
    return re.sub(r"\s+", " ", found.group(1)) if found else "(no error summary)"


def page_text(client: FlaskClient, path: str) -> str:
    return client.get(path).get_data(as_text=True)


def api_listing(client: FlaskClient, group_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/groups/{group_id}")
    assert response.status_code == 200
    return response.get_json()["properties"]


def flashed(client: FlaskClient) -> str:
    return page_text(client, "/my/groups")


def trust(database, organisation: str) -> None:
    with database.session() as session:
        found = session.scalar(select(Organisation).where(Organisation.name == organisation))
        assert found is not None
        found.trusted = True


def version_of(database, group_id: int) -> int:
    with database.session() as session:
        return session.scalar(select(Group.version).where(Group.id == group_id))


def pending_changes(database) -> list[PendingChange]:
    with database.session() as session:
        return list(session.scalars(select(PendingChange).order_by(PendingChange.id)))
