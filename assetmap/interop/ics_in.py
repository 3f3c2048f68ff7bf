"""iCalendar (.ics) in: a group organiser's calendar of sessions as listings.

**Which records.** A calendar is read as one listing per distinct ``SUMMARY`` (spacing and case
aside): an organiser's calendar usually holds one group's sessions, often as several events
(a Tuesday and a Thursday session), and sometimes several groups, each under its own name.
The listing's id in the source is its name (``summary:knit and natter``), so a re-import of the
same calendar updates the same listing whichever events it holds this time; renaming the
events makes a new listing. ``UID`` names the event in problems and ties a moved or cancelled
occurrence (``RECURRENCE-ID``) to its series.

**Schedule** (RFC 5545 §3.3.10 and §3.8.5). A recurring event becomes schedule entries:
``FREQ=WEEKLY`` (or ``DAILY``) with ``INTERVAL=1`` is weekly, ``FREQ=WEEKLY;INTERVAL=2``
fortnightly, one entry for each ``BYDAY`` day; ``FREQ=MONTHLY;BYDAY=2TU`` (or
``BYDAY=TU;BYSETPOS=2``) is monthly on the second Tuesday, ``-1TU`` the last. Times are those
of ``DTSTART`` in UK time (a ``TZID`` or UTC time is converted; a floating time is taken to be
UK time). ``from_date`` is a real session of the series (found with ``recurring-ical-events``):
it fixes the fortnight and the week of the month; weekly sessions need none. ``EXDATE`` and
cancelled occurrences from ``ReadOptions.today`` on become ``cancelled_dates``. A series with
no session left (``UNTIL`` or ``COUNT`` passed) is not scheduled; a group with nothing left at
all is not imported.

**Not known, never guessed** (said in ``ParsedSource.gaps``): a valid rule assetmap cannot
list (every third week, the 15th of the month) is left out of the schedule; a single event
without ``RRULE`` is *not* a session of the schedule (the contract lists regular sessions
only, and one date cannot say how often a group meets); an all-day event has no time.
Without ``LOCATION`` the venue is not known (``GEO`` alone names no place).

**Place and category.** A UK postcode in ``LOCATION`` is the venue's postcode (``load_source``
geocodes it through the gazetteer); the text before the first comma is the venue's name, the
rest its address; ``GEO`` gives its coordinates. ``X-ASSETMAP-CATEGORIES`` or ``CATEGORIES``
terms that name an assetmap category are its categories (other ``CATEGORIES`` terms become
interests), else ``ReadOptions.default_category``, else a problem.

A file that is not iCalendar, or an event whose ``DTSTART``, ``RRULE``, ``EXDATE`` or ``GEO``
cannot be read, is a problem naming the event and the property: nothing is imported.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import icalendar
import recurring_ical_events

from assetmap.directory.contract import MAX_CANCELLED
from assetmap.directory.importing import ImportProblem
from assetmap.directory.sessions import LOCAL_TIME, week_of_month
from assetmap.geo.postcodes import normalise_postcode
from assetmap.interop.load import ParsedSource, SourceRecord
from assetmap.interop.options import ReadOptions
from assetmap.models import Category, Day, Frequency

#: The weekdays as RFC 5545 writes them, in Python's weekday order.
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: Rule parts a schedule can be read from; any other part makes a pattern assetmap cannot list.
_KNOWN_PARTS = frozenset({"FREQ", "INTERVAL", "BYDAY", "BYSETPOS", "UNTIL", "COUNT", "WKST"})
#: How far ahead of DTSTART a series is searched for a session to anchor it (a "last Tuesday"
#: needs a month with five, which two years always hold).
_ANCHOR_SEARCH = dt.timedelta(days=731)
#: A UK postcode inside free text (as ``geo.postcodes`` reads it once found).
_POSTCODE_IN_TEXT = re.compile(
    r"\b(GIR ?0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2})\b", re.IGNORECASE
)
#: The assetmap category a calendar term names: "Peer support", "faith & culture", "Digital".
_CATEGORY_KEYS = {c.value.replace("_", ""): c for c in Category}


class _Refused(Exception):
    """An event's property that cannot be read: a problem, and the event is not used."""

    def __init__(self, prop: str, message: str) -> None:
        super().__init__(message)
        self.prop = prop
        self.message = message


