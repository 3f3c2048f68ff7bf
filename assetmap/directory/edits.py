"""Changing one listing without losing anyone's update, and remembering every change.

An edit names the version it was based on. The first statement of the edit claims the next
version with ``UPDATE … WHERE id = :id AND version = :based_on``: on PostgreSQL that row lock
makes a concurrent edit wait and then find the version moved on; on SQLite writers take turns.
Either way the second of two edits based on the same version is refused with what changed
in between, and nothing of it is written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from assetmap.directory.documents import build_documents
from assetmap.directory.services import ImportRejected, save_listings, validate_records
from assetmap.errors import Conflict, NotFound, ValidationError
from assetmap.geo.interfaces import Geocoder
from assetmap.models import Group, Revision

#: Derived or managed elsewhere: never set by an edit.
READ_ONLY = frozenset({"id", "freshness", "spare_places", "last_verified_at", "verified_by"})


class StaleEdit(Conflict):
    """The listing changed since the version the edit was based on."""

    code = "stale"

    def __init__(self, based_on: int, current: int, changed: list[str]) -> None:
        fields = ", ".join(changed) if changed else "the listing"
        super().__init__(
            f"someone else saved this listing since you opened it (version {based_on}, now "
            f"{current}); they changed: {fields}. Check their changes and save again.",
            field="version",
        )
        self.based_on = based_on
        self.current = current
        self.changed = changed


@dataclass(frozen=True)
class EditResult:
    group_id: int
    version: int
    #: The fields that changed, as dotted paths ("capacity.total_places").
    changed: list[str] = field(default_factory=list)


def current_listing(session: Session, group_id: int) -> dict[str, Any]:
    """The stored listing in the contract shape (without today's freshness)."""
    documents = build_documents(session, [group_id])
    if group_id not in documents:
        raise NotFound(f"no group has id {group_id}")
    listing: dict[str, Any] = json.loads(documents[group_id])["properties"]
    return listing


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge key by key, anything else replaces."""
    if not isinstance(patch, Mapping):
        return patch
    merged = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None and key in merged and isinstance(merged[key], Mapping):
            merged.pop(key)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def flatten(listing: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Leaf values by dotted path; lists are one value (a changed session is one change)."""
    leaves: dict[str, Any] = {}
    for key, value in listing.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            leaves.update(flatten(value, f"{path}."))
        else:
            leaves[path] = value
    return leaves


def edit_listing(
    session: Session,
    group_id: int,
    patch: Mapping[str, Any],
    *,
    based_on: int,
    user_id: int | None,
    geocoder: Geocoder | None = None,
    via: str = "",
) -> EditResult:
    """Apply a merge patch to a listing if it is still at version ``based_on``.

    ``geocoder`` is needed only when the change gives a venue a postcode without coordinates.
    Raises StaleEdit if it is not, ValidationError naming the field if the result is not a
    valid listing (the caller rolls back: nothing is written), NotFound if there is no group.
    """
    if not isinstance(patch, Mapping):
        raise ValidationError("the change must be a JSON object (part of a listing)")
    if touched := sorted(READ_ONLY & set(patch)):
        raise ValidationError(f"{touched[0]}: cannot be changed by an edit", field=touched[0])
    claimed: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Group)
        .where(Group.id == group_id, Group.version == based_on)
        .values(version=based_on + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        current = session.scalar(select(Group.version).where(Group.id == group_id))
        if current is None:
            raise NotFound(f"no group has id {group_id}")
        raise StaleEdit(based_on, current, changed_since(session, group_id, based_on))

    before = current_listing(session, group_id)
    after = merge_patch(before, dict(patch))
    after["id"] = group_id
    try:
        (listing,) = validate_records([after], geocoder)
    except ImportRejected as rejected:
        problem = rejected.problems[0]
        raise ValidationError(
            f"{problem.field}: {problem.message}", field=problem.field or None
        ) from None
    save_listings(session, [listing], bump_versions=False)

    old, new = flatten(before), flatten(current_listing(session, group_id))
    changed = sorted(path for path in old.keys() | new.keys() if old.get(path) != new.get(path))
    session.add_all(
        Revision(
            group_id=group_id,
            user_id=user_id,
            field=path,
            old_value=json.dumps(old.get(path), ensure_ascii=False),
            new_value=json.dumps(new.get(path), ensure_ascii=False),
            version=based_on + 1,
            via=via,
        )
        for path in changed
    )
    session.flush()
    return EditResult(group_id=group_id, version=based_on + 1, changed=changed)


def changed_since(session: Session, group_id: int, version: int) -> list[str]:
    """The fields changed by edits after ``version``, from the revision history."""
    return sorted(
        set(
            session.scalars(
                select(Revision.field).where(
                    Revision.group_id == group_id, Revision.version > version
                )
            )
        )
    )


def values_at(session: Session, group_id: int, version: int, paths: list[str]) -> dict[str, Any]:
    """Each field's value at ``version``, for fields edited since: the old value of the first
    change after it (from the revision history)."""
    values: dict[str, Any] = {}
    for path, old in session.execute(
        select(Revision.field, Revision.old_value)
        .where(
            Revision.group_id == group_id,
            Revision.version > version,
            Revision.field.in_(paths),
        )
        .order_by(Revision.version.desc(), Revision.id.desc())
    ):
        values[path] = json.loads(old)  # the earliest change is read last and wins
    return values
