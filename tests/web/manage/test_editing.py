"""Editing a listing: pending and applied edits, two saving at once, errors by their fields."""

from __future__ import annotations

import json
import re

import pytest

from tests.factories import POSTCODES
from tests.web.manage.helpers import (
    OURS,
    api_listing,
    flashed,
    form_fields,
    open_form,
    page_text,
    pending_changes,
    save,
    sign_in,
    trust,
    version_of,
)

# ---- editing -------------------------------------------------------------------------------


def test_the_form_round_trips_without_changing_anything(client, database, world) -> None:
    sign_in(client, world["jo"])
    before = version_of(database, world["ours"])
    response = save(client, world["ours"], open_form(client, world["ours"]))
    assert response.status_code == 302
    assert "You did not change anything" in flashed(client)
    assert version_of(database, world["ours"]) == before
    assert pending_changes(database) == []


def test_an_organisers_description_edit_waits_and_the_public_sees_the_old_value(
    client, database, world
) -> None:
    sign_in(client, world["jo"])
    fields = open_form(client, world["ours"])
    response = save(client, world["ours"], fields, description="New words")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/my/groups")
    page = flashed(client)
    assert "Sent to an admin for approval: the public listing" in page
    assert "stays as it was until then" in page
    (change,) = pending_changes(database)
    assert json.loads(change.patch) == {"description": "New words"}
    assert api_listing(client, world["ours"])["description"] == "Woodwork, repairs and a cuppa."
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
        (  # a cap on the listing's lists (issue 19)
            {"interests": ", ".join(f"craft {i}" for i in range(10_000))},
            "interests",
            "Interests must have at most 50 entries",
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
