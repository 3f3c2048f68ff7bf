"""A listing as an Open Referral UK 3.0 service: what other directories read of ours.

The field names are the profile's (``assetmap/interop/oruk3/service.json`` and the tables it
refers to). Ids are UUIDs derived from assetmap's own ids (``uuid5``), so a service, its
location and schedules keep the same id in every response and every export.

What ORUK has no field for travels as taxonomy terms in ``attributes``, the profile's own
extension point, each in a vocabulary of assetmap's:

- ``assetmap-category``: a term per category, ``code`` (and ``term``) the contract's value
  ("creative"), ``name`` its display name;
- ``assetmap-interest``: a term per interest, ``code`` the interest word;
- ``assetmap-status``: the listing's status ("waiting_list"), which ORUK's ``status`` can only
  say as active / temporarily closed / inactive.

Capacity goes out in HSDS 3.1's ``service_capacity`` shape, as the service's ``capacities``
(one per unit: places, waiting list); ORUK 3.0's schemas allow properties beyond their own, so
the service still validates. ``assured_date`` is the day the listing was last checked.
``assurer_email`` is the directory team's address when one is configured, never the address of
the person who checked: a link worker's or organiser's own address is not ours to publish.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from assetmap.directory.sessions import week_of_month
from assetmap.models import Category, Day, Frequency, Status

#: Every assetmap id maps into this namespace: the same listing always has the same UUID.
NAMESPACE = uuid.UUID("6f1f7c1e-5a8e-4a39-9c55-2f3d0d9c1a17")

CATEGORY_TAXONOMY = "assetmap-category"
INTEREST_TAXONOMY = "assetmap-interest"
STATUS_TAXONOMY = "assetmap-status"
TAXONOMIES = {
    CATEGORY_TAXONOMY: "What kind of activity a group offers: assetmap's categories.",
    INTEREST_TAXONOMY: "What a group is about, in the words organisers and link workers use.",
    STATUS_TAXONOMY: "Whether a group takes new members now, has a waiting list or is paused.",
}

CATEGORY_NAMES = {
    Category.CREATIVE: "Arts and crafts",
    Category.SOCIAL: "Social groups",
    Category.ACTIVE: "Physical activity",
    Category.PRACTICAL: "Practical help",
    Category.LEARNING: "Learning",
    Category.NATURE: "Nature and gardening",
    Category.VOLUNTEERING: "Volunteering",
    Category.PEER_SUPPORT: "Peer support",
    Category.FAITH_CULTURE: "Faith and culture",
    Category.DIGITAL: "Digital skills",
}

_ORUK_STATUS = {
    Status.OPEN: "active",
    Status.INVITATION_ONLY: "active",
    Status.WAITING_LIST: "active",
    Status.PAUSED: "temporarily closed",
    Status.CLOSED: "inactive",
}
_BYDAY = {
    Day.MON: "MO",
    Day.TUE: "TU",
    Day.WED: "WE",
    Day.THU: "TH",
    Day.FRI: "FR",
    Day.SAT: "SA",
    Day.SUN: "SU",
}
#: The location's accessibility, each known flag said in words ORUK readers show as they are.
ACCESSIBILITY_WORDS = {
    "step_free": "Step-free access",
    "wheelchair_accessible": "Wheelchair accessible",
    "accessible_toilet": "Accessible toilet",
    "hearing_loop": "Hearing loop",
    "blue_badge_parking": "Blue badge parking",
    "seating_available": "Seating available",
    "dementia_friendly": "Dementia friendly",
    "quiet_space": "Quiet space",
}


#: Things whose UUID carries assetmap's id (an RFC 9562 version-8 UUID: the kind in the first
#: field, the id in the last), so a request for one is answered without a look-up table.
_NUMBERED = {"service": 1, "location": 2, "service_at_location": 3}
_NUMBERED_FORM = "{kind:08x}-a55e-8d0f-8a70-{number:012x}"


def oruk_id(kind: str, key: object) -> str:
    """The UUID of one of our things: ``service`` 12 (reversible, see ``number_of``), or a
    name-based one for the rest (``schedule`` "12:0")."""
    if kind in _NUMBERED and isinstance(key, int):
        return _NUMBERED_FORM.format(kind=_NUMBERED[kind], number=key)
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def number_of(kind: str, value: str) -> int | None:
    """The assetmap id inside ``oruk_id(kind, id)``; None for any other string."""
    try:
        parsed = uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return None
    number = parsed.int & (2**48 - 1)
    if str(parsed) != _NUMBERED_FORM.format(kind=_NUMBERED[kind], number=number):
        return None
    return number


def taxonomy_id(taxonomy: str) -> str:
    return oruk_id("taxonomy", taxonomy)


def term_id(taxonomy: str, code: str) -> str:
    return oruk_id("taxonomy_term", f"{taxonomy}:{code}")


def term_name(taxonomy: str, code: str) -> str:
    if taxonomy == CATEGORY_TAXONOMY:
        return CATEGORY_NAMES.get(Category(code), code)
    if taxonomy == STATUS_TAXONOMY:
        return code.replace("_", " ").capitalize()
    return code


def taxonomy_term(taxonomy: str, code: str) -> dict[str, Any]:
    """One term as ORUK's ``taxonomy_term`` (with HSDS's ``code``, which the profile allows)."""
    return {
        "id": term_id(taxonomy, code),
        "code": code,
        "name": term_name(taxonomy, code),
        "description": f"{term_name(taxonomy, code)} ({taxonomy})",
        "taxonomy": taxonomy,
        "taxonomy_id": taxonomy_id(taxonomy),
        "term": code,
    }


def taxonomy(name: str) -> dict[str, Any]:
    return {"id": taxonomy_id(name), "name": name, "description": TAXONOMIES[name]}


def _attributes(listing: Mapping[str, Any], service_id: str) -> list[dict[str, Any]]:
    terms = [(CATEGORY_TAXONOMY, c) for c in listing["categories"]]
    terms += [(INTEREST_TAXONOMY, i) for i in listing["interests"]]
    terms.append((STATUS_TAXONOMY, listing["status"]))
    return [
        {
            "id": oruk_id("attribute", f"{service_id}:{tax}:{code}"),
            "link_id": service_id,
            "link_type": "service",
            "taxonomy_term_id": term_id(tax, code),
            "taxonomy_term": taxonomy_term(tax, code),
        }
        for tax, code in terms
    ]


def _time(hhmm: str | None) -> str | None:
    return f"{hhmm}:00" if hhmm else None


def _schedule(listing: Mapping[str, Any], service_id: str) -> list[dict[str, Any]]:
    out = []
    attending = "online" if listing["online"] and not listing["venue"] else "in person"
    # (a group meeting both ways is also at a virtual location: see ``_links``)
    for index, entry in enumerate(listing["schedule"]):
        day, frequency = Day(entry["day"]), Frequency(entry.get("frequency") or "weekly")
        anchor = dt.date.fromisoformat(entry["from_date"]) if entry.get("from_date") else None
        item: dict[str, Any] = {
            "id": oruk_id("schedule", f"{listing['id']}:{index}"),
            "service_id": service_id,
            "opens_at": _time(entry["start"]),
            "closes_at": _time(entry.get("end")),
            "attending_type": attending,
        }
        if anchor is not None:
            item["dtstart"] = anchor.isoformat()
        if frequency in (Frequency.WEEKLY, Frequency.FORTNIGHTLY):
            item |= {
                "freq": "WEEKLY",
                "interval": 2 if frequency is Frequency.FORTNIGHTLY else 1,
                "byday": _BYDAY[day],
            }
        elif frequency is Frequency.MONTHLY:
            nth = week_of_month(anchor) if anchor is not None else None
            item |= {"freq": "MONTHLY", "interval": 1, "byday": f"{nth or ''}{_BYDAY[day]}"}
        else:
            name = calendar.day_name[list(Day).index(day)]
            # A day with no rule: readers take it as irregular sessions on that day.
            item["byday"] = _BYDAY[day]
            item["description"] = f"Irregular sessions on {name}s: ask the group."
        out.append({k: v for k, v in item.items() if v is not None})
    return out


def _location(listing: Mapping[str, Any]) -> dict[str, Any] | None:
    venue = listing["venue"]
    if venue is None:
        return None
    location_id = oruk_id("location", listing["id"])
    access = listing["accessibility"]
    accessibility = [
        {
            "id": oruk_id("accessibility", f"{listing['id']}:{flag}"),
            "location_id": location_id,
            "description": f"{words}: {'yes' if access[flag] else 'no'}",
            "details": flag,
        }
        for flag, words in ACCESSIBILITY_WORDS.items()
        if access.get(flag) is not None
    ]
    if access.get("notes"):
        accessibility.append(
            {
                "id": oruk_id("accessibility", f"{listing['id']}:notes"),
                "location_id": location_id,
                "description": access["notes"],
                "details": "notes",
            }
        )
    return {
        "id": location_id,
        "location_type": "physical",
        "name": venue["name"],
        "latitude": venue["lat"],
        "longitude": venue["lon"],
        "addresses": [
            {
                "id": oruk_id("address", listing["id"]),
                "location_id": location_id,
                "address_1": venue["address"] or venue["name"],
                "city": "",
                "state_province": "",
                "postal_code": venue["postcode"] or "",
                "country": "GB",
                "address_type": "physical",
            }
        ],
        "accessibility": accessibility,
    }


def _capacities(listing: Mapping[str, Any], service_id: str, updated: str | None) -> list[Any]:
    capacity = listing["capacity"]
    out = []
    if capacity["total_places"] is not None or capacity.get("spare_places") is not None:
        out.append(
            {
                "id": oruk_id("service_capacity", f"{listing['id']}:places"),
                "service_id": service_id,
                "unit": {"id": oruk_id("unit", "places"), "name": "places"},
                "available": capacity.get("spare_places"),
                "maximum": capacity["total_places"],
                "description": "Places in the group: free now, and in all.",
                "updated": updated,
            }
        )
    if capacity["waiting_list"] is not None:
        out.append(
            {
                "id": oruk_id("service_capacity", f"{listing['id']}:waiting"),
                "service_id": service_id,
                "unit": {"id": oruk_id("unit", "waiting_list"), "name": "people waiting"},
                "available": capacity["waiting_list"],
                "description": "People on the group's waiting list.",
                "updated": updated,
            }
        )
    return [{k: v for k, v in c.items() if v is not None} for c in out]


def _contacts(listing: Mapping[str, Any], service_id: str) -> tuple[list[Any], list[Any]]:
    contact = listing["contact"]
    phones = (
        [{"id": oruk_id("phone", listing["id"]), "number": contact["phone"]}]
        if contact["phone"]
        else []
    )
    if not (contact["name"] or phones or contact["email"]):
        return [], []
    person = {
        "id": oruk_id("contact", listing["id"]),
        "service_id": service_id,
        "name": contact["name"] or listing["name"],
        "email": contact["email"],
        "phones": phones,
    }
    return [{k: v for k, v in person.items() if v is not None}], phones


def _cost_options(listing: Mapping[str, Any], service_id: str) -> list[dict[str, Any]]:
    cost = listing["cost"]
    if cost["free"] is None and cost["amount_gbp"] is None:
        return []
    option: dict[str, Any] = {
        "id": oruk_id("cost_option", listing["id"]),
        "service_id": service_id,
        "option": "Free" if cost["free"] else "Charge",
        "amount": 0 if cost["free"] else cost["amount_gbp"],
        "amount_description": cost["notes"] or None,
    }
    return [{k: v for k, v in option.items() if v is not None}]


def _links(
    listing: Mapping[str, Any], service_id: str, location: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The service at its venue; a group that also meets online is at a virtual location too
    (one that only meets online says so in its schedules' ``attending_type``)."""
    links = []
    if location is not None:
        links.append(
            {
                "id": oruk_id("service_at_location", listing["id"]),
                "service_id": service_id,
                "location_id": location["id"],
                "location": location,
            }
        )
        if listing["online"]:
            online_id = oruk_id("online_location", listing["id"])
            links.append(
                {
                    "id": oruk_id("service_at_online_location", listing["id"]),
                    "service_id": service_id,
                    "location_id": online_id,
                    "location": {"id": online_id, "location_type": "virtual", "name": "Online"},
                }
            )
    return links


