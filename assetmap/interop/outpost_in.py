"""Outpost's public API JSON in: what Scout and the council directories built on Outpost
serve at ``/api/v1/services`` (a page: ``content`` with ``number``, ``size``, ``totalPages``,
``totalElements``, ``first``, ``last``), a list of its services, or one service.

What the listing reads from where:

- name, description, url (website), email, min_age / max_age, free, cost_options (amount,
  option, cost_type) and fees (notes), needs_referral (self-referral: the opposite), status
  (active → open, temporarily closed → paused, the rest → closed), updated_at (Outpost keeps
  no check date: when the service was last updated stands for its last check, as the gaps say);
- organisation.name;
- the first of ``locations``: name, address_1 and city, postal_code, latitude / longitude (or
  ``geometry.coordinates``, longitude first), accessibilities by name or slug through
  ``terms.toml`` (the rest as notes); a masked location (``mask_exact_address``) keeps no
  address, and no postcode unless a whole one is given;
- regular_schedules: weekday, opens_at / closes_at, and where given freq (week, month),
  interval, byday, bymonthday, dtstart, until;
- contacts: the first name, email and phone;
- taxonomies by name or slug through ``terms.toml``.

As for ORUK, what is missing is not known and said in the gaps; what is broken is a problem
naming the service and the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from assetmap.geo.postcodes import is_postcode
from assetmap.interop.load import ParsedSource
from assetmap.interop.oruk_parts import NOTES_LIMIT, settle_cost
from assetmap.interop.reading import (
    ENDED,
    ONGOING,
    Draft,
    Gaps,
    ReadOptions,
    choose_categories,
    clipped,
    date_of,
    is_number,
    items,
    label_for,
    normal,
    read_services,
    rule_fields,
    services_in,
    terms,
    text_or_none,
)
from assetmap.interop.session_rules import Rule, read_rule
from assetmap.models import Day, Status

_STATUS = {
    "active": Status.OPEN,
    "temporarily closed": Status.PAUSED,
    "pending": Status.CLOSED,
    "scheduled": Status.CLOSED,
    "invisible": Status.CLOSED,
    "expired": Status.CLOSED,
    "archived": Status.CLOSED,
    "marked for deletion": Status.CLOSED,
}
_WEEKDAYS = {day.name.lower(): day for day in Day} | {
    "monday": Day.MON,
    "tuesday": Day.TUE,
    "wednesday": Day.WED,
    "thursday": Day.THU,
    "friday": Day.FRI,
    "saturday": Day.SAT,
    "sunday": Day.SUN,
}
_FREQ = {"week": "weekly", "weekly": "weekly", "month": "monthly", "monthly": "monthly"}
UPDATED_AS_CHECKED = (
    "when each service was last checked: Outpost says only when it was last updated "
    "(updated_at), which is taken as its last check"
)


def services_of(value: Any) -> tuple[list[Any], str]:
    """The services in a file: a page's ``content``, a list, or one service; else why not."""
    return services_in(value, "content", "an Outpost services page")


def read_outpost(data: bytes, options: ReadOptions) -> ParsedSource:
    """An Outpost API file as listings (see the module)."""
    parsed, drafts = read_services(data, options, "content", "an Outpost services page", _service)
    if any(d.listing.get("last_verified_at") for d in drafts):
        parsed.gaps.append(UPDATED_AS_CHECKED)
    return parsed


def _service(
    number: int, service: Any, options: ReadOptions, default: str | None, gaps: Gaps
) -> Draft:
    if not isinstance(service, dict):
        draft = Draft(number, f"service {number}")
        draft.problem("", "must be an object (a service)")
        return draft
    draft = Draft(number, label_for("service", number, service))
    ident = service.get("id")
    if isinstance(ident, str | int) and not isinstance(ident, bool) and str(ident).strip():
        draft.source_id = str(ident).strip()
    else:
        draft.problem("id", "is required: the service's id in its directory")
    listing = draft.listing
    draft.where.update({"name": "name", "description": "description"})
    listing["name"] = service.get("name")
    listing["description"] = service.get("description") or ""
    organisation = service.get("organisation")
    if isinstance(organisation, list):
        organisation = organisation[0] if organisation else None
    if isinstance(organisation, dict) and organisation.get("name") is not None:
        listing["organisation"] = organisation["name"]
        draft.where["organisation"] = "organisation.name"
    listing["status"] = _status(draft, service)
    listing["audience"] = {}
    for key, ours in (("min_age", "min_age"), ("max_age", "max_age")):
        if service.get(key) is not None:
            listing["audience"][ours] = service[key]
            draft.where[f"audience.{ours}"] = key
    listing["cost"] = _cost(draft, service, gaps)
    listing["contact"] = _contact(draft, service)
    if service.get("needs_referral") is not None:
        needs = service["needs_referral"]
        listing["referral"] = {"self_referral": (not needs) if isinstance(needs, bool) else needs}
        draft.where["referral.self_referral"] = "needs_referral"
    _location(draft, service, gaps)
    _updated(draft, service, gaps)
    _schedules(draft, service, gaps, options.today)
    named = []
    words = []
    for index, taxonomy in items(draft, service, "taxonomies", "taxonomies"):
        said = [
            text_or_none(draft, taxonomy, key, f"taxonomies[{index}].{key}")
            for key in ("name", "slug")
        ]
        words += [w for w in said if w]
        named += [w for w in said if w][:1]
    listing["interests"] = []
    choose_categories(draft, [], words, named, default, gaps)
    return draft


