"""Editing one listing: merge patches, revisions, and no lost updates (on both backends)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from sqlalchemy import select

from assetmap.db import Database
from assetmap.directory.edits import StaleEdit, current_listing, edit_listing, merge_patch
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
