"""When a group next meets: the real date of the soonest session of its schedule, from now.

A schedule entry is a day of the week and a start time, with a frequency. A weekly session's
next date is always known. A fortnightly or monthly one's is known only with ``from_date``, the
date of one of its sessions (it fixes which fortnight, and which week of the month: "the first
Tuesday"); without it the honest answer is a choice of dates, or "ask which week".

Times are in UK time (Europe/London): a session today whose start has passed is not next.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Text,
    Time,
    and_,
    bindparam,
    cast,
    extract,
    func,
    or_,
)
from sqlalchemy import select as select_
from sqlalchemy import true as true_
from sqlalchemy.orm import aliased

from assetmap.db import Backend
from assetmap.models import Day, Frequency, Group, ScheduleEntry

LOCAL_TIME = ZoneInfo("Europe/London")
WEEKDAYS: tuple[Day, ...] = tuple(Day)
#: How far ahead "on this week" looks: today and the six days after it.
WEEK_DAYS = 7


class Certainty(enum.StrEnum):
    """How sure the next date is."""

    KNOWN = "known"  # weekly, or anchored by a date of one session
    ONE_OF_TWO = "one_of_two"  # fortnightly without an anchor: this week's or next week's
    ASK_WHICH_WEEK = "ask_which_week"  # monthly (or irregular) without an anchor


@dataclass(frozen=True)
class NextSession:
    """The soonest session: ``starts`` (UK time), and for ``ONE_OF_TWO`` the other candidate
    a week later (``or_else``)."""

    starts: dt.datetime
    frequency: Frequency
    certainty: Certainty
    or_else: dt.datetime | None = None


def local_now(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UK time (a naive moment is taken to be UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LOCAL_TIME)


def _parse_time(value: Any) -> dt.time | None:
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        return None


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _at(day: dt.date, start: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, start, tzinfo=LOCAL_TIME)


def _next_weekday(weekday: int, start: dt.time, now: dt.datetime) -> dt.datetime:
    """The first ``weekday`` at ``start`` that has not yet begun at ``now``."""
    ahead = (weekday - now.weekday()) % 7
    candidate = _at(now.date() + dt.timedelta(days=ahead), start)
    return candidate if candidate > now else candidate + dt.timedelta(days=7)


def week_of_month(day: dt.date) -> int:
    """1 for the first such weekday of its month … 5 for a fifth (taken as 'the last')."""
    return (day.day - 1) // 7 + 1


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date:
    """The ``nth`` ``weekday`` of the month; the last one when the month has fewer."""
    first = dt.date(year, month, 1)
    day = first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    while day.month != month:
        day -= dt.timedelta(days=7)
    return day


def _next_monthly(weekday: int, nth: int, start: dt.time, now: dt.datetime) -> dt.datetime:
    year, month = now.year, now.month
    for _ in range(3):
        candidate = _at(_nth_weekday(year, month, weekday, nth), start)
        if candidate > now:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("a month always has its nth weekday")  # pragma: no cover


def keep_anchors(proposed: dict[str, Any], stored: Mapping[str, Any]) -> None:
    """Give each session of ``proposed`` that does not mention ``from_date`` the one the same
    session (day, start, frequency) has in ``stored``: a form with no field for it keeps it."""
    known = {
        (entry.get("day"), entry.get("start"), entry.get("frequency")): entry["from_date"]
        for entry in stored.get("schedule") or []
        if isinstance(entry, Mapping) and entry.get("from_date")
    }
    for entry in proposed.get("schedule") or []:
        if isinstance(entry, dict) and "from_date" not in entry:
            key = (entry.get("day"), entry.get("start"), entry.get("frequency") or "weekly")
            entry["from_date"] = known.get(key)


def cancelled_set(cancelled: Iterable[Any] | None) -> frozenset[dt.date]:
    """The listing's ``cancelled_dates`` (ISO text or dates) as dates; unreadable ones dropped."""
    days = (_parse_date(value) for value in cancelled or ())
    return frozenset(day for day in days if day is not None)


#: How many cancelled sessions in a row the next-session search steps over.
_MOST_SKIPPED = 60


