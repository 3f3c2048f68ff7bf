"""The listing contract (docs/architecture.md): JSON in, validated, and JSON out.

Validation speaks plain English a person fixing a file can act on:
``capacity.total_places: must be a whole number ≥ 0``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from assetmap.geo.postcodes import is_postcode, normalise_postcode
from assetmap.models import ACCESSIBILITY_FLAGS, Category, Day, Frequency, Gender, Status
from assetmap.text.words import normalise_interest

# ---- field types with their own plain-English errors -------------------------------------


def _fail(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


MAX_ID = 2**31 - 1  # the largest id an integer column holds on PostgreSQL


def whole_number(
    low: int, high: int | None = None, message: str | None = None, cap: int | None = None
) -> BeforeValidator:
    """A whole number from ``low`` (to ``high``); ``cap`` is a sanity limit with its own words."""
    text = message or (
        f"must be a whole number ≥ {low}"
        if high is None
        else f"must be a whole number from {low} to {high}"
    )

    def check(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail("whole_number", text)
        if isinstance(value, float) and not value.is_integer():
            raise _fail("whole_number", text)
        if value < low or (high is not None and value > high):
            raise _fail("whole_number", text)
        if cap is not None and value > cap:
            raise _fail("whole_number", f"must be at most {cap}")
        return int(value)

    return BeforeValidator(check)


def decimal_number(low: float, high: float, text: str) -> BeforeValidator:
    def check(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail("number", text)
        if not low <= value <= high:
            raise _fail("number", text)
        return float(value)

    return BeforeValidator(check)


def _flag(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    raise _fail("flag", "must be true, false or null (not known)")


def bounded_text(limit: int) -> BeforeValidator:
    def check(value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            raise _fail("text", "must be text")
        value = value.strip()
        if len(value) > limit:
            raise _fail("text", f"must be at most {limit} characters")
        if "\x00" in value:
            raise _fail("text", "must not contain NUL characters")
        return value

    return BeforeValidator(check)


def time_of_day(value: Any) -> Any:
    if isinstance(value, dt.time) or value is None:
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value.strip()):
        hours, minutes = (int(part) for part in value.strip().split(":"))
        if hours < 24 and minutes < 60:
            return dt.time(hours, minutes)
    raise _fail("time", "must be a time of day like 09:30")


def _date(value: Any) -> Any:
    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _fail("date", "must be a date like 2026-09-01")


def one_of(kind: type[Any]) -> BeforeValidator:
    allowed = [member.value for member in kind]

    def check(value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in allowed:
            return kind(value.strip().lower())
        raise _fail("choice", f"must be one of {', '.join(allowed)}")

    return BeforeValidator(check)


def _postcode(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str) and is_postcode(value):
        return normalise_postcode(value)
    raise _fail("postcode", "must be a UK postcode like NW5 1AA")


def _email(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str) and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value.strip()):
        return value.strip()
    raise _fail("email", "must be an email address like jo@example.org")


def _website(value: Any) -> Any:
    # Only http(s): a javascript: or data: URL in a listing would run in the reader's browser.
    if value is None or value == "":
        return None
    if isinstance(value, str) and re.fullmatch(r"https?://[^\s<>\"]+", value.strip()):
        return value.strip()
    raise _fail("website", "must be a web address starting with http:// or https://")


def interest_text(value: Any) -> Any:
    if not isinstance(value, str) or not value.strip():
        raise _fail("interest", "must be a non-empty word or phrase")
    cleaned = normalise_interest(value)
    if len(cleaned) > 100:
        raise _fail("interest", "must be at most 100 characters")
    return cleaned


Flag = Annotated[bool | None, BeforeValidator(_flag)]
# Upper bounds keep values inside a 32-bit integer column on both backends.
Count = Annotated[int | None, whole_number(0, cap=1_000_000)]
Age = Annotated[int | None, whole_number(0, 120)]
Complexity = Annotated[int | None, whole_number(1, 3, "must be 1, 2 or 3")]
Metres = Annotated[int | None, whole_number(0, cap=1_000_000)]
Money = Annotated[float | None, decimal_number(0, 10_000, "must be an amount in pounds ≥ 0")]
Kilometres = Annotated[
    float | None, decimal_number(0, 500, "must be a distance in km from 0 to 500")
]
Latitude = Annotated[float | None, decimal_number(-90, 90, "must be a latitude from -90 to 90")]
Longitude = Annotated[
    float | None, decimal_number(-180, 180, "must be a longitude from -180 to 180")
]
Text = Annotated[str, bounded_text(5000)]
ShortText = Annotated[str, bounded_text(500)]
Name = Annotated[str, bounded_text(200), Field(min_length=1)]
OptionalName = Annotated[str | None, bounded_text(200)]
Time = Annotated[dt.time, BeforeValidator(time_of_day)]
OptionalTime = Annotated[dt.time | None, BeforeValidator(time_of_day)]
Date = Annotated[dt.date | None, BeforeValidator(_date)]
CancelledDate = Annotated[dt.date, BeforeValidator(_date)]
#: How many cancelled dates a listing may hold: half a year of weekly sessions.
MAX_CANCELLED = 26
# How long a listing's lists may be. Far past any real group (the Camden data, the test
# feeds and the synthetic directory have at most 3 sessions, 4 interests, 3 categories, 3 bus
# stops of 9 routes and 3 languages), and short enough that one listing cannot carry 10,000
# sessions into every page, match and export that reads it.
#: Sessions: a group meeting morning, afternoon and evening every day is 21.
MAX_SCHEDULE = 50
MAX_INTERESTS = 50
#: Each category once.
MAX_CATEGORIES = len(Category)
MAX_BUS_STOPS = 20
#: Routes at one stop: a big interchange has a few dozen.
MAX_ROUTES = 50
MAX_LANGUAGES = 20
PostcodeText = Annotated[str | None, BeforeValidator(_postcode)]
Email = Annotated[str | None, BeforeValidator(_email)]
Website = Annotated[str | None, BeforeValidator(_website)]
Interest = Annotated[str, BeforeValidator(interest_text)]


class Part(BaseModel):
    """A nested part of a listing: unknown keys are mistakes worth reporting."""

    model_config = ConfigDict(extra="forbid")


class AudienceIn(Part):
    min_age: Age = None
    max_age: Age = None
    gender: Annotated[Gender, one_of(Gender)] = Gender.ANY
    languages: list[Annotated[str, bounded_text(20)]] = Field(
        default_factory=list, max_length=MAX_LANGUAGES
    )


class CostIn(Part):
    free: Flag = None
    amount_gbp: Money = None
    notes: ShortText = ""


class VenueIn(Part):
    name: Name
    address: Annotated[str | None, bounded_text(300)] = None
    postcode: PostcodeText = None
    lat: Latitude = None
    lon: Longitude = None


class ScheduleIn(Part):
    day: Annotated[Day, one_of(Day)]
    start: Time
    end: OptionalTime = None
    frequency: Annotated[Frequency, one_of(Frequency)] = Frequency.WEEKLY
    #: The date of one session: it fixes which fortnight, and which week of the month.
    from_date: Date = None


class CapacityIn(Part):
    total_places: Count = None
    places_taken: Count = None
    waiting_list: Count = None
    complex_needs_places: Count = None
    complexity_supported: Complexity = None
    spare_places: Any = None  # derived: accepted from exports, ignored
    places_held: Any = None  # added when served (referrals hold them): accepted, ignored


class AccessibilityIn(Part):
    step_free: Flag = None
    wheelchair_accessible: Flag = None
    accessible_toilet: Flag = None
    hearing_loop: Flag = None
    blue_badge_parking: Flag = None
    seating_available: Flag = None
    dementia_friendly: Flag = None
    quiet_space: Flag = None
    notes: Text = ""


class BusStopIn(Part):
    name: Name
    distance_m: Metres = None
    routes: list[Annotated[str, bounded_text(20)]] = Field(
        default_factory=list, max_length=MAX_ROUTES
    )


class RailStationIn(Part):
    name: Name
    distance_m: Metres = None


class DoorToDoorIn(Part):
    available: Flag = None
    radius_km: Kilometres = None
    notes: ShortText = ""


class TransportIn(Part):
    bus_stops: list[BusStopIn] = Field(default_factory=list, max_length=MAX_BUS_STOPS)
    rail_station: RailStationIn | None = None
    parking: Flag = None
    door_to_door: DoorToDoorIn | None = None


class ContactIn(Part):
    name: OptionalName = None
    phone: Annotated[str | None, bounded_text(50)] = None
    email: Email = None
    website: Website = None


class ReferralIn(Part):
    self_referral: Flag = None
    link_worker_referral: Flag = None
    notes: Text = ""
    paused_until: Any = None  # added when served (the organiser sets it): accepted, ignored


class ListingIn(Part):
    """One listing as it arrives in an import file or, later, an API write."""

    id: Annotated[int | None, whole_number(1, cap=MAX_ID)] = None
    external_id: Annotated[str | None, bounded_text(100)] = None
    name: Name
    description: Text = ""
    organisation: OptionalName = None
    categories: list[Annotated[Category, one_of(Category)]] = Field(
        min_length=1, max_length=MAX_CATEGORIES
    )
    interests: list[Interest] = Field(default_factory=list, max_length=MAX_INTERESTS)
    status: Annotated[Status, one_of(Status)] = Status.OPEN
    audience: AudienceIn = Field(default_factory=AudienceIn)
    cost: CostIn = Field(default_factory=CostIn)
    online: Annotated[bool, BeforeValidator(_flag)] = False
    venue: VenueIn | None = None
    schedule: list[ScheduleIn] = Field(default_factory=list, max_length=MAX_SCHEDULE)
    capacity: CapacityIn = Field(default_factory=CapacityIn)
    accessibility: AccessibilityIn = Field(default_factory=AccessibilityIn)
    transport: TransportIn = Field(default_factory=TransportIn)
    contact: ContactIn = Field(default_factory=ContactIn)
    referral: ReferralIn = Field(default_factory=ReferralIn)
    #: Dates on which a session does not happen ("cancelled this week"); each on a meeting day.
    cancelled_dates: list[CancelledDate] = Field(default_factory=list, max_length=MAX_CANCELLED)
    last_verified_at: Date = None
    verified_by: OptionalName = None
    freshness: Any = None  # derived: accepted from exports, ignored


# ---- turning pydantic's errors into ours ---------------------------------------------------

_GENERIC = {
    "missing": "is required",
    "extra_forbidden": "is not part of a listing (check the spelling)",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "list_type": "must be a list",
    "too_short": "must not be empty",
    "string_too_short": "must not be empty",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
}


def _location(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def describe_errors(error: PydanticValidationError) -> list[tuple[str, str]]:
    """(field path, plain message) for each problem pydantic found."""
    problems = []
    for item in error.errors(include_url=False):
        message = _GENERIC.get(item["type"], item["msg"])
        if item["type"] == "too_long":
            message = f"must have at most {(item.get('ctx') or {}).get('max_length')} entries"
        problems.append((_location(item["loc"]), message))
    return problems


def cross_field_problems(
    listing: ListingIn, *, venue_required: bool = True
) -> list[tuple[str, str]]:
    """Checks that need more than one field at once. ``venue_required=False`` (an import from
    another directory) lets a place-based group's venue be not known rather than guessed."""
    problems = []
    capacity = listing.capacity
    if (
        capacity.total_places is not None
        and capacity.places_taken is not None
        and capacity.places_taken > capacity.total_places
    ):
        problems.append(("capacity.places_taken", "must not be more than capacity.total_places"))
    audience = listing.audience
    if (
        audience.min_age is not None
        and audience.max_age is not None
        and audience.min_age > audience.max_age
    ):
        problems.append(("audience.max_age", "must not be less than audience.min_age"))
    if listing.venue is None and not listing.online and venue_required:
        problems.append(("venue", "is required unless the group is online"))
    if listing.venue is not None and (listing.venue.lat is None) != (listing.venue.lon is None):
        problems.append(("venue.lat", "give both lat and lon, or neither (to geocode)"))
    if listing.venue is not None and listing.venue.lat is None and not listing.venue.postcode:
        problems.append(("venue.postcode", "is required when lat and lon are not given"))
    for index, entry in enumerate(listing.schedule):
        if entry.end is not None and entry.end <= entry.start:
            problems.append((f"schedule[{index}].end", "must be after the start time"))
        weekday = list(Day).index(entry.day)
        if entry.from_date is not None and entry.from_date.weekday() != weekday:
            day_name = calendar.day_name[weekday]
            problems.append((f"schedule[{index}].from_date", f"must be a {day_name}"))
    problems.extend(_cancelled_problems(listing))
    return problems


