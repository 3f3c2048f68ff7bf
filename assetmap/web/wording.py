"""The words pages use: field labels, enum values in plain English, and listing facts
(times, distances, how long since checked, values in a change or a history).

One vocabulary for every page, so a field reads the same on the organiser's form, in the
admin's moderation queue, in a listing's history and on the link worker's check page.
Tables are keyed by the listing contract's dotted paths or by the models' enums (a StrEnum
member and its value look up alike, so templates may index them with either).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from assetmap.directory.sessions import Certainty, local_now
from assetmap.directory.sessions import next_session as soonest_session
from assetmap.geo.journeys import Mode
from assetmap.models import (
    ACCESSIBILITY_FLAGS,
    Category,
    ChangeKind,
    Day,
    Frequency,
    Gender,
    ProblemKind,
    Role,
    Status,
    TaskOutcome,
    TaskReason,
    VerificationMethod,
)
from assetmap.web.cancellations import cancelled_lines
from assetmap.web.context import now as request_now

# ---- enum values ------------------------------------------------------------------------------

DAY_NAMES: dict[str, str] = {
    Day.MON: "Monday",
    Day.TUE: "Tuesday",
    Day.WED: "Wednesday",
    Day.THU: "Thursday",
    Day.FRI: "Friday",
    Day.SAT: "Saturday",
    Day.SUN: "Sunday",
}
DAY_ORDER = list(DAY_NAMES)
CATEGORY_NAMES: dict[str, str] = {
    Category.CREATIVE: "Creative",
    Category.SOCIAL: "Social",
    Category.ACTIVE: "Active",
    Category.PRACTICAL: "Practical help",
    Category.LEARNING: "Learning",
    Category.NATURE: "Nature",
    Category.VOLUNTEERING: "Volunteering",
    Category.PEER_SUPPORT: "Peer support",
    Category.FAITH_CULTURE: "Faith and culture",
    Category.DIGITAL: "Digital",
}
STATUS_NAMES: dict[str, str] = {
    Status.OPEN: "Open to anyone",
    Status.INVITATION_ONLY: "Invitation only",
    Status.WAITING_LIST: "Waiting list",
    Status.PAUSED: "Paused",
    Status.CLOSED: "Closed",
}
#: Each accessibility question of the listing contract (models.ACCESSIBILITY_FLAGS).
ACCESS_NAMES: dict[str, str] = {
    "step_free": "Step-free access",
    "wheelchair_accessible": "Wheelchair accessible",
    "accessible_toilet": "Accessible toilet",
    "hearing_loop": "Hearing loop",
    "blue_badge_parking": "Blue Badge parking",
    "seating_available": "Seating available",
    "dementia_friendly": "Dementia friendly",
    "quiet_space": "Quiet space",
}
#: How often, as an option to choose ("Every week")…
FREQUENCY_CHOICES: dict[str, str] = {
    Frequency.WEEKLY: "Every week",
    Frequency.FORTNIGHTLY: "Every two weeks",
    Frequency.MONTHLY: "Once a month",
    Frequency.OTHER: "Other",
}
#: … and as the end of a sentence ("Tuesday 10:00, every week"); "other" says nothing.
FREQUENCY_NAMES: dict[str, str] = {
    Frequency.WEEKLY: "every week",
    Frequency.FORTNIGHTLY: "every two weeks",
    Frequency.MONTHLY: "once a month",
    Frequency.OTHER: "",
}
#: How a person travels, as the match and gap forms offer it.
MODE_NAMES: dict[Mode, str] = {
    Mode.WALK: "Walking",
    Mode.WHEELCHAIR: "Wheelchair",
    Mode.SCOOTER: "Mobility scooter",
    Mode.BUS: "Bus",
    Mode.CAR: "Car (drives or gets a lift)",
    Mode.TAXI: "Taxi",
}
#: Who a group is for (a group's side: the match page asks the person's side its own way).
GENDER_NAMES: dict[str, str] = {
    Gender.ANY: "Anyone",
    Gender.MEN: "Men only",
    Gender.WOMEN: "Women only",
}
#: How much support a group can give (the listing's capacity.complexity_supported).
SUPPORT_LEVEL_NAMES: dict[int, str] = {
    1: "No extra support (people need to manage on their own)",
    2: "Some support (someone to welcome people and check in with them)",
    3: "Can support people with complex needs",
}
ROLE_NAMES: dict[str, str] = {
    Role.LINK_WORKER: "Link worker",
    Role.ORGANISER: "Group organiser",
    Role.COMMUNITY_BUILDER: "Community builder",
    Role.ADMIN: "Admin",
}
CHANGE_KIND_NAMES: dict[str, str] = {
    ChangeKind.EDIT: "Change",
    ChangeKind.NEW: "New group",
    ChangeKind.CLOSE: "Asks to close",
}
PROBLEM_NAMES: dict[str, str] = {
    ProblemKind.PHONE: "The phone number or email does not work",
    ProblemKind.CLOSED: "The group has stopped or closed",
    ProblemKind.TIMES: "The days or times have changed",
    ProblemKind.OTHER: "Something else",
}
TASK_REASON_NAMES: dict[str, str] = {
    TaskReason.DUE: "Due for its regular check",
    TaskReason.STALE: "Past its check date",
    TaskReason.PROBLEM: "Someone reported a problem",
    TaskReason.BOUNCED: "Our reminder email bounced",
    TaskReason.NO_REPLY: "The organiser did not answer the reminders",
    TaskReason.NO_CONTACT: "No email address to remind",
    TaskReason.CHANGES: "The organiser sent changes to make",
}
TASK_OUTCOME_NAMES: dict[str, str] = {
    TaskOutcome.CONFIRMED: "Confirmed, nothing changed",
    TaskOutcome.UPDATED: "Updated",
    TaskOutcome.CLOSED: "Closed: the group has stopped",
    TaskOutcome.PAUSED: "Paused: nobody could be reached",
    TaskOutcome.ORGANISER: "The organiser answered a reminder",
    TaskOutcome.VERIFIED_ELSEWHERE: "Verified another way",
}
#: The ways a link worker checks a listing (the other methods are not theirs to choose).
CHECK_METHOD_NAMES: dict[str, str] = {
    VerificationMethod.PHONE: "By phone",
    VerificationMethod.EMAIL: "By email",
    VerificationMethod.VISIT: "In person",
}

# ---- fields of a listing ----------------------------------------------------------------------

#: Each part of a listing in plain words, by the listing contract's dotted path: for form
#: labels and errors, "what changed" lists, the moderation queue and a listing's history.
#: Row fields ("schedule.day") are lower case: they follow "Session 2:" in a message.
FIELD_LABELS: dict[str, str] = {
    "name": "Name of the group",
    "description": "Description",
    "organisation": "Organisation",
    "categories": "Kind of group",
    "interests": "Interests",
    "status": "Status",
    "online": "Meets online",
    "venue": "Where it meets",
    "venue.name": "Venue name",
    "venue.address": "Venue address",
    "venue.postcode": "Venue postcode",
    "venue.lat": "Pin on the map (latitude)",
    "venue.lon": "Pin on the map (longitude)",
    "schedule": "Days and times",
    "schedule.day": "day",
    "schedule.start": "start time",
    "schedule.end": "end time",
    "schedule.frequency": "how often",
    "cancelled_dates": "Cancelled sessions",
    "capacity": "Places",
    "capacity.total_places": "Total places",
    "capacity.places_taken": "Places taken",
    "capacity.spare_places": "Places free",
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
    **{f"accessibility.{flag}": name for flag, name in ACCESS_NAMES.items()},
    "accessibility.notes": "Notes about access",
    "transport": "Getting there",
    "transport.bus_stops": "Bus stops",
    "transport.bus_stops.name": "stop name",
    "transport.bus_stops.distance_m": "distance to the stop",
    "transport.bus_stops.routes": "bus routes",
    "transport.rail_station": "Railway station",
    "transport.rail_station.name": "Railway station",
    "transport.rail_station.distance_m": "Distance to the railway station",
    "transport.parking": "Parking",
    "transport.door_to_door": "Door-to-door transport",
    "transport.door_to_door.available": "Door-to-door transport",
    "transport.door_to_door.radius_km": "How far the door-to-door transport goes",
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
    "last_verified_at": "Last checked",
    "verified_by": "Checked by",
}
#: Yes / no / not known facts: null means nobody knows, never "no".
YES_NO_FIELDS = frozenset(
    {
        *(f"accessibility.{flag}" for flag in ACCESSIBILITY_FLAGS),
        "cost.free",
        "transport.parking",
        "transport.door_to_door.available",
        "referral.self_referral",
        "referral.link_worker_referral",
    }
)


def field_label(path: str) -> str:
    """A listing path in plain words: "capacity.places_taken" is "Places taken", an item of a
    list ("schedule[1].end") reads as its field, and a path not in the table still reads as
    words ("transport.something_new" is "Transport: something new")."""
    plain = re.sub(r"\[\d+\]", "", path)
    if plain in FIELD_LABELS:
        return FIELD_LABELS[plain]
    *parents, leaf = plain.split(".")
    words = leaf.replace("_", " ")
    if not parents:
        return words.capitalize()
    return f"{parents[-1].replace('_', ' ').capitalize()}: {words}"


# ---- listing values ---------------------------------------------------------------------------

LOCAL_TIME = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Shown:
    """A value as a page shows it: lines of text, or ``missing`` (said in muted words)."""

    lines: list[str] = field(default_factory=list)
    missing: str = ""

    def __str__(self) -> str:
        return "; ".join(self.lines) if self.lines else self.missing


def value_text(path: str, value: Any) -> Shown:
    """A listing value of the field ``path`` in plain words: lists one entry a line."""
    if value is None:
        return Shown(missing="not known" if path in YES_NO_FIELDS else "not given")
    if value == "":
        return Shown(missing="blank")
    if isinstance(value, list):
        if not value:
            return Shown(missing="none")
        return Shown(lines=_list_lines(path, value))
    if isinstance(value, bool):
        return Shown(lines=["Yes" if value else "No"])
    return Shown(lines=[_scalar_text(path, value)])


def _scalar_text(path: str, value: Any) -> str:
    if path == "status":
        return STATUS_NAMES.get(str(value), str(value))
    if path == "audience.gender":
        return GENDER_NAMES.get(str(value), str(value))
    if path == "capacity.complexity_supported":
        return SUPPORT_LEVEL_NAMES.get(value, str(value))
    if path == "cost.amount_gbp" and isinstance(value, int | float):
        return f"£{value:.2f}"
    if path == "transport.rail_station.distance_m":
        return f"{value} metres"
    if path == "transport.door_to_door.radius_km":
        return f"within {value} km"
    if path == "last_verified_at" and isinstance(value, str):
        try:
            return day_text(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {'' if v is None else v}" for k, v in value.items())
    return str(value)


def _list_lines(path: str, values: list[Any]) -> list[str]:
    if path == "schedule":
        return [_session_line(entry) for entry in values]
    if path == "transport.bus_stops":
        return [_bus_stop_line(stop) for stop in values]
    if path == "categories":
        return [", ".join(CATEGORY_NAMES.get(str(c), str(c)) for c in values)]
    if path == "cancelled_dates":
        return [", ".join(_cancelled_day(str(v)) for v in values)]
    if all(not isinstance(v, dict | list) for v in values):
        return [", ".join(str(v) for v in values)]
    return [_scalar_text(path, v) if isinstance(v, dict) else str(v) for v in values]


def _cancelled_day(value: str) -> str:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day:%a} {day_text(day)}"


def _session_line(entry: Any) -> str:
    try:
        return session_text(entry)
    except (KeyError, TypeError):
        return _scalar_text("schedule", entry)


def _bus_stop_line(stop: Any) -> str:
    if not isinstance(stop, dict):
        return str(stop)
    text = str(stop.get("name") or "A bus stop")
    if stop.get("distance_m") is not None:
        text += f", {stop['distance_m']} metres away"
    if stop.get("routes"):
        text += f" (routes {', '.join(str(r) for r in stop['routes'])})"
    return text


def number_text(value: Any) -> str:
    """A number as a form shows it: whole numbers without a decimal point; None is blank."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.2f}" if round(value, 2) == value else repr(value)
    return str(value)


