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

from assetmap.models import Day, Frequency

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


def next_of_entry(entry: Mapping[str, Any], now: dt.datetime) -> NextSession | None:
    """The next session of one schedule entry (contract shape: day, start, frequency and an
    optional ``from_date``), or None if the entry cannot be read."""
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


def next_session(schedule: Iterable[Mapping[str, Any]], now: dt.datetime) -> NextSession | None:
    """The soonest session of a schedule from ``now``: a known date before a guess on the same
    day, and None for an empty schedule."""
    found = [n for n in (next_of_entry(entry, now) for entry in schedule) if n is not None]
    if not found:
        return None
    return min(found, key=lambda n: (n.starts, n.certainty is not Certainty.KNOWN))


def on_within(schedule: Iterable[Mapping[str, Any]], now: dt.datetime, days: int) -> bool:
    """Whether a session is known to start within ``days`` days of ``now`` (today counts as the
    first): a guess ("this week or next") does not count."""
    now = local_now(now)
    until = _at(now.date() + dt.timedelta(days=days), dt.time(0, 0))
    for entry in schedule:
        found = next_of_entry(entry, now)
        if found is not None and found.certainty is Certainty.KNOWN and found.starts < until:
            return True
    return False
