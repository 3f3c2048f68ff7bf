"""The Open Referral UK 3.0 read API's questions, answered from the directory.

Each function takes plain values and returns the JSON body the profile's OpenAPI names for
that path (``assetmap/interop/oruk3/openapi.json``), so the web layer only parses and sends.
A page of services is one query for the ids that match, one for their stored documents
(``Group.document``): no per-listing joins. Closed groups are left out of every list, as from
the rest of the directory; asked for by id, one says ``"status": "inactive"``.

The filters read the profile's words literally: ``minimum_age=N`` finds services whose minimum
age is at least N (no minimum counts as 0), ``maximum_age=N`` those whose maximum is at most
N (no maximum: none qualify); ``day``, ``start_time`` (sessions starting at or after) and
``end_time`` (ending at or before) must hold for one and the same session.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, bindparam, func, literal, select
from sqlalchemy.orm import Session

from assetmap.db import Backend
from assetmap.directory.queries import TEXT_CANDIDATES
from assetmap.errors import NotFound, ValidationError
from assetmap.geo.geocoders import locate_postcode
from assetmap.geo.interfaces import Geocoder
from assetmap.geo.spatial import spatial_dialect
from assetmap.interop.merge import merged_into
from assetmap.interop.oruk_out import (
    CATEGORY_TAXONOMY,
    INTEREST_TAXONOMY,
    STATUS_TAXONOMY,
    TAXONOMIES,
    number_of,
    oruk_id,
    service_of,
    service_summary,
    taxonomy,
    taxonomy_id,
    taxonomy_term,
    term_id,
)
from assetmap.models import (
    Category,
    Day,
    Group,
    GroupCategory,
    GroupInterest,
    ScheduleEntry,
    Status,
    Venue,
)
from assetmap.text.index import (
    index_order,
    interests_column,
    join_index,
    search_expression,
    text_candidates,
)
from assetmap.text.ranking import rank_text

PROFILE_URL = "https://openreferraluk.org/"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
#: The widest ``proximity`` honoured: 200 km, the reach of the distance formula used on SQLite.
MAX_PROXIMITY_M = 200_000

_DAYS = {
    **{d.value: d for d in Day},
    **{d.name.lower(): d for d in Day},
    "mo": Day.MON,
    "tu": Day.TUE,
    "we": Day.WED,
    "th": Day.THU,
    "fr": Day.FRI,
    "sa": Day.SAT,
    "su": Day.SUN,
    "monday": Day.MON,
    "tuesday": Day.TUE,
    "wednesday": Day.WED,
    "thursday": Day.THU,
    "friday": Day.FRI,
    "saturday": Day.SAT,
    "sunday": Day.SUN,
}


@dataclass(frozen=True)
class ServiceQuery:
    """A ``/services`` or ``/service_at_locations`` request, checked."""

    search: str | None = None
    taxonomy_term_id: str | None = None
    taxonomy_id: str | None = None
    minimum_age: float | None = None
    maximum_age: float | None = None
    day: Day | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    near: tuple[float, float] | None = None
    proximity_m: float | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE


def _whole(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = args.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValidationError(f"{name} must be a whole number", field=name) from None
    if not low <= value <= high:
        raise ValidationError(f"{name} must be from {low} to {high}", field=name)
    return value


def _number(args: Mapping[str, str], name: str, high: float) -> float | None:
    text = args.get(name)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(f"{name} must be a number", field=name) from None
    if not math.isfinite(value) or not 0 <= value <= high:
        raise ValidationError(f"{name} must be a number from 0 to {high:g}", field=name)
    return value


def _time(args: Mapping[str, str], name: str) -> dt.time | None:
    text = args.get(name)
    if not text:
        return None
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{name} must be a time such as 09:30", field=name) from None


def parse_service_query(
    args: Mapping[str, str], geocoder: Geocoder, *, with_place: bool = False
) -> ServiceQuery:
    """The query string of a list of services, checked: a ValidationError names the parameter."""
    day_text = (args.get("day") or "").strip().lower()
    if day_text and day_text not in _DAYS:
        raise ValidationError("day must be a day of the week, such as monday", field="day")
    near, proximity = None, None
    if with_place and args.get("postcode"):
        point = locate_postcode(args["postcode"], geocoder)
        near = (point.lat, point.lon)
        proximity = _number(args, "proximity", MAX_PROXIMITY_M)
    elif with_place and args.get("proximity"):
        raise ValidationError("proximity needs a postcode to measure from", field="proximity")
    search = (args.get("search") or "").strip()
    if len(search) > 200:
        raise ValidationError("search must be at most 200 characters", field="search")
    return ServiceQuery(
        search=search or None,
        taxonomy_term_id=args.get("taxonomy_term_id") or None,
        taxonomy_id=args.get("taxonomy_id") or None,
        minimum_age=_number(args, "minimum_age", 150),
        maximum_age=_number(args, "maximum_age", 150),
        day=_DAYS[day_text] if day_text else None,
        start_time=_time(args, "start_time"),
        end_time=_time(args, "end_time"),
        near=near,
        proximity_m=proximity,
        page=_whole(args, "page", 1, 1, 1_000_000),
        per_page=_whole(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
    )


def api_meta(public_url: str) -> dict[str, Any]:
    """``GET /``: which profile this API follows and where its OpenAPI is."""
    base = public_url.rstrip("/")
    return {
        "version": "3.0",
        "profile": PROFILE_URL,
        "openapi_url": f"{base}/openreferral/openapi.json",
    }


def _interest_terms(session: Session) -> list[str]:
    return list(
        session.scalars(select(GroupInterest.interest).distinct().order_by(GroupInterest.interest))
    )


def all_terms(session: Session) -> list[tuple[str, str]]:
    """Every (taxonomy, code) the directory uses, categories and statuses first."""
    return [
        *((CATEGORY_TAXONOMY, c.value) for c in Category),
        *((STATUS_TAXONOMY, s.value) for s in Status),
        *((INTEREST_TAXONOMY, i) for i in _interest_terms(session)),
    ]


def _term_condition(session: Session, wanted: str) -> ColumnElement[bool]:
    for tax, code in all_terms(session):
        if term_id(tax, code) != wanted:
            continue
        if tax == CATEGORY_TAXONOMY:
            return Group.id.in_(
                select(GroupCategory.group_id).where(GroupCategory.category == Category(code))
            )
        if tax == STATUS_TAXONOMY:
            return Group.status == Status(code)
        return Group.id.in_(select(GroupInterest.group_id).where(GroupInterest.interest == code))
    return literal(False)


def _taxonomy_condition(wanted: str) -> ColumnElement[bool]:
    if wanted == taxonomy_id(INTEREST_TAXONOMY):
        return Group.id.in_(select(GroupInterest.group_id))
    if wanted in (taxonomy_id(CATEGORY_TAXONOMY), taxonomy_id(STATUS_TAXONOMY)):
        return literal(True)
    return literal(False)


def _conditions(session: Session, query: ServiceQuery, backend: Backend) -> list[Any]:
    conditions: list[Any] = [Group.status != Status.CLOSED]
    if query.taxonomy_term_id:
        conditions.append(_term_condition(session, query.taxonomy_term_id))
    if query.taxonomy_id:
        conditions.append(_taxonomy_condition(query.taxonomy_id))
    if query.minimum_age is not None:
        conditions.append(func.coalesce(Group.min_age, 0) >= query.minimum_age)
    if query.maximum_age is not None:
        conditions.append(Group.max_age <= query.maximum_age)
    session_rules = []
    if query.day is not None:
        session_rules.append(ScheduleEntry.day == query.day)
    if query.start_time is not None:
        session_rules.append(ScheduleEntry.start >= query.start_time)
    if query.end_time is not None:
        session_rules.append(ScheduleEntry.end <= query.end_time)
    if session_rules:
        conditions.append(
            select(ScheduleEntry.id)
            .where(ScheduleEntry.group_id == Group.id, *session_rules)
            .exists()
        )
    return conditions


@dataclass(frozen=True)
class _Found:
    ids: list[int]
    total: int
    distances: dict[int, float]


def _distance(backend: Backend) -> ColumnElement[float]:
    lat, lon = bindparam("lat", type_=Float), bindparam("lon", type_=Float)
    return spatial_dialect(backend).distance_m(lat, lon)


def _find(session: Session, query: ServiceQuery, backend: Backend) -> _Found:
    """The ids on the asked-for page, in order, with the number matched in all."""
    conditions = _conditions(session, query, backend)
    start = (query.page - 1) * query.per_page
    values: dict[str, Any] = {}
    statement = select(Group.id, Group.name, Group.description)
    order: list[Any] = [Group.id]
    if query.search:
        # Through the text index: the short list the fuzzy ranking re-ranks, best first.
        expression = search_expression(session, backend, query.search)
        if expression is None:
            return _Found([], 0, {})
        values["text_match"] = expression
        statement = join_index(statement, backend, Group.id).add_columns(
            interests_column(backend).label("interests")
        )
        order = list(index_order(backend)) or [Group.id]
    if query.near is not None:
        values.update(lat=query.near[0], lon=query.near[1])
        distance = _distance(backend).label("distance_m")
        statement = statement.add_columns(distance).join(Venue, Group.venue_id == Venue.id)
        if query.proximity_m is not None:
            conditions.append(_distance(backend) <= query.proximity_m)
        statement = statement.where(*conditions).order_by(distance, Group.id)
    else:
        statement = statement.where(*conditions).order_by(*order)
    if query.search:
        rows = session.execute(statement.limit(TEXT_CANDIDATES), values).all()
        return _ranked(session, query, rows, start)
    total = session.execute(
        select(func.count()).select_from(statement.order_by(None).subquery()), values
    ).scalar_one()
    rows = session.execute(statement.offset(start).limit(query.per_page), values).all()
    distances = {r.id: float(r.distance_m) for r in rows} if query.near is not None else {}
    return _Found([r.id for r in rows], total, distances)


def _ranked(session: Session, query: ServiceQuery, rows: Sequence[Any], start: int) -> _Found:
    candidates = text_candidates(session, rows)
    matches = rank_text(query.search or "", candidates, explain=False)
    distances = {r.id: float(r.distance_m) for r in rows} if query.near is not None else {}
    if query.near is not None:
        matches.sort(key=lambda m: (-m.score, distances[m.id], m.id))
    page = [m.id for m in matches[start : start + query.per_page]]
    return _Found(page, len(matches), distances)


def _services(session: Session, ids: Sequence[int], assurer_email: str | None) -> list[Any]:
    rows = {
        row.id: row
        for row in session.execute(
            select(Group.id, Group.document, Group.updated_at).where(Group.id.in_(ids))
        )
    }
    return [
        service_of(
            json.loads(rows[i].document)["properties"],
            last_modified=rows[i].updated_at,
            assurer_email=assurer_email,
        )
        for i in ids
        if i in rows
    ]


def _page(contents: list[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    pages = max(1, math.ceil(total / per_page))
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not contents,
        "contents": contents,
    }


def services_page(
    session: Session, query: ServiceQuery, backend: Backend, assurer_email: str | None = None
) -> dict[str, Any]:
    """``GET /services``: a page of services, each with its one-to-one fields."""
    found = _find(session, query, backend)
    services = _services(session, found.ids, assurer_email)
    return _page([service_summary(s) for s in services], found.total, query.page, query.per_page)


def service_at_locations_page(
    session: Session, query: ServiceQuery, backend: Backend, assurer_email: str | None = None
) -> dict[str, Any]:
    """``GET /service_at_locations``: a service at its place, nearest the postcode first."""
    found = _find(session, query, backend)
    contents = []
    for service in _services(session, found.ids, assurer_email):
        for link in service["service_at_locations"]:
            item = {**link, "service": service_summary(service)}
            number = number_of("service", service["id"])
            if number in found.distances:
                item["distance"] = round(found.distances[number], 1)
            contents.append(item)
    return _page(contents, found.total, query.page, query.per_page)


def _group_id(kind: str, value: str) -> int:
    number = number_of(kind, value)
    if number is None or number < 1:
        raise NotFound(f"there is no {kind} {value}", field="id")
    return number


def full_service(session: Session, service_id: str, assurer_email: str | None = None) -> Any:
    """``GET /services/{id}``: one service, fully nested."""
    number = _group_id("service", service_id)
    found = _services(session, [number], assurer_email)
    if not found:
        kept = merged_into(session, number)
        if kept is not None:  # a duplicate an admin merged: say where its listing went
            raise NotFound(
                f"service {service_id} was merged into service {oruk_id('service', kept)}",
                field="id",
            )
        raise NotFound(f"there is no service {service_id}", field="id")
    return found[0]


def service_at_location(session: Session, link_id: str, assurer_email: str | None = None) -> Any:
    """``GET /service_at_locations/{id}``: the service of that link, fully nested (as the
    profile's OpenAPI says)."""
    number = _group_id("service_at_location", link_id)
    found = _services(session, [number], assurer_email)
    if not found or not found[0]["service_at_locations"]:
        raise NotFound(f"there is no service_at_location {link_id}", field="id")
    return found[0]


def taxonomies_page(page: int, per_page: int) -> dict[str, Any]:
    """``GET /taxonomies``: assetmap's three vocabularies."""
    every = [taxonomy(name) for name in TAXONOMIES]
    start = (page - 1) * per_page
    return _page(every[start : start + per_page], len(every), page, per_page)


def one_taxonomy(session: Session, wanted: str) -> dict[str, Any]:
    """``GET /taxonomies/{id}``, with its terms."""
    for name in TAXONOMIES:
        if taxonomy_id(name) == wanted:
            terms = [taxonomy_term(t, c) for t, c in all_terms(session) if t == name]
            return {**taxonomy(name), "taxonomy_terms": terms}
    raise NotFound(f"there is no taxonomy {wanted}", field="id")


def taxonomy_terms_page(session: Session, page: int, per_page: int) -> dict[str, Any]:
    """``GET /taxonomy_terms``: every term the directory uses."""
    every = all_terms(session)
    start = (page - 1) * per_page
    contents = [taxonomy_term(t, c) for t, c in every[start : start + per_page]]
    return _page(contents, len(every), page, per_page)


def one_taxonomy_term(session: Session, wanted: str) -> dict[str, Any]:
    """``GET /taxonomy_terms/{id}``."""
    for tax, code in all_terms(session):
        if term_id(tax, code) == wanted:
            return taxonomy_term(tax, code)
    raise NotFound(f"there is no taxonomy term {wanted}", field="id")


def paging(args: Mapping[str, str]) -> tuple[int, int]:
    """``page`` and ``per_page`` of a list that takes no other parameter."""
    return (
        _whole(args, "page", 1, 1, 1_000_000),
        _whole(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
    )


def iter_services(
    session: Session, assurer_email: str | None = None, batch: int = 500
) -> Iterator[dict[str, Any]]:
    """Every listing, closed ones included, as a full ORUK service, in id order: the export."""
    last_id = 0
    while True:
        ids = list(
            session.scalars(
                select(Group.id).where(Group.id > last_id).order_by(Group.id).limit(batch)
            )
        )
        if not ids:
            return
        yield from _services(session, ids, assurer_email)
        last_id = ids[-1]