def service_of(
    listing: Mapping[str, Any],
    *,
    last_modified: dt.datetime | None = None,
    assurer_email: str | None = None,
) -> dict[str, Any]:
    """A listing (the contract, as served) as a fully nested ORUK 3.0 service."""
    service_id = oruk_id("service", listing["id"])
    updated = last_modified.astimezone(dt.UTC).isoformat() if last_modified else None
    contacts, phones = _contacts(listing, service_id)
    organisation = listing["organisation"]
    location = _location(listing)
    audience = listing["audience"]
    service: dict[str, Any] = {
        "id": service_id,
        "name": listing["name"],
        "description": listing["description"],
        "url": listing["contact"]["website"],
        "email": listing["contact"]["email"],
        "status": _ORUK_STATUS[Status(listing["status"])],
        "fees": listing["cost"]["notes"] or None,
        "minimum_age": audience["min_age"],
        "maximum_age": audience["max_age"],
        "assured_date": listing["last_verified_at"],
        "assurer_email": assurer_email if listing["last_verified_at"] else None,
        "last_modified": updated,
    }
    service = {k: v for k, v in service.items() if v is not None}
    if organisation:
        org_id = oruk_id("organization", organisation)
        service["organization_id"] = org_id
        service["organization"] = {"id": org_id, "name": organisation, "description": ""}
    service |= {
        "schedules": _schedule(listing, service_id),
        "service_at_locations": _links(listing, service_id, location),
        "languages": [
            {
                "id": oruk_id("language", f"{listing['id']}:{code}"),
                "service_id": service_id,
                "name": code,
                "code": code,
            }
            for code in audience["languages"]
        ],
        "cost_options": _cost_options(listing, service_id),
        "contacts": contacts,
        "phones": phones,
        "attributes": _attributes(listing, service_id),
        "capacities": _capacities(listing, service_id, updated),
    }
    return service


def service_summary(service: Mapping[str, Any]) -> dict[str, Any]:
    """A service as a page of ``/services`` lists it: its one-to-one fields, with the
    organisation (the profile's ``service_list`` shape)."""
    return {k: v for k, v in service.items() if not isinstance(v, list)}
