"""The organiser's pages: their groups at a glance, "still running", editing and proposing.

Organisers see and change their own organisations' groups; admins see and change any group.
An edit posts the whole form with the version it was opened at. The view turns the form into
a listing, keeps only what differs from the stored listing (a trusted organisation's change to
places or times then stays a minor change, applied at once), and hands that merge patch to
``moderation.submit_change``. Nothing is written unless the whole change is accepted.

If someone else saved the listing in between, the form comes back (409) with what they
changed: fields only they changed take their new values, fields both changed keep what this
person typed, and the version moves on so a second save, after checking, goes through.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from assetmap.accounts.users import Permissions
from assetmap.directory.edits import StaleEdit, current_listing, flatten, merge_patch, values_at
from assetmap.directory.moderation import (
    ask_to_close,
    propose_group,
    submit_change,
)
from assetmap.directory.schemas import normalise_interest, parse_listing
from assetmap.errors import Forbidden, NotFound, ValidationError
from assetmap.freshness.answers import confirm_still_running
from assetmap.geo.postcodes import is_postcode, normalise_postcode
from assetmap.models import (
    ACCESSIBILITY_FLAGS,
    ACCESSIBILITY_NAMES,
    Category,
    ChangeKind,
    ChangeStatus,
    Frequency,
    Group,
    Organisation,
    PendingChange,
    Role,
    Status,
    User,
)
from assetmap.verification.policy import FACT_COLUMNS
from assetmap.web.auth import require_role
from assetmap.web.context import app_config, db_session, freshness_policy, geocoder, today
from assetmap.web.formatting import (
    CATEGORY_NAMES,
    DAY_NAMES,
    STATUS_NAMES,
    months_ago,
    session_text,
    spare_places_text,
)
from assetmap.web.maps import build_map

manage = Blueprint("manage", __name__, url_prefix="/my")

PAGE_SIZE = 50
#: Session and bus-stop rows the form offers beyond those already filled in (no JS needed).
SPARE_SESSIONS, MIN_SESSIONS = 2, 3
SPARE_STOPS, MIN_STOPS = 1, 2

YES_NO_UNKNOWN = [("yes", "Yes"), ("no", "No"), ("unknown", "Don't know")]
#: The statuses an organiser chooses between; closing goes through "ask to close".
EDITABLE_STATUSES = [Status.OPEN, Status.INVITATION_ONLY, Status.WAITING_LIST, Status.PAUSED]
FREQUENCY_LABELS = {
    Frequency.WEEKLY: "Every week",
    Frequency.FORTNIGHTLY: "Every two weeks",
    Frequency.MONTHLY: "Once a month",
    Frequency.OTHER: "Other",
}
SUPPORT_LABELS = {
    "1": "No extra support (people need to manage on their own)",
    "2": "Some support (someone to welcome people and check in with them)",
    "3": "Can support people with complex needs",
    "": "Don't know",
}
GENDER_LABELS = {"any": "Anyone", "men": "Men only", "women": "Women only"}

#: Each part of a listing in plain words: for error messages and "what changed" lists.
LABELS: dict[str, str] = {
    "name": "Name of the group",
    "description": "Description",
    "organisation": "Organisation",
    "categories": "Kind of group",
    "interests": "Interests",
    "status": "Status",
    "online": "Meets online",
    "venue": "Where it meets",
    "venue.name": "Venue name",
    "venue.address": "Address",
    "venue.postcode": "Postcode",
    "venue.lat": "Pin on the map",
    "venue.lon": "Pin on the map",
    "schedule": "Sessions",
    "schedule.day": "day",
    "schedule.start": "start time",
    "schedule.end": "end time",
    "schedule.frequency": "how often",
    "capacity": "Places",
    "capacity.total_places": "Total places",
    "capacity.places_taken": "Places taken",
    "capacity.spare_places": "Spare places",
    "capacity.waiting_list": "People on the waiting list",
    "capacity.complex_needs_places": "Places for people with complex needs",
    "capacity.complexity_supported": "Support the group can give",
    "audience": "Who it is for",
    "audience.min_age": "Youngest age",
    "audience.max_age": "Oldest age",
    "audience.gender": "Who can come",
    "audience.languages": "Languages spoken",
    "cost": "Cost",
    "cost.free": "Free to come",
    "cost.amount_gbp": "Cost per session",
    "cost.notes": "Notes about cost",
    "accessibility": "Access",
    **{f"accessibility.{flag}": name for flag, name in ACCESSIBILITY_NAMES.items()},
    "accessibility.notes": "Notes about access",
    "transport": "Getting there",
    "transport.bus_stops": "Bus stops",
    "transport.bus_stops.name": "stop name",
    "transport.bus_stops.distance_m": "distance to the stop",
    "transport.bus_stops.routes": "bus routes",
    "transport.rail_station": "Station",
    "transport.rail_station.name": "Station name",
    "transport.rail_station.distance_m": "Distance to the station",
    "transport.parking": "Parking",
    "transport.door_to_door": "Door-to-door transport",
    "transport.door_to_door.available": "Door-to-door transport",
    "transport.door_to_door.radius_km": "How far the transport goes",
    "transport.door_to_door.notes": "Notes about door-to-door transport",
    "contact": "Contact",
    "contact.name": "Contact name",
    "contact.phone": "Phone number",
    "contact.email": "Email address",
    "contact.website": "Website",
    "referral": "Referrals",
    "referral.self_referral": "People can refer themselves",
    "referral.link_worker_referral": "Link workers can refer people",
    "referral.notes": "Notes about referrals",
}
#: Rows of the form that stand for an item of a list in the listing: "Session 2: …".
ROW_LISTS = {"schedule": "Session", "transport.bus_stops": "Bus stop"}
#: Derived from other fields: not worth naming when saying what someone changed.
DERIVED = frozenset({"capacity.spare_places"})
#: The endpoint of the admins' moderation queue (web/staff.py).
MODERATION_QUEUE = "staff.moderation_queue"


@manage.before_request
def _organisers_and_admins_only() -> ResponseReturnValue | None:
    refused: ResponseReturnValue | None = require_role(Role.ORGANISER, Role.ADMIN)
    return refused


# ---- the form ------------------------------------------------------------------------------


def _choices(pairs: Any) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _radios(pairs: Any) -> RadioField:
    return RadioField(choices=_choices(pairs), validate_choice=False)


class SessionRow(Form):
    day = SelectField(
        "Day", choices=_choices([("", "Choose a day"), *DAY_NAMES.items()]), validate_choice=False
    )
    start = StringField("Starts")
    end = StringField("Ends")
    frequency = SelectField(
        "How often",
        choices=_choices((f.value, label) for f, label in FREQUENCY_LABELS.items()),
        validate_choice=False,
    )


class BusStopRow(Form):
    name = StringField("Stop name")
    distance_m = StringField("Distance from the venue")
    routes = StringField("Bus routes")


class VenuePart(Form):
    name = StringField("Venue name")
    address = StringField("Address")
    postcode = StringField("Postcode")
    lat = HiddenField()
    lon = HiddenField()


class CapacityPart(Form):
    total_places = StringField("Total places")
    places_taken = StringField("Places taken")
    waiting_list = StringField("People on the waiting list")
    complex_needs_places = StringField("Places for people with complex needs")
    complexity_supported = _radios(list(SUPPORT_LABELS.items()))


class AudiencePart(Form):
    min_age = StringField("Youngest age")
    max_age = StringField("Oldest age")
    gender = _radios(list(GENDER_LABELS.items()))
    languages = StringField("Languages spoken")


class CostPart(Form):
    free = _radios(YES_NO_UNKNOWN)
    amount_gbp = StringField("Cost per session")
    notes = StringField("Notes about cost")


AccessibilityPart = type(
    "AccessibilityPart",
    (Form,),
    {
        **{flag: _radios(YES_NO_UNKNOWN) for flag in ACCESSIBILITY_FLAGS},
        "notes": TextAreaField("Anything else about access"),
    },
)


class RailPart(Form):
    name = StringField("Nearest station")
    distance_m = StringField("Distance from the venue")


class DoorToDoorPart(Form):
    available = _radios(YES_NO_UNKNOWN)
    radius_km = StringField("How far it goes")
    notes = StringField("Notes about the transport")


class TransportPart(Form):
    bus_stops = FieldList(FormField(BusStopRow), min_entries=MIN_STOPS, max_entries=20)
    rail_station = FormField(RailPart)
    parking = _radios(YES_NO_UNKNOWN)
    door_to_door = FormField(DoorToDoorPart)


class ContactPart(Form):
    name = StringField("Name")
    phone = StringField("Phone number")
    email = StringField("Email address")
    website = StringField("Website")


class ReferralPart(Form):
    self_referral = _radios(YES_NO_UNKNOWN)
    link_worker_referral = _radios(YES_NO_UNKNOWN)
    notes = TextAreaField("Anything else about referrals")


class ListingForm(FlaskForm):
    """The whole listing. Fields are text: the listing contract checks them, in its words."""

    version = HiddenField()
    name = StringField("Name of the group")
    description = TextAreaField("Description")
    categories = SelectMultipleField(
        choices=_choices((c.value, CATEGORY_NAMES[c.value]) for c in Category),
        validate_choice=False,
    )
    interests = StringField("Interests")
    status = _radios([(s.value, STATUS_NAMES[s.value]) for s in Status])
    online = BooleanField("The group meets online")
    venue = FormField(VenuePart)
    schedule = FieldList(FormField(SessionRow), min_entries=MIN_SESSIONS, max_entries=30)
    capacity = FormField(CapacityPart)
    audience = FormField(AudiencePart)
    cost = FormField(CostPart)
    accessibility = FormField(AccessibilityPart)
    transport = FormField(TransportPart)
    contact = FormField(ContactPart)
    referral = FormField(ReferralPart)


class NewListingForm(ListingForm):
    organisation = SelectField("Organisation", choices=[], validate_choice=False)


# ---- form <-> listing ----------------------------------------------------------------------


def _text(value: Any) -> str:
    return str(value or "").replace("\r\n", "\n").strip()


def _optional(value: Any) -> str | None:
    return _text(value) or None


def _whole(value: Any) -> Any:
    """A whole number, or the text as typed (the contract then says what is wrong with it)."""
    text = _text(value).replace(",", "")
    if not text:
        return None
    return int(text) if re.fullmatch(r"-?\d{1,9}", text) else text


def _decimal(value: Any) -> Any:
    text = _text(value).lstrip("£").strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def _flag(value: Any) -> Any:
    return {"yes": True, "no": False, "unknown": None, "": None, None: None}.get(value, value)


def _words(value: Any) -> list[str]:
    return [part.strip() for part in re.split(r"[,\n]", _text(value)) if part.strip()]


def _time(value: Any) -> str:
    return _text(value).replace(".", ":")


@dataclass
class Built:
    """A listing read from the form, and which form row each list item came from."""

    listing: dict[str, Any]
    rows: dict[str, list[int]] = field(default_factory=dict)


def listing_from_form(form: ListingForm) -> Built:
    """The form as a listing in the contract's shape (without id, organisation or dates)."""
    built = Built(listing={})
    schedule, session_rows = [], []
    for index, row in enumerate(form.schedule.entries):
        part = row.form
        if not (_text(part.day.data) or _text(part.start.data) or _text(part.end.data)):
            continue
        session_rows.append(index)
        schedule.append(
            {
                "day": _text(part.day.data),
                "start": _time(part.start.data),
                "end": _time(part.end.data) or None,
                "frequency": _text(part.frequency.data) or Frequency.WEEKLY.value,
            }
        )
    stops, stop_rows = [], []
    for index, row in enumerate(form.transport.form.bus_stops.entries):
        part = row.form
        if not (_text(part.name.data) or _text(part.distance_m.data) or _text(part.routes.data)):
            continue
        stop_rows.append(index)
        stops.append(
            {
                "name": _text(part.name.data),
                "distance_m": _whole(part.distance_m.data),
                "routes": _words(part.routes.data),
            }
        )
    built.rows = {"schedule": session_rows, "transport.bus_stops": stop_rows}

    venue_part = form.venue.form
    venue: dict[str, Any] | None = None
    if (
        _text(venue_part.name.data)
        or _text(venue_part.address.data)
        or _text(venue_part.postcode.data)
    ):
        postcode = _text(venue_part.postcode.data)
        venue = {
            "name": _text(venue_part.name.data),
            "address": _optional(venue_part.address.data),
            "postcode": normalise_postcode(postcode) if is_postcode(postcode) else postcode or None,
            "lat": _decimal(venue_part.lat.data),
            "lon": _decimal(venue_part.lon.data),
        }
    rail_part = form.transport.form.rail_station.form
    rail = (
        {"name": _text(rail_part.name.data), "distance_m": _whole(rail_part.distance_m.data)}
        if _text(rail_part.name.data) or _text(rail_part.distance_m.data)
        else None
    )
    capacity, audience, cost = form.capacity.form, form.audience.form, form.cost.form
    access, door = form.accessibility.form, form.transport.form.door_to_door.form
    contact, referral = form.contact.form, form.referral.form
    interests = list(
        dict.fromkeys(normalise_interest(word) for word in _words(form.interests.data))
    )
    support = _text(capacity.complexity_supported.data)
    built.listing = {
        "name": _text(form.name.data),
        "description": _text(form.description.data),
        "categories": list(dict.fromkeys(form.categories.data or [])),
        "interests": interests,
        "status": _text(form.status.data) or Status.OPEN.value,
        "online": bool(form.online.data),
        "venue": venue,
        "schedule": schedule,
        "capacity": {
            "total_places": _whole(capacity.total_places.data),
            "places_taken": _whole(capacity.places_taken.data),
            "waiting_list": _whole(capacity.waiting_list.data),
            "complex_needs_places": _whole(capacity.complex_needs_places.data),
            "complexity_supported": int(support) if support in ("1", "2", "3") else support or None,
        },
        "audience": {
            "min_age": _whole(audience.min_age.data),
            "max_age": _whole(audience.max_age.data),
            "gender": _text(audience.gender.data) or "any",
            "languages": _words(audience.languages.data),
        },
        "cost": {
            "free": _flag(cost.free.data),
            "amount_gbp": _decimal(cost.amount_gbp.data),
            "notes": _text(cost.notes.data),
        },
        "accessibility": {
            **{flag: _flag(access[flag].data) for flag in ACCESSIBILITY_FLAGS},
            "notes": _text(access.notes.data),
        },
        "transport": {
            "bus_stops": stops,
            "rail_station": rail,
            "parking": _flag(form.transport.form.parking.data),
            "door_to_door": {
                "available": _flag(door.available.data),
                "radius_km": _decimal(door.radius_km.data),
                "notes": _text(door.notes.data),
            },
        },
        "contact": {
            "name": _optional(contact.name.data),
            "phone": _optional(contact.phone.data),
            "email": _optional(contact.email.data),
            "website": _optional(contact.website.data),
        },
        "referral": {
            "self_referral": _flag(referral.self_referral.data),
            "link_worker_referral": _flag(referral.link_worker_referral.data),
            "notes": _text(referral.notes.data),
        },
    }
    return built


