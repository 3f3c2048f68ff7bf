"""The parts of an ORUK / HSDS service that take more than a copy: its location (venue,
accessibility, online), contact, cost and capacity. See ``oruk_in`` for the whole mapping."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assetmap.interop.reading import Draft, Gaps, clipped, is_number, items, normal, terms
from assetmap.interop.reading import text_or_none as text
from assetmap.models import ACCESSIBILITY_FLAGS

_LOCATION_TYPES = ("physical", "postal", "virtual")
_YES_NO = re.compile(r":\s*(yes|no)\s*$", re.IGNORECASE)
_PLACES = frozenset({"places", "place", "spaces", "space", "seats"})
_WAITING = frozenset({"people waiting", "waiting list", "waiting"})
_FREE_WORDS = frozenset({"free", "no charge", "free of charge"})
_CHARGE_WORDS = frozenset({"charge", "paid", "fee", "fees apply"})
#: The contract's limits on the text these fill.
NOTES_LIMIT = 5000
COST_NOTES_LIMIT = 500


@dataclass
class Place:
    online: bool = False
    venue: dict[str, Any] | None = None
    accessibility: dict[str, Any] = field(default_factory=dict)
    parking: bool | None = None


def location_parts(
    draft: Draft, service: dict[str, Any], gaps: Gaps, *, online: bool = False
) -> Place:
    """Where the service meets: its first physical location (the contract holds one venue);
    a virtual one makes it online (as ``online`` says a schedule did). No location leaves the
    venue not known, unless it meets online."""
    place = Place(online=online)
    physical: list[tuple[str, dict[str, Any]]] = []
    for index, at in items(draft, service, "service_at_locations", "service_at_locations"):
        path = f"service_at_locations[{index}].location"
        location = at.get("location")
        if location is None:
            continue
        if not isinstance(location, dict):
            draft.problem(path, "must be an object")
            continue
        kind = location.get("location_type")
        if kind is not None and (not isinstance(kind, str) or kind.lower() not in _LOCATION_TYPES):
            draft.problem(f"{path}.location_type", f"must be one of {', '.join(_LOCATION_TYPES)}")
            continue
        if isinstance(kind, str) and kind.lower() == "virtual":
            place.online = True
        elif not isinstance(kind, str) or kind.lower() == "physical":
            physical.append((path, location))
    if not physical:
        if not place.online:
            gaps.add("where it meets (no location)", draft.label)
        return place
    if len(physical) > 1:
        gaps.add("where else it meets (assetmap keeps one venue: the first)", draft.label)
    path, location = physical[0]
    place.venue = _venue(draft, path, location, gaps)
    place.accessibility, place.parking = _accessibility(draft, path, location, gaps)
    return place


def _address(draft: Draft, path: str, location: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    found = items(draft, location, "addresses", f"{path}.addresses")
    for index, address in found:
        if str(address.get("address_type") or "").lower() == "physical":
            return f"{path}.addresses[{index}]", address
    # else the location's own address, though typed postal (not a virtual one)
    for index, address in found:
        if str(address.get("address_type") or "").lower() != "virtual":
            return f"{path}.addresses[{index}]", address
    return "", {}


def _venue(draft: Draft, path: str, location: dict[str, Any], gaps: Gaps) -> dict[str, Any] | None:
    lat, lon = location.get("latitude"), location.get("longitude")
    for key, value in (("latitude", lat), ("longitude", lon)):
        if value is not None and not is_number(value):
            draft.problem(f"{path}.{key}", "must be a number")
    if (lat is None) != (lon is None):
        draft.problem(f"{path}.latitude", "give both latitude and longitude, or neither")
    where, address = _address(draft, path, location)
    lines = [text(draft, address, key, f"{where}.{key}") for key in ("address_1", "address_2")]
    city = text(draft, address, "city", f"{where}.city")
    postcode = text(draft, address, "postal_code", f"{where}.postal_code")
    name = text(draft, location, "name", f"{path}.name") or lines[0] or postcode
    said = ", ".join(part for part in (*lines, city) if part)
    if lat is None and not postcode:
        gaps.add("where it meets (its location has no postcode or coordinates)", draft.label)
        return None
    if not name:
        gaps.add("where it meets (its location has no name or address)", draft.label)
        return None
    draft.where.update(
        {
            "venue": path,
            "venue.name": f"{path}.name",
            "venue.lat": f"{path}.latitude",
            "venue.lon": f"{path}.longitude",
            "venue.postcode": f"{where}.postal_code",
            "venue.address": f"{where}.address_1",
        }
    )
    return {
        "name": name,
        # the address as written, unless it only repeats the name (as some exports fill it)
        "address": said if said and said != name else None,
        "postcode": postcode,
        "lat": lat,
        "lon": lon,
    }


def _accessibility(
    draft: Draft, path: str, location: dict[str, Any], gaps: Gaps
) -> tuple[dict[str, Any], bool | None]:
    """Flags only where the source says yes or no to one (assetmap's export) or names one
    exactly (``terms.toml``); any other words are kept as notes; the rest stay not known."""
    flags: dict[str, Any] = {}
    notes: list[str] = []
    parking = None
    for index, entry in items(draft, location, "accessibility", f"{path}.accessibility"):
        at = f"{path}.accessibility[{index}]"
        details = text(draft, entry, "details", f"{at}.details")
        description = text(draft, entry, "description", f"{at}.description")
        words = text(draft, entry, "accessibility", f"{at}.accessibility")
        if details in ACCESSIBILITY_FLAGS and description and (said := _YES_NO.search(description)):
            flags[details] = said.group(1).lower() == "yes"
            continue
        if details == "notes" and description:
            notes.append(description)
            continue
        for said_text in (description or words, details):
            if not said_text:
                continue
            key = normal(said_text)
            if key in terms().accessibility:
                flags[terms().accessibility[key]] = True
            elif key in terms().parking:
                parking = True
            elif said_text not in notes:
                notes.append(said_text)
    if notes:
        flags["notes"] = clipped("\n".join(notes), NOTES_LIMIT, "its access notes", draft, gaps)
    draft.where["accessibility"] = f"{path}.accessibility"
    return flags, parking


def read_contact(draft: Draft, service: dict[str, Any]) -> dict[str, Any]:
    """Website (url), email (the service's, else a contact's), the first contact's name that
    is not just the service's, and the first phone of the service, a contact or a location."""
    contact: dict[str, Any] = {}
    for key, ours in (("url", "website"), ("email", "email")):
        if service.get(key) not in (None, ""):
            contact[ours] = service[key]
            draft.where[f"contact.{ours}"] = key
    phones = [(f"phones[{i}]", p) for i, p in items(draft, service, "phones", "phones")]
    for index, person in items(draft, service, "contacts", "contacts"):
        at = f"contacts[{index}]"
        name = text(draft, person, "name", f"{at}.name")
        if name and name != service.get("name") and "name" not in contact:
            contact["name"] = name
            draft.where["contact.name"] = f"{at}.name"
        if person.get("email") not in (None, "") and "email" not in contact:
            contact["email"] = person["email"]
            draft.where["contact.email"] = f"{at}.email"
        for j, phone in items(draft, person, "phones", f"{at}.phones"):
            phones.append((f"{at}.phones[{j}]", phone))
    for index, link in items(draft, service, "service_at_locations", "service_at_locations"):
        location = link.get("location")
        if isinstance(location, dict):
            where = f"service_at_locations[{index}].location.phones"
            phones += [(f"{where}[{j}]", p) for j, p in items(draft, location, "phones", where)]
    for where, phone in phones:
        if phone.get("number") not in (None, ""):
            contact["phone"] = phone["number"]
            draft.where["contact.phone"] = f"{where}.number"
            break
    return contact


def settle_cost(
    draft: Draft,
    amounts: list[tuple[Any, str]],
    options: list[str],
    free: bool | None,
    notes: str | None,
    gaps: Gaps,
) -> dict[str, Any]:
    """Free or not, the lowest charge, and the notes. Amounts of nothing alone make it free;
    'Free' or 'Charge' as an option's words say so without an amount; else it stays as the
    source said (``free``), or not known."""
    cost: dict[str, Any] = {}
    charges = []
    for amount, path in amounts:
        if not is_number(amount) or amount < 0:
            draft.problem(path, "must be an amount in pounds ≥ 0")
        else:
            charges.append(float(amount))
    said = {normal(option) for option in options}
    if free is None and charges:
        free = all(amount == 0 for amount in charges)
    elif free is None and said & _FREE_WORDS:
        free = True
    elif free is None and said & _CHARGE_WORDS:
        free = False
    if free is None and notes and normal(notes) in _FREE_WORDS:
        free = True
    cost["free"] = free
    paid = [amount for amount in charges if amount > 0]
    if paid and free is not True:
        cost["amount_gbp"] = min(paid)
    if notes:
        cost["notes"] = clipped(notes, COST_NOTES_LIMIT, "what it costs", draft, gaps)
    if free is None:
        gaps.add("whether it is free (no cost given)", draft.label)
    return cost


def read_cost(draft: Draft, service: dict[str, Any], gaps: Gaps) -> dict[str, Any]:
    amounts: list[tuple[Any, str]] = []
    options: list[str] = []
    descriptions: list[str] = []
    for index, option in items(draft, service, "cost_options", "cost_options"):
        at = f"cost_options[{index}]"
        if option.get("amount") is not None:
            amounts.append((option["amount"], f"{at}.amount"))
        if said := text(draft, option, "option", f"{at}.option"):
            options.append(said)
        if said := text(draft, option, "amount_description", f"{at}.amount_description"):
            descriptions.append(said)
    fees = text(draft, service, "fees", "fees")
    draft.where["cost.notes"] = "fees" if fees else "cost_options"
    notes = fees or ("; ".join(dict.fromkeys(descriptions)) or None)
    return settle_cost(draft, amounts, options, None, notes, gaps)


def read_capacity(draft: Draft, service: dict[str, Any], gaps: Gaps) -> dict[str, Any]:
    """HSDS 3.1's service_capacity (as ``capacities`` or ``service_capacity``): places in all
    (maximum) and free (available) give those taken; a waiting-list unit its length."""
    found: list[tuple[str, dict[str, Any]]] = []
    for key in ("capacities", "service_capacity"):
        value = service.get(key)
        if isinstance(value, dict):
            found.append((key, value))
        else:
            found += [(f"{key}[{i}]", entry) for i, entry in items(draft, service, key, key)]
    capacity: dict[str, Any] = {}
    for path, entry in found:
        unit = entry.get("unit")
        unit_name = unit.get("name") if isinstance(unit, dict) else unit
        kind = normal(unit_name) if isinstance(unit_name, str) else "places"
        numbers = {}
        for key in ("available", "maximum"):
            value = entry.get(key)
            if value is None:
                continue
            if not is_number(value) or value < 0 or value != int(value):
                draft.problem(f"{path}.{key}", "must be a whole number ≥ 0")
            else:
                numbers[key] = int(value)
        if kind in _PLACES:
            _places(draft, path, numbers, capacity, gaps)
        elif kind in _WAITING:
            if "available" in numbers:
                capacity["waiting_list"] = numbers["available"]
                draft.where["capacity.waiting_list"] = f"{path}.available"
        else:
            gaps.add(f"its capacity in {unit_name!r} (assetmap counts places)", draft.label)
    return capacity


def _places(
    draft: Draft, path: str, numbers: dict[str, int], capacity: dict[str, Any], gaps: Gaps
) -> None:
    if "maximum" in numbers:
        capacity["total_places"] = numbers["maximum"]
        draft.where["capacity.total_places"] = f"{path}.maximum"
        draft.where["capacity.places_taken"] = f"{path}.available"
    if "maximum" in numbers and "available" in numbers:
        if numbers["available"] > numbers["maximum"]:
            draft.problem(f"{path}.available", "must not be more than maximum")
        else:
            capacity["places_taken"] = numbers["maximum"] - numbers["available"]
    elif "available" in numbers:
        gaps.add("how many places it has in all (only those free are given)", draft.label)


__all__ = [
    "Place",
    "location_parts",
    "read_capacity",
    "read_contact",
    "read_cost",
    "settle_cost",
]
