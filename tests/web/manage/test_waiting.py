"""What waits and what does not (issue 14, items 3 and 4): an untrusted organisation's places
and status go live at once while the rest waits; editing a waiting change edits it; "still
running" shows the details it confirms and waits for a waiting change; the admin decides a
change field by field; admins' emails link to the change."""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import select

from assetmap.models import ChangeStatus, FreshnessReminder, Group, OutboxMessage, Verification
from tests.factories import listing
from tests.web.manage.helpers import (
    OURS,
    api_listing,
    csrf_token,
    flashed,
    form_fields,
    open_form,
    page_text,
    pending_changes,
    save,
    sign_in,
)


def _full_and_new_words(client, group_id: int):
    fields = open_form(client, group_id)
    return save(
        client, group_id, fields, capacity__places_taken="20", description="Woodwork and a cuppa."
    )


def test_places_go_live_at_once_and_the_description_waits(client, database, world) -> None:
    sign_in(client, world["jo"])
    response = _full_and_new_words(client, world["ours"])
    assert response.status_code == 302
    page = flashed(client)
    assert "The new places of Men&#39;s Shed are live now" in page
    assert "Your other changes were sent to an admin for approval" in page
    public = api_listing(client, world["ours"])
    assert public["capacity"]["spare_places"] == 0
    assert public["description"] == "Woodwork, repairs and a cuppa."
    (change,) = pending_changes(database)
    assert json.loads(change.patch) == {"description": "Woodwork and a cuppa."}
    assert json.loads(change.applied) == {"capacity": {"places_taken": 20}}


def test_the_edit_form_starts_from_the_waiting_change_and_saving_updates_it(
    client, database, world
) -> None:
    sign_in(client, world["jo"])
    _full_and_new_words(client, world["ours"])
    form_page = page_text(client, f"/my/groups/{world['ours']}/edit")
    assert "Your earlier change is waiting for review; you are editing it." in form_page
    fields = form_fields(form_page)
    assert fields["description"] == "Woodwork and a cuppa."
    save(client, world["ours"], fields, name="The Men's Shed")
    (change,) = pending_changes(database)  # one change, not two stacked
    assert json.loads(change.patch) == {
        "description": "Woodwork and a cuppa.",
        "name": "The Men's Shed",
    }


def test_still_running_shows_the_details_and_waits_for_a_waiting_change(
    client, database, world
) -> None:
    sign_in(client, world["jo"])
    dashboard = page_text(client, "/my/groups")
    assert "What “still running” confirms" in dashboard
    assert "Tuesday 10:00 to 12:30" in dashboard  # days and times
    assert "NW5 2AA" in dashboard  # where
    assert "6 places free" in dashboard
    token = csrf_token(client, "/my/groups")
    save(client, world["ours"], open_form(client, world["ours"]), description="New words")
    dashboard = page_text(client, "/my/groups")
    sent = dt.date.today().strftime("%-d %B %Y")
    assert f"Your change of {sent} is waiting for review" in dashboard
    assert "Edit your waiting change" in dashboard
    with database.session() as session:
        checked = session.get(Group, world["ours"]).last_verified_at
    response = client.post(f"/my/groups/{world['ours']}/confirm", data={"csrf_token": token})
    assert response.status_code == 302
    page = flashed(client)
    assert "was not marked as checked" in page
    assert "confirming now would mark the old details as checked" in page
    with database.session() as session:
        assert session.get(Group, world["ours"]).last_verified_at == checked


