"""iCalendar (.ics) out: a group's sessions, and a person's plan, for a phone's calendar.

**A group's calendar** has one recurring event for each schedule entry whose dates are known:
weekly (``FREQ=WEEKLY``), fortnightly with a session date (``INTERVAL=2`` from it) and monthly
with one (``BYDAY=2TU``, ``-1TU`` for a "last" one), in UK time with its ``VTIMEZONE``, each
cancelled date an ``EXDATE``. A session whose dates are not known (a fortnightly one without a
date, "monthly, ask which week") is not written as if it were: the calendar's description says
to ask. A closed or paused group's calendar holds no events, so a calendar app subscribed to it
drops them. ``UID`` is the group and the session (day, time, frequency): stable across edits,
so a re-download updates events in place. Links use the configured public address
(``Config.public_url``), never the request's host. :func:`ics_in.read_ics` reads this file back
to the same schedule.

**A plan's calendar** has each chosen group's next session (``directory.sessions``): what the
printed plan shows, and nothing of the person (no name, no area, no needs).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import icalendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from assetmap.directory.sessions import (
    LOCAL_TIME,
    WEEKDAYS,
    Certainty,
    cancelled_set,
    next_session,
    week_of_month,
)
from assetmap.errors import NotFound
from assetmap.models import Day, Frequency, Group, Status

CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//assetmap//community groups//EN"
#: Groups that hold no sessions while they are in this state.
NOT_MEETING = frozenset({Status.PAUSED.value, Status.CLOSED.value})
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class CalendarFile:
    """An .ics file to send: its bytes and a filename safe in a Content-Disposition header."""

    filename: str
    body: bytes
    content_type: str = CONTENT_TYPE


def safe_filename(name: str, fallback: str) -> str:
    """``name`` as a short ASCII file name ("knit-and-natter.ics"); ``fallback`` if nothing of
    it is left."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:60].strip("-")
    return f"{slug or fallback}.ics"


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def one_line(text: Any) -> str:
    """Listing text for a one-line property (SUMMARY, LOCATION): line breaks become spaces and
    control characters go, so no text can end a property or start another."""
    return " ".join(_CONTROL.sub(" ", str(text or "")).split())


