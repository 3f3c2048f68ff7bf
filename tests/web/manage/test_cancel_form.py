"""'Cancel a session' on the organiser's form: tick a coming session to cancel it (live at once
even for an untrusted organisation), untick it to put it back on, errors by the boxes."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest

from assetmap.web.context import set_clock
from tests.web.manage.helpers import (
    api_listing,
    flashed,
    open_form,
    page_text,
    pending_changes,
    save,
    sign_in,
    version_of,
)

#: Monday 30 November 2026, noon in London; the Men's Shed meets on Tuesdays at 10:00.
NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def monday_noon(app):
    set_clock(app, lambda: NOON)
    yield
    set_clock(app, None)


def test_the_form_offers_the_next_six_sessions(client, world, monday_noon) -> None:
    sign_in(client, world["jo"])
    page = page_text(client, f"/my/groups/{world['ours']}/edit")
    part = page.split('id="part-cancel"')[1].split("</fieldset>")[0]
    assert "Cancel a session" in part
    for label in ("Tue 1 Dec", "Tue 8 Dec", "Tue 15 Dec", "Tue 22 Dec", "Tue 29 Dec"):
        assert f">{label}</label>" in part
    assert ">Tue 5 Jan 2027</label>" in part
    assert 'value="2027-01-12"' not in part


def test_ticking_a_date_cancels_it_at_once_and_unticking_puts_it_back(
    client, database, world, monday_noon
) -> None:
    sign_in(client, world["jo"])
    fields = open_form(client, world["ours"])
    fields.add("cancelled_dates", "2026-12-08")
    response = save(client, world["ours"], fields)
    assert response.status_code == 302
    # An untrusted organisation's cancellation is public at once, for review after.
    assert api_listing(client, world["ours"])["cancelled_dates"] == ["2026-12-08"]
    (change,) = pending_changes(database)
    assert change.applied is not None and "cancelled_dates" in change.applied
    said = unescape(flashed(client))
    assert "Saved. The changes to Men's Shed are live now." in said
    listing_page = page_text(client, f"/groups/{world['ours']}")
    assert "Cancelled: Tue 8 Dec (the group meets again Tue 15 Dec)" in listing_page
    # The form shows it ticked; unticking it puts the session back on.
    again = open_form(client, world["ours"])
    assert again.getlist("cancelled_dates") == ["2026-12-08"]
    again.setlist("cancelled_dates", [])
    assert save(client, world["ours"], again).status_code == 302
    assert api_listing(client, world["ours"])["cancelled_dates"] == []


@pytest.mark.parametrize(
    ("ticked", "message"),
    [
        ("2026-12-09", "Cancelled sessions must be a day the group meets: Tuesday"),
        ("next week", "Cancelled sessions must be a date like 2026-09-01"),
    ],
)
def test_a_bad_date_is_an_error_by_the_boxes_and_nothing_is_written(
    client, database, world, monday_noon, ticked, message
) -> None:
    sign_in(client, world["jo"])
    before = version_of(database, world["ours"])
    fields = open_form(client, world["ours"])
    fields.add("cancelled_dates", "2026-12-08")
    fields.add("cancelled_dates", ticked)
    fields["description"] = "Something new as well"
    response = save(client, world["ours"], fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="cancelled_dates-error"' in page
    assert message in page
    assert 'href="#cancelled_dates-0"' in page
    assert version_of(database, world["ours"]) == before
    assert pending_changes(database) == []
    assert api_listing(client, world["ours"])["cancelled_dates"] == []


def test_without_its_csrf_token_nothing_is_cancelled(client, database, world, monday_noon) -> None:
    sign_in(client, world["jo"])
    fields = open_form(client, world["ours"])
    fields.add("cancelled_dates", "2026-12-08")
    del fields["csrf_token"]
    response = save(client, world["ours"], fields)
    assert response.status_code == 400
    assert api_listing(client, world["ours"])["cancelled_dates"] == []


def test_the_dashboard_cancels_this_weeks_session_in_one_click(
    client, database, world, monday_noon
) -> None:
    sign_in(client, world["jo"])
    page = unescape(page_text(client, "/my/groups"))
    assert "Cancel this week’s session (Tue 1 Dec)" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    path = f"/my/groups/{world['ours']}/cancel-session"
    # Without the CSRF token, or with a date that is not a date, nothing happens.
    assert client.post(path, data={"date": "2026-12-01"}).status_code == 400
    assert client.post(path, data={"date": "soon", "csrf_token": token[1]}).status_code == 400
    assert api_listing(client, world["ours"])["cancelled_dates"] == []
    response = client.post(path, data={"date": "2026-12-01", "csrf_token": token[1]})
    assert response.status_code == 302
    assert api_listing(client, world["ours"])["cancelled_dates"] == ["2026-12-01"]
    after = unescape(page_text(client, "/my/groups"))
    assert "The session of Men's Shed on Tue 1 Dec is cancelled" in after
    assert "Cancelled: Tue 1 Dec (the group meets again Tue 8 Dec)" in after
    # The next one is next week, not this week: nothing more to cancel in one click.
    assert "Cancel this week’s session" not in after.split(f'id="group-{world["ours"]}"')[1]
    # A day the group does not meet is refused, in words, and nothing is written.
    refused = client.post(path, data={"date": "2026-12-02", "csrf_token": token[1]})
    assert refused.status_code == 302
    assert "The session was not cancelled" in unescape(page_text(client, "/my/groups"))
    assert api_listing(client, world["ours"])["cancelled_dates"] == ["2026-12-01"]
    assert len(pending_changes(database)) == 1  # for the admin to review after