def next_of_entry(
    entry: Mapping[str, Any], now: dt.datetime, cancelled: Iterable[Any] = ()
) -> NextSession | None:
    """The next session of one schedule entry (contract shape: day, start, frequency and an
    optional ``from_date``) that is not on a ``cancelled`` date, or None if the entry cannot be
    read. A guessed date (``ONE_OF_TWO``, ``ASK_WHICH_WEEK``) is not stepped over."""
    skip = cancelled_set(cancelled)
    found = _next_of_entry(entry, now)
    for _ in range(_MOST_SKIPPED):
        if found is None or found.certainty is not Certainty.KNOWN:
            return found
        if found.starts.date() not in skip:
            return found
        found = _next_of_entry(entry, found.starts)
    return found  # pragma: no cover - more cancelled sessions in a row than a listing holds


def _next_of_entry(entry: Mapping[str, Any], now: dt.datetime) -> NextSession | None:
    try:
        weekday = WEEKDAYS.index(Day(str(entry.get("day"))))
        frequency = Frequency(entry.get("frequency") or Frequency.WEEKLY)
    except ValueError:
        return None
    start = _parse_time(entry.get("start"))
    if start is None:
        return None
    now = local_now(now)
    anchor = _parse_date(entry.get("from_date"))
    if anchor is not None and anchor.weekday() != weekday:
        anchor = None  # a date on another day cannot be one of these sessions
    soonest = _next_weekday(weekday, start, now)
    if frequency is Frequency.WEEKLY:
        return NextSession(soonest, frequency, Certainty.KNOWN)
    if frequency is Frequency.FORTNIGHTLY:
        if anchor is None:
            later = soonest + dt.timedelta(days=7)
            return NextSession(soonest, frequency, Certainty.ONE_OF_TWO, or_else=later)
        if (soonest.date() - anchor).days % 14:
            soonest += dt.timedelta(days=7)
        return NextSession(soonest, frequency, Certainty.KNOWN)
    if frequency is Frequency.MONTHLY and anchor is not None:
        starts = _next_monthly(weekday, week_of_month(anchor), start, now)
        return NextSession(starts, frequency, Certainty.KNOWN)
    return NextSession(soonest, frequency, Certainty.ASK_WHICH_WEEK)


def next_session(
    schedule: Iterable[Mapping[str, Any]], now: dt.datetime, cancelled: Iterable[Any] = ()
) -> NextSession | None:
    """The soonest session of a schedule from ``now`` not on a ``cancelled`` date: a known date
    before a guess on the same day, and None for an empty schedule."""
    skip = cancelled_set(cancelled)
    found = [n for n in (next_of_entry(entry, now, skip) for entry in schedule) if n is not None]
    if not found:
        return None
    return min(found, key=lambda n: (n.starts, n.certainty is not Certainty.KNOWN))


def upcoming_dates(
    schedule: Iterable[Mapping[str, Any]], now: dt.datetime, count: int
) -> list[dt.date]:
    """The dates of the next ``count`` sessions known for sure (cancelled or not), soonest first:
    what an organiser picks from to cancel one."""
    entries = list(schedule)
    days: set[dt.date] = set()
    for entry in entries:
        moment = local_now(now)
        for _ in range(count):
            found = _next_of_entry(entry, moment)
            if found is None or found.certainty is not Certainty.KNOWN:
                break
            days.add(found.starts.date())
            moment = found.starts
    return sorted(days)[:count]


def cancelled_soon(
    schedule: Iterable[Mapping[str, Any]], cancelled: Iterable[Any], now: dt.datetime, days: int
) -> list[tuple[dt.date, NextSession | None]]:
    """Each cancelled date from today to ``days`` days ahead, with the session after it (the one
    the group meets at again; None if none is known)."""
    entries, skip = list(schedule), cancelled_set(cancelled)
    today = local_now(now).date()
    found = []
    for day in sorted(skip):
        if today <= day < today + dt.timedelta(days=days):
            after = _at(day, dt.time(23, 59))
            found.append((day, next_session(entries, after, skip)))
    return found