@dataclass
class _Group:
    """The events of one SUMMARY, gathered into one listing."""

    name: str
    first_number: int
    uids: list[str] = field(default_factory=list)
    schedule: list[dict[str, Any]] = field(default_factory=list)
    cancelled: set[dt.date] = field(default_factory=set)
    categories: list[Category] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    venue: dict[str, Any] | None = None
    places: set[str] = field(default_factory=set)
    description: str = ""
    website: str | None = None
    #: Whether any event still has a session to come (one-offs included).
    current: bool = False

    @property
    def label(self) -> str:
        return event_label(self.name, self.uids[0] if self.uids else "")


def event_label(summary: str, uid: str) -> str:
    """How a person finds an event in their calendar: its title, and its UID."""
    named = f"event {summary!r}" if summary else "an event with no SUMMARY"
    return f"{named} (UID {uid})" if uid else named


def read_ics(data: bytes, options: ReadOptions) -> ParsedSource:
    """A calendar file as listings, one per distinct SUMMARY (see the module)."""
    calendar, problem = _calendar_of(data)
    if calendar is None:
        return ParsedSource(problems=[problem] if problem else [])
    today = options.today or dt.date.today()
    events = [e for e in calendar.walk("VEVENT") if isinstance(e, icalendar.Event)]
    if not events:
        return ParsedSource(problems=[ImportProblem(0, "", "the calendar holds no events")])
    overrides = _overrides(events)
    groups: dict[str, _Group] = {}
    problems: list[ImportProblem] = []
    gaps: list[str] = []
    for number, event in enumerate(events, start=1):
        if event.get("RECURRENCE-ID") is not None:
            continue  # read with its series
        summary = _text(event.get("SUMMARY"))
        uid = _text(event.get("UID"))
        label = event_label(summary, uid)
        try:
            _check_readable(event)
            if not summary:
                raise _Refused("SUMMARY", "is required: it is the group's name")
            key = " ".join(summary.split()).casefold()
            group = groups.setdefault(
                key, _Group(name=" ".join(summary.split()), first_number=number)
            )
            _add_event(group, event, uid, overrides.get(uid, []), today, gaps)
        except _Refused as refused:
            problems.append(ImportProblem(number, refused.prop, refused.message, label))
    records = []
    for key, group in groups.items():
        record = _record(group, key, options, problems, gaps)
        if record is not None:
            records.append(record)
    return ParsedSource(records=records, problems=problems, gaps=gaps)


def _calendar_of(data: bytes) -> tuple[icalendar.Calendar | None, ImportProblem | None]:
    """The file as one VCALENDAR, or the problem saying why it is not one."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, ImportProblem(0, "", f"the file is not UTF-8 text (byte {error.start})")
    if not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        return None, ImportProblem(
            0, "", "the file is not iCalendar: it must start BEGIN:VCALENDAR"
        )
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except (ValueError, KeyError, IndexError) as error:
        return None, ImportProblem(0, "", f"the file is not iCalendar: {error}")
    if not isinstance(calendar, icalendar.Calendar):
        return None, ImportProblem(0, "", "the file is not iCalendar: it holds no VCALENDAR")
    return calendar, None


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _overrides(events: list[icalendar.Event]) -> dict[str, list[icalendar.Event]]:
    """The moved or cancelled occurrences (RECURRENCE-ID), by their series' UID."""
    found: dict[str, list[icalendar.Event]] = {}
    for event in events:
        if event.get("RECURRENCE-ID") is not None:
            found.setdefault(_text(event.get("UID")), []).append(event)
    return found


def _check_readable(event: icalendar.Event) -> None:
    """The first property icalendar could not read, as a problem."""
    for prop, message in event.errors:
        raise _Refused(str(prop), f"cannot be read: {message}")
    if event.get("DTSTART") is None:
        raise _Refused("DTSTART", "is required: when the session starts")
    if len(event.rrules) > 1:
        raise _Refused("RRULE", "an event may have only one RRULE")


