"""The listing form ⇄ a listing in the contract's shape.

Reading the form keeps whatever was typed that is not what the contract wants (a word in a
number box stays a word), so the contract can say what is wrong with it in its own words.
Blank spare rows are left out, and which form row each list item came from is kept so a
message about ``schedule[1]`` can be put next to the row the person filled in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assetmap.geo.postcodes import is_postcode, normalise_postcode
from assetmap.models import ACCESSIBILITY_FLAGS, Frequency, Status
from assetmap.text.words import normalise_interest
from assetmap.web.manage.forms import (
    MIN_SESSIONS,
    MIN_STOPS,
    SPARE_SESSIONS,
    SPARE_STOPS,
    ListingForm,
)
from assetmap.web.wording import number_text


def text(value: Any) -> str:
    """What was typed, trimmed, with Windows line endings made plain."""
    return str(value or "").replace("\r\n", "\n").strip()


def _optional(value: Any) -> str | None:
    return text(value) or None


def _whole_number(value: Any) -> Any:
    """A whole number, or the text as typed (the contract then says what is wrong with it)."""
    typed = text(value).replace(",", "")
    if not typed:
        return None
    return int(typed) if re.fullmatch(r"-?\d{1,9}", typed) else typed


def _decimal(value: Any) -> Any:
    typed = text(value).lstrip("£").strip()
    if not typed:
        return None
    try:
        number = float(typed)
    except ValueError:
        return typed
    return number if math.isfinite(number) else typed


def _yes_no(value: Any) -> Any:
    """A yes / no / don't know radio as true, false or null (anything else as sent)."""
    return {"yes": True, "no": False, "unknown": None, "": None, None: None}.get(value, value)


def _words(value: Any) -> list[str]:
    return [part.strip() for part in re.split(r"[,\n]", text(value)) if part.strip()]


def _time(value: Any) -> str:
    return text(value).replace(".", ":")


@dataclass
class ListingFromForm:
    """A listing read from the form, and which form row each list item came from."""

    listing: dict[str, Any]
    rows: dict[str, list[int]] = field(default_factory=dict)


def listing_from_form(form: ListingForm) -> ListingFromForm:
    """The form as a listing in the contract's shape (without id, organisation or dates)."""
    schedule, session_rows = _sessions(form)
    stops, stop_rows = _bus_stops(form)
    capacity, audience, cost = form.capacity.form, form.audience.form, form.cost.form
    access, contact, referral = form.accessibility.form, form.contact.form, form.referral.form
    support = text(capacity.complexity_supported.data)
    listing = {
        "name": text(form.name.data),
        "description": text(form.description.data),
        "categories": list(dict.fromkeys(form.categories.data or [])),
        "interests": list(dict.fromkeys(map(normalise_interest, _words(form.interests.data)))),
        "status": text(form.status.data) or Status.OPEN.value,
        "online": bool(form.online.data),
        "venue": _venue(form),
        "schedule": schedule,
        "cancelled_dates": sorted({text(day) for day in form.cancelled_dates.data or []} - {""}),
        "capacity": {
            "total_places": _whole_number(capacity.total_places.data),
            "places_taken": _whole_number(capacity.places_taken.data),
            "waiting_list": _whole_number(capacity.waiting_list.data),
            "complex_needs_places": _whole_number(capacity.complex_needs_places.data),
            "complexity_supported": int(support) if support in ("1", "2", "3") else support or None,
        },
        "audience": {
            "min_age": _whole_number(audience.min_age.data),
            "max_age": _whole_number(audience.max_age.data),
            "gender": text(audience.gender.data) or "any",
            "languages": _words(audience.languages.data),
        },
        "cost": {
            "free": _yes_no(cost.free.data),
            "amount_gbp": _decimal(cost.amount_gbp.data),
            "notes": text(cost.notes.data),
        },
        "accessibility": {
            **{flag: _yes_no(access[flag].data) for flag in ACCESSIBILITY_FLAGS},
            "notes": text(access.notes.data),
        },
        "transport": _transport(form, stops),
        "contact": {
            name: _optional(contact[name].data) for name in ("name", "phone", "email", "website")
        },
        "referral": {
            "self_referral": _yes_no(referral.self_referral.data),
            "link_worker_referral": _yes_no(referral.link_worker_referral.data),
            "notes": text(referral.notes.data),
        },
    }
    return ListingFromForm(listing, {"schedule": session_rows, "transport.bus_stops": stop_rows})


def _filled_rows(entries: list[Any], boxes: tuple[str, ...]) -> list[tuple[int, Any]]:
    """(row number, row form) for the rows of a FieldList with any of ``boxes`` filled in."""
    return [
        (index, row.form)
        for index, row in enumerate(entries)
        if any(text(row.form[box].data) for box in boxes)
    ]


def _sessions(form: ListingForm) -> tuple[list[dict[str, Any]], list[int]]:
    """The session rows filled in, and their row numbers."""
    rows = _filled_rows(form.schedule.entries, ("day", "start", "end"))
    sessions = [
        {
            "day": text(part.day.data),
            "start": _time(part.start.data),
            "end": _time(part.end.data) or None,
            "frequency": text(part.frequency.data) or Frequency.WEEKLY.value,
        }
        for _, part in rows
    ]
    return sessions, [index for index, _ in rows]


