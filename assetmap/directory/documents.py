"""Each group's GeoJSON Feature, kept ready as text: the read model behind every listing read.

Building a listing means joining its venue and organisation and gathering its categories,
interests and schedule; doing that for 100 listings on every map move costs far more than
finding them. So every write rebuilds the affected documents (``refresh_documents``) and
reads splice the stored text straight into the response. The only parts added at read time
are those that change without a write: ``freshness`` (it depends on today) and
``distance_m`` (it depends on the search).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import Session

from assetmap.directory.contract import listing_json
from assetmap.models import (
    Group,
    GroupCategory,
    GroupInterest,
    Organisation,
    ScheduleEntry,
    Venue,
    table_of,
)

# Keeps IN (...) lists well under SQLite's limit on bound parameters.
CHUNK = 500

_LISTING_COLUMNS = (
    *table_of(Group).c,
    Organisation.name.label("organisation_name"),
    Venue.name.label("venue_name"),
    Venue.address.label("venue_address"),
    Venue.postcode.label("venue_postcode"),
    Venue.lat.label("venue_lat"),
    Venue.lon.label("venue_lon"),
)


def _listing_select() -> Select[Any]:
    return (
        select(*_LISTING_COLUMNS)
        .outerjoin(Organisation, Group.organisation_id == Organisation.id)
        .outerjoin(Venue, Group.venue_id == Venue.id)
    )


def feature_document(listing: dict[str, Any]) -> str:
    """A listing (without freshness) as the text of its GeoJSON Feature."""
    venue = listing["venue"]
    geometry = {"type": "Point", "coordinates": [venue["lon"], venue["lat"]]} if venue else None
    text = json.dumps(
        {"type": "Feature", "id": listing["id"], "geometry": geometry, "properties": listing},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return text


def feature_text(
    document: str,
    freshness: str,
    distance_m: float | None = None,
    very_stale: bool | None = None,
) -> str:
    """The stored Feature with today's freshness (and the search distance) appended."""
    # The document ends with the close of "properties" then of the Feature: "}}".
    extra = f',"freshness":"{freshness}"'
    if very_stale is not None:
        extra += f',"very_stale":{"true" if very_stale else "false"}'
    if distance_m is not None:
        extra += f',"distance_m":{round(distance_m)}'
    return f"{document[:-2]}{extra}}}}}"


def build_documents(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Build the Feature text of each group in ``ids`` from its rows."""
    documents: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        rows = session.execute(_listing_select().where(Group.id.in_(chunk))).all()
        children = _children(session, chunk)
        for row in rows:
            listing = listing_json(
                row,
                categories=children.categories[row.id],
                interests=children.interests[row.id],
                schedule=children.schedule[row.id],
            )
            documents[row.id] = feature_document(listing)
    return documents


def refresh_documents(session: Session, ids: Iterable[int]) -> None:
    """Rebuild the stored documents of these groups: call after any write that touches them."""
    unique = sorted(set(ids))
    documents = build_documents(session, unique)
    if documents:
        session.execute(
            update(table_of(Group))
            .where(table_of(Group).c.id == bindparam("group_id"))
            .values(document=bindparam("text")),
            [{"group_id": group_id, "text": text} for group_id, text in documents.items()],
        )


def groups_at_venues(session: Session, venue_ids: Iterable[int]) -> list[int]:
    """Groups meeting at these venues: their documents change when a venue does."""
    wanted = sorted(set(venue_ids))
    found: list[int] = []
    for start in range(0, len(wanted), CHUNK):
        found += session.execute(
            select(Group.id).where(Group.venue_id.in_(wanted[start : start + CHUNK]))
        ).scalars()
    return found


class _Children:
    def __init__(self) -> None:
        self.categories: dict[int, list[str]] = defaultdict(list)
        self.interests: dict[int, list[str]] = defaultdict(list)
        self.schedule: dict[int, list[Any]] = defaultdict(list)


def _children(session: Session, ids: list[int]) -> _Children:
    children = _Children()
    for group_id, category in session.execute(
        select(GroupCategory.group_id, GroupCategory.category)
        .where(GroupCategory.group_id.in_(ids))
        .order_by(GroupCategory.group_id, GroupCategory.category)
    ):
        children.categories[group_id].append(category.value)
    for group_id, interest in session.execute(
        select(GroupInterest.group_id, GroupInterest.interest)
        .where(GroupInterest.group_id.in_(ids))
        .order_by(GroupInterest.group_id, GroupInterest.interest)
    ):
        children.interests[group_id].append(interest)
    for entry in session.execute(
        select(
            ScheduleEntry.group_id,
            ScheduleEntry.day,
            ScheduleEntry.start,
            ScheduleEntry.end,
            ScheduleEntry.frequency,
            ScheduleEntry.from_date,
        )
        .where(ScheduleEntry.group_id.in_(ids))
        .order_by(ScheduleEntry.id)
    ):
        children.schedule[entry.group_id].append(entry)
    return children


def document_of(
    group: Mapping[str, Any],
    organisation: str | None,
    venue: Mapping[str, Any] | None,
    categories: Iterable[str],
    interests: Iterable[str],
    schedule: Sequence[Mapping[str, Any]],
) -> str:
    """The Feature text :func:`build_documents` makes from these rows once they are written
    (``group`` holds the groups-table columns, ``id`` and ``venue_id`` included): an import
    writes each document with its group rather than reading every group back to build it."""
    place = venue or {}
    row = SimpleNamespace(
        **group,
        organisation_name=organisation,
        venue_name=place.get("name"),
        venue_address=place.get("address"),
        venue_postcode=place.get("postcode"),
        venue_lat=place.get("lat"),
        venue_lon=place.get("lon"),
    )
    listing = listing_json(
        row,
        categories=sorted(categories),
        interests=sorted(interests),
        schedule=[SimpleNamespace(**entry) for entry in schedule],
    )
    return feature_document(listing)
