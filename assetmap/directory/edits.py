"""Changing one listing without losing anyone's update, and remembering every change.

An edit names the version it was based on. The first statement of the edit claims the next
version with ``UPDATE … WHERE id = :id AND version = :based_on``: on PostgreSQL that row lock
makes a concurrent edit wait and then find the version moved on; on SQLite writers take turns.
Either way the second of two edits based on the same version is refused with what changed
in between, and nothing of it is written.

A whole listing sent back by a form is compared with the stored one (``values_agree``,
``patch_between``) so only what really changed is proposed; after a refused (stale) save,
``merge_after_stale`` takes in the other person's changes wherever this person left the field
as it was, from the revision history.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from assetmap.directory.contract import parse_listing
from assetmap.directory.documents import build_documents
from assetmap.directory.importing import ImportRejected, save_listings, validate_records
from assetmap.errors import Conflict, NotFound, ValidationError
from assetmap.geo.interfaces import Geocoder
from assetmap.geo.postcodes import is_postcode
from assetmap.models import Group, Revision, User

#: Derived or managed elsewhere: never set by an edit.
READ_ONLY = frozenset(
    {"id", "freshness", "spare_places", "places_held", "paused_until", "last_verified_at"}
    | {"verified_by"}
)


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
    if changes_nothing(session, group_id, patch, based_on):
        return EditResult(group_id=group_id, version=based_on, changed=[])
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


def changes_nothing(
    session: Session, group_id: int, patch: Mapping[str, Any], based_on: int
) -> bool:
    """Whether ``patch`` (empty, or every value as it is) leaves the listing as it is: then
    an edit writes nothing (no new version, no history). Still StaleEdit when ``based_on``
    is not the current version, NotFound when there is no group."""
    before = current_listing(session, group_id)
    if not values_agree(merge_patch(before, dict(patch)), before):
        return False
    current = session.scalar(select(Group.version).where(Group.id == group_id))
    if current != based_on:
        raise StaleEdit(based_on, current or 0, changed_since(session, group_id, based_on))
    return True


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


# ---- comparing a proposed listing with the stored one ---------------------------------------

#: Lists whose order means nothing: compared as sets.
UNORDERED_LISTS = frozenset({"categories", "interests"})
#: Derived from other fields: never worth saying someone changed it.
DERIVED_PATHS = frozenset(
    {"capacity.spare_places", "capacity.places_held", "referral.paused_until"}
)


#: Keys a served listing has that are not the listing's own facts.
_SERVED = frozenset({"spare_places", "places_held", "paused_until"})


def values_agree(a: Any, b: Any, key: str = "") -> bool:
    """Whether two values of the field ``key`` say the same thing: "" and null alike, line
    endings ignored, and sets of words in any order."""
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, str) and isinstance(b, str):
        return a.replace("\r\n", "\n") == b.replace("\r\n", "\n")
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, list) and isinstance(b, list):
        if key in UNORDERED_LISTS:
            return sorted(map(str, a)) == sorted(map(str, b))
        return len(a) == len(b) and all(values_agree(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return all(
            values_agree(a.get(k), b.get(k), k) for k in a.keys() | b.keys() if k not in _SERVED
        )
    return bool(a == b)


def patch_between(proposed: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    """The merge patch taking ``stored`` to ``proposed``, for the keys ``proposed`` has.

    Only what really differs is in it, so a trusted organisation's change to places or times
    stays a minor change rather than touching every field the form sent back unchanged."""
    patch: dict[str, Any] = {}
    for key, value in proposed.items():
        before = stored.get(key)
        if isinstance(value, Mapping) and isinstance(before, Mapping):
            if sub := patch_between(value, before):
                patch[key] = sub
        elif not values_agree(value, before, key):
            patch[key] = value
    return patch


def place_venue(
    listing: dict[str, Any], stored_venue: Mapping[str, Any] | None, geocoder: Geocoder
) -> None:
    """Give the proposed venue coordinates: a pin placed on the map, else its postcode's.

    A form without JavaScript sends the old pin back in hidden fields, so a new postcode with
    the pin unmoved means the pin is stale: the postcode is looked up afresh. Raises
    ValidationError on ``venue.postcode`` when the postcode is not known.
    """
    venue = listing.get("venue")
    if not venue or not venue.get("postcode") or not is_postcode(venue["postcode"]):
        return
    pinned = venue.get("lat") is not None and venue.get("lon") is not None
    if pinned and stored_venue and venue["postcode"] != stored_venue.get("postcode"):
        pinned = not (
            values_agree(venue["lat"], stored_venue.get("lat"))
            and values_agree(venue["lon"], stored_venue.get("lon"))
        )
    if pinned:
        return
    place = geocoder.geocode(venue["postcode"])
    if place is None:
        raise ValidationError(
            "venue.postcode: we could not find this postcode: check it, or click the map to "
            "show where the group meets",
            field="venue.postcode",
        )
    venue["lat"], venue["lon"] = place.lat, place.lon


def listing_problems(
    error: ValidationError, whole: Mapping[str, Any] | None
) -> list[tuple[str, str]]:
    """Every (path, message) problem with ``whole``, the listing as it would be, so a form
    can show them all at once; the problem raised comes first when the check misses it."""
    found: list[tuple[str, str]] = []
    if whole is not None:
        _, found = parse_listing(dict(whole))
    raised = (error.field or "", error.message)
    if not any(path == raised[0] for path, _ in found):
        found.insert(0, raised)
    return found


# ---- two people saving at once ----------------------------------------------------------------


@dataclass
class StaleMerge:
    """A proposed listing with someone else's intervening changes taken in.

    ``listing`` takes their value wherever this person left the field as it was;
    ``theirs`` is each field they changed with its value now; ``both`` the fields this
    person changed as well (their own input is kept there)."""

    listing: dict[str, Any]
    theirs: dict[str, Any] = field(default_factory=dict)
    both: list[str] = field(default_factory=list)


def merge_after_stale(
    session: Session, group_id: int, stale: StaleEdit, proposed: dict[str, Any]
) -> StaleMerge:
    """Three-way merge of ``proposed`` (based on ``stale.based_on``) with the listing now.

    The base values come from the revision history, so a field counts as changed by this
    person only if what they sent differs from the field at the version they opened.
    ``proposed`` is changed in place and returned as the merge's ``listing``."""
    now = flatten(current_listing(session, group_id))
    changed = [path for path in stale.changed if path not in DERIVED_PATHS]
    base = values_at(session, group_id, stale.based_on, changed)
    ours = flatten(proposed)
    merge = StaleMerge(listing=proposed)
    for path in changed:
        merge.theirs[path] = now.get(path)
        if path not in ours:
            continue
        if values_agree(ours[path], base.get(path), path.rsplit(".", 1)[-1]):
            _set_path(proposed, path, now.get(path))
        else:
            merge.both.append(path)
    return merge


def _set_path(listing: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    level = listing
    for part in parents:
        if not isinstance(level.get(part), dict):
            return
        level = level[part]
    level[leaf] = value


# ---- a listing's history ----------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    revision: Revision
    #: Who made the change: their name (or email), None if nobody signed in or the
    #: account has been removed since (``revision.via`` then says how it came).
    who: str | None


def listing_history(
    session: Session, group_id: int, *, offset: int, limit: int
) -> list[HistoryEntry]:
    """Changes to a listing, newest first."""
    found = session.execute(
        select(Revision, func.coalesce(func.nullif(User.name, ""), User.email))
        .outerjoin(User, User.id == Revision.user_id)
        .where(Revision.group_id == group_id)
        .order_by(Revision.changed_at.desc(), Revision.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [HistoryEntry(revision, who) for revision, who in found]
