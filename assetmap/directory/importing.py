"""Writes to the directory: importing listings in the contract shape, all or nothing.

An import first validates every record (and geocodes those without coordinates) and only
then writes, in set-wise batches, so 100k listings load in a minute or two. A record updates
the group it names by ``id`` or ``external_id``; without either, a group of the same name at
the same venue by the same organisation is taken to be the same group.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from assetmap.db import allocate_ids, chunks, sync_id_sequence
from assetmap.directory.contract import ListingIn, parse_listing
from assetmap.directory.documents import groups_at_venues, refresh_documents
from assetmap.errors import ValidationError
from assetmap.geo.interfaces import Geocoder
from assetmap.geo.spatial import point_ewkt
from assetmap.models import (
    ACCESSIBILITY_FLAGS,
    Group,
    GroupCategory,
    GroupInterest,
    Organisation,
    ScheduleEntry,
    Venue,
    Verification,
    VerificationMethod,
    table_of,
)

WRITE_BATCH = 1000
# Inserts go to the tables (Core executemany): the ORM's bulk insert splits rows whose None
# values differ into separate statements, which on SQLite means one INSERT per group.
# Keeps IN (...) lists well under SQLite's limit on bound parameters.
LOOKUP_CHUNK = 500

T = TypeVar("T")


@dataclass(frozen=True)
class ImportProblem:
    record: int  # 1-based, as a person counts records in a file
    field: str
    message: str
    #: How a person finds the record in its file ("row 12", "service 'Knit and Natter'");
    #: "record N" when empty.
    label: str = ""

    def __str__(self) -> str:
        where = self.label or f"record {self.record}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class ImportRejected(ValidationError):
    """Some records are invalid; nothing was written. Carries every problem found."""

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        more = len(self.problems) - 1
        summary = str(first) + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
        super().__init__(summary, field=first.field or None)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    group_ids: list[int] = field(default_factory=list)


def validate_records(
    records: Sequence[Any], geocoder: Geocoder | None, *, venue_required: bool = True
) -> list[ListingIn]:
    """Every record as a ListingIn with coordinates, or ImportRejected listing all problems.
    Without a geocoder, a venue given by postcode alone is a problem, not a lookup.
    ``venue_required=False``: a venue may be not known (see ``contract.cross_field_problems``)."""
    if not isinstance(records, list):
        raise ImportRejected([ImportProblem(0, "", "the file must hold a JSON list of listings")])
    problems: list[ImportProblem] = []
    listings: list[ListingIn] = []
    seen_ids: dict[int, int] = {}
    seen_external: dict[str, int] = {}
    places: dict[str, tuple[float, float] | None] = {}
    for number, record in enumerate(records, start=1):
        listing, found = parse_listing(record, venue_required=venue_required)
        problems.extend(ImportProblem(number, path, message) for path, message in found)
        if listing is None:
            continue
        if listing.id is not None:
            if listing.id in seen_ids:
                problems.append(
                    ImportProblem(number, "id", f"repeats the id of record {seen_ids[listing.id]}")
                )
            seen_ids.setdefault(listing.id, number)
        if listing.external_id is not None:
            if listing.external_id in seen_external:
                earlier = seen_external[listing.external_id]
                problems.append(
                    ImportProblem(number, "external_id", f"repeats that of record {earlier}")
                )
            seen_external.setdefault(listing.external_id, number)
        venue = listing.venue
        if venue is not None and venue.lat is None and venue.postcode:
            if venue.postcode not in places:
                place = geocoder.geocode(venue.postcode) if geocoder else None
                places[venue.postcode] = (place.lat, place.lon) if place else None
            found_place = places[venue.postcode]
            if found_place is None:
                problems.append(
                    ImportProblem(
                        number,
                        "venue.postcode",
                        f"{venue.postcode} is not in the gazetteer: give lat and lon, "
                        "or load it with `assetmap import-postcodes`",
                    )
                )
                continue
            venue.lat, venue.lon = found_place
        listings.append(listing)
    if problems:
        raise ImportRejected(problems)
    return listings


def import_listings(
    session: Session,
    records: Sequence[Any],
    geocoder: Geocoder,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate then save ``records``; the caller's transaction makes it all-or-nothing."""
    return save_listings(session, validate_records(records, geocoder), progress)


