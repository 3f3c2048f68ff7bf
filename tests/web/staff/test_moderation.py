"""The moderation queue and one change: what each page says, approving and rejecting."""

from __future__ import annotations

import re
from html import unescape

from assetmap.directory.edits import edit_listing
from assetmap.directory.moderation import ask_to_close, propose_group
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import ChangeStatus
from tests.factories import listing
from tests.web.staff.helpers import (
    OURS,
    _submit,
    _user,
    _version,
    change_status,
    client_for,
    current,
    html,
)

# ---- the queue and one change ----------------------------------------------------------------


def test_the_queue_lists_waiting_changes_oldest_first(app, database, world) -> None:
    with database.sessions() as session:
        jo = _user(session, "organiser")
        propose_group(
            session,
            jo,
            listing("Saturday Walk", at="NW1 7AA", organisation=OURS),
            GazetteerGeocoder(session),
            public_url="http://assetmap.test",
        )
        ask_to_close(
            session, jo, world.ours, "The hall is being sold", public_url="http://assetmap.test"
        )
        session.commit()
    page = html(client_for(app, "admin").get("/admin/changes"))
    assert "4 changes are waiting" in page
    rows = re.findall(r'<tr class="nhsuk-table__row">(.*?)</tr>', page, re.S)[1:]
    cells = [" ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in rows]
    assert [c.split(" Organisation ")[0] for c in cells] == [
        "Group Men's Shed – review the change",
        "Group Men's Shed – review the change",
        "Group Saturday Walk – review the new group",
        "Group Men's Shed – review the request to close",
    ]
    assert all(OURS in c and "Proposed by jo@example.org" in c for c in cells)
    assert "Note Two new members" in cells[0]
    assert "Kind Change" in cells[0]
    assert "Kind New group" in cells[2]
    assert "Kind Asks to close" in cells[3] and "The hall is being sold" in cells[3]


def test_the_change_page_shows_each_field_in_plain_words(app, world) -> None:
    page = html(client_for(app, "admin").get(f"/admin/changes/{world.capacity_change}"))
    diff = page.split('id="diff"')[1].split("</table>")[0]
    text = " ".join(re.sub(r"<[^>]+>", " ", diff).split())
    assert "Places taken Now 14 Proposed 19" in text
    # Dotted paths are for the form's checkboxes' values, never words on the page.
    assert "capacity.places_taken" not in re.sub(r"<[^>]+>", " ", page)
    assert "Two new members" in page
    assert 'id="approve"' in page and 'id="reason"' in page


def test_lists_are_shown_readably(app, database, world) -> None:
    schedule = [
        {"day": "tue", "start": "10:00", "end": "12:30", "frequency": "weekly"},
        {"day": "thu", "start": "14:00", "end": "16:00", "frequency": "fortnightly"},
    ]
    with database.sessions() as session:
        pending = _submit(session, "organiser", world.ours, {"schedule": schedule}).pending
        session.commit()
    page = html(client_for(app, "admin").get(f"/admin/changes/{pending.id}"))
    assert "Days and times" in page
    assert "<li>Thursday 14:00 to 16:00, every two weeks</li>" in page
    assert "{&#39;day&#39;" not in page and "{'day'" not in page


def test_approving_applies_the_change_and_the_public_api_shows_it_at_once(
    app, database, world
) -> None:
    admin = client_for(app, "admin")
    assert current(admin, world.ours)["capacity"]["places_taken"] == 14
    response = admin.post(
        f"/admin/changes/{world.capacity_change}/approve",
        data={"csrf_token": admin.token},  # type: ignore[attr-defined]
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/changes")
    assert current(app.test_client(), world.ours)["capacity"]["places_taken"] == 19
    assert change_status(database, world.capacity_change) is ChangeStatus.APPROVED
    queue = html(admin.get("/admin/changes"))
    assert "Approved the change to Men&#39;s Shed. It is live now." in queue
    assert "1 change is waiting" in queue
    assert "1 place free" in html(app.test_client().get(f"/groups/{world.ours}"))


def test_new_groups_and_closures_are_approved_from_their_pages_too(app, database, world) -> None:
    with database.sessions() as session:
        jo = _user(session, "organiser")
        walk = listing("Saturday Walk", at="NW1 7AA", organisation=OURS)
        new = propose_group(
            session, jo, walk, GazetteerGeocoder(session), public_url="http://assetmap.test"
        ).pending
        closing = ask_to_close(
            session, jo, world.ours, "Hall sold", public_url="http://assetmap.test"
        )
        session.commit()
    admin = client_for(app, "admin")
    token = admin.token  # type: ignore[attr-defined]
    page = html(admin.get(f"/admin/changes/{new.id}"))
    assert "New group: Saturday Walk" in page and "The new group, field by field" in page
    assert "Approve this group" in page
    response = admin.post(f"/admin/changes/{new.id}/approve", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Approved the new group Saturday Walk" in html(admin.get("/admin/changes"))
    found = admin.get("/api/v1/groups?q=Saturday+Walk").get_json()["features"]
    assert [f["properties"]["name"] for f in found] == ["Saturday Walk"]

    page = html(admin.get(f"/admin/changes/{closing.pending.id}"))
    assert "Men&#39;s Shed asks to close" in page and "Hall sold" in page
    assert "Why it is closing" in page
    admin.post(f"/admin/changes/{closing.pending.id}/approve", data={"csrf_token": token})
    assert current(admin, world.ours)["status"] == "closed"


def test_a_change_overtaken_by_another_edit_stays_pending_and_says_what_changed(
    app, database, world
) -> None:
    with database.sessions() as session:
        edit_listing(
            session,
            world.ours,
            {"capacity": {"waiting_list": 3}},
            based_on=_version(session, world.ours),
            user_id=None,
            geocoder=GazetteerGeocoder(session),
        )
        session.commit()
    admin = client_for(app, "admin")
    response = admin.post(
        f"/admin/changes/{world.capacity_change}/approve",
        data={"csrf_token": admin.token},  # type: ignore[attr-defined]
    )
    assert response.status_code == 409
    page = html(response)
    assert "The listing has changed since this was sent" in page
    assert "Since then, someone changed: People on the waiting list." in page
    assert "It is still waiting" in page
    assert change_status(database, world.capacity_change) is ChangeStatus.PENDING
    assert current(admin, world.ours)["capacity"]["places_taken"] == 14
    # Opened afresh, the page warns at once and offers only the rejection, worded for it.
    page = html(admin.get(f"/admin/changes/{world.capacity_change}"))
    assert 'id="stale-warning"' in page and 'id="approve"' not in page
    assert "(People on the waiting list). Please check it and send your change again." in page


def test_rejecting_needs_a_reason(app, database, world) -> None:
    admin = client_for(app, "admin")
    for reason in ("", "   "):
        response = admin.post(
            f"/admin/changes/{world.name_change}/reject",
            data={"csrf_token": admin.token, "reason": reason},  # type: ignore[attr-defined]
        )
        assert response.status_code == 400
        page = html(response)
        assert "There is a problem" in page
        assert "Say why you are not approving it" in page
        assert "nhsuk-form-group--error" in page
    assert change_status(database, world.name_change) is ChangeStatus.PENDING


def test_a_decided_change_shows_who_decided_and_why_and_no_forms(app, database, world) -> None:
    admin = client_for(app, "admin")
    token = admin.token  # type: ignore[attr-defined]
    response = admin.post(
        f"/admin/changes/{world.name_change}/reject",
        data={"csrf_token": token, "reason": "Please keep the name people know"},
    )
    assert response.status_code == 302
    assert "Not approved: the change to Men&#39;s Shed" in html(admin.get("/admin/changes"))
    page = html(admin.get(f"/admin/changes/{world.name_change}"))
    assert "Not approved by" in page and "Ada Admin" in page
    assert "Please keep the name people know" in page
    assert "What was proposed" in page and "The Shed" in page
    assert "<form" not in page.split('id="decision"')[1]
    # Deciding twice is refused, and says why.
    again = admin.post(f"/admin/changes/{world.name_change}/approve", data={"csrf_token": token})
    assert again.status_code == 409
    assert "This change was already rejected." in html(again)
    assert change_status(database, world.name_change) is ChangeStatus.REJECTED