def day_text(day: dt.date) -> str:
    """'3 May 2026'."""
    return f"{day.day} {day:%B %Y}"


def when_text(moment: dt.datetime | None) -> str:
    """'3 May 2026 at 10:14', in UK time."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(LOCAL_TIME)
    return f"{day_text(local.date())} at {local:%H:%M}"


#: What each error page says (its heading, then what to do), in the site's layout.
ERROR_WORDS: dict[int, tuple[str, str]] = {
    400: ("Something in that request was not right", "Go back and try again."),
    403: (
        "You cannot open this page",
        "Your account does not give you access to it. If you think it should, ask an admin.",
    ),
    404: ("Page not found", "The address may be mistyped, or the page may have moved."),
    405: ("That cannot be done here", "Go back and use the page's own buttons."),
    413: (
        "That was too much to send at once",
        "What you sent is bigger than this page accepts. Send less, or split a file into parts.",
    ),
    429: ("Too many tries", "Wait a few minutes, then try again."),
    500: (
        "Sorry, something went wrong on our side",
        "Nothing you did caused it. Try again in a few minutes.",
    ),
    503: (
        "The service is busy",
        "The directory could not answer in time. Nothing you did caused it: try again in a minute.",
    ),
}

# ---- listing facts on public pages ------------------------------------------------------------


def session_text(entry: dict[str, Any]) -> str:
    """'Tuesday 10:00 to 12:30, every week'."""
    text = f"{DAY_NAMES[entry['day']]} {entry['start']}"
    if entry.get("end"):
        text += f" to {entry['end']}"
    frequency = FREQUENCY_NAMES.get(entry.get("frequency") or "", "")
    return f"{text}, {frequency}" if frequency else text


def moment_text(moment: dt.datetime, now: dt.datetime) -> str:
    """'today 14:00', 'tomorrow 10:00', 'Tue 9 Dec 10:00' (with the year if not this one)."""
    moment, now = local_now(moment), local_now(now)
    ahead = (moment.date() - now.date()).days
    if ahead == 0:
        day = "today"
    elif ahead == 1:
        day = "tomorrow"
    else:
        day = f"{moment:%a} {moment.day} {moment:%b}"
        if moment.year != now.year:
            day += f" {moment.year}"
    return f"{day} {moment:%H:%M}"


def next_session(
    schedule: list[dict[str, Any]], now: dt.datetime | dt.date, cancelled: Any = ()
) -> str | None:
    """The soonest session from ``now`` not ``cancelled``, as a real date: 'today 14:00', 'Tue
    9 Dec 10:00'; for a fortnightly group with no known date, both candidates and 'check
    which'; for a monthly one, 'ask which week'. A day alone counts from its start."""
    if not isinstance(now, dt.datetime):
        now = dt.datetime.combine(now, dt.time(0), tzinfo=LOCAL_TIME)
    found = soonest_session(schedule or [], now, cancelled or ())
    if found is None:
        return None
    if found.certainty is Certainty.KNOWN:
        return moment_text(found.starts, now)
    if found.certainty is Certainty.ONE_OF_TWO and found.or_else is not None:
        return (
            f"{moment_text(found.starts, now)} or {moment_text(found.or_else, now)}"
            " (every two weeks, check which)"
        )
    day = DAY_NAMES[DAY_ORDER[found.starts.weekday()]]
    if found.frequency is Frequency.MONTHLY:
        return f"{day}s {found.starts:%H:%M}, once a month: ask which week"
    return f"{day}s {found.starts:%H:%M}, not every week: ask which weeks"


