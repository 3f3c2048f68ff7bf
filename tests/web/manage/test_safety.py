"""User text kept as text, and the strict CSP on the organiser's pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from assetmap.models import (
    User,
)
from tests.web.manage.helpers import (
    IMG,
    SCRIPT,
    SHORT,
    api_listing,
    form_fields,
    open_form,
    page_text,
    save,
    sign_in,
    summary,
)

# ---- user text stays text ------------------------------------------------------------------

#: Every text box an organiser can fill, with what goes in it. Boxes that check their
#: format get a probe the format allows.
TEXT_BOXES = {
    "name": SCRIPT,
    "description": IMG + SCRIPT,
    "interests": f"{SCRIPT}, {IMG}",
    "venue-name": IMG,
    "venue-address": SCRIPT,
    "schedule-0-start": "10:00",
    "audience-languages": SHORT,
    "cost-notes": SCRIPT,
    "accessibility-notes": IMG,
    "transport-bus_stops-0-name": SCRIPT,
    "transport-bus_stops-0-routes": f"{SHORT}, 214",
    "transport-rail_station-name": IMG,
    "transport-door_to_door-notes": SCRIPT,
    "contact-name": IMG,
    "contact-phone": SCRIPT,
    "contact-email": '"><script>alert(1)</script>@example.org',
    "contact-website": "https://example.org/'onmouseover='alert(1)'",
    "referral-notes": SCRIPT,
}


def _assert_inert(page: str) -> None:
    assert SCRIPT not in page
    assert "<img src=x" not in page
    assert "<b>x</b>" not in page
    assert "onmouseover='" not in page


def test_what_an_organiser_types_is_shown_as_text_everywhere(client, database, world) -> None:
    sign_in(client, world["admin"])
    fields = open_form(client, world["ours"])
    for name, value in TEXT_BOXES.items():
        fields[name] = value
    response = client.post(f"/my/groups/{world['ours']}/edit", data=fields)
    assert response.status_code == 302, summary(response.get_data(as_text=True))

    stored = api_listing(client, world["ours"])
    assert stored["name"] == SCRIPT
    assert stored["contact"]["name"] == IMG
    assert stored["transport"]["bus_stops"][0]["routes"] == [SHORT, "214"]

    dashboard = page_text(client, "/my/groups")
    form = page_text(client, f"/my/groups/{world['ours']}/edit")
    public = page_text(client, f"/groups/{world['ours']}")
    for page in (dashboard, form, public):
        _assert_inert(page)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # The form shows each value back as it was typed (escaped in the markup).
    shown = form_fields(form)
    for name, value in TEXT_BOXES.items():
        if name == "interests":
            assert shown[name] == ", ".join(sorted(v.strip() for v in value.split(",")))
        else:
            assert shown[name] == value, name
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in public


def test_a_user_record_is_needed_to_manage(client, database, world) -> None:
    """A session for a user who has since been switched off gets nowhere."""
    with database.session() as session:
        jo = session.get(User, world["jo"])
        assert jo is not None
        jo.active = False
    sign_in(client, world["jo"])
    response = client.get("/my/groups")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# ---- the strict CSP --------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def policy_problems(response) -> list[str]:
    """Inline scripts or styles without this response's nonce, style attributes, handlers."""
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    parser = _Tags()
    parser.feed(response.get_data(as_text=True))
    problems = []
    for tag, attrs in parser.tags:
        if tag in ("script", "style") and "src" not in attrs and attrs.get("nonce") != nonce:
            problems.append(f"<{tag}> without the nonce")
        problems += [f"{name} on <{tag}>" for name in attrs if name == "style" or name[:2] == "on"]
    return problems


def test_the_organisers_pages_keep_to_the_strict_csp(client, database, world) -> None:
    sign_in(client, world["admin"])
    fields = open_form(client, world["ours"])
    pages = [
        client.get("/my/groups"),
        client.get(f"/my/groups/{world['ours']}/edit"),
        client.get("/my/groups/new"),
        save(client, world["ours"], fields, capacity__total_places="lots"),  # 400
    ]
    assert [page.status_code for page in pages] == [200, 200, 200, 400]
    for page in pages:
        assert policy_problems(page) == []
        assert 'src="/static/js/manage.js"' in page.get_data(as_text=True) or page is pages[0]
