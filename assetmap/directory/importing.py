"""Writes to the directory: importing listings in the contract shape, all or nothing.

An import first validates every record (and geocodes the postcodes of those without
coordinates, each distinct postcode once, all together) and only then writes, in set-wise
batches (``directory.bulk``: COPY on PostgreSQL, executemany on SQLite; look-ups one indexed
query per chunk), with each listing's document built here and written with its group, so
100,000 listings load in well under a minute. A record updates
the group it names by ``id`` or ``external_id``; without either, a group of the same name at
the same venue by the same organisation is taken to be the same group.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from assetmap.db import allocate_ids, chunks, refresh_statistics, sync_id_sequence
from assetmap.directory.bulk import (
    LOOKUP_CHUNK,
    gc_paused,
    geocode_postcodes,
    insert_rows,
    lookup,
    update_rows,
    values_in,
)
from assetmap.directory.contract import ListingIn, parse_listing
from assetmap.directory.documents import document_of, groups_at_venues, refresh_documents
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
    category_mask,
    table_of,
)
from assetmap.text.rebuild import deferred_text_index

#: Listings written per round of look-ups and set-wise writes (COPY on PostgreSQL, one
#: executemany per table on SQLite).
WRITE_BATCH = 5000
#: From this many listings, an import writes with the text index's triggers off and rebuilds
#: the index rows of the groups it wrote in one pass at the end (``text.rebuild``): the
#: triggers would rebuild each group's words two or three times over.
BULK_INDEX_FROM = 1000
#: A progress bar over an import counts each record twice: once checked, once written (or,
#: for a source's unchanged records, found unchanged).
PROGRESS_STEPS = 2
#: Records checked between two moves of the progress bar.
PROGRESS_EVERY = 1000

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
    records: Sequence[Any],
    geocoder: Geocoder | None,
    progress: Callable[[int], None] | None = None,
    *,
    venue_required: bool = True,
) -> list[ListingIn]:
    """Every record as a ListingIn with coordinates, or ImportRejected listing all problems.
    Without a geocoder, a venue given by postcode alone is a problem, not a lookup; with one,
    each distinct postcode is looked up once, all together. ``progress`` is told as records
    are checked. ``venue_required=False``: a venue may be not known (see
    ``contract.cross_field_problems``)."""
    if not isinstance(records, list):
        raise ImportRejected([ImportProblem(0, "", "the file must hold a JSON list of listings")])
    with gc_paused():
        return _validated(records, geocoder, progress, venue_required)


def _validated(
    records: list[Any],
    geocoder: Geocoder | None,
    progress: Callable[[int], None] | None,
    venue_required: bool,
) -> list[ListingIn]:
    problems: list[ImportProblem] = []
    parsed: list[tuple[int, ListingIn]] = []
    seen_ids: dict[int, int] = {}
    seen_external: dict[str, int] = {}
    for number, record in enumerate(records, start=1):
        if progress and number % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
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
        parsed.append((number, listing))
    if progress:
        progress(len(records) % PROGRESS_EVERY)
    listings = _geocoded(parsed, geocoder, problems)
    if problems:
        raise ImportRejected(sorted(problems, key=lambda problem: problem.record))
    return listings


def _geocoded(
    parsed: list[tuple[int, ListingIn]], geocoder: Geocoder | None, problems: list[ImportProblem]
) -> list[ListingIn]:
    """The listings with coordinates from their venue's postcode where they had none; a
    postcode the gazetteer does not know is a problem (and its listing is left out)."""
    postcodes = [
        listing.venue.postcode
        for _, listing in parsed
        if listing.venue is not None and listing.venue.lat is None and listing.venue.postcode
    ]
    places = geocode_postcodes(geocoder, postcodes) if geocoder and postcodes else {}
    listings = []
    for number, listing in parsed:
        venue = listing.venue
        if venue is not None and venue.lat is None and venue.postcode:
            place = places.get(venue.postcode)
            if place is None:
                problems.append(
                    ImportProblem(
                        number,
                        "venue.postcode",
                        f"{venue.postcode} is not in the gazetteer: give lat and lon, "
                        "or load it with `assetmap import-postcodes`",
                    )
                )
                continue
            venue.lat, venue.lon = place.lat, place.lon
        listings.append(listing)
    return listings


def import_listings(
    session: Session,
    records: Sequence[Any],
    geocoder: Geocoder,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate then save ``records``; the caller's transaction makes it all-or-nothing.
    ``progress`` moves :data:`PROGRESS_STEPS` times per record: checked, then written."""
    return save_listings(session, validate_records(records, geocoder, progress), progress)


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
    ``progress`` is told as each batch is written.
    """
    result = ImportResult()
    deferred = deferred_text_index(session) if len(listings) >= BULK_INDEX_FROM else None
    with gc_paused(), deferred or nullcontext([]) as written:
        for batch in chunks(listings, WRITE_BATCH):
            _save_batch(session, batch, result, bump_versions)
            if progress:
                progress(len(batch))
        written.extend(result.group_ids)
        # A big import: the map's queries need statistics that know about it (issue 18), and
        # so does the text index's rebuild on leaving (without them PostgreSQL plans its
        # join of the new groups and their interests as if both were empty).
        refresh_statistics(session, _DIRECTORY_TABLES, len(listings))
    return result


_DIRECTORY_TABLES = tuple(
    table_of(model)
    for model in (Group, Venue, Organisation, GroupCategory, GroupInterest, ScheduleEntry)
)


@dataclass
class _Venues:
    """The batch's venues, by (name, postcode): their ids, their details as stored after this
    batch (for the documents), and the existing ones whose details it changed."""

    ids: dict[tuple[str, str], int] = field(default_factory=dict)
    details: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    moved: list[int] = field(default_factory=list)


def _save_batch(
    session: Session, batch: Sequence[ListingIn], result: ImportResult, bump_versions: bool
) -> None:
    organisation_ids = _organisation_ids(session, batch)
    venues = _venues(session, batch)
    existing = _existing_groups(session, batch, organisation_ids, venues.ids)

    rows: list[dict[str, Any]] = []
    group_ids: list[int] = [0] * len(batch)
    unnumbered: list[int] = []  # positions of new groups that need an id
    updated: set[int] = set()
    for position, listing in enumerate(batch):
        organisation_id = organisation_ids.get(listing.organisation or "")
        venue_id = venues.ids.get(_venue_key(listing)) if listing.venue else None
        values = _group_values(listing, organisation_id, venue_id)
        match = existing[position]
        if match is not None:
            group_id, version = match
            group_ids[position] = values["id"] = group_id
            updated.add(group_id)
            if bump_versions:
                values["version"] = version + 1
        elif listing.id is not None:
            group_ids[position] = values["id"] = listing.id
        else:
            unnumbered.append(position)
        rows.append(values)
    new_ids = allocate_ids(session, table_of(Group), len(unnumbered))
    for position, group_id in zip(unnumbered, new_ids, strict=True):
        rows[position]["id"] = group_ids[position] = group_id

    children = _children(session, batch, group_ids, updated)
    for listing, values, categories, interests, schedule in zip(
        batch, rows, *children, strict=True
    ):
        venue = venues.details.get(_venue_key(listing)) if listing.venue else None
        values["document"] = document_of(
            values,
            listing.organisation,
            venue,
            (row["category"].value for row in categories),
            (row["interest"] for row in interests),
            schedule,
        )
    updates = [values for values in rows if values["id"] in updated]
    inserts = [values for values in rows if values["id"] not in updated]
    update_rows(session, table_of(Group), updates)
    insert_rows(session, table_of(Group), inserts)
    if len(inserts) > len(unnumbered):  # some brought ids of their own
        sync_id_sequence(session, table_of(Group))
    _replace_children(session, updated, children)
    _record_verifications(session, batch, group_ids, updated)
    in_batch = set(group_ids)
    refresh_documents(
        session, [g for g in groups_at_venues(session, venues.moved) if g not in in_batch]
    )
    result.updated += len(updates)
    result.created += len(inserts)
    result.group_ids.extend(group_ids)


def _organisation_ids(session: Session, batch: Sequence[ListingIn]) -> dict[str, int]:
    names = {listing.organisation for listing in batch if listing.organisation}
    statement = select(Organisation.name, Organisation.id)
    found: dict[str, int] = dict(lookup(session, statement, Organisation.name, list(names)))
    missing = sorted(name for name in names if name not in found)
    new_ids = allocate_ids(session, table_of(Organisation), len(missing))
    insert_rows(
        session,
        table_of(Organisation),
        [{"id": i, "name": name} for i, name in zip(new_ids, missing, strict=True)],
    )
    found.update(zip(missing, new_ids, strict=True))
    return found


def _venue_key(listing: ListingIn) -> tuple[str, str]:
    assert listing.venue is not None
    return listing.venue.name, listing.venue.postcode or ""


def _venues(session: Session, batch: Sequence[ListingIn]) -> _Venues:
    """Find or create each venue, keyed by (name, postcode); the newest details win."""
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
    out = _Venues()
    statement = select(Venue.id, Venue.name, Venue.postcode, Venue.address, Venue.lat, Venue.lon)
    changed = []
    for row in lookup(session, statement, Venue.name, [name for name, _ in wanted]):
        key = (row.name, row.postcode or "")
        if key not in wanted or key in out.ids:
            continue
        out.ids[key] = row.id
        values = wanted[key]
        if (row.address, row.lat, row.lon) != (values["address"], values["lat"], values["lon"]):
            changed.append({"id": row.id, **values, "location": _point(values)})
            out.details[key] = values
        else:
            out.details[key] = {
                "name": row.name,
                "address": row.address,
                "postcode": row.postcode,
                "lat": row.lat,
                "lon": row.lon,
            }
    update_rows(session, table_of(Venue), changed)
    out.moved = [row["id"] for row in changed]
    missing = [key for key in wanted if key not in out.ids]
    new_ids = allocate_ids(session, table_of(Venue), len(missing))
    insert_rows(
        session,
        table_of(Venue),
        [
            {"id": venue_id, **wanted[key], "location": _point(wanted[key])}
            for key, venue_id in zip(missing, new_ids, strict=True)
        ],
    )
    for key, venue_id in zip(missing, new_ids, strict=True):
        out.ids[key] = venue_id
        out.details[key] = wanted[key]
    return out


def _point(values: dict[str, Any]) -> str:
    return point_ewkt(values["lat"], values["lon"])


def _existing_groups(
    session: Session,
    batch: Sequence[ListingIn],
    organisation_ids: dict[str, int],
    venue_ids: dict[tuple[str, str], int],
) -> list[tuple[int, int] | None]:
    """For each listing, the (id, version) of the stored group it updates, if any."""
    ids = [listing.id for listing in batch if listing.id is not None]
    externals = [listing.external_id for listing in batch if listing.external_id is not None]
    by_id = {
        row.id: (row.id, row.version)
        for row in lookup(session, select(Group.id, Group.version), Group.id, ids)
    }
    keyed = select(Group.external_id, Group.id, Group.version)
    by_external = {
        row.external_id: (row.id, row.version)
        for row in lookup(session, keyed, Group.external_id, externals)
    }
    keyless_names = [
        listing.name for listing in batch if listing.id is None and listing.external_id is None
    ]
    by_natural: dict[tuple[str, int | None, int | None], tuple[int, int]] = {}
    natural = select(
        Group.id, Group.version, Group.name, Group.organisation_id, Group.venue_id
    ).where(Group.external_id.is_(None))
    for named in lookup(session, natural, Group.name, keyless_names):
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
        # Written with the group so that its categories' rows, which the database's triggers
        # turn into the same mask (migration 0032), leave the row as it is.
        "category_mask": category_mask(listing.categories),
    }


def _kept_anchors(session: Session, updated: set[int]) -> dict[tuple[Any, ...], dt.date]:
    """Each updated group's sessions' ``from_date``, by (group, day, start, frequency): a save
    that does not mention it (the organiser's form has no such field) keeps it."""
    statement = select(
        ScheduleEntry.group_id,
        ScheduleEntry.day,
        ScheduleEntry.start,
        ScheduleEntry.frequency,
        ScheduleEntry.from_date,
    ).where(ScheduleEntry.from_date.is_not(None))
    return {
        (row.group_id, row.day, row.start, row.frequency): row.from_date
        for row in lookup(session, statement, ScheduleEntry.group_id, list(updated))
    }


Rows = list[dict[str, Any]]


def _children(
    session: Session, batch: Sequence[ListingIn], group_ids: list[int], updated: set[int]
) -> tuple[list[Rows], list[Rows], list[Rows]]:
    """Each listing's category, interest and schedule rows, in the order they are stored."""
    kept = _kept_anchors(session, updated)
    categories, interests, schedule = [], [], []
    for listing, group_id in zip(batch, group_ids, strict=True):
        categories.append(
            [{"group_id": group_id, "category": c} for c in dict.fromkeys(listing.categories)]
        )
        interests.append(
            [{"group_id": group_id, "interest": i} for i in dict.fromkeys(listing.interests)]
        )
        schedule.append(
            [
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
        )
    return categories, interests, schedule


def _replace_children(
    session: Session, updated: set[int], children: tuple[list[Rows], list[Rows], list[Rows]]
) -> None:
    models: tuple[type[Any], ...] = (GroupCategory, GroupInterest, ScheduleEntry)
    for chunk in chunks(sorted(updated), LOOKUP_CHUNK):
        for model in models:
            session.execute(delete(model).where(values_in(session, model.group_id, chunk)))
    for model, per_listing in zip(models, children, strict=True):
        insert_rows(session, table_of(model), [row for rows in per_listing for row in rows])


def _record_verifications(
    session: Session, batch: Sequence[ListingIn], group_ids: list[int], updated: set[int]
) -> None:
    """Keep the verification history behind ``last_verified_at`` when an import moves it."""
    statement = (
        select(Verification.group_id, func.max(Verification.verified_on))
        .where(Verification.reached)
        .group_by(Verification.group_id)
    )
    latest: dict[int, dt.date | None] = dict(
        lookup(session, statement, Verification.group_id, list(updated))
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
    insert_rows(session, table_of(Verification), rows)


__all__ = [
    "PROGRESS_STEPS",
    "ImportProblem",
    "ImportRejected",
    "ImportResult",
    "import_listings",
    "save_listings",
    "validate_records",
]