def _local(moment: dt.datetime) -> dt.datetime:
    """A moment in UK time; a floating (naive) time is taken to be UK time already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=LOCAL_TIME)
    return moment.astimezone(LOCAL_TIME)


def _local_date(value: dt.date | dt.datetime) -> dt.date:
    return _local(value).date() if isinstance(value, dt.datetime) else value


def _add_event(
    group: _Group,
    event: icalendar.Event,
    uid: str,
    overrides: list[icalendar.Event],
    today: dt.date,
    gaps: list[str],
) -> None:
    """One event's sessions, place, categories and words added to its group."""
    group.uids.append(uid)
    label = event_label(group.name, uid)
    if _text(event.get("STATUS")).upper() == "CANCELLED":
        gaps.append(f"{label}: the whole series is cancelled: not scheduled")
        return
    start = event.start
    if not isinstance(start, dt.datetime):
        gaps.append(f"{label}: an all-day event has no time: not scheduled")
        rules = event.rrules
        current = start >= today if not rules else not _until_passed(rules[0], today)
        group.current = group.current or current
        return
    first = _local(start)
    if first.year < 1900:
        raise _Refused("DTSTART", f"{start} is not a date a session can start on")
    ends = _local(event.end) if isinstance(event.end, dt.datetime) else None
    end = ends.time() if ends is not None and ends.date() == first.date() and ends > first else None
    _add_place(group, event)
    _add_terms(group, event)
    if not group.description:
        group.description = _text(event.get("DESCRIPTION"))
    url = _text(event.get("URL"))
    if group.website is None and re.fullmatch(r"https?://[^\s<>\"]+", url):
        group.website = url
    if not event.rrules:
        if first.date() >= today:
            group.current = True
            gaps.append(
                f"{label}: a one-off session on {first.date().isoformat()}: the directory "
                "lists regular sessions only, so it is not in the schedule"
            )
        return
    rule = event.rrules[0]
    pattern = _pattern(rule, first, label, gaps)
    if pattern is None:
        # not scheduled either way; the group is current unless the rule says it ended
        group.current = group.current or not _until_passed(rule, today)
        return
    series = _series(event, overrides)
    after = dt.datetime.combine(today, dt.time(0, 0), tzinfo=LOCAL_TIME)
    try:
        next_one = next(iter(series.after(after)), None)
        entries = _entries(pattern, first, end, series) if next_one is not None else []
    except (recurring_ical_events.InvalidCalendar, ValueError, TypeError, OverflowError) as error:
        raise _Refused("RRULE", f"its sessions cannot be worked out: {error}") from None
    if next_one is None:
        gaps.append(f"{label}: the series has ended: not scheduled")
        return
    group.current = True
    group.schedule.extend(entries)
    meets = {list(Day).index(Day(entry["day"])) for entry in entries}
    for day in _cancelled(event, overrides):
        if day >= today and day.weekday() in meets:
            group.cancelled.add(day)
    for moved in overrides:
        if _text(moved.get("STATUS")).upper() != "CANCELLED":
            when = moved.get("RECURRENCE-ID")
            moved_day = _local_date(when.dt) if when is not None else None
            if moved_day is not None and moved_day >= today:
                gaps.append(
                    f"{label}: the session of {moved_day.isoformat()} is moved: the directory "
                    "shows the regular time"
                )


def _series(event: icalendar.Event, overrides: list[icalendar.Event]) -> Any:
    """The event's occurrences (EXDATE and cancelled occurrences left out), as
    ``recurring-ical-events`` works them out."""
    one = icalendar.Calendar()
    one.add_component(event)
    for moved in overrides:
        one.add_component(moved)
    return recurring_ical_events.of(one)


def _cancelled(event: icalendar.Event, overrides: list[icalendar.Event]) -> Iterator[dt.date]:
    """The dates EXDATE removes, and those of occurrences marked cancelled."""
    for value in event.exdates:
        yield _local_date(value)
    for moved in overrides:
        when = moved.get("RECURRENCE-ID")
        if when is not None and _text(moved.get("STATUS")).upper() == "CANCELLED":
            yield _local_date(when.dt)