def test_the_emailed_link_shows_the_details_and_refuses_while_a_change_waits(
    app, client, database, add_groups, world
) -> None:
    due = (dt.date.today() - dt.timedelta(days=170)).isoformat()
    (group_id,) = add_groups(
        listing("Choir", at="NW5 1AA", organisation=OURS, last_verified_at=due)
    )
    from assetmap.freshness.service import run_freshness

    run_freshness(database, database.config, dt.date.today())
    with database.session() as session:
        body = session.scalar(
            select(OutboxMessage.body)
            .join(FreshnessReminder, FreshnessReminder.outbox_id == OutboxMessage.id)
            .where(FreshnessReminder.group_id == group_id)
        )
    path = re.search(r"https?://[^/\s]+(/check/\S+)", body).group(1)
    visitor = app.test_client()
    page = visitor.get(path).get_data(as_text=True)
    assert "These are the details you would be confirming" in page
    assert "Tuesday 10:00 to 12:30" in page and "NW5 1AA" in page
    assert "Yes, it is still running" in page
    token = csrf_token(visitor, path)
    sign_in(client, world["jo"])
    save(client, group_id, open_form(client, group_id), description="New words")
    page = visitor.get(path).get_data(as_text=True)
    assert "is waiting for review; confirming now would mark the old details" in page
    assert "Yes, it is still running" not in page
    refused = visitor.post(path + "/confirm", data={"csrf_token": token})
    assert refused.status_code == 409
    with database.session() as session:
        assert (
            session.scalar(
                select(FreshnessReminder.used_at).where(FreshnessReminder.group_id == group_id)
            )
            is None
        )
        assert not session.scalars(
            select(Verification).where(
                Verification.group_id == group_id, Verification.verified_on == dt.date.today()
            )
        ).all()


def test_the_admin_approves_one_field_and_the_rest_keeps_waiting(client, database, world) -> None:
    sign_in(client, world["jo"])
    save(
        client,
        world["ours"],
        open_form(client, world["ours"]),
        name="The Men's Shed",
        description="New words",
        capacity__places_taken="20",
    )
    (change,) = pending_changes(database)
    with database.session() as session:
        body = session.scalar(
            select(OutboxMessage.body).where(OutboxMessage.to_address == "admin@example.org")
        )
    # Absolute, from the configured public address (never the request's Host header).
    public = database.config.public_url.rstrip("/")
    assert f"{public}/admin/changes/{change.id}" in body
    assert "http://localhost" not in body
    sign_in(client, world["admin"])
    page = page_text(client, f"/admin/changes/{change.id}")
    assert "Applied, review after" in page
    assert 'name="field" value="description"' in page and 'name="field" value="name"' in page
    fields = form_fields(page, "decide-form")
    fields.setlist("field", ["description"])
    response = client.post(f"/admin/changes/{change.id}/approve", data=fields)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/changes/{change.id}")
    public = api_listing(client, world["ours"])
    assert (public["name"], public["description"]) == ("Men's Shed", "New words")
    first, decided = pending_changes(database)
    assert first.status is ChangeStatus.PENDING and json.loads(first.patch) == {
        "name": "The Men's Shed"
    }
    assert decided.status is ChangeStatus.APPROVED
    # Rejecting with no field ticked says so, and changes nothing.
    page = page_text(client, f"/admin/changes/{change.id}")
    fields = form_fields(page, "decide-form")
    fields.setlist("field", [])
    fields.setlist("reason", ["Keep the name"])
    refused = client.post(f"/admin/changes/{change.id}/reject", data=fields)
    assert refused.status_code == 400
    assert "Choose at least one field" in refused.get_data(as_text=True)


def test_a_change_of_status_alone_is_live_and_the_admin_marks_it_reviewed(
    client, database, world
) -> None:
    sign_in(client, world["jo"])
    save(client, world["ours"], open_form(client, world["ours"]), status="waiting_list")
    assert "Saved. The changes to Men&#39;s Shed are live now." in flashed(client)
    assert api_listing(client, world["ours"])["status"] == "waiting_list"
    (change,) = pending_changes(database)
    sign_in(client, world["admin"])
    queue = page_text(client, "/admin/changes")
    assert "Applied, review after" in queue
    page = page_text(client, f"/admin/changes/{change.id}")
    assert "Mark as reviewed" in page and 'name="field"' not in page
    token = csrf_token(client, f"/admin/changes/{change.id}")
    response = client.post(f"/admin/changes/{change.id}/approve", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Reviewed the change to Men&#39;s Shed" in page_text(client, "/admin/changes")
    (change,) = pending_changes(database)
    assert change.status is ChangeStatus.APPROVED
