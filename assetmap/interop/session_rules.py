"""Recurrence rules (RFC 5545's FREQ, INTERVAL, BYDAY, BYMONTHDAY, as ORUK and Outpost
schedules carry them) as the listing contract's schedule entries.

The contract says weekly, fortnightly (which fortnight fixed by one session's date) and
monthly (the week of the month fixed by one session's date: 1st … 4th, 5 for the last). A rule
it cannot say exactly (every three weeks, the 15th of each month, every other month) becomes
an entry on each named day with the frequency ``other`` ("irregular: ask the group"), and the
gap is said; a rule that names no weekday at all gives no entry, and that gap is said too.
Nothing is rounded to the nearest thing the contract can say.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from assetmap.models import Day, Frequency

BYDAY = {
    "MO": Day.MON,
    "TU": Day.TUE,
    "WE": Day.WED,
    "TH": Day.THU,
    "FR": Day.FRI,
    "SA": Day.SAT,
    "SU": Day.SUN,
}
_TOKEN = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
#: How far ahead a monthly rule's session date is looked for (a fifth weekday is in ~4 months
#: a year, so two years always find one).
_MONTHS_AHEAD = 24


@dataclass
class Rule:
    """One recurrence: ``freq`` is ``weekly``, ``monthly`` or None (the source said none)."""

    freq: str | None
    start: str
    end: str | None = None
    interval: int = 1
    days: list[tuple[int | None, Day]] = field(default_factory=list)
    month_days: list[int] = field(default_factory=list)
    #: The rule's first session or after (RFC 5545's DTSTART).
    dtstart: dt.date | None = None
    #: A date to count a monthly rule's week from when it has no dtstart (its valid_from...).
    anchor: dt.date | None = None


@dataclass
class Reading:
    entries: list[dict[str, Any]] = field(default_factory=list)
    #: What the rule leaves not known, in words ("which fortnight it meets").
    gaps: list[str] = field(default_factory=list)


def parse_byday(text: str) -> list[tuple[int | None, Day]]:
    """``TU``, ``2TU``, ``-1FR`` (comma separated); ValueError naming the token otherwise."""
    out = []
    for token in (t.strip().upper() for t in text.split(",") if t.strip()):
        found = _TOKEN.fullmatch(token)
        if found is None:
            raise ValueError(f"{token!r} is not a day like MO, TU or 2TU")
        out.append((int(found.group(1)) if found.group(1) else None, BYDAY[found.group(2)]))
    return out


def parse_month_days(text: str) -> list[int]:
    out = []
    for token in (t.strip() for t in text.split(",") if t.strip()):
        if not re.fullmatch(r"-?\d{1,2}", token) or not 1 <= abs(int(token)) <= 31:
            raise ValueError(f"{token!r} is not a day of the month from 1 to 31")
        out.append(int(token))
    return out


def _weekday(day: Day) -> int:
    return list(Day).index(day)


def first_on_or_after(start: dt.date, day: Day, weeks: int) -> dt.date:
    """The rule's first session on ``day``: in the week of ``start`` (weeks start on Monday)
    if not before it, else ``weeks`` later, as RFC 5545 counts a weekly rule."""
    session = start - dt.timedelta(days=start.weekday()) + dt.timedelta(days=_weekday(day))
    return session if session >= start else session + dt.timedelta(weeks=weeks)


def _in_month(year: int, month: int, weekday: int, nth: int) -> dt.date | None:
    first = dt.date(year, month, 1)
    if nth == -1:
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        last = following - dt.timedelta(days=1)
        return last - dt.timedelta(days=(last.weekday() - weekday) % 7)
    day = first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    return day if day.month == month else None


def monthly_session(anchor: dt.date, day: Day, nth: int) -> dt.date | None:
    """The first ``nth`` ``day`` of a month on or after ``anchor`` whose week of the month
    says ``nth`` as the contract counts it (1-4; 5, and -1 'the last', as a fifth)."""
    year, month = anchor.year, anchor.month
    for _ in range(_MONTHS_AHEAD):
        session = _in_month(year, month, _weekday(day), nth)
        if session is not None and session >= anchor and (nth != -1 or session.day > 28):
            return session
        year, month = year + month // 12, month % 12 + 1
    return None


def _entry(rule: Rule, day: Day, frequency: Frequency, from_date: dt.date | None) -> dict:
    return {
        "day": day.value,
        "start": rule.start,
        "end": rule.end,
        "frequency": frequency.value,
        "from_date": from_date.isoformat() if from_date else None,
    }


def _irregular(rule: Rule, why: str) -> Reading:
    days = list(dict.fromkeys(day for _, day in rule.days))
    return Reading(
        [_entry(rule, day, Frequency.OTHER, None) for day in days],
        [f"how often it meets ({why}): listed as irregular, ask the group"],
    )


def _weekly(rule: Rule) -> Reading:
    if rule.month_days:
        return _irregular(rule, "a weekly rule limited to days of the month")
    if rule.interval not in (1, 2):
        return _irregular(rule, f"every {rule.interval} weeks")
    reading = Reading()
    frequency = Frequency.WEEKLY if rule.interval == 1 else Frequency.FORTNIGHTLY
    for _, day in dict.fromkeys(rule.days):
        session = first_on_or_after(rule.dtstart, day, rule.interval) if rule.dtstart else None
        reading.entries.append(_entry(rule, day, frequency, session))
    if rule.interval == 2 and rule.dtstart is None:
        reading.gaps.append("which fortnight it meets (the rule has no dtstart)")
    return reading


def _monthly(rule: Rule) -> Reading:
    if rule.interval != 1:
        return _irregular(rule, f"every {rule.interval} months")
    if rule.month_days:
        return _irregular(rule, "on days of the month")
    reading = Reading()
    unknown_week = False
    for nth, day in dict.fromkeys(rule.days):
        if nth is None:
            session = first_on_or_after(rule.dtstart, day, 1) if rule.dtstart else None
        elif nth in (1, 2, 3, 4, 5, -1):
            anchor = rule.dtstart or rule.anchor
            session = monthly_session(anchor, day, nth) if anchor else None
        else:
            reading.entries.append(_entry(rule, day, Frequency.OTHER, None))
            reading.gaps.append(
                f"how often it meets (the {nth} {day.name.title()} of the month): "
                "listed as irregular, ask the group"
            )
            continue
        unknown_week = unknown_week or session is None
        reading.entries.append(_entry(rule, day, Frequency.MONTHLY, session))
    if unknown_week:
        reading.gaps.append("which week of the month it meets (the rule does not say)")
    return reading


def read_rule(rule: Rule) -> Reading:
    """The rule as schedule entries, and what it leaves not known."""
    if not rule.days:
        if rule.month_days:
            return Reading(gaps=["when it meets (on days of the month, with no weekday)"])
        return Reading(gaps=["when it meets (a schedule with no days)"])
    if rule.freq == "weekly":
        return _weekly(rule)
    if rule.freq == "monthly":
        return _monthly(rule)
    return _irregular(rule, "the schedule gives days but no frequency")


__all__ = [
    "BYDAY",
    "Reading",
    "Rule",
    "first_on_or_after",
    "monthly_session",
    "parse_byday",
    "parse_month_days",
    "read_rule",
]
