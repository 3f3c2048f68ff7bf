"""Plain-English wording of listing facts for pages: times, distances, how long since checked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assetmap.models import ACCESSIBILITY_NAMES

DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
DAY_ORDER = list(DAY_NAMES)
CATEGORY_NAMES = {
    "creative": "Creative",
    "social": "Social",
    "active": "Active",
    "practical": "Practical help",
    "learning": "Learning",
    "nature": "Nature",
    "volunteering": "Volunteering",
    "peer_support": "Peer support",
    "faith_culture": "Faith and culture",
    "digital": "Digital",
}
STATUS_NAMES = {
    "open": "Open to anyone",
    "invitation_only": "Invitation only",
    "waiting_list": "Waiting list",
    "paused": "Paused",
    "closed": "Closed",
}
ACCESS_NAMES = ACCESSIBILITY_NAMES
FREQUENCY_NAMES = {
    "weekly": "every week",
    "fortnightly": "every two weeks",
    "monthly": "once a month",
    "other": "",
}


def session_text(entry: dict[str, Any]) -> str:
    """'Tuesday 10:00 to 12:30, every week'."""
    text = f"{DAY_NAMES[entry['day']]} {entry['start']}"
    if entry.get("end"):
        text += f" to {entry['end']}"
    frequency = FREQUENCY_NAMES.get(entry.get("frequency") or "", "")
    return f"{text}, {frequency}" if frequency else text


def next_session(schedule: list[dict[str, Any]], today: dt.date) -> str | None:
    """The soonest regular session from today on, as 'Tuesday 10:00'."""
    if not schedule:
        return None
    weekday = today.weekday()

    def days_ahead(entry: dict[str, Any]) -> tuple[int, str]:
        return ((DAY_ORDER.index(entry["day"]) - weekday) % 7, entry["start"])

    soonest = min(schedule, key=days_ahead)
    return f"{DAY_NAMES[soonest['day']]} {soonest['start']}"


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


def label_pair(value: str, names: dict[str, str]) -> tuple[str, str]:
    """(value, its name) for a checkbox list."""
    return value, names.get(value, value)


def register(app: Any) -> None:
    """Make the wording helpers available in every template."""
    app.jinja_env.filters["am_pair"] = label_pair
    app.jinja_env.globals.update(
        DAY_NAMES=DAY_NAMES,
        CATEGORY_NAMES=CATEGORY_NAMES,
        STATUS_NAMES=STATUS_NAMES,
        ACCESS_NAMES=ACCESS_NAMES,
        session_text=session_text,
        next_session=next_session,
        distance_text=distance_text,
        months_ago=months_ago,
        month_year=month_year,
        spare_places_text=spare_places_text,
    )
