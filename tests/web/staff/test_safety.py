"""User text kept as text on the queue, a change and the history."""

from __future__ import annotations

from assetmap.directory.moderation import propose_group
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import ChangeStatus
from tests.factories import listing
from tests.web.staff.helpers import (
    ESCAPED,
    OURS,
    XSS,
    _submit,
    _user,
    change_status,
    client_for,
    html,
)

# ---- user text stays text --------------------------------------------------------------------


def test_user_text_is_escaped_on_the_queue_the_change_and_the_history(app, database, world) -> None:
    with database.sessions() as session:
        pending = _submit(
            session,
            "organiser",
            world.ours,
            {"description": XSS, "contact": {"name": XSS}, "interests": [XSS, "woodwork"]},
            note=XSS,
        ).pending
        new_group = propose_group(
            session,
            _user(session, "organiser"),
            listing(XSS, at="NW1 7AA", organisation=OURS),
            GazetteerGeocoder(session),
            public_url="http://assetmap.test",
        ).pending
        _submit(session, "admin", world.ours, {"cost": {"notes": XSS}})
        session.commit()
    admin = client_for(app, "admin")
    token = admin.token  # type: ignore[attr-defined]
    pages = [admin.get("/admin/changes"), admin.get(f"/admin/changes/{pending.id}")]
    pages.append(admin.get(f"/admin/changes/{new_group.id}"))
    admin.post(f"/admin/changes/{pending.id}/reject", data={"csrf_token": token, "reason": XSS})
    pages += [
        admin.get(f"/admin/changes/{pending.id}"),
        admin.get(f"/groups/{world.ours}/history"),
    ]
    for response in pages:
        page = html(response)
        assert XSS not in page
        assert ESCAPED in page, response.request.path
    assert change_status(database, pending.id) is ChangeStatus.REJECTED