#: A rule the directory can list: its frequency, and (weekday, week of the month or None).
_Pattern = tuple[Frequency, list[tuple[int, int | None]]]


def _until_passed(rule: Any, today: dt.date) -> bool:
    until = (rule.get("UNTIL") or [None])[0]
    return until is not None and _local_date(until) < today


def _pattern(rule: Any, first: dt.datetime, label: str, gaps: list[str]) -> _Pattern | None:
    """What a rule says in the directory's terms, or None (and a gap) for one it cannot list.
    Read before any session is worked out, so no rule is ever expanded that is not listed."""
    freq = str((rule.get("FREQ") or [""])[0]).upper()
    interval = int((rule.get("INTERVAL") or [1])[0])
    days = [str(d).upper() for d in rule.get("BYDAY") or []]
    setpos = [int(p) for p in rule.get("BYSETPOS") or []]
    unknown = sorted(set(rule) - _KNOWN_PARTS)
    written = rule.to_ical().decode()
    cannot = f"{label}: RRULE {written} is not a pattern the directory can list"
    if unknown or (setpos and freq != "MONTHLY"):
        gaps.append(f"{cannot} ({', '.join(unknown) or 'BYSETPOS'}): not scheduled")
        return None
    if freq in {"WEEKLY", "DAILY"} and (interval == 1 or (interval == 2 and freq == "WEEKLY")):
        if any(not d.isalpha() for d in days):
            gaps.append(f"{cannot} (a numbered BYDAY in a weekly rule): not scheduled")
            return None
        if not days:
            days = list(ICAL_DAYS) if freq == "DAILY" else [ICAL_DAYS[first.weekday()]]
        frequency = Frequency.WEEKLY if interval == 1 else Frequency.FORTNIGHTLY
        return frequency, [(ICAL_DAYS.index(d), None) for d in days]
    if freq == "MONTHLY" and interval == 1 and days:
        monthly = _monthly_days(days, setpos)
        if not monthly:
            gaps.append(f"{cannot} (monthly on the 1st to 4th or last weekday only): not scheduled")
            return None
        return Frequency.MONTHLY, list(monthly)
    gaps.append(f"{cannot} (weekly, fortnightly or monthly on a weekday): not scheduled")
    return None


def _entries(
    pattern: _Pattern, first: dt.datetime, end: dt.time | None, series: Any
) -> list[dict[str, Any]]:
    """The schedule entries of a pattern, each anchored on a real session of the series."""
    frequency, wanted = pattern
    entries = []
    for weekday, week in wanted:
        anchor = _anchor(series, first, weekday, week)
        if anchor is None:
            continue  # no session of this day is left in the series
        entries.append(
            {
                "day": list(Day)[weekday].value,
                "start": first.strftime("%H:%M"),
                "end": end.strftime("%H:%M") if end else None,
                "frequency": frequency.value,
                "from_date": None if frequency is Frequency.WEEKLY else anchor.isoformat(),
            }
        )
    return entries


def _monthly_days(days: list[str], setpos: list[int]) -> list[tuple[int, int]]:
    """(weekday, week of month: 1-4, 5 for the last) for each monthly BYDAY; empty when a part
    is not one of those (a fifth Tuesday, the second-last, BYSETPOS over several days)."""
    if setpos:
        if len(setpos) != 1 or len(days) != 1 or not days[0].isalpha():
            return []
        days = [f"{setpos[0]}{days[0]}"]
    wanted = []
    for text in days:
        found = re.fullmatch(r"([+-]?\d)([A-Z]{2})", text)
        if found is None or found.group(2) not in ICAL_DAYS:
            return []
        nth = int(found.group(1))
        if nth not in {1, 2, 3, 4, -1}:
            return []
        wanted.append((ICAL_DAYS.index(found.group(2)), 5 if nth == -1 else nth))
    return wanted


def _anchor(series: Any, first: dt.datetime, weekday: int, week: int | None) -> dt.date | None:
    """The date of a real session on ``weekday`` (in ``week`` of its month: 5 is the last, so
    an anchor in a fifth week), searched from DTSTART on."""
    for occurrence in series.between(first, first + _ANCHOR_SEARCH):
        day = _local_date(occurrence.start)
        if day.weekday() != weekday:
            continue
        if week is None or week_of_month(day) == week:
            return day
    return None