def _shown(value: Any) -> str:
    """A number as the form shows it: whole numbers without a decimal point."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.2f}" if round(value, 2) == value else repr(value)
    return str(value)


def _tri(value: Any) -> str:
    return {True: "yes", False: "no", None: "unknown"}.get(value, str(value))


def form_data(listing: Mapping[str, Any], version: int | None = None) -> dict[str, Any]:
    """A listing as the form's data: text in each box, a few blank rows to add to."""

    def part(name: str) -> Mapping[str, Any]:
        value = listing.get(name)
        return value if isinstance(value, Mapping) else {}

    capacity, audience, cost = part("capacity"), part("audience"), part("cost")
    access, transport, contact = part("accessibility"), part("transport"), part("contact")
    referral = part("referral")
    venue = listing.get("venue") or {}
    rail = transport.get("rail_station") or {}
    door = transport.get("door_to_door") or {}
    sessions = [
        {
            "day": entry.get("day") or "",
            "start": entry.get("start") or "",
            "end": entry.get("end") or "",
            "frequency": entry.get("frequency") or Frequency.WEEKLY.value,
        }
        for entry in listing.get("schedule") or []
    ]
    sessions += [{"frequency": Frequency.WEEKLY.value}] * max(
        SPARE_SESSIONS, MIN_SESSIONS - len(sessions)
    )
    stops = [
        {
            "name": stop.get("name") or "",
            "distance_m": _shown(stop.get("distance_m")),
            "routes": ", ".join(stop.get("routes") or []),
        }
        for stop in transport.get("bus_stops") or []
    ]
    stops += [{}] * max(SPARE_STOPS, MIN_STOPS - len(stops))
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
            "lat": _shown(venue.get("lat")),
            "lon": _shown(venue.get("lon")),
        },
        "schedule": sessions,
        "capacity": {
            **{
                name: _shown(capacity.get(name))
                for name in ("total_places", "places_taken", "waiting_list")
            },
            "complex_needs_places": _shown(capacity.get("complex_needs_places")),
            "complexity_supported": "" if support is None else str(support),
        },
        "audience": {
            "min_age": _shown(audience.get("min_age")),
            "max_age": _shown(audience.get("max_age")),
            "gender": audience.get("gender") or "any",
            "languages": ", ".join(audience.get("languages") or []),
        },
        "cost": {
            "free": _tri(cost.get("free")),
            "amount_gbp": _shown(cost.get("amount_gbp")),
            "notes": cost.get("notes") or "",
        },
        "accessibility": {
            **{flag: _tri(access.get(flag)) for flag in ACCESSIBILITY_FLAGS},
            "notes": access.get("notes") or "",
        },
        "transport": {
            "bus_stops": stops,
            "rail_station": {
                "name": rail.get("name") or "",
                "distance_m": _shown(rail.get("distance_m")),
            },
            "parking": _tri(transport.get("parking")),
            "door_to_door": {
                "available": _tri(door.get("available")),
                "radius_km": _shown(door.get("radius_km")),
                "notes": door.get("notes") or "",
            },
        },
        "contact": {
            name: contact.get(name) or "" for name in ("name", "phone", "email", "website")
        },
        "referral": {
            "self_referral": _tri(referral.get("self_referral")),
            "link_worker_referral": _tri(referral.get("link_worker_referral")),
            "notes": referral.get("notes") or "",
        },
    }


