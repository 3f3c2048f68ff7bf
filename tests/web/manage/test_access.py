"""The organiser's pages: who may see and change what."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.web.manage.helpers import (
    api_listing,
    csrf_token,
    flashed,
    open_form,
    page_text,
    pending_changes,
    save,
    sign_in,
    version_of,
)

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