def distance_text(metres: float | None) -> str | None:
    """'350 metres' or '2.4 km (1.5 miles)'."""
    if metres is None:
        return None
    if metres < 10:
        return "less than 10 metres"
    if metres < 1000:
        return f"{round(metres, -1):.0f} metres"
    return f"{metres / 1000:.1f} km ({metres / 1609.344:.1f} miles)"


def months_ago(day: str | None, today: dt.date) -> str:
    """'today', '3 weeks ago', '7 months ago', 'never'."""
    if not day:
        return "never"
    then = dt.date.fromisoformat(day)
    days = (today - then).days
    if days <= 0:
        return "today"
    if days < 14:
        return f"{days} day{'s' * (days != 1)} ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    months = round(days / 30.44)
    if months < 24:
        return f"{months} months ago"
    return f"{days // 365} years ago"


def month_year(day: str | None) -> str:
    return dt.date.fromisoformat(day).strftime("%B %Y") if day else "never"


def spare_places_text(capacity: dict[str, Any]) -> str | None:
    spare = capacity.get("spare_places")
    waiting = capacity.get("waiting_list") or 0
    if spare is None:
        return f"Waiting list of {waiting}" if waiting else None
    if spare == 0:
        return f"Full, waiting list of {waiting}" if waiting else "Full"
    return f"{spare} place{'s' * (spare != 1)} free"