def _status(draft: Draft, service: dict[str, Any]) -> str:
    status = service.get("status")
    if status is None:
        return Status.OPEN.value
    if not isinstance(status, str) or status.strip().lower() not in _STATUS:
        draft.problem("status", f"must be one of {', '.join(_STATUS)}")
        return Status.OPEN.value
    return _STATUS[status.strip().lower()].value


def _cost(draft: Draft, service: dict[str, Any], gaps: Gaps) -> dict[str, Any]:
    free = service.get("free")
    if free is not None and not isinstance(free, bool):
        draft.problem("free", "must be true, false or null (not known)")
        free = None
    amounts, options, kinds = [], [], []
    for index, option in items(draft, service, "cost_options", "cost_options"):
        at = f"cost_options[{index}]"
        if option.get("amount") is not None:
            amounts.append((option["amount"], f"{at}.amount"))
        if said := text_or_none(draft, option, "option", f"{at}.option"):
            options.append(said)
        if said := text_or_none(draft, option, "cost_type", f"{at}.cost_type"):
            kinds.append(said)
    fees = text_or_none(draft, service, "fees", "fees")
    draft.where["cost.notes"] = "fees" if fees else "cost_options"
    notes = fees or ("; ".join(dict.fromkeys(kinds)) or None)
    return settle_cost(draft, amounts, options, free, notes, gaps)


def _contact(draft: Draft, service: dict[str, Any]) -> dict[str, Any]:
    contact: dict[str, Any] = {}
    for key, ours in (("url", "website"), ("email", "email")):
        if service.get(key) not in (None, ""):
            contact[ours] = service[key]
            draft.where[f"contact.{ours}"] = key
    for index, person in items(draft, service, "contacts", "contacts"):
        at = f"contacts[{index}]"
        phones = [p.get("number") for _, p in items(draft, person, "phones", f"{at}.phones")]
        for ours, value, where in (
            ("name", person.get("name"), f"{at}.name"),
            ("email", person.get("email"), f"{at}.email"),
            ("phone", person.get("phone"), f"{at}.phone"),
            ("phone", next((p for p in phones if p), None), f"{at}.phones[0].number"),
        ):
            if value not in (None, "") and ours not in contact:
                contact[ours] = value
                draft.where[f"contact.{ours}"] = where
    return contact


def _coordinates(draft: Draft, path: str, location: dict[str, Any]) -> tuple[Any, Any]:
    lat, lon = location.get("latitude"), location.get("longitude")
    where = {"venue.lat": f"{path}.latitude", "venue.lon": f"{path}.longitude"}
    geometry = location.get("geometry")
    if lat is None and lon is None and isinstance(geometry, dict):
        point = geometry.get("coordinates")
        if not (isinstance(point, list) and len(point) == 2 and all(map(is_number, point))):
            draft.problem(f"{path}.geometry.coordinates", "must be [longitude, latitude]")
            return None, None
        lon, lat = point
        where = {
            "venue.lat": f"{path}.geometry.coordinates[1]",
            "venue.lon": f"{path}.geometry.coordinates[0]",
        }
    for key, value in (("latitude", lat), ("longitude", lon)):
        if value is not None and not is_number(value):
            draft.problem(f"{path}.{key}", "must be a number")
    if (lat is None) != (lon is None):
        draft.problem(f"{path}.latitude", "give both latitude and longitude, or neither")
    draft.where.update(where)
    return lat, lon


def _location(draft: Draft, service: dict[str, Any], gaps: Gaps) -> None:
    listing = draft.listing
    listing["venue"] = None
    found = items(draft, service, "locations", "locations")
    if not found:
        gaps.add("where it meets (no location)", draft.label)
        return
    if len(found) > 1:
        gaps.add("where else it meets (assetmap keeps one venue: the first)", draft.label)
    index, location = found[0]
    path = f"locations[{index}]"
    lat, lon = _coordinates(draft, path, location)
    masked = location.get("mask_exact_address") is True
    address = text_or_none(draft, location, "address_1", f"{path}.address_1")
    city = text_or_none(draft, location, "city", f"{path}.city")
    postcode = text_or_none(draft, location, "postal_code", f"{path}.postal_code")
    if masked:
        gaps.add("its exact address (the directory masks it: placed near it)", draft.label)
        address = None
        postcode = postcode if postcode and is_postcode(postcode) else None
    name = text_or_none(draft, location, "name", f"{path}.name") or address or postcode
    if lat is None and not postcode:
        gaps.add("where it meets (its location has no postcode or coordinates)", draft.label)
    elif not name:
        gaps.add("where it meets (its location has no name or address)", draft.label)
    else:
        said = ", ".join(part for part in (address, city) if part)
        listing["venue"] = {
            "name": name,
            "address": said if said and said != name else None,
            "postcode": postcode,
            "lat": lat,
            "lon": lon,
        }
        draft.where.update(
            {
                "venue": path,
                "venue.name": f"{path}.name",
                "venue.postcode": f"{path}.postal_code",
                "venue.address": f"{path}.address_1",
            }
        )
    _accessibilities(draft, path, location, gaps)


