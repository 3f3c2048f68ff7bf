""" "Still running", new groups and asking to close."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select

from assetmap.freshness.service import run_freshness
from assetmap.models import (
    ChangeKind,
    Group,
    TaskOutcome,
    Verification,
    VerificationMethod,
    VerificationTask,
)
from tests.factories import POSTCODES, listing
from tests.web.manage.helpers import (
    OURS,
    THEIRS,
    api_listing,
    csrf_token,
    flashed,
    form_fields,
    page_text,
    pending_changes,
    replace,
    sign_in,
    summary,
    version_of,
)

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
