"""Editing one listing: merge patches, revisions, and no lost updates (on both backends)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from sqlalchemy import select

from assetmap.db import Database
from assetmap.directory.edits import (
    StaleEdit,
    changed_since,
    current_listing,
    edit_listing,
    listing_history,
    listing_problems,
    merge_after_stale,
    merge_patch,
    patch_between,
    place_venue,
    values_agree,
)
from assetmap.errors import NotFound, ValidationError
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import Group, Revision
from tests.factories import listing


def edit(database: Database, group_id: int, patch: dict[str, Any], based_on: int, **kw: Any):
    with database.session() as session:
        result = edit_listing(
            session,
            group_id,
            patch,
            based_on=based_on,
            user_id=kw.get("user_id"),
            geocoder=GazetteerGeocoder(session),
        )
        session.commit()
        return result


def stored(database: Database, group_id: int) -> tuple[int, dict[str, Any]]:
    with database.session() as session:
        version = session.scalar(select(Group.version).where(Group.id == group_id))
        return version, current_listing(session, group_id)


def test_merge_patch_merges_objects_and_replaces_the_rest() -> None:
    target = {"capacity": {"total_places": 20, "places_taken": 14}, "interests": ["a", "b"]}
    patch = {"capacity": {"places_taken": 15}, "interests": ["c"]}
    assert merge_patch(target, patch) == {
        "capacity": {"total_places": 20, "places_taken": 15},
        "interests": ["c"],
    }


def test_an_edit_changes_the_listing_moves_the_version_and_keeps_history(
    database, add_groups
) -> None:
    (gid,) = add_groups(listing("Men's Shed", at="NW5 2AA"))
    version, _ = stored(database, gid)
    result = edit(
        database,
        gid,
        {"capacity": {"places_taken": 18}, "status": "waiting_list"},
        version,
    )
    assert result.version == version + 1
    assert result.changed == ["capacity.places_taken", "capacity.spare_places", "status"]
    new_version, now = stored(database, gid)
    assert new_version == version + 1
    assert now["capacity"]["places_taken"] == 18 and now["status"] == "waiting_list"
    assert now["name"] == "Men's Shed"  # untouched fields stay
    with database.session() as session:
        history = {
            r.field: (json.loads(r.old_value), json.loads(r.new_value), r.version)
            for r in session.scalars(select(Revision).where(Revision.group_id == gid))
        }
    assert history["capacity.places_taken"] == (14, 18, version + 1)
    assert history["status"] == ("open", "waiting_list", version + 1)


def test_the_public_document_shows_the_edit(database, add_groups, client) -> None:
    (gid,) = add_groups(listing("Men's Shed", at="NW5 2AA"))
    version, _ = stored(database, gid)
    edit(database, gid, {"contact": {"phone": "020 7946 1111"}}, version)
    feature = client.get(f"/api/v1/groups/{gid}").get_json()
    assert feature["properties"]["contact"]["phone"] == "020 7946 1111"


def test_an_edit_based_on_an_old_version_is_refused_and_writes_nothing(
    database, add_groups
) -> None:
    (gid,) = add_groups(listing("Men's Shed", at="NW5 2AA"))
    version, _ = stored(database, gid)
    edit(database, gid, {"capacity": {"places_taken": 18}}, version)
    with pytest.raises(StaleEdit) as refused:
        edit(database, gid, {"contact": {"name": "Sam"}}, version)
    assert refused.value.changed == ["capacity.places_taken", "capacity.spare_places"]
    assert "capacity.places_taken" in refused.value.message
    new_version, now = stored(database, gid)
    assert new_version == version + 1
    assert now["contact"]["name"] == "Jo"


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"capacity": {"total_places": -1}}, "capacity.total_places"),
        ({"status": "gone"}, "status"),
        ({"version": 3}, "version"),
        ({"id": 99}, "id"),
        ({"last_verified_at": "2026-01-01"}, "last_verified_at"),
    ],
)
def test_an_invalid_edit_names_the_field_and_writes_nothing(
    database, add_groups, patch, field
) -> None:
    (gid,) = add_groups(listing("Men's Shed", at="NW5 2AA"))
    version, before = stored(database, gid)
    with pytest.raises(ValidationError) as rejected:
        edit(database, gid, patch, version)
    assert rejected.value.field == field
    assert stored(database, gid) == (version, before)


def test_editing_a_group_that_does_not_exist_is_not_found(database) -> None:
    with pytest.raises(NotFound):
        edit(database, 12345, {"name": "x"}, 1)


def test_two_people_saving_at_once_lose_no_update(database, add_groups) -> None:
    """The first save holds the row until it commits; the second, based on the same version,
    waits for it and is then refused, on PostgreSQL (row lock) and SQLite (write lock)."""
    (gid,) = add_groups(listing("Men's Shed", at="NW5 2AA"))
    version, _ = stored(database, gid)
    first_claimed, first_may_commit = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def first() -> None:
        with database.session() as session:
            edit_listing(
                session,
                gid,
                {"capacity": {"places_taken": 19}},
                based_on=version,
                user_id=None,
                geocoder=GazetteerGeocoder(session),
            )
            first_claimed.set()
            first_may_commit.wait(10)
            session.commit()

    def second() -> None:
        first_claimed.wait(10)
        try:
            edit(database, gid, {"capacity": {"places_taken": 12}}, version)
            outcome["second"] = "saved"
        except StaleEdit as refused:
            outcome["second"] = refused.changed

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_claimed.wait(10)
    # Let the second save reach the database and wait there, then let the first commit.
    threads[1].join(0.5)
    first_may_commit.set()
    for thread in threads:
        thread.join(30)
    assert outcome["second"] == ["capacity.places_taken", "capacity.spare_places"]
    new_version, now = stored(database, gid)
    assert (new_version, now["capacity"]["places_taken"]) == (version + 1, 19)


# ---- comparing what is proposed with what is stored ------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "key", "agree"),
    [
        ("", None, "", True),
        ("two\r\nlines", "two\nlines", "", True),
        (False, None, "", False),  # "no" is not "not known"
        (True, 1, "", False),
        (["knit", "tea"], ["tea", "knit"], "interests", True),
        (["knit", "tea"], ["tea", "knit"], "schedule", False),  # a list whose order matters
        ({"total_places": 20, "spare_places": 3}, {"total_places": 20}, "", True),
        (20, 21, "", False),
    ],
)
def test_values_agree_where_they_say_the_same(a, b, key, agree) -> None:
    assert values_agree(a, b, key) is agree


def test_the_patch_between_holds_only_what_differs() -> None:
    stored = {"name": "Shed", "capacity": {"total_places": 20, "places_taken": 14}, "notes": ""}
    proposed = {"name": "Shed", "capacity": {"total_places": 20, "places_taken": 15}, "notes": None}
    assert patch_between(proposed, stored) == {"capacity": {"places_taken": 15}}
    assert patch_between(stored, stored) == {}


class _Geocoder:
    def __init__(self, known: dict[str, tuple[float, float]]) -> None:
        self.known, self.asked = known, []

    def geocode(self, text: str) -> Any:
        self.asked.append(text)
        found = self.known.get(text)
        return None if found is None else type("Place", (), {"lat": found[0], "lon": found[1]})


def test_a_venue_is_placed_by_its_pin_or_else_its_postcode() -> None:
    geocoder = _Geocoder({"NW5 2AA": (51.55, -0.14)})
    pinned = {"venue": {"postcode": "NW5 1AA", "lat": 51.5, "lon": -0.1}}
    place_venue(pinned, None, geocoder)  # type: ignore[arg-type]
    assert (pinned["venue"]["lat"], geocoder.asked) == (51.5, [])
    # A new postcode with the old pin sent back unmoved: the pin is stale.
    moved = {"venue": {"postcode": "NW5 2AA", "lat": 51.5, "lon": -0.1}}
    place_venue(moved, {"postcode": "NW5 1AA", "lat": 51.5, "lon": -0.1}, geocoder)  # type: ignore[arg-type]
    assert (moved["venue"]["lat"], moved["venue"]["lon"]) == (51.55, -0.14)
    unknown = {"venue": {"postcode": "NW5 9ZZ", "lat": None, "lon": None}}
    with pytest.raises(ValidationError) as raised:
        place_venue(unknown, None, geocoder)  # type: ignore[arg-type]
    assert raised.value.field == "venue.postcode"


def test_listing_problems_lists_every_problem_with_the_one_raised_first() -> None:
    whole = listing("Shed", at="NW5 2AA") | {"name": "", "categories": []}
    raised = ValidationError("venue.postcode: not known", field="venue.postcode")
    problems = listing_problems(raised, whole)
    assert problems[0] == ("venue.postcode", "venue.postcode: not known")
    assert {path for path, _ in problems} >= {"name", "categories"}


def test_after_a_stale_save_only_the_fields_this_person_changed_keep_their_input(
    database, add_groups
) -> None:
    (group_id,) = add_groups(listing("Men's Shed", at="NW5 2AA"))
    version, opened = stored(database, group_id)
    # Someone else saves places taken and the description first.
    edit(
        database,
        group_id,
        {"capacity": {"places_taken": 16}, "description": "Theirs"},
        based_on=version,
    )
    mine = json.loads(json.dumps(opened))
    mine["description"] = "Mine"  # changed by both
    mine["name"] = "The Shed"  # changed by this person only
    with database.session() as session:
        stale = StaleEdit(version, version + 1, changed_since(session, group_id, version))
        merge = merge_after_stale(session, group_id, stale, mine)
    assert merge.listing["capacity"]["places_taken"] == 16  # theirs, taken in
    assert merge.listing["description"] == "Mine"  # both changed it: this person's kept
    assert merge.listing["name"] == "The Shed"
    assert merge.both == ["description"]
    assert merge.theirs == {"capacity.places_taken": 16, "description": "Theirs"}


def test_a_listings_history_is_newest_first_with_who(database, add_groups) -> None:
    (group_id,) = add_groups(listing("Men's Shed", at="NW5 2AA"))
    version, _ = stored(database, group_id)
    edit(database, group_id, {"name": "The Shed"}, based_on=version)
    edit(database, group_id, {"name": "Shed"}, based_on=version + 1)
    with database.session() as session:
        entries = listing_history(session, group_id, offset=0, limit=10)
    names = [json.loads(e.revision.new_value) for e in entries if e.revision.field == "name"]
    assert names == ["Shed", "The Shed"]
    assert all(entry.who is None for entry in entries)  # nobody signed in: an import or a script