def _accessibilities(draft: Draft, path: str, location: dict[str, Any], gaps: Gaps) -> None:
    flags: dict[str, Any] = {}
    notes: list[str] = []
    for index, entry in items(draft, location, "accessibilities", f"{path}.accessibilities"):
        at = f"{path}.accessibilities[{index}]"
        said = [text_or_none(draft, entry, key, f"{at}.{key}") for key in ("name", "slug")]
        keys = [normal(word) for word in said if word]
        flag = next((terms().accessibility[k] for k in keys if k in terms().accessibility), None)
        if flag:
            flags[flag] = True
        elif any(k in terms().parking for k in keys):
            draft.listing["transport"] = {"parking": True}
        elif said[0] or said[1]:
            notes.append(str(said[0] or said[1]))
    if notes:
        flags["notes"] = clipped("; ".join(notes), NOTES_LIMIT, "its access notes", draft, gaps)
    draft.where["accessibility"] = f"{path}.accessibilities"
    draft.listing["accessibility"] = flags


def _schedules(draft: Draft, service: dict[str, Any], gaps: Gaps, today: dt.date | None) -> None:
    entries: list[dict[str, Any]] = []
    found = items(draft, service, "regular_schedules", "regular_schedules")
    for index, schedule in found:
        path = f"regular_schedules[{index}]"
        for entry in _schedule(draft, path, schedule, gaps, today):
            if entry not in entries:
                n = len(entries)
                draft.where[f"schedule[{n}]"] = path
                draft.where[f"schedule[{n}].start"] = f"{path}.opens_at"
                draft.where[f"schedule[{n}].end"] = f"{path}.closes_at"
                draft.where[f"schedule[{n}].from_date"] = f"{path}.dtstart"
                entries.append(entry)
    draft.listing["schedule"] = entries
    if not entries and not draft.problems:
        gaps.add("when it meets" + (" (no regular schedule)" * (not found)), draft.label)


def _schedule(
    draft: Draft, path: str, schedule: dict[str, Any], gaps: Gaps, today: dt.date | None
) -> list[dict[str, Any]]:
    before = len(draft.problems)
    weekday = schedule.get("weekday")
    day = _WEEKDAYS.get(weekday.strip().lower()) if isinstance(weekday, str) else None
    if weekday is not None and day is None:
        draft.problem(f"{path}.weekday", "must be a day of the week like Monday")
    fields = rule_fields(draft, path, schedule, ("dtstart", "until"))
    times, dates = fields.times, fields.dates
    freq = schedule.get("freq")
    if freq is not None and (not isinstance(freq, str) or freq.strip().lower() not in _FREQ):
        draft.problem(f"{path}.freq", "must be week, month or null")
    days = fields.days or ([(None, day)] if day else [])
    if len(draft.problems) > before:
        return []
    if "until" in dates and today is not None and dates["until"] < today:
        gaps.add(ENDED.format(key="until"), draft.label)
        return []
    if "opens_at" not in times:
        gaps.add("the time a session starts (a schedule has no opens_at)", draft.label)
        return []
    if "until" in dates or schedule.get("count") is not None:
        gaps.add(ONGOING.format(key="until or count"), draft.label)
    kind = _FREQ[freq.strip().lower()] if isinstance(freq, str) else "weekly"
    reading = read_rule(
        Rule(
            freq=kind,
            start=times["opens_at"],
            end=times.get("closes_at"),
            interval=fields.interval,
            days=days,
            month_days=fields.month_days,
            dtstart=dates.get("dtstart"),
            anchor=_updated_date(draft.listing) or today,
        )
    )
    for gap in reading.gaps:
        gaps.add(gap, draft.label)
    return reading.entries


def _updated_date(listing: dict[str, Any]) -> dt.date | None:
    value = listing.get("last_verified_at")
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


def _updated(draft: Draft, service: dict[str, Any], gaps: Gaps) -> None:
    if service.get("updated_at") is None:
        gaps.add("when it was last checked (no updated_at)", draft.label)
        return
    try:
        draft.listing["last_verified_at"] = date_of(service["updated_at"]).isoformat()
    except ValueError as error:
        draft.problem("updated_at", str(error))


__all__ = ["read_outpost", "services_of"]