#: Languages groups list most often in England, by their ISO 639 code; others show as given.
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English", "ar": "Arabic", "bn": "Bengali", "zh": "Chinese", "yue": "Cantonese",
    "fr": "French", "gu": "Gujarati", "hi": "Hindi", "it": "Italian", "ku": "Kurdish",
    "lt": "Lithuanian", "fa": "Persian", "pl": "Polish", "pt": "Portuguese",
    "pa": "Punjabi", "ro": "Romanian", "so": "Somali", "es": "Spanish", "ta": "Tamil",
    "ti": "Tigrinya", "tr": "Turkish", "ur": "Urdu", "cy": "Welsh", "sq": "Albanian",
    "am": "Amharic", "bsl": "British Sign Language",
}  # fmt: skip


def audience_text(audience: dict[str, Any] | None) -> str | None:
    """Who a group is for, in one line: 'Men only, aged 50 and over, in English'; None for a
    group open to anyone of any age with no language given."""
    audience = audience or {}
    parts: list[str] = []
    gender = audience.get("gender") or Gender.ANY.value
    if gender != Gender.ANY.value:
        parts.append(GENDER_NAMES.get(gender, str(gender)))
    low, high = audience.get("min_age"), audience.get("max_age")
    if low is not None and high is not None:
        parts.append(f"aged {low} to {high}")
    elif low is not None:
        parts.append(f"aged {low} and over")
    elif high is not None:
        parts.append(f"aged up to {high}")
    languages = [LANGUAGE_NAMES.get(code, code) for code in audience.get("languages") or []]
    if languages:
        spoken = languages[-1]
        if len(languages) > 1:
            spoken = f"{', '.join(languages[:-1])} and {spoken}"
        parts.append(f"in {spoken}")
    if not parts:
        return None
    text = ", ".join(parts)
    return text[0].upper() + text[1:]