def save_listings(
    session: Session,
    listings: Sequence[ListingIn],
    progress: Callable[[int], None] | None = None,
    *,
    bump_versions: bool = True,
) -> ImportResult:
    """Create or update groups from validated listings, set-wise, batch by batch.

    Updates move each group's ``version`` on by one, unless the caller has already claimed
    the new version (``edits.edit_listing`` does, to refuse a stale edit atomically).
    """
    result = ImportResult()
    for batch in chunks(listings, WRITE_BATCH):
        _save_batch(session, batch, result, bump_versions)
        if progress:
            progress(len(batch))
    return result


def _save_batch(
    session: Session, batch: Sequence[ListingIn], result: ImportResult, bump_versions: bool
) -> None:
    organisation_ids = _organisation_ids(session, batch)
    venue_ids, moved_venues = _venue_ids(session, batch)
    existing = _existing_groups(session, batch, organisation_ids, venue_ids)

    updates: list[dict[str, Any]] = []
    inserts_with_id: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    group_ids: list[int] = [0] * len(batch)
    unnumbered: list[int] = []  # positions of new groups that need an id
    for position, listing in enumerate(batch):
        organisation_id = organisation_ids.get(listing.organisation or "")
        venue_id = venue_ids.get(_venue_key(listing)) if listing.venue else None
        values = _group_values(listing, organisation_id, venue_id)
        match = existing[position]
        if match is not None:
            group_id, version = match
            group_ids[position] = group_id
            bumped = {"version": version + 1} if bump_versions else {}
            updates.append({"id": group_id, **bumped, **values})
        elif listing.id is not None:
            group_ids[position] = listing.id
            inserts_with_id.append({"id": listing.id, **values})
        else:
            unnumbered.append(position)
            inserts.append(values)

    if updates:
        session.execute(update(Group), updates)
    if inserts_with_id:
        session.execute(insert(table_of(Group)), inserts_with_id)
        sync_id_sequence(session, table_of(Group))
    if inserts:
        new_ids = allocate_ids(session, table_of(Group), len(inserts))
        for position, row, group_id in zip(unnumbered, inserts, new_ids, strict=True):
            row["id"] = group_ids[position] = group_id
        session.execute(insert(table_of(Group)), inserts)

    _replace_children(session, batch, group_ids, updated={u["id"] for u in updates})
    _record_verifications(session, batch, group_ids, existing)
    refresh_documents(session, [*group_ids, *groups_at_venues(session, moved_venues)])
    result.updated += len(updates)
    result.created += len(inserts) + len(inserts_with_id)
    result.group_ids.extend(group_ids)


def _organisation_ids(session: Session, batch: Sequence[ListingIn]) -> dict[str, int]:
    names = sorted({listing.organisation for listing in batch if listing.organisation})
    found: dict[str, int] = {}
    for chunk in chunks(names, LOOKUP_CHUNK):
        found.update(
            session.execute(
                select(Organisation.name, Organisation.id).where(Organisation.name.in_(chunk))
            ).all()
        )
    missing = [name for name in names if name not in found]
    if missing:
        new_ids = allocate_ids(session, table_of(Organisation), len(missing))
        session.execute(
            insert(Organisation),
            [{"id": i, "name": name} for i, name in zip(new_ids, missing, strict=True)],
        )
        found.update(zip(missing, new_ids, strict=True))
    return found


def _venue_key(listing: ListingIn) -> tuple[str, str]:
    assert listing.venue is not None
    return listing.venue.name, listing.venue.postcode or ""


def _venue_ids(
    session: Session, batch: Sequence[ListingIn]
) -> tuple[dict[tuple[str, str], int], list[int]]:
    """Find or create each venue, keyed by (name, postcode); the newest details win.

    Returns the ids by key, and the ids of existing venues whose details changed.
    """
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    for listing in batch:
        if listing.venue is None:
            continue
        venue = listing.venue
        assert venue.lat is not None and venue.lon is not None  # validate_records geocoded it
        wanted[_venue_key(listing)] = {
            "name": venue.name,
            "address": venue.address,
            "postcode": venue.postcode,
            "lat": venue.lat,
            "lon": venue.lon,
        }
    found: dict[tuple[str, str], tuple[int, Any]] = {}
    names = sorted({name for name, _ in wanted})
    for chunk in chunks(names, LOOKUP_CHUNK):
        for row in session.execute(
            select(Venue.id, Venue.name, Venue.postcode, Venue.address, Venue.lat, Venue.lon).where(
                Venue.name.in_(chunk)
            )
        ):
            key = (row.name, row.postcode or "")
            if key in wanted:
                found[key] = (row.id, (row.address, row.lat, row.lon))
    changed = [
        {"id": venue_id, **values, "location": point_ewkt(values["lat"], values["lon"])}
        for key, values in wanted.items()
        if key in found
        for venue_id, stored in [found[key]]
        if stored != (values["address"], values["lat"], values["lon"])
    ]
    if changed:
        session.execute(update(Venue), changed)
    ids = {key: venue_id for key, (venue_id, _) in found.items()}
    missing_keys = [key for key in wanted if key not in found]
    if missing_keys:
        new_ids = allocate_ids(session, table_of(Venue), len(missing_keys))
        session.execute(
            insert(Venue),
            [
                {
                    "id": venue_id,
                    **wanted[key],
                    "location": point_ewkt(wanted[key]["lat"], wanted[key]["lon"]),
                }
                for key, venue_id in zip(missing_keys, new_ids, strict=True)
            ],
        )
        ids.update(zip(missing_keys, new_ids, strict=True))
    return ids, [row["id"] for row in changed]