def _cancelled_problems(listing: ListingIn) -> list[tuple[str, str]]:
    """Each cancelled date must fall on a day the schedule meets."""
    meets = {list(Day).index(entry.day) for entry in listing.schedule}
    said = " or ".join(calendar.day_name[w] for w in sorted(meets))
    problems = []
    for index, day in enumerate(listing.cancelled_dates):
        if not meets:
            problems.append(
                (f"cancelled_dates[{index}]", "can only be given with the days the group meets")
            )
        elif day.weekday() not in meets:
            problems.append((f"cancelled_dates[{index}]", f"must be a day the group meets: {said}"))
    return problems


def parse_listing(
    data: Any, *, venue_required: bool = True
) -> tuple[ListingIn | None, list[tuple[str, str]]]:
    """Validate one raw record: the listing, or None and every problem found."""
    if not isinstance(data, dict):
        return None, [("", "must be an object (a listing), not " + type(data).__name__)]
    try:
        listing = ListingIn.model_validate(data)
    except PydanticValidationError as error:
        return None, describe_errors(error)
    problems = cross_field_problems(listing, venue_required=venue_required)
    return (None, problems) if problems else (listing, [])


# ---- out: a stored listing as the contract's JSON ------------------------------------------


def _hhmm(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def spare_places(total_places: int | None, places_taken: int | None) -> int | None:
    """Places free: never below nought, and unknown unless both numbers are known.

    The one definition for listings, the organiser's dashboard and the matcher."""
    if total_places is None or places_taken is None:
        return None
    return max(total_places - places_taken, 0)


def listing_json(
    row: Any,
    *,
    categories: list[str],
    interests: list[str],
    schedule: list[Any],
) -> dict[str, Any]:
    """A group row (with its venue and organisation columns) as the listing contract.

    ``freshness`` is left out: it changes with the date, so readers add it when serving.
    Long on purpose: one literal in the contract's own order, so the code reads as the shape
    it writes (and key order is what the API and exports show).
    """
    spare = spare_places(row.total_places, row.places_taken)
    venue = (
        {
            "name": row.venue_name,
            "address": row.venue_address,
            "postcode": row.venue_postcode,
            "lat": row.venue_lat,
            "lon": row.venue_lon,
        }
        if row.venue_id is not None
        else None
    )
    rail = (
        {"name": row.rail_station_name, "distance_m": row.rail_station_distance_m}
        if row.rail_station_name
        else None
    )
    return {
        "id": row.id,
        "external_id": row.external_id,
        "name": row.name,
        "description": row.description,
        "organisation": row.organisation_name,
        "categories": categories,
        "interests": interests,
        "status": row.status.value,
        "audience": {
            "min_age": row.min_age,
            "max_age": row.max_age,
            "gender": row.gender.value,
            "languages": list(row.languages or []),
        },
        "cost": {"free": row.cost_free, "amount_gbp": row.cost_amount_gbp, "notes": row.cost_notes},
        "online": row.online,
        "venue": venue,
        "schedule": [
            {
                "day": entry.day.value,
                "start": _hhmm(entry.start),
                "end": _hhmm(entry.end),
                "frequency": entry.frequency.value,
                "from_date": entry.from_date.isoformat() if entry.from_date else None,
            }
            for entry in schedule
        ],
        "capacity": {
            "total_places": row.total_places,
            "places_taken": row.places_taken,
            "spare_places": spare,
            "waiting_list": row.waiting_list,
            "complex_needs_places": row.complex_needs_places,
            "complexity_supported": row.complexity_supported,
        },
        "accessibility": {
            **{flag: getattr(row, flag) for flag in ACCESSIBILITY_FLAGS},
            "notes": row.access_notes,
        },
        "transport": {
            "bus_stops": list(row.bus_stops or []),
            "rail_station": rail,
            "parking": row.parking,
            "door_to_door": {
                "available": row.door_to_door_available,
                "radius_km": row.door_to_door_radius_km,
                "notes": row.door_to_door_notes,
            },
        },
        "contact": {
            "name": row.contact_name,
            "phone": row.contact_phone,
            "email": row.contact_email,
            "website": row.contact_website,
        },
        "referral": {
            "self_referral": row.self_referral,
            "link_worker_referral": row.link_worker_referral,
            "notes": row.referral_notes,
        },
        "cancelled_dates": sorted(row.cancelled_dates or []),
        "last_verified_at": row.last_verified_at.isoformat() if row.last_verified_at else None,
        "verified_by": row.verified_by,
    }