#: Statuses of groups that are not meeting now: no "next session" is said of them.
NOT_MEETING = frozenset({Status.PAUSED.value, Status.CLOSED.value})


#: A status a search leaves out by default, as "(a) group(s) …" (one, many).
HIDDEN_STATUS_WORDS: dict[str, tuple[str, str]] = {
    Status.WAITING_LIST: ("group with a waiting list", "groups with a waiting list"),
    Status.INVITATION_ONLY: ("group by invitation only", "groups by invitation only"),
}


def hidden_text(hidden: dict[str, int]) -> str:
    """'2 groups with a waiting list and 1 group by invitation only are not shown.'"""
    parts = [
        f"{count} {HIDDEN_STATUS_WORDS[status][count != 1]}"
        for status, count in hidden.items()
        if status in HIDDEN_STATUS_WORDS
    ]
    if not parts:
        return ""
    said = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return f"{said} {'is' if sum(hidden.values()) == 1 else 'are'} not shown."


def label_pair(value: str, names: dict[str, str]) -> tuple[str, str]:
    """(value, its name) for a checkbox list."""
    return value, names.get(value, value)


def _next_session_now(
    schedule: list[dict[str, Any]], now: dt.datetime | None = None, cancelled: Any = ()
) -> str | None:
    """``next_session`` for templates: from this request's ``now`` unless one is given."""
    return next_session(schedule, now or request_now(), cancelled)


def _cancelled_lines_now(group: dict[str, Any]) -> list[str]:
    return cancelled_lines(group, request_now())


def register(app: Any) -> None:
    """Make the wording helpers available in every template."""
    app.jinja_env.filters["am_pair"] = label_pair
    app.jinja_env.filters["am_when"] = when_text
    app.jinja_env.globals.update(
        DAY_NAMES=DAY_NAMES,
        CATEGORY_NAMES=CATEGORY_NAMES,
        STATUS_NAMES=STATUS_NAMES,
        ACCESS_NAMES=ACCESS_NAMES,
        session_text=session_text,
        next_session=_next_session_now,
        cancelled_lines=_cancelled_lines_now,
        distance_text=distance_text,
        months_ago=months_ago,
        month_year=month_year,
        spare_places_text=spare_places_text,
        audience_text=audience_text,
        hidden_text=hidden_text,
        NOT_MEETING=NOT_MEETING,
    )
