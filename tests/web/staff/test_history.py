"""A listing's history, and putting an earlier value back."""

from __future__ import annotations

import re

from sqlalchemy import select

from assetmap.directory.edits import edit_listing
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import Revision
from tests.web.staff.helpers import (
    _submit,
    _version,
    client_for,
    current,
    html,
)

# ---- history ---------------------------------------------------------------------------------


def test_history_shows_who_when_and_what_newest_first(app, database, world) -> None:
    with database.sessions() as session:
        edit_listing(
            session,
            world.ours,
            {"capacity": {"total_places": 25}},
            based_on=_version(session, world.ours),
            user_id=None,
            geocoder=GazetteerGeocoder(session),
        )
        session.commit()
    page = html(client_for(app, "link_worker").get(f"/groups/{world.ours}/history"))
    rows = re.findall(r'<tr class="nhsuk-table__row" id="revision-\d+">(.*?)</tr>', page, re.S)
    text = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]
    assert re.search(r"Who import What Total places Before 20 After 25", text[0])
    assert re.search(
        r"Who Ada Admin What Phone number Before 020 7946 0000 After 020 1111 2222", text[-1]
    )
    assert "Restore this value" not in page  # only admins put values back


def test_an_admin_restores_an_earlier_value_from_the_history(app, world) -> None:
    admin = client_for(app, "admin")
    page = html(admin.get(f"/groups/{world.ours}/history"))
    # One button a change, but none for places free: it follows from places and places taken.
    rows = re.findall(r'id="revision-\d+">(.*?)</tr>', page, re.S)
    assert rows and all(("Restore this value" in row) != ("Places free" in row) for row in rows)
    response = admin.post(
        f"/admin/revisions/{world.revision}/restore",
        data={"csrf_token": admin.token},  # type: ignore[attr-defined]
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/groups/{world.ours}/history")
    assert current(admin, world.ours)["contact"]["phone"] == "020 7946 0000"
    page = html(admin.get(f"/groups/{world.ours}/history"))
    assert "Phone number is back to its earlier value: 020 7946 0000." in page


def test_a_restore_the_listing_cannot_take_says_why(app, database, world) -> None:
    with database.sessions() as session:
        _submit(session, "admin", world.ours, {"capacity": {"total_places": 30}})
        _submit(session, "admin", world.ours, {"capacity": {"places_taken": 25}})
        revision = session.scalar(
            select(Revision.id).where(Revision.field == "capacity.total_places")
        )
        session.commit()
    admin = client_for(app, "admin")
    response = admin.post(
        f"/admin/revisions/{revision}/restore",
        data={"csrf_token": admin.token},  # type: ignore[attr-defined]
    )
    # Back to 20 places with 25 taken is not a valid listing: refused with the reason.
    assert response.status_code == 400
    assert "Total places could not be put back" in html(response)
    assert current(admin, world.ours)["capacity"]["total_places"] == 30
