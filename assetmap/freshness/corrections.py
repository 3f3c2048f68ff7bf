"""What a link worker corrects while re-verifying a listing, applied as one staff edit.

The task page sends the whole listing as the worker left it (the same fields as the
organiser's form). Only what differs from the stored listing is applied, through
``directory.edits.edit_listing``: the listing contract's checks, the version check and the
revision history, with the worker as the author and the task named in ``via``. A new
postcode is placed on the map as the organiser's edit places it (``place_venue``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from assetmap.directory.edits import (
    READ_ONLY,
    EditResult,
    current_listing,
    edit_listing,
    patch_between,
    place_venue,
)
from assetmap.errors import ValidationError
from assetmap.geo.interfaces import Geocoder
from assetmap.models import Status

#: Not the worker's to change from the task page: who runs the group is the organisation's
#: (admins move groups), stopping is its own outcome ("The group has stopped"), and a
#: cancelled session is the organiser's to say (the task page has no box for it).
NOT_HERE = READ_ONLY | {"organisation", "external_id", "cancelled_dates"}


def via_task(task_id: int) -> str:
    """How the history says the change came."""
    return f"corrected during re-verification, task {task_id}"


def differences(stored: Mapping[str, Any], proposed: Mapping[str, Any]) -> dict[str, Any]:
    """The merge patch taking the stored listing to what the worker sent, without the
    fields the task page does not offer."""
    wanted = {key: value for key, value in proposed.items() if key not in NOT_HERE}
    return patch_between(wanted, stored)


def changed_anything(session: Session, group_id: int, proposed: Mapping[str, Any]) -> bool:
    """Whether the details the worker sent differ from the listing (no geocoding)."""
    return bool(differences(current_listing(session, group_id), proposed))


def apply_corrections(
    session: Session,
    group_id: int,
    proposed: Mapping[str, Any],
    *,
    based_on: int,
    user_id: int,
    task_id: int,
    geocoder: Geocoder | None,
) -> EditResult:
    """Apply what the worker changed as one edit. Raises ValidationError (field "result")
    if nothing differs, or naming the listing field at fault; StaleEdit if someone saved
    the listing since the worker opened the task. The caller rolls back on any of them."""
    stored = current_listing(session, group_id)
    listing = dict(proposed)
    if isinstance(listing.get("venue"), Mapping):
        listing["venue"] = dict(listing["venue"])
        if geocoder is not None:
            place_venue(listing, stored.get("venue"), geocoder)
    patch = differences(stored, listing)
    if not patch:
        raise ValidationError(
            "Change at least one detail below, or choose another outcome", field="result"
        )
    if patch.get("status") == Status.CLOSED.value and stored.get("status") != Status.CLOSED:
        raise ValidationError(
            "To close the listing, choose “The group has stopped”", field="status"
        )
    return edit_listing(
        session,
        group_id,
        patch,
        based_on=based_on,
        user_id=user_id,
        geocoder=geocoder,
        via=via_task(task_id),
    )
