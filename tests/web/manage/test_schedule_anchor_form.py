"""The organiser's form has no field for a session's ``from_date`` (the date of one session):
saving the form keeps it (issue 14, item 13)."""

from __future__ import annotations

from tests.factories import listing
from tests.web.manage.helpers import (
    OURS,
    api_listing,
    flashed,
    open_form,
    save,
    sign_in,
    trust,
)

DATED = {
    "day": "tue",
    "start": "10:00",
    "end": "12:00",
    "frequency": "fortnightly",
    "from_date": "2026-12-01",
}


def test_saving_the_form_keeps_the_date_of_one_session(client, database, world, add_groups):
    (group_id,) = add_groups(
        listing("Dated Shed", at="NW5 2AA", organisation=OURS, schedule=[DATED])
    )
    trust(database, OURS)
    sign_in(client, world["jo"])
    unchanged = save(client, group_id, open_form(client, group_id))
    assert unchanged.status_code == 302
    assert "You did not change anything" in flashed(client)
    response = save(client, group_id, open_form(client, group_id), capacity__total_places="25")
    assert response.status_code == 302
    stored = api_listing(client, group_id)
    assert stored["capacity"]["total_places"] == 25
    assert stored["schedule"][0]["from_date"] == "2026-12-01"