def _existing_groups(
    session: Session,
    batch: Sequence[ListingIn],
    organisation_ids: dict[str, int],
    venue_ids: dict[tuple[str, str], int],
) -> list[tuple[int, int] | None]:
    """For each listing, the (id, version) of the stored group it updates, if any."""
    by_id: dict[int, tuple[int, int]] = {}
    by_external: dict[str, tuple[int, int]] = {}
    ids = [listing.id for listing in batch if listing.id is not None]
    externals = [listing.external_id for listing in batch if listing.external_id is not None]
    for id_chunk in chunks(ids, LOOKUP_CHUNK):
        for row in session.execute(select(Group.id, Group.version).where(Group.id.in_(id_chunk))):
            by_id[row.id] = (row.id, row.version)
    for external_chunk in chunks(externals, LOOKUP_CHUNK):
        for keyed in session.execute(
            select(Group.external_id, Group.id, Group.version).where(
                Group.external_id.in_(external_chunk)
            )
        ):
            by_external[keyed.external_id or ""] = (keyed.id, keyed.version)

    keyless_names = sorted(
        {listing.name for listing in batch if listing.id is None and listing.external_id is None}
    )
    by_natural: dict[tuple[str, int | None, int | None], tuple[int, int]] = {}
    for name_chunk in chunks(keyless_names, LOOKUP_CHUNK):
        for named in session.execute(
            select(
                Group.id, Group.version, Group.name, Group.organisation_id, Group.venue_id
            ).where(Group.name.in_(name_chunk), Group.external_id.is_(None))
        ):
            key = (named.name, named.organisation_id, named.venue_id)
            by_natural[key] = (named.id, named.version)

    matches: list[tuple[int, int] | None] = []
    for listing in batch:
        if listing.id is not None:
            match = by_id.get(listing.id)
            other = by_external.get(listing.external_id or "")
            if match and other and other[0] != match[0]:
                raise ValidationError(
                    f"group {listing.id}: external_id {listing.external_id!r} "
                    f"belongs to group {other[0]}",
                    field="external_id",
                )
            matches.append(match)
        elif listing.external_id is not None:
            matches.append(by_external.get(listing.external_id))
        else:
            key = (
                listing.name,
                organisation_ids.get(listing.organisation or ""),
                _venue_or_none(listing, venue_ids),
            )
            matches.append(by_natural.get(key))
    return matches


def _venue_or_none(listing: ListingIn, venue_ids: dict[tuple[str, str], int]) -> int | None:
    return venue_ids.get(_venue_key(listing)) if listing.venue else None