def _bus_stops(form: ListingForm) -> tuple[list[dict[str, Any]], list[int]]:
    """The bus-stop rows filled in, and their row numbers."""
    rows = _filled_rows(form.transport.form.bus_stops.entries, ("name", "distance_m", "routes"))
    stops = [
        {
            "name": text(part.name.data),
            "distance_m": _whole_number(part.distance_m.data),
            "routes": _words(part.routes.data),
        }
        for _, part in rows
    ]
    return stops, [index for index, _ in rows]


def _venue(form: ListingForm) -> dict[str, Any] | None:
    venue = form.venue.form
    if not (text(venue.name.data) or text(venue.address.data) or text(venue.postcode.data)):
        return None
    postcode = text(venue.postcode.data)
    return {
        "name": text(venue.name.data),
        "address": _optional(venue.address.data),
        "postcode": normalise_postcode(postcode) if is_postcode(postcode) else postcode or None,
        "lat": _decimal(venue.lat.data),
        "lon": _decimal(venue.lon.data),
    }


def _transport(form: ListingForm, stops: list[dict[str, Any]]) -> dict[str, Any]:
    transport = form.transport.form
    rail, door = transport.rail_station.form, transport.door_to_door.form
    return {
        "bus_stops": stops,
        "rail_station": (
            {"name": text(rail.name.data), "distance_m": _whole_number(rail.distance_m.data)}
            if text(rail.name.data) or text(rail.distance_m.data)
            else None
        ),
        "parking": _yes_no(transport.parking.data),
        "door_to_door": {
            "available": _yes_no(door.available.data),
            "radius_km": _decimal(door.radius_km.data),
            "notes": text(door.notes.data),
        },
    }


# ---- a listing as the form's data -----------------------------------------------------------


def _radio_value(value: Any) -> str:
    """True, false or null as the yes / no / don't know radio's value."""
    return {True: "yes", False: "no", None: "unknown"}.get(value, str(value))


def _part(listing: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = listing.get(name)
    return value if isinstance(value, Mapping) else {}


def form_data(listing: Mapping[str, Any], version: int | None = None) -> dict[str, Any]:
    """A listing as the form's data: text in each box, a few blank rows to add to."""
    capacity, audience, cost = (_part(listing, n) for n in ("capacity", "audience", "cost"))
    access, referral = _part(listing, "accessibility"), _part(listing, "referral")
    contact = _part(listing, "contact")
    venue = listing.get("venue") or {}
    support = capacity.get("complexity_supported")
    return {
        "version": "" if version is None else str(version),
        "name": listing.get("name") or "",
        "description": listing.get("description") or "",
        "categories": list(listing.get("categories") or []),
        "interests": ", ".join(listing.get("interests") or []),
        "status": listing.get("status") or Status.OPEN.value,
        "online": bool(listing.get("online")),
        "venue": {
            "name": venue.get("name") or "",
            "address": venue.get("address") or "",
            "postcode": venue.get("postcode") or "",
            "lat": number_text(venue.get("lat")),
            "lon": number_text(venue.get("lon")),
        },
        "schedule": _session_rows(listing.get("schedule") or []),
        "cancelled_dates": list(listing.get("cancelled_dates") or []),
        "capacity": {
            **{
                name: number_text(capacity.get(name))
                for name in ("total_places", "places_taken", "waiting_list", "complex_needs_places")
            },
            "complexity_supported": "" if support is None else str(support),
        },
        "audience": {
            "min_age": number_text(audience.get("min_age")),
            "max_age": number_text(audience.get("max_age")),
            "gender": audience.get("gender") or "any",
            "languages": ", ".join(audience.get("languages") or []),
        },
        "cost": {
            "free": _radio_value(cost.get("free")),
            "amount_gbp": number_text(cost.get("amount_gbp")),
            "notes": cost.get("notes") or "",
        },
        "accessibility": {
            **{flag: _radio_value(access.get(flag)) for flag in ACCESSIBILITY_FLAGS},
            "notes": access.get("notes") or "",
        },
        "transport": _transport_data(_part(listing, "transport")),
        "contact": {
            name: contact.get(name) or "" for name in ("name", "phone", "email", "website")
        },
        "referral": {
            "self_referral": _radio_value(referral.get("self_referral")),
            "link_worker_referral": _radio_value(referral.get("link_worker_referral")),
            "notes": referral.get("notes") or "",
        },
    }


def _session_rows(schedule: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            "day": entry.get("day") or "",
            "start": entry.get("start") or "",
            "end": entry.get("end") or "",
            "frequency": entry.get("frequency") or Frequency.WEEKLY.value,
        }
        for entry in schedule
    ]
    return rows + [{"frequency": Frequency.WEEKLY.value}] * max(
        SPARE_SESSIONS, MIN_SESSIONS - len(rows)
    )


def _transport_data(transport: Mapping[str, Any]) -> dict[str, Any]:
    rail = transport.get("rail_station") or {}
    door = transport.get("door_to_door") or {}
    stops: list[dict[str, Any]] = [
        {
            "name": stop.get("name") or "",
            "distance_m": number_text(stop.get("distance_m")),
            "routes": ", ".join(stop.get("routes") or []),
        }
        for stop in transport.get("bus_stops") or []
    ]
    stops += [{}] * max(SPARE_STOPS, MIN_STOPS - len(stops))
    return {
        "bus_stops": stops,
        "rail_station": {
            "name": rail.get("name") or "",
            "distance_m": number_text(rail.get("distance_m")),
        },
        "parking": _radio_value(transport.get("parking")),
        "door_to_door": {
            "available": _radio_value(door.get("available")),
            "radius_km": number_text(door.get("radius_km")),
            "notes": door.get("notes") or "",
        },
    }