def lines(text: Any) -> str:
    """Listing text for DESCRIPTION: its line breaks kept as ``\\n`` (icalendar escapes them),
    carriage returns and other control characters gone."""
    unified = str(text or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(" ", unified).strip()


def listing_url(public_url: str, group_id: int) -> str:
    return f"{public_url.rstrip('/')}/groups/{group_id}"


def _host(public_url: str) -> str:
    return urlsplit(public_url).hostname or "assetmap"


def _calendar(name: str, description: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.add("X-WR-CALNAME", one_line(name))
    calendar.add("X-WR-TIMEZONE", "Europe/London")
    if description:
        calendar.add("X-WR-CALDESC", one_line(description))
    return calendar


def uk_timezone() -> icalendar.Timezone:
    """Europe/London as RFC 5545 writes a time zone: GMT, and BST from the last Sunday of March
    at 01:00 UTC to the last Sunday of October (the rule since 1996), as yearly rules."""
    zone = icalendar.Timezone()
    zone.add("TZID", "Europe/London")
    for kind, name, starts, month, offsets in (
        (icalendar.TimezoneDaylight, "BST", dt.datetime(1981, 3, 29, 1), 3, (0, 1)),
        (icalendar.TimezoneStandard, "GMT", dt.datetime(1996, 10, 27, 2), 10, (1, 0)),
    ):
        part = kind()
        part.add("TZNAME", name)
        part.add("DTSTART", starts)
        part.add("TZOFFSETFROM", dt.timedelta(hours=offsets[0]))
        part.add("TZOFFSETTO", dt.timedelta(hours=offsets[1]))
        part.add("RRULE", {"FREQ": "YEARLY", "BYMONTH": month, "BYDAY": "-1SU"})
        zone.add_component(part)
    return zone


def _finish(calendar: icalendar.Calendar) -> bytes:
    if calendar.get_used_tzids():
        calendar.subcomponents.insert(0, uk_timezone())  # before the events that use it
    return bytes(calendar.to_ical())


def _time(text: Any) -> dt.time | None:
    try:
        return dt.time.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def _date(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def _place(listing: Mapping[str, Any], event: icalendar.Event) -> None:
    """LOCATION (name, address, postcode) and GEO; "Online" for an online group."""
    venue = listing.get("venue") or {}
    parts = [venue.get("name"), venue.get("address"), venue.get("postcode")]
    text = one_line(", ".join(str(p) for p in parts if p))
    if text:
        event.add("LOCATION", text)
    elif listing.get("online"):
        event.add("LOCATION", "Online")
    if venue.get("lat") is not None and venue.get("lon") is not None:
        event.add("GEO", (float(venue["lat"]), float(venue["lon"])))


def contact_text(listing: Mapping[str, Any]) -> str:
    """The group's contact as the plan and the listing page show it."""
    contact = listing.get("contact") or {}
    said = [contact.get(k) for k in ("name", "phone", "email", "website") if contact.get(k)]
    return "Contact: " + ", ".join(str(s) for s in said) if said else ""


def _words(listing: Mapping[str, Any], url: str) -> str:
    said = [lines(listing.get("description")), lines(contact_text(listing))]
    said.append(f"Details and changes: {url}")
    return "\n\n".join(line for line in said if line)


def _common(listing: Mapping[str, Any], event: icalendar.Event, url: str, now: dt.datetime) -> None:
    event.add("DTSTAMP", now.astimezone(dt.UTC))
    event.add("SUMMARY", one_line(listing.get("name")))
    event.add("DESCRIPTION", _words(listing, url))
    event.add("URL", url)
    _place(listing, event)
    categories = [str(c) for c in listing.get("categories") or []]
    if categories:
        event.add("X-ASSETMAP-CATEGORIES", one_line(",".join(categories)))


def _at(day: dt.date, start: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, start, tzinfo=LOCAL_TIME)


def _first_date(entry: Mapping[str, Any], now: dt.datetime) -> dt.date | None:
    """DTSTART's date: the entry's session date, or for a weekly one the next session; None when
    the dates are not known (fortnightly or monthly without a date, or "other")."""
    anchor = _date(entry.get("from_date"))
    try:
        weekday = WEEKDAYS.index(Day(str(entry.get("day"))))
        frequency = Frequency(entry.get("frequency") or Frequency.WEEKLY)
    except ValueError:
        return None
    if anchor is not None and anchor.weekday() != weekday:
        anchor = None
    if frequency is Frequency.WEEKLY and anchor is None:
        today = now.astimezone(LOCAL_TIME).date()
        return today + dt.timedelta(days=(weekday - today.weekday()) % 7)
    if frequency is Frequency.OTHER:
        return None
    return anchor


def _rule(entry: Mapping[str, Any], first: dt.date) -> dict[str, Any]:
    day = ICAL_DAYS[first.weekday()]
    frequency = Frequency(entry.get("frequency") or Frequency.WEEKLY)
    if frequency is Frequency.WEEKLY:
        return {"FREQ": "WEEKLY", "BYDAY": day}
    if frequency is Frequency.FORTNIGHTLY:
        return {"FREQ": "WEEKLY", "INTERVAL": 2, "BYDAY": day}
    week = week_of_month(first)
    return {"FREQ": "MONTHLY", "BYDAY": f"{-1 if week == 5 else week}{day}"}


def _on_series(entry: Mapping[str, Any], first: dt.date, day: dt.date) -> bool:
    """Whether ``day`` is a session of the entry that starts on ``first``."""
    if day < first or day.weekday() != first.weekday():
        return False
    frequency = Frequency(entry.get("frequency") or Frequency.WEEKLY)
    if frequency is Frequency.FORTNIGHTLY:
        return (day - first).days % 14 == 0
    if frequency is Frequency.MONTHLY:
        week = week_of_month(first)
        last = (day + dt.timedelta(days=7)).month != day.month
        return week_of_month(day) == week or (week == 5 and last)
    return True


def _session_uid(group_id: int, entry: Mapping[str, Any], host: str) -> str:
    start = str(entry.get("start") or "").replace(":", "")
    return f"group-{group_id}-{entry.get('day')}-{start}-{entry.get('frequency')}@{host}"


def group_ics(listing: Mapping[str, Any], *, public_url: str, now: dt.datetime) -> bytes:
    """A listing (contract shape, with its ``id``) as an .ics of its sessions (see the module)."""
    group_id = int(listing["id"])
    url = listing_url(public_url, group_id)
    meeting = listing.get("status") not in NOT_MEETING
    unknown = []
    events = []
    cancelled = sorted(cancelled_set(listing.get("cancelled_dates")))
    for entry in listing.get("schedule") or [] if meeting else []:
        start = _time(entry.get("start"))
        first = _first_date(entry, now)
        if start is None or first is None:
            unknown.append(entry)
            continue
        event = icalendar.Event()
        event.add("UID", _session_uid(group_id, entry, _host(public_url)))
        _common(listing, event, url, now)
        event.add("DTSTART", _at(first, start))
        end = _time(entry.get("end"))
        if end is not None and end > start:
            event.add("DTEND", _at(first, end))
        event.add("RRULE", _rule(entry, first))
        skipped = [_at(day, start) for day in cancelled if _on_series(entry, first, day)]
        if skipped:
            event.add("EXDATE", skipped)
        events.append(event)
    name = str(listing.get("name") or "")
    said = f"Sessions of {name}. Details and changes: {url}"
    if unknown:
        said += " Some sessions are not every week: ask them which weeks."
    if not meeting:
        said += " It is not meeting at the moment."
    calendar = _calendar(name, said)
    for event in events:
        calendar.add_component(event)
    return _finish(calendar)


def _stored_listing(session: Session, group_id: int) -> dict[str, Any]:
    if not 1 <= group_id <= 2**31 - 1:
        raise NotFound(f"there is no group {group_id}", field="id")
    document = session.scalar(select(Group.document).where(Group.id == group_id))
    if not document:
        raise NotFound(f"there is no group {group_id}", field="id")
    properties: dict[str, Any] = json.loads(document).get("properties") or {}
    properties["id"] = group_id
    return properties


def group_calendar(
    session: Session, group_id: int, *, public_url: str, now: dt.datetime
) -> CalendarFile:
    """One listed group's calendar file, or NotFound."""
    listing = _stored_listing(session, group_id)
    body = group_ics(listing, public_url=public_url, now=now)
    return CalendarFile(safe_filename(str(listing.get("name") or ""), f"group-{group_id}"), body)


def plan_ics(listings: Sequence[Mapping[str, Any]], *, public_url: str, now: dt.datetime) -> bytes:
    """The plan's groups (served listings, in the plan's order) as an .ics of each one's next
    session; a group whose next date is not known for sure is named in the description."""
    calendar = _calendar("Groups to try", "")
    ask = []
    host = _host(public_url)
    for listing in listings:
        group_id = int(listing["id"])
        found = (
            next_session(listing.get("schedule") or [], now, listing.get("cancelled_dates") or ())
            if listing.get("status") not in NOT_MEETING
            else None
        )
        if found is None or found.certainty is not Certainty.KNOWN:
            ask.append(str(listing.get("name") or ""))
            continue
        event = icalendar.Event()
        event.add("UID", f"plan-{group_id}-{found.starts:%Y%m%dT%H%M}@{host}")
        _common(listing, event, listing_url(public_url, group_id), now)
        event.add("DTSTART", found.starts)
        end = _end_of(listing.get("schedule") or [], found.starts)
        if end is not None:
            event.add("DTEND", end)
        calendar.add_component(event)
    if ask:
        calendar.add("X-WR-CALDESC", one_line("Ask when these next meet: " + "; ".join(ask)))
    return _finish(calendar)


def _end_of(schedule: Iterable[Mapping[str, Any]], starts: dt.datetime) -> dt.datetime | None:
    """The end of the session that starts at ``starts``, if its entry says."""
    for entry in schedule:
        start, end = _time(entry.get("start")), _time(entry.get("end"))
        same = start == starts.time().replace(tzinfo=None)
        on_day = str(entry.get("day")) == WEEKDAYS[starts.weekday()]
        if same and on_day and start is not None and end is not None and end > start:
            return _at(starts.date(), end)
    return None


__all__ = [
    "CONTENT_TYPE",
    "CalendarFile",
    "contact_text",
    "group_calendar",
    "group_ics",
    "listing_url",
    "plan_ics",
    "safe_filename",
]
