"""The listing fields a spreadsheet column can hold, the headers people give them, and which
field a header most likely means.

Each :class:`SheetField` is one column of the CSV export, under its ``header``; a reader
recognises that header, the field's dotted path and common synonyms ("Post code", "Tel",
"Day(s)"), forgiving case, spaces, punctuation and a byte-order mark. :func:`suggest_mapping`
proposes a field for every header of a file (exactly, else by rapidfuzz for near spellings),
for the admin page to show and a person to correct; nothing is imported on a guess unless a
person has seen the mapping (a file read with no mapping uses only exact matches).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

#: Fuzzy matches below this score (0-100) suggest nothing.
SUGGEST_CUTOFF = 80


@dataclass(frozen=True)
class SheetField:
    """One listing field as a column: its dotted path, its header, how its cells read."""

    path: str
    header: str
    #: text, id, int, money, float, flag, postcode, categories, list, status, gender, days,
    #: time, times, frequency, schedule, bus_stops, date, dates
    kind: str
    synonyms: tuple[str, ...] = ()
    #: False for the columns that only readers take (the export writes ``schedule`` whole).
    exported: bool = True


def _f(path: str, header: str, kind: str = "text", *synonyms: str, exported: bool = True):
    return SheetField(path, header, kind, synonyms, exported)


_A = "accessibility."
FIELDS: tuple[SheetField, ...] = (
    _f("id", "ID", "id", "ref", "reference", "record id", "service id", "group id", "uid"),
    _f("external_id", "External ID", "text", "external reference"),
    _f("name", "Name", "text", "group name", "group", "activity", "activity name",
       "service name", "title", "club name"),
    _f("description", "Description", "text", "desc", "about", "details", "summary", "what happens"),
    _f("organisation", "Organisation", "text", "org", "organization", "organisation name",
       "provider", "run by", "charity"),
    _f("categories", "Categories", "categories", "category", "type", "activity type", "theme"),
    _f("interests", "Interests", "list", "tags", "keywords", "activities"),
    _f("status", "Status", "status"),
    _f("online", "Online", "flag", "online only", "virtual"),
    _f("audience.min_age", "Minimum age", "int", "min age", "age from", "from age"),
    _f("audience.max_age", "Maximum age", "int", "max age", "age to", "up to age"),
    _f("audience.gender", "Gender", "gender", "men or women", "who for"),
    _f("audience.languages", "Languages", "list", "language"),
    _f("cost.free", "Free", "flag", "is free", "no charge", "free of charge"),
    _f("cost.amount_gbp", "Cost (£)", "money", "cost", "price", "fee", "charge", "amount"),
    _f("cost.notes", "Cost notes", "text", "cost details", "price notes"),
    _f("venue.name", "Venue", "text", "venue name", "location", "place", "building"),
    _f("venue.address", "Address", "text", "street address", "venue address", "address line 1"),
    _f("venue.postcode", "Postcode", "postcode", "post code", "postal code", "venue postcode",
       "zip"),
    _f("venue.lat", "Latitude", "float", "lat"),
    _f("venue.lon", "Longitude", "float", "lon", "lng", "long"),
    _f("schedule", "Schedule", "schedule", "sessions", "when", "meets", "days and times"),
    _f("schedule.day", "Day", "days", "days", "day of week", "weekday", "meeting day",
       exported=False),
    _f("schedule.time", "Time", "times", "times", "session time", "hours", "opening hours",
       exported=False),
    _f("schedule.start", "Start", "time", "start time", "starts", "begins", exported=False),
    _f("schedule.end", "Finish", "time", "end", "end time", "finish time", "ends", "until",
       exported=False),
    _f("schedule.frequency", "Frequency", "frequency", "how often", exported=False),
    _f("capacity.total_places", "Places", "int", "total places", "capacity", "spaces",
       "max attendees"),
    _f("capacity.places_taken", "Places taken", "int", "taken", "booked", "members"),
    _f("capacity.waiting_list", "Waiting list", "int", "waitlist", "on waiting list"),
    _f("capacity.complex_needs_places", "Complex needs places", "int"),
    _f("capacity.complexity_supported", "Complexity supported", "int", "support level"),
    _f(_A + "step_free", "Step-free", "flag", "step free access", "level access"),
    _f(_A + "wheelchair_accessible", "Wheelchair accessible", "flag", "wheelchair",
       "wheelchair access"),
    _f(_A + "accessible_toilet", "Accessible toilet", "flag", "disabled toilet"),
    _f(_A + "hearing_loop", "Hearing loop", "flag", "induction loop", "loop"),
    _f(_A + "blue_badge_parking", "Blue badge parking", "flag", "disabled parking"),
    _f(_A + "seating_available", "Seating", "flag", "seating available", "seats"),
    _f(_A + "dementia_friendly", "Dementia friendly", "flag"),
    _f(_A + "quiet_space", "Quiet space", "flag", "quiet room"),
    _f(_A + "notes", "Access notes", "text", "accessibility", "accessibility notes", "access"),
    _f("transport.bus_stops", "Bus stops", "bus_stops", "bus", "nearest bus stop"),
    _f("transport.rail_station.name", "Rail station", "text", "station", "nearest station",
       "train station"),
    _f("transport.rail_station.distance_m", "Rail station distance (m)", "int"),
    _f("transport.parking", "Parking", "flag", "car parking"),
    _f("transport.door_to_door.available", "Door to door", "flag", "transport provided",
       "pick up", "door to door transport"),
    _f("transport.door_to_door.radius_km", "Door to door radius (km)", "float"),
    _f("transport.door_to_door.notes", "Door to door notes", "text"),
    _f("contact.name", "Contact name", "text", "contact", "contact person", "organiser", "lead"),
    _f("contact.phone", "Phone", "text", "tel", "telephone", "contact tel", "phone number",
       "contact phone", "contact number", "mobile", "tel no", "telephone no"),
    _f("contact.email", "Email", "text", "e mail", "email address", "contact email"),
    _f("contact.website", "Website", "text", "web", "web site", "url", "link"),
    _f("referral.self_referral", "Self referral", "flag", "drop in", "walk in"),
    _f("referral.link_worker_referral", "Link worker referral", "flag",
       "social prescriber referral"),
    _f("referral.notes", "Referral notes", "text", "how to refer", "how to join"),
    _f("cancelled_dates", "Cancelled dates", "dates", "cancelled", "cancellations"),
    _f("last_verified_at", "Last checked", "date", "last verified", "verified on",
       "date checked", "last updated"),
    _f("verified_by", "Checked by", "text", "verified by"),
)  # fmt: skip

BY_PATH: dict[str, SheetField] = {f.path: f for f in FIELDS}


def normalise_header(header: object) -> str:
    """A header as compared: no BOM, accents or punctuation, one space, lower case;
    "Day(s)" is "day", "Contact tel." is "contact tel", "POST-CODE" is "post code"."""
    text = "" if header is None else str(header)
    text = unicodedata.normalize("NFKD", text.replace("\ufeff", ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"\(s\)", "", text)
    text = re.sub(r"[^0-9a-z£]+", " ", text).replace("£", " ")
    return " ".join(text.split())


def _index() -> dict[str, str]:
    names: dict[str, str] = {}
    for f in FIELDS:
        for name in (f.path, f.header, *f.synonyms):
            names.setdefault(normalise_header(name), f.path)
    return names


_NAMES = _index()


def exact_field(header: object) -> str | None:
    """The field a header names: its export header, its path or a known synonym."""
    return _NAMES.get(normalise_header(header)) if normalise_header(header) else None


def suggest_mapping(headers: Sequence[object]) -> dict[str, str | None]:
    """For each header, the field it most likely holds (or None): exact names first, then
    near spellings; no field is suggested for two headers."""
    suggested: dict[str, str | None] = {}
    taken: set[str] = set()
    for header in headers:
        path = exact_field(header)
        if path is not None and path not in taken:
            taken.add(path)
        else:
            path = None
        suggested[str(header or "")] = path
    for header in headers:
        key = str(header or "")
        if suggested[key] is not None or not normalise_header(header):
            continue
        free = {name: path for name, path in _NAMES.items() if path not in taken}
        best = process.extractOne(
            normalise_header(header),
            list(free),
            scorer=fuzz.ratio,
            score_cutoff=SUGGEST_CUTOFF,
        )
        if best is not None:
            suggested[key] = free[best[0]]
            taken.add(free[best[0]])
    return suggested


def unknown_targets(targets: Iterable[str]) -> list[str]:
    """The targets that are not a field a column can hold (a mapping's check)."""
    return sorted({t for t in targets if t and t not in BY_PATH})


def choices() -> list[tuple[str, str]]:
    """(path, "Header (path)") for every field, for the mapping page's menus."""
    return [(f.path, f"{f.header} ({f.path})") for f in FIELDS]
