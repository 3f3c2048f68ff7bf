"""The organiser's pages: who may see and change what, pending and applied edits, two people
saving at once, errors next to their fields, "still running", and user text kept as text."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from assetmap.accounts.users import create_user
from assetmap.freshness.service import run_freshness
from assetmap.models import (
    ChangeKind,
    Group,
    Organisation,
    PendingChange,
    TaskOutcome,
    User,
    Verification,
    VerificationMethod,
    VerificationTask,
)
from tests.factories import POSTCODES, listing

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
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True


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


# ---- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def world(database, add_groups) -> dict[str, Any]:
    ours, theirs = add_groups(
        listing("Men's Shed", at="NW5 2AA", organisation=OURS),
        listing("Knit and Natter", at="NW5 1AA", organisation=THEIRS),
    )
    people = {}
    with database.session() as session:
        for key, email, role, name, organisations in [
            ("admin", "admin@example.org", "admin", "Ada Admin", []),
            ("jo", "jo@example.org", "organiser", "Jo Bloggs", [OURS]),
            ("sam", "sam@example.org", "organiser", "Sam Other", [THEIRS]),
            ("lw", "lw@example.org", "link_worker", "", []),
            ("cb", "cb@example.org", "community_builder", "", []),
        ]:
            people[key] = create_user(
                session, email, role, name=name, organisations=organisations
            ).id
    return {"ours": ours, "theirs": theirs, **people}


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


@pytest.fixture
def other_client(app) -> FlaskClient:
    return app.test_client()


# ---- who may do what -----------------------------------------------------------------------

PAGES = [
    ("GET", "/my/groups"),
    ("GET", "/my/groups/{ours}/edit"),
    ("POST", "/my/groups/{ours}/edit"),
    ("GET", "/my/groups/new"),
    ("POST", "/my/groups/new"),
    ("POST", "/my/groups/{ours}/close"),
    ("POST", "/my/groups/{ours}/confirm"),
]


def _request(client: FlaskClient, world: dict[str, Any], method: str, path: str):
    token = csrf_token(client, f"/groups/{world['ours']}/report")
    data = {"csrf_token": token, "reason": "closing", "version": "1", "name": "x"}
    return client.open(path.format(**world), method=method, data=data if method == "POST" else None)


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_someone_not_signed_in_is_sent_to_sign_in(client, world, method, path) -> None:
    response = _request(client, world, method, path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["lw", "cb"])
@pytest.mark.parametrize(("method", "path"), PAGES)
def test_link_workers_and_community_builders_may_not(client, world, role, method, path) -> None:
    sign_in(client, world[role])
    assert _request(client, world, method, path).status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/my/groups/{theirs}/edit"),
        ("POST", "/my/groups/{theirs}/edit"),
        ("POST", "/my/groups/{theirs}/close"),
        ("POST", "/my/groups/{theirs}/confirm"),
    ],
)
def test_an_organiser_may_not_touch_another_organisations_group(
    client, database, world, method, path
) -> None:
    sign_in(client, world["jo"])
    before = version_of(database, world["theirs"])
    if method == "POST" and path.endswith("/edit"):
        # A whole, valid form for their own group, sent to the other group's id.
        data = open_form(client, world["ours"])
        data["capacity-total_places"] = "99"
        response = client.post(path.format(**world), data=data)
    else:
        response = _request(client, world, method, path)
    assert response.status_code == 403
    assert version_of(database, world["theirs"]) == before
    assert pending_changes(database) == []
    assert api_listing(client, world["theirs"])["last_verified_at"] != dt.date.today().isoformat()


def test_an_organiser_sees_only_their_own_groups(client, world) -> None:
    sign_in(client, world["jo"])
    page = page_text(client, "/my/groups")
    assert "Men&#39;s Shed" in page
    assert "Knit and Natter" not in page
    assert "Still running, nothing changed" in page
    assert f"/my/groups/{world['ours']}/edit" in page
    assert "Checked 2 weeks ago" in page
    assert "6 places free" in page


def test_an_admin_sees_every_group_and_the_moderation_queue(client, world) -> None:
    sign_in(client, world["admin"])
    page = page_text(client, "/my/groups")
    assert "Men&#39;s Shed" in page and "Knit and Natter" in page
    assert 'href="/admin/changes">moderation queue</a>' in page
    assert client.get(f"/my/groups/{world['theirs']}/edit").status_code == 200


def test_an_admin_pages_through_every_group(client, world, monkeypatch) -> None:
    from assetmap.web.manage import views as manage

    monkeypatch.setattr(manage, "PAGE_SIZE", 1)
    sign_in(client, world["admin"])
    first = page_text(client, "/my/groups")
    assert "2 groups: page 1 of 2" in first
    assert 'href="/my/groups?page=2"' in first
    second = page_text(client, "/my/groups?page=2")
    assert "page 2 of 2" in second and 'href="/my/groups?page=1"' in second
    assert ("Men&#39;s Shed" in first) != ("Men&#39;s Shed" in second)


def test_an_admin_may_edit_any_group_at_once(client, database, world) -> None:
    sign_in(client, world["admin"])
    fields = open_form(client, world["theirs"])
    response = save(client, world["theirs"], fields, description="Knitting, crochet and tea.")
    assert response.status_code == 302
    assert "Saved" in flashed(client)
    assert api_listing(client, world["theirs"])["description"] == "Knitting, crochet and tea."
    assert pending_changes(database) == []


def test_a_missing_group_is_not_found(client, world) -> None:
    sign_in(client, world["admin"])
    assert client.get("/my/groups/999999/edit").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/my/groups/{ours}/edit",
        "/my/groups/new",
        "/my/groups/{ours}/close",
        "/my/groups/{ours}/confirm",
    ],
)
def test_a_form_without_its_csrf_token_is_refused(client, database, world, path) -> None:
    sign_in(client, world["jo"])
    fields = open_form(client, world["ours"])
    del fields["csrf_token"]
    fields["capacity-total_places"] = "25"
    fields["reason"] = "stopping"
    response = client.post(path.format(**world), data=fields)
    assert response.status_code == 400
    assert pending_changes(database) == []


# ---- editing -------------------------------------------------------------------------------


def test_the_form_round_trips_without_changing_anything(client, database, world) -> None:
    sign_in(client, world["jo"])
    before = version_of(database, world["ours"])
    response = save(client, world["ours"], open_form(client, world["ours"]))
    assert response.status_code == 302
    assert "You did not change anything" in flashed(client)
    assert version_of(database, world["ours"]) == before
    assert pending_changes(database) == []


def test_an_organisers_capacity_edit_waits_and_the_public_sees_the_old_value(
    client, database, world
) -> None:
    sign_in(client, world["jo"])
    fields = open_form(client, world["ours"])
    response = save(client, world["ours"], fields, capacity__total_places="25")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/my/groups")
    page = flashed(client)
    assert "Sent to an admin for approval: the public listing" in page
    assert "stays as it was until then" in page
    (change,) = pending_changes(database)
    assert json.loads(change.patch) == {"capacity": {"total_places": 25}}
    assert api_listing(client, world["ours"])["capacity"]["total_places"] == 20
    # The dashboard and the form say a change is waiting.
    assert "wait for an admin" in page_text(client, "/my/groups")
    assert "wait for an admin" in page_text(client, f"/my/groups/{world['ours']}/edit")


def test_a_trusted_organisations_capacity_edit_applies_at_once(client, database, world) -> None:
    trust(database, OURS)
    sign_in(client, world["jo"])
    fields = open_form(client, world["ours"])
    response = save(
        client, world["ours"], fields, capacity__total_places="25", capacity__places_taken="15"
    )
    assert response.status_code == 302
    assert "Saved" in flashed(client)
    capacity = api_listing(client, world["ours"])["capacity"]
    assert (capacity["total_places"], capacity["places_taken"], capacity["spare_places"]) == (
        25,
        15,
        10,
    )
    assert pending_changes(database) == []


def test_a_trusted_organisations_other_changes_still_wait(client, database, world) -> None:
    trust(database, OURS)
    sign_in(client, world["jo"])
    fields = open_form(client, world["ours"])
    save(client, world["ours"], fields, description="New words")
    assert "Sent to an admin for approval" in flashed(client)
    assert api_listing(client, world["ours"])["description"] == "Woodwork, repairs and a cuppa."


def test_the_second_of_two_saves_is_refused_with_what_changed(
    client, other_client, database, world
) -> None:
    trust(database, OURS)
    sign_in(client, world["admin"])
    sign_in(other_client, world["jo"])
    first = open_form(client, world["ours"])
    second = open_form(other_client, world["ours"])
    opened_at = version_of(database, world["ours"])

    assert save(client, world["ours"], first, capacity__total_places="25").status_code == 302
    response = save(
        other_client,
        world["ours"],
        second,
        capacity__total_places="30",
        schedule__0__start="11:00",
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else changed this group while you were editing it" in page
    assert "Total places: now 25" in page
    assert "Nothing you typed has been saved yet" in page
    # Their own input is still in the form, and the form is now at the new version.
    again = form_fields(page)
    assert again["capacity-total_places"] == "30"
    assert again["schedule-0-start"] == "11:00"
    assert again["version"] == str(opened_at + 1)
    assert "Someone else saved:</strong> 25" in page
    # Nothing of the second save was written.
    stored = api_listing(client, world["ours"])
    assert stored["capacity"]["total_places"] == 25
    assert stored["schedule"][0]["start"] == "10:00"
    assert pending_changes(database) == []
    assert version_of(database, world["ours"]) == opened_at + 1

    # Having checked, they save again and it goes through.
    assert other_client.post(f"/my/groups/{world['ours']}/edit", data=again).status_code == 302
    stored = api_listing(client, world["ours"])
    assert stored["capacity"]["total_places"] == 30
    assert stored["schedule"][0]["start"] == "11:00"


def test_after_a_clash_fields_only_the_other_person_changed_take_their_value(
    client, other_client, database, world
) -> None:
    trust(database, OURS)
    sign_in(client, world["admin"])
    sign_in(other_client, world["jo"])
    first = open_form(client, world["ours"])
    second = open_form(other_client, world["ours"])
    save(client, world["ours"], first, capacity__places_taken="16")
    response = save(other_client, world["ours"], second, schedule__0__start="11:00")
    assert response.status_code == 409
    again = form_fields(response.get_data(as_text=True))
    assert again["capacity-places_taken"] == "16"  # theirs, taken in
    assert again["schedule-0-start"] == "11:00"  # mine, kept
    assert other_client.post(f"/my/groups/{world['ours']}/edit", data=again).status_code == 302
    stored = api_listing(client, world["ours"])
    assert stored["capacity"]["places_taken"] == 16
    assert stored["schedule"][0]["start"] == "11:00"


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        (
            {"capacity__places_taken": "30"},
            "capacity-places_taken",
            "Places taken must not be more than total places",
        ),
        (
            {"capacity__total_places": "lots"},
            "capacity-total_places",
            "Total places must be a whole number of 0 or more",
        ),
        (
            {"schedule__1__day": "wed", "schedule__1__start": "half ten"},
            "schedule-1-start",
            "Session 2: start time must be a time of day like 09:30",
        ),
        ({"name": ""}, "name", "Name of the group must not be empty"),
        (
            {"contact__website": "javascript:alert(1)"},
            "contact-website",
            "Website must be a web address starting with http:// or https://",
        ),
    ],
)
def test_a_bad_value_is_shown_next_to_its_field_and_nothing_is_written(
    client, database, world, changes, field_id, message
) -> None:
    sign_in(client, world["jo"])
    before = version_of(database, world["ours"])
    response = save(client, world["ours"], open_form(client, world["ours"]), **changes)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = re.search(rf'id="{field_id}-error">(.*?)</span>\s*(.*?)</span>', page, re.S)
    assert error is not None, f"no error shown by {field_id}"
    assert message in error.group(2)
    assert f'href="#{field_id}"' in page  # the error summary links to the field
    assert 'class="nhsuk-error-summary"' in page
    # What they typed stays in the form.
    kept = form_fields(page)
    for name, value in changes.items():
        assert kept[name.replace("__", "-")] == value
    assert version_of(database, world["ours"]) == before
    assert pending_changes(database) == []


def test_a_new_postcode_moves_the_pin_without_javascript(client, world) -> None:
    sign_in(client, world["admin"])
    fields = open_form(client, world["ours"])
    assert save(client, world["ours"], fields, venue__postcode="nw1 7aa").status_code == 302
    venue = api_listing(client, world["ours"])["venue"]
    assert venue["postcode"] == "NW1 7AA"
    assert (venue["lat"], venue["lon"]) == POSTCODES["NW1 7AA"]


def test_a_pin_placed_on_the_map_is_kept(client, world) -> None:
    sign_in(client, world["admin"])
    fields = open_form(client, world["ours"])
    response = save(client, world["ours"], fields, venue__lat="51.5490", venue__lon="-0.1420")
    assert response.status_code == 302
    venue = api_listing(client, world["ours"])["venue"]
    assert (venue["postcode"], venue["lat"], venue["lon"]) == ("NW5 2AA", 51.549, -0.142)


def test_a_postcode_nobody_knows_is_an_error_on_the_postcode(client, database, world) -> None:
    sign_in(client, world["admin"])
    fields = open_form(client, world["ours"])
    response = save(client, world["ours"], fields, venue__postcode="SW1A 1ZZ")
    assert response.status_code == 400
    assert 'id="venue-postcode-error"' in response.get_data(as_text=True)
    assert api_listing(client, world["ours"])["venue"]["postcode"] == "NW5 2AA"


def test_a_tampered_version_is_refused(client, database, world) -> None:
    sign_in(client, world["jo"])
    fields = open_form(client, world["ours"])
    response = save(client, world["ours"], fields, version="abc", capacity__total_places="25")
    assert response.status_code == 400
    assert pending_changes(database) == []


# ---- still running, new groups, closing ----------------------------------------------------


def test_still_running_marks_the_listing_checked_today(client, database, add_groups, world):
    (stale,) = add_groups(listing("Old Choir", at="N6 5AA", organisation=OURS, stale=True))
    assert api_listing(client, stale)["freshness"] == "stale"
    run_freshness(database, database.config)  # its re-verification task is opened
    before = version_of(database, stale)
    sign_in(client, world["jo"])
    assert "Out of date: checked" in page_text(client, "/my/groups")
    token = csrf_token(client, "/my/groups")
    response = client.post(f"/my/groups/{stale}/confirm", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Old Choir is marked as checked today" in flashed(client)

    today = dt.date.today()
    with database.session() as session:
        group = session.get(Group, stale)
        assert group is not None
        assert (group.last_verified_at, group.verified_by) == (today, "Jo Bloggs")
        verification = session.scalars(
            select(Verification).where(Verification.group_id == stale)
        ).all()[-1]
        assert verification.method is VerificationMethod.ORGANISER
        assert verification.verified_on == today
        task = session.scalar(select(VerificationTask).where(VerificationTask.group_id == stale))
        assert task is not None and task.outcome is TaskOutcome.ORGANISER  # no one need ring
    assert version_of(database, stale) == before  # nothing about the listing changed
    listed = api_listing(client, stale)
    assert (listed["last_verified_at"], listed["freshness"]) == (today.isoformat(), "fresh")
    public = page_text(client, f"/groups/{stale}")
    assert "Last checked today by Jo Bloggs" in public
    assert 'id="freshness-warning"' not in public


def test_an_organiser_proposes_a_new_group_for_approval(client, database, world) -> None:
    sign_in(client, world["jo"])
    page = page_text(client, "/my/groups/new")
    assert OURS in page and THEIRS not in page
    fields = form_fields(page)
    replace(
        fields,
        {
            "organisation": OURS,
            "name": "Thursday Walk",
            "description": "A gentle walk on the Heath.",
            "venue-name": "Parliament Hill café",
            "venue-postcode": "N6 5AA",
            "schedule-0-day": "thu",
            "schedule-0-start": "10:30",
        },
    )
    fields.setlist("categories", ["active", "nature"])
    response = client.post("/my/groups/new", data=fields)
    assert response.status_code == 302, summary(response.get_data(as_text=True))
    page = flashed(client)
    assert "Thursday Walk was sent for approval" in page
    assert "New groups waiting for approval" in page
    (change,) = pending_changes(database)
    proposed = json.loads(change.patch)
    assert change.kind is ChangeKind.NEW
    assert (proposed["organisation"], proposed["venue"]["lat"]) == (OURS, POSTCODES["N6 5AA"][0])
    # Not on the map until an admin approves it.
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Group)) == 2


def test_a_new_group_for_someone_elses_organisation_is_refused(client, database, world) -> None:
    sign_in(client, world["jo"])
    fields = form_fields(page_text(client, "/my/groups/new"))
    replace(
        fields, {"organisation": THEIRS, "name": "Sneaky", "online": "y", "categories": "social"}
    )
    response = client.post("/my/groups/new", data=fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="organisation-error"' in page, summary(page)
    assert pending_changes(database) == []


def test_a_new_group_needs_a_name_and_a_kind(client, database, world) -> None:
    sign_in(client, world["jo"])
    fields = form_fields(page_text(client, "/my/groups/new"))
    fields["online"] = "y"
    response = client.post("/my/groups/new", data=fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'href="#name"' in page
    assert "Choose at least one kind of group" in page
    assert 'href="#categories-0"' in page
    assert pending_changes(database) == []


def test_asking_to_close_needs_a_reason_then_waits(client, database, world) -> None:
    sign_in(client, world["jo"])
    token = csrf_token(client, "/my/groups")
    path = f"/my/groups/{world['ours']}/close"
    refused = client.post(path, data={"csrf_token": token, "reason": "  "})
    assert refused.status_code == 400
    assert 'id="reason-error"' in refused.get_data(as_text=True)
    assert pending_changes(database) == []
    response = client.post(path, data={"csrf_token": token, "reason": "Funding ended"})
    assert response.status_code == 302
    assert "Your request to close Men&#39;s Shed was sent to an admin" in flashed(client)
    (change,) = pending_changes(database)
    assert (change.kind, change.note) == (ChangeKind.CLOSE, "Funding ended")
    assert api_listing(client, world["ours"])["status"] == "open"


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


# ---- in a real browser ---------------------------------------------------------------------

PASSWORD = "correct horse battery"


@pytest.fixture
def organiser_in_browser(page, database, add_groups) -> dict[str, Any]:
    """An organiser of three groups, signed in through the sign-in form in Chromium."""
    from tests.web.test_pages import click_and_wait

    shed, knit, choir = add_groups(
        listing("Men's Shed", at="NW5 2AA", organisation=OURS),
        listing("Knit and Natter", at="NW5 1AA", organisation=OURS, due=True),
        listing("Highgate Choir", at="N6 5AA", organisation=OURS, stale=True),
    )
    with database.session() as session:
        create_user(
            session,
            "jo@example.org",
            "organiser",
            name="Jo Bloggs",
            password=PASSWORD,
            organisations=[OURS],
        )
    problems: list[str] = []
    # What the CSP refuses, and script errors (a 400 page's own status is logged too: not those).
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.goto("/login?next=/my/groups")
    page.fill("#email", "jo@example.org")
    page.fill("#password", PASSWORD)
    click_and_wait(page, "button:has-text('Sign in')")
    return {"shed": shed, "knit": knit, "choir": choir, "console_errors": problems}


@pytest.mark.only_backend("spatialite")
def test_an_organiser_updates_places_in_a_browser(page, organiser_in_browser) -> None:
    from playwright.sync_api import expect

    from tests.web.conftest import axe_violations, screenshot
    from tests.web.test_pages import click_and_wait

    groups = organiser_in_browser
    expect(page.locator("h1")).to_have_text("Your groups")
    expect(page.locator(".am-manage-group")).to_have_count(3)
    assert axe_violations(page) == []
    screenshot(page, "manage-dashboard")

    click_and_wait(page, f"#group-{groups['shed']} a:has-text('Edit')")
    expect(page.locator("h1")).to_contain_text("Men's Shed")
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
    screenshot(page, "manage-edit")

    # Clicking the map places the pin (the hidden fields take its place).
    before = page.input_value("#venue-lat")
    page.locator("#venue-map").click(position={"x": 60, "y": 60})
    assert page.input_value("#venue-lat") not in ("", before)
    expect(page.locator("#venue-pin-status")).to_contain_text("Pin placed")
    page.reload()  # forget the pin: this edit is about places

    page.fill("#capacity-places_taken", "30")  # more than the 20 places: an error
    click_and_wait(page, "button:has-text('Save changes')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Places taken must not be more than total places"
    )
    assert axe_violations(page) == []
    page.locator(".nhsuk-error-summary a").first.click()
    expect(page.locator("#capacity-places_taken")).to_be_focused()
    screenshot(page, "manage-error")

    page.fill("#capacity-places_taken", "14")
    page.fill("#capacity-total_places", "25")
    click_and_wait(page, "button:has-text('Save changes')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "Sent to an admin for approval"
    )
    expect(page.locator(f"#group-{groups['shed']} .am-pending")).to_contain_text("Places")
    screenshot(page, "manage-sent")

    # "Still running" on the stale group: it is fresh at once.
    click_and_wait(page, f"#group-{groups['choir']} button:has-text('Still running')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("checked today")
    expect(page.locator(f"#group-{groups['choir']} .am-tags")).to_contain_text("Checked today")
    assert page.dialogs == []  # type: ignore[attr-defined]
    assert groups["console_errors"] == []


@pytest.mark.only_backend("spatialite")
def test_the_organisers_pages_on_a_phone(page, organiser_in_browser) -> None:
    from tests.web.conftest import axe_violations, screenshot

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/my/groups")
    assert axe_violations(page) == []
    screenshot(page, "manage-dashboard-phone")
    page.goto(f"/my/groups/{organiser_in_browser['shed']}/edit#part-places")
    page.wait_for_load_state("networkidle")
    screenshot(page, "manage-edit-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "nothing makes the page scroll sideways on a phone"
    assert organiser_in_browser["console_errors"] == []


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