def _add_place(group: _Group, event: icalendar.Event) -> None:
    """The venue from LOCATION (and GEO): the first event with a place gives it."""
    text = " ".join(_text(event.get("LOCATION")).split())
    if not text:
        return
    group.places.add(text.casefold())
    if group.venue is not None:
        return
    postcode = None
    found = list(_POSTCODE_IN_TEXT.finditer(text))
    rest = text
    if found:
        last = found[-1]
        postcode = normalise_postcode(last.group(1))
        rest = (text[: last.start()] + text[last.end() :]).strip(" ,")
    parts = [part.strip() for part in rest.split(",") if part.strip()]
    venue: dict[str, Any] = {
        "name": parts[0] if parts else (postcode or text),
        "address": ", ".join(parts[1:]) or None,
        "postcode": postcode,
    }
    geo = event.get("GEO")
    if geo is not None:
        venue["lat"], venue["lon"] = float(geo.latitude), float(geo.longitude)
    group.venue = venue


def _terms(event: icalendar.Event) -> tuple[list[str], list[str]]:
    """(the X-ASSETMAP-CATEGORIES terms, the CATEGORIES terms)."""
    own = [t.strip() for t in _text(event.get("X-ASSETMAP-CATEGORIES")).split(",") if t.strip()]
    return own, [str(t).strip() for t in event.categories if str(t).strip()]


def category_of(term: str) -> Category | None:
    """The assetmap category a calendar term names, if any ("Peer support", "faith & culture")."""
    words = re.findall(r"[a-z]+", term.casefold())
    return _CATEGORY_KEYS.get("".join(w for w in words if w != "and"))


def _add_terms(group: _Group, event: icalendar.Event) -> None:
    own, listed = _terms(event)
    for term in [*own, *listed]:
        category = category_of(term)
        if category is not None and category not in group.categories:
            group.categories.append(category)
        elif category is None and term in listed and term.casefold() not in group.terms:
            group.terms.append(term.casefold())


def _record(
    group: _Group,
    key: str,
    options: ReadOptions,
    problems: list[ImportProblem],
    gaps: list[str],
) -> SourceRecord | None:
    """The group's listing in the contract, or None when it has nothing left to list."""
    if not group.current:
        gaps.append(f"{group.label}: no session left (ended or cancelled): not imported")
        return None
    categories = [c.value for c in group.categories]
    if not categories and options.default_category:
        categories = [options.default_category]
    if not categories:
        problems.append(
            ImportProblem(
                group.first_number,
                "CATEGORIES",
                "names no assetmap category (use one of "
                f"{', '.join(c.value for c in Category)} in CATEGORIES or "
                "X-ASSETMAP-CATEGORIES), and no default category was given",
                group.label,
            )
        )
    if group.venue is None:
        gaps.append(f"{group.label}: no LOCATION: the venue is not known")
    elif len(group.places) > 1:
        gaps.append(
            f"{group.label}: its events are at {len(group.places)} places: the listing "
            f"shows the first, {group.venue['name']}"
        )
    if not group.schedule:
        gaps.append(f"{group.label}: no regular sessions: when it meets is not known")
    cancelled = sorted(group.cancelled)
    if len(cancelled) > MAX_CANCELLED:
        gaps.append(
            f"{group.label}: {len(cancelled)} cancelled dates: the listing keeps the first "
            f"{MAX_CANCELLED}"
        )
    listing: dict[str, Any] = {
        "name": group.name,
        "description": group.description,
        "categories": categories,
        "interests": group.terms,
        "venue": group.venue,
        "schedule": group.schedule,
        "cancelled_dates": [day.isoformat() for day in cancelled[:MAX_CANCELLED]],
        "contact": {"website": group.website},
        # Said in full, as stored listings say it: a re-import then compares equal.
        "transport": {"door_to_door": {"available": None, "radius_km": None, "notes": ""}},
    }
    return SourceRecord(listing=listing, source_id=f"summary:{key}", label=group.label)


__all__ = ["category_of", "event_label", "read_ics"]