def on_within(
    schedule: Iterable[Mapping[str, Any]],
    now: dt.datetime,
    days: int,
    cancelled: Iterable[Any] = (),
) -> bool:
    """Whether a session not ``cancelled`` is known to start within ``days`` days of ``now``
    (today counts as the first): a guess ("this week or next") does not count."""
    now = local_now(now)
    until = _at(now.date() + dt.timedelta(days=days), dt.time(0, 0))
    skip = cancelled_set(cancelled)
    for entry in schedule:
        found = next_of_entry(entry, now, skip)
        if found is not None and found.certainty is Certainty.KNOWN and found.starts < until:
            return True
    return False


# ---- "on this week" as SQL: the same rule, for a search to filter and count by -----------------


def _days_since_anchor(day: ColumnElement[Any], backend: Backend) -> ColumnElement[int]:
    anchor = ScheduleEntry.from_date
    if backend is Backend.POSTGIS:
        return cast(day - anchor, Integer)  # date - date is a whole number of days
    return cast(func.julianday(day) - func.julianday(anchor), Integer)


def _anchor_week() -> ColumnElement[int]:
    """Which week of its month the anchor falls in: 1 … 5."""
    return (cast(extract("day", ScheduleEntry.from_date), Integer) - 1) // 7 + 1


#: The group of a schedule entry, inside the "on this week" subquery (for its cancelled dates).
_OWNER = aliased(Group)


def _on_window_day(i: int, backend: Backend) -> ColumnElement[bool]:
    day = bindparam(f"soon_date_{i}", type_=Date)
    anchored = ScheduleEntry.from_date.is_not(None)
    # The dates are stored as ISO text in a JSON list: '"2026-12-08"' appears in it or not.
    cancelled = func.coalesce(cast(_OWNER.cancelled_dates, Text), "").like(
        bindparam(f"soon_cancelled_{i}")
    )
    return and_(
        ~cancelled,
        ScheduleEntry.day == bindparam(f"soon_day_{i}"),
        ScheduleEntry.start > bindparam("soon_time", type_=Time) if i == 0 else true_(),
        or_(
            ScheduleEntry.frequency == Frequency.WEEKLY,
            and_(
                ScheduleEntry.frequency == Frequency.FORTNIGHTLY,
                anchored,
                _days_since_anchor(day, backend) % 14 == 0,
            ),
            and_(
                ScheduleEntry.frequency == Frequency.MONTHLY,
                anchored,
                _anchor_week().in_([bindparam(f"soon_week_{i}"), bindparam(f"soon_last_{i}")]),
            ),
        ),
    )


def meets_soon_condition(backend: Backend) -> ColumnElement[bool]:
    """Groups with a session known to start from ``soon_time`` today to the end of the sixth
    day after (as ``on_within`` says, for ``WEEK_DAYS``); bind ``meets_soon_parameters``."""
    return Group.id.in_(
        select_(ScheduleEntry.group_id)
        .join(_OWNER, _OWNER.id == ScheduleEntry.group_id)
        .where(or_(*(_on_window_day(i, backend) for i in range(WEEK_DAYS))))
    )


def meets_soon_parameters(now: dt.datetime) -> dict[str, Any]:
    """The values ``meets_soon_condition`` binds: each day of the window, its weekday, which
    week of its month it is (and 5 too if it is the last: a "fifth Tuesday" anchor means the
    last), and the time now."""
    now = local_now(now)
    values: dict[str, Any] = {"soon_time": now.time().replace(tzinfo=None, microsecond=0)}
    for i in range(WEEK_DAYS):
        day = now.date() + dt.timedelta(days=i)
        week = week_of_month(day)
        values[f"soon_date_{i}"] = day
        values[f"soon_day_{i}"] = WEEKDAYS[day.weekday()]
        values[f"soon_cancelled_{i}"] = f'%"{day.isoformat()}"%'
        values[f"soon_week_{i}"] = week
        values[f"soon_last_{i}"] = 5 if (day + dt.timedelta(days=7)).month != day.month else week
    return values