def _group_values(
    listing: ListingIn, organisation_id: int | None, venue_id: int | None
) -> dict[str, Any]:
    """The groups-table columns for one listing."""
    transport, door = listing.transport, listing.transport.door_to_door
    rail = transport.rail_station
    return {
        "external_id": listing.external_id,
        "name": listing.name,
        "description": listing.description,
        "organisation_id": organisation_id,
        "venue_id": venue_id,
        "status": listing.status,
        "online": listing.online,
        "min_age": listing.audience.min_age,
        "max_age": listing.audience.max_age,
        "gender": listing.audience.gender,
        "languages": listing.audience.languages,
        "cost_free": listing.cost.free,
        "cost_amount_gbp": listing.cost.amount_gbp,
        "cost_notes": listing.cost.notes,
        "total_places": listing.capacity.total_places,
        "places_taken": listing.capacity.places_taken,
        "waiting_list": listing.capacity.waiting_list,
        "complex_needs_places": listing.capacity.complex_needs_places,
        "complexity_supported": listing.capacity.complexity_supported,
        **{flag: getattr(listing.accessibility, flag) for flag in ACCESSIBILITY_FLAGS},
        "access_notes": listing.accessibility.notes,
        "bus_stops": [stop.model_dump() for stop in transport.bus_stops],
        "rail_station_name": rail.name if rail else None,
        "rail_station_distance_m": rail.distance_m if rail else None,
        "parking": transport.parking,
        "door_to_door_available": door.available if door else None,
        "door_to_door_radius_km": door.radius_km if door else None,
        "door_to_door_notes": door.notes if door else "",
        "contact_name": listing.contact.name,
        "contact_phone": listing.contact.phone,
        "contact_email": listing.contact.email,
        "contact_website": listing.contact.website,
        "self_referral": listing.referral.self_referral,
        "link_worker_referral": listing.referral.link_worker_referral,
        "referral_notes": listing.referral.notes,
        "cancelled_dates": [day.isoformat() for day in sorted(set(listing.cancelled_dates))],
        "last_verified_at": listing.last_verified_at,
        "verified_by": listing.verified_by,
    }


def _kept_anchors(session: Session, updated: set[int]) -> dict[tuple[Any, ...], dt.date]:
    """Each updated group's sessions' ``from_date``, by (group, day, start, frequency): a save
    that does not mention it (the organiser's form has no such field) keeps it."""
    kept: dict[tuple[Any, ...], dt.date] = {}
    for chunk in chunks(sorted(updated), LOOKUP_CHUNK):
        for row in session.execute(
            select(
                ScheduleEntry.group_id,
                ScheduleEntry.day,
                ScheduleEntry.start,
                ScheduleEntry.frequency,
                ScheduleEntry.from_date,
            ).where(ScheduleEntry.group_id.in_(chunk), ScheduleEntry.from_date.is_not(None))
        ):
            kept[(row.group_id, row.day, row.start, row.frequency)] = row.from_date
    return kept


def _replace_children(
    session: Session, batch: Sequence[ListingIn], group_ids: list[int], updated: set[int]
) -> None:
    kept = _kept_anchors(session, updated)
    for chunk in chunks(sorted(updated), LOOKUP_CHUNK):
        for model in (GroupCategory, GroupInterest, ScheduleEntry):
            session.execute(delete(model).where(model.group_id.in_(chunk)))
    categories, interests, schedule = [], [], []
    for listing, group_id in zip(batch, group_ids, strict=True):
        categories += [
            {"group_id": group_id, "category": c} for c in dict.fromkeys(listing.categories)
        ]
        interests += [
            {"group_id": group_id, "interest": i} for i in dict.fromkeys(listing.interests)
        ]
        schedule += [
            {
                "group_id": group_id,
                "day": entry.day,
                "start": entry.start,
                "end": entry.end,
                "frequency": entry.frequency,
                "from_date": (
                    entry.from_date
                    if "from_date" in entry.model_fields_set
                    else kept.get((group_id, entry.day, entry.start, entry.frequency))
                ),
            }
            for entry in listing.schedule
        ]
    for model, rows in (
        (GroupCategory, categories),
        (GroupInterest, interests),
        (ScheduleEntry, schedule),
    ):
        if rows:
            session.execute(insert(table_of(model)), rows)


def _record_verifications(
    session: Session,
    batch: Sequence[ListingIn],
    group_ids: list[int],
    existing: list[tuple[int, int] | None],
) -> None:
    """Keep the verification history behind ``last_verified_at`` when an import moves it."""
    updated_ids = [match[0] for match in existing if match is not None]
    latest: dict[int, dt.date | None] = {}
    for chunk in chunks(updated_ids, LOOKUP_CHUNK):
        latest.update(
            session.execute(
                select(Verification.group_id, func.max(Verification.verified_on))
                .where(Verification.group_id.in_(chunk), Verification.reached)
                .group_by(Verification.group_id)
            ).all()
        )
    rows = [
        {
            "group_id": group_id,
            "verified_on": listing.last_verified_at,
            "verified_by": listing.verified_by,
            "method": VerificationMethod.IMPORT,
            "note": "",
        }
        for listing, group_id in zip(batch, group_ids, strict=True)
        if listing.last_verified_at is not None and latest.get(group_id) != listing.last_verified_at
    ]
    if rows:
        session.execute(insert(table_of(Verification)), rows)


__all__ = [
    "ImportProblem",
    "ImportRejected",
    "ImportResult",
    "import_listings",
    "save_listings",
    "validate_records",
]