# ---- what changed --------------------------------------------------------------------------

#: Lists whose order means nothing: compared as sets.
_UNORDERED = frozenset({"categories", "interests"})


def same(a: Any, b: Any, key: str = "") -> bool:
    """Whether a form value and a stored value say the same thing ("" and null alike)."""
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, str) and isinstance(b, str):
        return a.replace("\r\n", "\n") == b.replace("\r\n", "\n")
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, list) and isinstance(b, list):
        if key in _UNORDERED:
            return sorted(map(str, a)) == sorted(map(str, b))
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return all(same(a.get(k), b.get(k), k) for k in a.keys() | b.keys() if k != "spare_places")
    return bool(a == b)


def diff(new: Mapping[str, Any], old: Mapping[str, Any]) -> dict[str, Any]:
    """A merge patch taking ``old`` to ``new``, for the keys the form has."""
    patch: dict[str, Any] = {}
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, Mapping) and isinstance(before, Mapping):
            if sub := diff(value, before):
                patch[key] = sub
        elif not same(value, before, key):
            patch[key] = value
    return patch


def _set_path(listing: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    level = listing
    for part in parents:
        if not isinstance(level.get(part), dict):
            return
        level = level[part]
    level[leaf] = value


@dataclass
class StaleNotice:
    """What someone else changed, for the 409 page."""

    changes: list[tuple[str, str]]  # (label, value now)
    both: list[str]  # labels of fields this person changed too


def merge_after_stale(
    session: Session, group_id: int, stale: StaleEdit, mine: dict[str, Any]
) -> tuple[dict[str, Any], StaleNotice, dict[str, str]]:
    """This person's listing with the other person's changes taken in where this person
    left the field alone; fields both changed keep this person's input.

    Returns the merged listing, the notice, and notes for form fields both changed.
    """
    current = current_listing(session, group_id)
    now = flatten(current)
    changed = [path for path in stale.changed if path not in DERIVED]
    old = values_at(session, group_id, stale.based_on, changed)
    ours = flatten(mine)
    notice = StaleNotice(changes=[], both=[])
    notes: dict[str, str] = {}
    for path in changed:
        notice.changes.append((label_of(path), value_text(path, now.get(path))))
        if path not in ours:
            continue
        if same(ours[path], old.get(path), path.rsplit(".", 1)[-1]):
            _set_path(mine, path, now.get(path))
        else:
            notice.both.append(label_of(path))
            notes[path] = value_text(path, now.get(path))
    return mine, notice, notes


def label_of(path: str) -> str:
    """A listing path in plain words: "capacity.total_places" is "Total places"."""
    plain = re.sub(r"\[\d+\]", "", path)
    if plain in LABELS:
        return LABELS[plain]
    return plain.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def value_text(path: str, value: Any) -> str:
    """A stored value in plain words, for "they changed it to …"."""
    if value is None or value == "" or value == []:
        return "nothing" if not path.startswith("accessibility.") else "not known"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if path == "schedule":
        return "; ".join(session_text(entry) for entry in value)
    if path == "transport.bus_stops":
        return "; ".join(str(stop.get("name")) for stop in value)
    if path == "categories":
        return ", ".join(CATEGORY_NAMES.get(v, v) for v in value)
    if path == "status":
        return STATUS_NAMES.get(value, value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return _shown(value)


# ---- errors, next to their fields ----------------------------------------------------------


@dataclass
class FormErrors:
    """Messages by form-field id, and the error summary's (anchor, message) list."""

    by_field: dict[str, str] = field(default_factory=dict)
    summary: list[tuple[str, str]] = field(default_factory=list)

    def add(self, anchor: str, field_id: str, message: str) -> None:
        if field_id in self.by_field:
            return
        self.by_field[field_id] = message
        self.summary.append((anchor, message))

    def __bool__(self) -> bool:
        return bool(self.summary)


def _resolve(form: ListingForm, path: str, rows: Mapping[str, list[int]]) -> Field | None:
    """The form field a listing path ("capacity.total_places", "schedule[1].end") came from."""
    if path in ("venue.lat", "venue.lon"):
        path = "venue.postcode"  # the pin is hidden: the postcode is what a person can fix
    node: Any = form
    plain = ""
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if token.startswith("["):
            if not isinstance(node, FieldList):
                break  # an item of a list typed in one box ("interests[2]"): the box
            index = int(token[1:-1])
            used = rows.get(plain, [])
            real = used[index] if index < len(used) else index
            if real >= len(node.entries):
                break
            node = node.entries[real]
            continue
        container = node.form if isinstance(node, FormField) else node
        child = container._fields.get(token) if hasattr(container, "_fields") else None
        if child is None:
            break
        node = child
        plain = f"{plain}.{token}" if plain else token
    while isinstance(node, FormField | FieldList):
        if isinstance(node, FieldList):
            if not node.entries:
                return None
            node = node.entries[0]
        else:
            node = next(iter(node.form))
    return node if isinstance(node, Field) and node is not form else None


def anchor_of(field_obj: Field) -> str:
    """Where the summary links to: the first option of a set of radios or boxes."""
    if isinstance(field_obj, RadioField | SelectMultipleField):
        return f"{field_obj.id}-0"
    return field_obj.id


def plain_message(path: str, message: str, rows: Mapping[str, list[int]]) -> str:
    """A contract message about ``path`` as a sentence about the form."""
    prefix = f"{path}: "
    if message.startswith(prefix):
        message = message[len(prefix) :]
    for other in sorted(re.findall(r"[a-z_]+(?:\.[a-z_]+)+", message), key=len, reverse=True):
        message = message.replace(other, label_of(other).lower())
    message = re.sub(r"≥ (\d+)", r"of \1 or more", message)
    plain = re.sub(r"\[\d+\]", "", path)
    if plain.endswith(".day") and message.startswith("must be one of"):
        message = "choose a day"
    elif message.startswith("must be one of") and plain in ("status", "audience.gender"):
        message = "choose one of the options"
    if plain == "categories" and message == "must not be empty":
        return "Choose at least one kind of group"
    if plain == "venue" and "required" in message:
        return "Give the venue's name and postcode, or say the group meets online"
    label = label_of(path)
    for row_list, row_name in ROW_LISTS.items():
        if match := re.match(rf"{re.escape(row_list)}\[(\d+)\]", path):
            index = int(match.group(1))
            used = rows.get(row_list, [])
            number = (used[index] if index < len(used) else index) + 1
            return f"{row_name} {number}: {label} {message}"
    return f"{label} {message}"


def form_errors(
    form: ListingForm, problems: list[tuple[str, str]], rows: Mapping[str, list[int]]
) -> FormErrors:
    """The contract's (path, message) problems as messages by the form fields they are about."""
    errors = FormErrors()
    for path, message in problems:
        text = plain_message(path, message, rows)
        target = _resolve(form, path, rows) if path else None
        if target is None:
            errors.add("listing-form", f"path:{path}", text)
        else:
            errors.add(anchor_of(target), target.id, text)
    return errors


def _problems(error: ValidationError, whole: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Every problem with the listing if it can be checked whole, else the one raised."""
    found: list[tuple[str, str]] = []
    if whole is not None:
        _, found = parse_listing(whole)
    raised = (error.field or "", error.message)
    if not any(path == raised[0] for path, _ in found):
        found.insert(0, raised)
    return found


# ---- shared pieces of the views ------------------------------------------------------------


def _acting_user(session: Session) -> User:
    user = session.get(User, current_user.id)
    if user is None or not user.active:
        abort(403)
    return user


def _editable_group(session: Session, user: User, group_id: int) -> Group:
    group = session.get(Group, group_id)
    if group is None:
        abort(404)
    if not Permissions.of(session, user).may_edit(group):
        abort(403)
    return group


def _locate_venue(
    listing: dict[str, Any], stored: Mapping[str, Any] | None, session: Session
) -> None:
    """Coordinates for the venue: a pin placed on the map, or else its postcode looked up.

    Without JavaScript the old pin rides along in the hidden fields, so a new postcode with
    the pin unmoved means the postcode is looked up afresh.
    """
    venue = listing.get("venue")
    if not venue or not venue.get("postcode") or not is_postcode(venue["postcode"]):
        return
    pinned = venue.get("lat") is not None and venue.get("lon") is not None
    if pinned and stored and venue["postcode"] != stored.get("postcode"):
        pinned = not (
            same(venue["lat"], stored.get("lat")) and same(venue["lon"], stored.get("lon"))
        )
    if pinned:
        return
    place = geocoder(session).geocode(venue["postcode"])
    if place is None:
        raise ValidationError(
            "venue.postcode: we could not find this postcode: check it, or click the map to "
            "show where the group meets",
            field="venue.postcode",
        )
    venue["lat"], venue["lon"] = place.lat, place.lon


def _version(form: ListingForm) -> int:
    text = _text(form.version.data)
    if not text.isdigit():
        abort(400)
    return int(text)


def _save_note(session: Session, user: User, group: Group | None) -> str:
    """What happens when this person saves: live at once, or checked by an admin first."""
    if user.role is Role.ADMIN:
        return "Your changes go live as soon as you save them."
    organisation = (
        session.get(Organisation, group.organisation_id)
        if group is not None and group.organisation_id
        else None
    )
    if organisation is not None and organisation.trusted:
        return (
            "Changes to sessions, places and status go live as soon as you save them. "
            "Other changes are checked by an admin first."
        )
    return (
        "An admin checks changes before they go live. Until then the public listing stays as it is."
    )


def _pending_lines(session: Session, group_ids: list[int]) -> dict[int, list[str]]:
    lines: dict[int, list[str]] = {}
    if not group_ids:
        return lines
    for change in session.scalars(
        select(PendingChange)
        .where(
            PendingChange.group_id.in_(group_ids),
            PendingChange.status == ChangeStatus.PENDING,
        )
        .order_by(PendingChange.proposed_at)
    ):
        sent = change.proposed_at.strftime("%-d %B %Y")
        if change.kind is ChangeKind.CLOSE:
            text = f"You asked on {sent} to close it: waiting for an admin's approval."
        else:
            parts = sorted({label_of(key) for key in json.loads(change.patch)})
            text = f"Changes sent on {sent} ({', '.join(parts)}) wait for an admin's approval."
        assert change.group_id is not None
        lines.setdefault(change.group_id, []).append(text)
    return lines


def _status_choices(form: ListingForm, current_status: str | None, user: User) -> None:
    statuses = list(EDITABLE_STATUSES)
    if current_status == Status.CLOSED.value or user.role is Role.ADMIN:
        statuses.append(Status.CLOSED)
    form.status.choices = _choices((s.value, STATUS_NAMES[s.value]) for s in statuses)


def _venue_map(listing: Mapping[str, Any]) -> Any:
    venue = listing.get("venue") or {}
    lat, lon = venue.get("lat"), venue.get("lon")
    if isinstance(lat, int | float) and isinstance(lon, int | float):
        return build_map(app_config(), (lat, lon), 16, marker=True)
    return build_map(app_config(), app_config().map_centre, 13)


# ---- the views -----------------------------------------------------------------------------


@dataclass
class GroupRow:
    id: int
    name: str
    organisation: str | None
    status: str
    freshness: str
    checked: str
    places: str | None
    pending: list[str]


@manage.get("/groups")
def dashboard() -> ResponseReturnValue:
    session = db_session()
    user = _acting_user(session)
    permissions = Permissions.of(session, user)
    is_admin = user.role is Role.ADMIN
    try:
        page = max(int(request.args.get("page") or 1), 1)
    except ValueError:
        page = 1
    query = select(
        Group.id,
        Group.name,
        Group.status,
        *FACT_COLUMNS,
        Group.total_places,
        Group.places_taken,
        Group.waiting_list,
        Organisation.name.label("organisation"),
    ).outerjoin(Organisation, Group.organisation_id == Organisation.id)
    if not is_admin:
        query = query.where(Group.organisation_id.in_(sorted(permissions.organisation_ids)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = session.execute(
        # The groups most in need of a check first: never checked, then the longest ago.
        query.order_by(Group.last_verified_at.asc().nulls_first(), Group.name, Group.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    pending = _pending_lines(session, [row.id for row in found])
    day = today()
    classify = freshness_policy().classifier(day)
    rows = []
    for row in found:
        last = row.last_verified_at.isoformat() if row.last_verified_at else None
        spare = (
            max(row.total_places - row.places_taken, 0)
            if row.total_places is not None and row.places_taken is not None
            else None
        )
        rows.append(
            GroupRow(
                id=row.id,
                name=row.name,
                organisation=row.organisation,
                status=row.status.value,
                freshness=classify(row).value,
                checked=months_ago(last, day),
                places=spare_places_text({"spare_places": spare, "waiting_list": row.waiting_list}),
                pending=pending.get(row.id, []),
            )
        )
    proposals: list[str] = []
    if not is_admin and permissions.organisation_ids:
        for change in session.scalars(
            select(PendingChange)
            .where(
                PendingChange.kind == ChangeKind.NEW,
                PendingChange.status == ChangeStatus.PENDING,
                PendingChange.organisation_id.in_(sorted(permissions.organisation_ids)),
            )
            .order_by(PendingChange.proposed_at)
        ):
            name = json.loads(change.patch).get("name") or "A new group"
            proposals.append(f"{name} (sent {change.proposed_at.strftime('%-d %B %Y')})")
    organisations = (
        []
        if is_admin
        else sorted(
            session.scalars(
                select(Organisation.name).where(
                    Organisation.id.in_(sorted(permissions.organisation_ids))
                )
            )
        )
    )
    return render_template(
        "manage/dashboard.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(math.ceil(total / PAGE_SIZE), 1),
        is_admin=is_admin,
        moderation_url=url_for(MODERATION_QUEUE) if is_admin else None,
        proposals=proposals,
        organisations=organisations,
    )


@manage.post("/groups/<int:group_id>/confirm")
def confirm(group_id: int) -> ResponseReturnValue:
    session = db_session()
    user = _acting_user(session)
    group = _editable_group(session, user, group_id)
    try:
        confirm_still_running(session, user, group_id, today())
    except Forbidden:
        session.rollback()
        abort(403)
    except NotFound:
        session.rollback()
        abort(404)
    name = group.name
    session.commit()
    flash(f"Thank you. {name} is marked as checked today.", "success")
    return redirect(url_for("manage.dashboard"))


def _render_form(
    *,
    form: ListingForm,
    group: Group | None,
    listing: Mapping[str, Any],
    user: User,
    session: Session,
    errors: FormErrors | None = None,
    stale: StaleNotice | None = None,
    notes: Mapping[str, str] | None = None,
    close_error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    pending = _pending_lines(session, [group.id]) if group is not None else {}
    note_by_field: dict[str, str] = {}
    for path, text in (notes or {}).items():
        target = _resolve(form, path, {})
        if target is not None:
            note_by_field[target.id] = text
    return render_template(
        "manage/edit.html",
        form=form,
        group=group,
        listing=listing,
        errors=errors or FormErrors(),
        stale=stale,
        notes=note_by_field,
        close_error=close_error,
        pending=pending.get(group.id, []) if group is not None else [],
        save_note=_save_note(session, user, group),
        map=_venue_map(listing),
        access_names=ACCESSIBILITY_NAMES,
        support_labels=SUPPORT_LABELS,
        gender_labels=GENDER_LABELS,
        yes_no_unknown=YES_NO_UNKNOWN,
    ), status


@manage.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
def edit(group_id: int) -> ResponseReturnValue:
    session = db_session()
    user = _acting_user(session)
    group = _editable_group(session, user, group_id)
    stored = current_listing(session, group_id)
    if request.method == "GET":
        form = ListingForm(formdata=None, data=form_data(stored, group.version))
        _status_choices(form, stored.get("status"), user)
        return _render_form(form=form, group=group, listing=stored, user=user, session=session)

    form = ListingForm()
    _status_choices(form, stored.get("status"), user)
    based_on = _version(form)
    built = listing_from_form(form)
    patch: dict[str, Any] | None = None
    try:
        _locate_venue(built.listing, stored.get("venue"), session)
        patch = diff(built.listing, stored)
        if not patch:
            flash(
                f"You did not change anything in {group.name}. If it is still running as "
                "listed, use “Still running, nothing changed”.",
                "info",
            )
            return redirect(url_for("manage.dashboard"))
        submitted = submit_change(
            session,
            user,
            group_id,
            patch,
            based_on=based_on,
            geocoder=geocoder(session),
        )
    except StaleEdit as stale:
        session.rollback()
        merged, notice, notes = merge_after_stale(session, group_id, stale, built.listing)
        again = ListingForm(formdata=None, data=form_data(merged, stale.current))
        _status_choices(again, stored.get("status"), user)
        return _render_form(
            form=again,
            group=group,
            listing=merged,
            user=user,
            session=session,
            stale=notice,
            notes=notes,
            status=409,
        )
    except Forbidden:
        session.rollback()
        abort(403)
    except ValidationError as error:
        session.rollback()
        # Check the whole listing as it would be, to show every problem at once.
        whole = merge_patch(stored, patch if patch is not None else diff(built.listing, stored))
        errors = form_errors(form, _problems(error, whole), built.rows)
        return _render_form(
            form=form,
            group=group,
            listing=built.listing,
            user=user,
            session=session,
            errors=errors,
            status=400,
        )
    session.commit()
    if submitted.applied is not None:
        flash(f"Saved. The changes to {group.name} are live now.", "success")
    else:
        flash(
            f"Sent to an admin for approval: the public listing of {group.name} stays as it "
            "was until then.",
            "info",
        )
    return redirect(url_for("manage.dashboard"))


@manage.post("/groups/<int:group_id>/close")
def close(group_id: int) -> ResponseReturnValue:
    session = db_session()
    user = _acting_user(session)
    group = _editable_group(session, user, group_id)
    try:
        ask_to_close(session, user, group_id, request.form.get("reason", "")[:5000])
    except Forbidden:
        session.rollback()
        abort(403)
    except ValidationError:
        session.rollback()
        stored = current_listing(session, group_id)
        form = ListingForm(formdata=None, data=form_data(stored, group.version))
        _status_choices(form, stored.get("status"), user)
        return _render_form(
            form=form,
            group=group,
            listing=stored,
            user=user,
            session=session,
            close_error="Say why the group is closing",
            status=400,
        )
    name = group.name
    session.commit()
    flash(
        f"Your request to close {name} was sent to an admin. It stays listed until they "
        "approve it.",
        "info",
    )
    return redirect(url_for("manage.dashboard"))


def _organisation_choices(session: Session, user: User) -> list[str]:
    query = select(Organisation.name).order_by(Organisation.name)
    if user.role is not Role.ADMIN:
        ids = sorted(Permissions.of(session, user).organisation_ids)
        query = query.where(Organisation.id.in_(ids))
    return list(session.scalars(query))


@manage.route("/groups/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    session = db_session()
    user = _acting_user(session)
    choices = _organisation_choices(session, user)
    blank = {"status": Status.OPEN.value}
    if request.method == "GET":
        form = NewListingForm(formdata=None, data=form_data(blank))
        form.organisation.choices = _choices((name, name) for name in choices)
        _status_choices(form, None, user)
        return _render_form(form=form, group=None, listing=blank, user=user, session=session)

    form = NewListingForm()
    form.organisation.choices = _choices((name, name) for name in choices)
    _status_choices(form, None, user)
    built = listing_from_form(form)
    built.listing = {"organisation": _text(form.organisation.data) or None, **built.listing}
    try:
        _locate_venue(built.listing, None, session)
        propose_group(session, user, built.listing, geocoder(session))
    except Forbidden:
        session.rollback()
        abort(403)
    except ValidationError as error:
        session.rollback()
        errors = form_errors(form, _problems(error, built.listing), built.rows)
        return _render_form(
            form=form,
            group=None,
            listing=built.listing,
            user=user,
            session=session,
            errors=errors,
            status=400,
        )
    session.commit()
    flash(
        f"Thank you. {built.listing['name']} was sent for approval: it will be on the map "
        "once an admin approves it.",
        "info",
    )
    return redirect(url_for("manage.dashboard"))


__all__ = ["manage"]
