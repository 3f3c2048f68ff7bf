"""A spreadsheet cell as a listing value: the days, times, yes/no answers, postcodes and
categories people type ("Tuesdays 10am-12", "Tue", "10.30am", "Y", "nw51aa", "Arts").

Each reader raises :class:`CellError` with words a person fixing the cell can act on; an empty
cell is "not known" (``None``) and never a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rapidfuzz import fuzz, process

from assetmap.geo.postcodes import is_postcode, normalise_postcode
from assetmap.models import Category, Day, Gender, Status


class CellError(ValueError):
    """A cell that does not read as its column's kind."""


def text_of(value: Any) -> str:
    """A cell as text: whole numbers without ".0" (a spreadsheet's 12 is "12")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


# ---- yes / no ------------------------------------------------------------------------------

_YES = {"yes", "y", "true", "1", "✓", "✔", "available", "free"}
_NO = {"no", "n", "false", "0", "✗", "✘", "none", "not available"}
_UNKNOWN = {"not known", "unknown", "don t know", "dont know", "?", "n a", "na"}


def read_flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = text_of(value).casefold()
    folded = _fold(text) or text
    if folded in _YES or text in _YES:
        return True
    if folded in _NO or text in _NO:
        return False
    if folded in _UNKNOWN or text in _UNKNOWN:
        return None
    raise CellError("must be yes or no (or empty: not known)")


# ---- numbers -------------------------------------------------------------------------------


def read_number(value: Any, whole: bool) -> float | int:
    if isinstance(value, bool):
        raise CellError("must be a number")
    if isinstance(value, int | float):
        number: float = float(value)
    else:
        text = text_of(value).replace(",", "").replace("£", "").strip()
        try:
            number = float(text)
        except ValueError:
            raise CellError("must be a whole number" if whole else "must be a number") from None
    if whole:
        if not number.is_integer():
            raise CellError("must be a whole number")
        return int(number)
    return number


def read_money(value: Any) -> tuple[bool | None, float | None]:
    """(free, amount): "£2.50" is (None, 2.5); "Free" is (True, None)."""
    if _fold(text_of(value)) in {"free", "no charge", "free of charge", "nothing"}:
        return True, None
    try:
        return None, float(read_number(value, whole=False))
    except CellError:
        raise CellError("must be an amount in pounds like £2.50, or Free") from None


# ---- postcodes, choices, lists -------------------------------------------------------------


def read_postcode(value: Any) -> str:
    text = text_of(value).upper()
    if not is_postcode(text):
        raise CellError("must be a UK postcode like NW5 1AA")
    return normalise_postcode(text)


_STATUS = {_fold(s.value): s.value for s in Status} | {"invite only": "invitation_only"}
_GENDER = {"any": "any", "all": "any", "everyone": "any", "mixed": "any", "men": "men",
           "male": "men", "man": "men", "women": "women", "female": "women",
           "woman": "women"}  # fmt: skip


def read_choice(value: Any, kind: str) -> str:
    table = _STATUS if kind == "status" else _GENDER
    found = table.get(_fold(text_of(value)))
    if found is None:
        allowed = [s.value for s in (Status if kind == "status" else Gender)]
        raise CellError(f"must be one of {', '.join(allowed)}")
    return found


def split_list(value: Any) -> list[str]:
    """A cell of several values: separated by ";" if it has one, else by "," or "/"."""
    text = text_of(value)
    parts = text.split(";") if ";" in text else re.split(r"[,/\n]", text)
    return [p.strip() for p in parts if p.strip()]


# The words councils' and groups' spreadsheets use for assetmap's categories.
_CATEGORY_WORDS: dict[str, str] = {
    **{_fold(c.value): c.value for c in Category},
    **{word: c for c, words in {
        "creative": ("arts", "art", "arts and crafts", "crafts", "craft", "music", "singing",
                     "drama", "creative arts"),
        "social": ("social group", "befriending", "coffee morning", "lunch club", "friendship"),
        "active": ("sport", "sports", "exercise", "physical activity", "fitness", "walking",
                   "dance", "physical"),
        "practical": ("cooking", "diy", "repair", "repairs", "practical skills"),
        "learning": ("education", "courses", "classes", "adult learning", "learn"),
        "nature": ("gardening", "outdoors", "environment", "green", "allotment"),
        "volunteering": ("volunteer", "volunteers"),
        "peer_support": ("peer support", "support group", "support", "mutual support"),
        "faith_culture": ("faith", "culture", "faith and culture", "religious", "cultural",
                          "faith culture"),
        "digital": ("computers", "it", "digital skills", "technology", "online skills"),
    }.items() for word in words},
}  # fmt: skip


def category_of(term: str) -> str | None:
    """The category a term names, exactly or by a near spelling ("Volunteeering")."""
    folded = _fold(term.replace("&", " and "))
    if folded in _CATEGORY_WORDS:
        return _CATEGORY_WORDS[folded]
    best = process.extractOne(folded, list(_CATEGORY_WORDS), scorer=fuzz.ratio, score_cutoff=88)
    return _CATEGORY_WORDS[best[0]] if best else None


# ---- dates ---------------------------------------------------------------------------------


def read_date(value: Any) -> str:
    """ISO 2026-09-01 or the UK's 1/9/2026; a spreadsheet's own date cell as it is."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = text_of(value)
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    found = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if found:
        day, month, year = (int(g) for g in found.groups())
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            pass
    raise CellError("must be a date like 2026-09-01 or 1/9/2026")


# ---- days and times ------------------------------------------------------------------------

_DAYS = {
    name: day
    for day, names in {
        Day.MON: ("mon", "monday", "mondays"),
        Day.TUE: ("tue", "tues", "tuesday", "tuesdays"),
        Day.WED: ("wed", "weds", "wednesday", "wednesdays"),
        Day.THU: ("thu", "thur", "thurs", "thursday", "thursdays"),
        Day.FRI: ("fri", "friday", "fridays"),
        Day.SAT: ("sat", "saturday", "saturdays"),
        Day.SUN: ("sun", "sunday", "sundays"),
    }.items()
    for name in (*names, names[0] + "s")
}
_ORDER = list(Day)


def read_days(value: Any) -> list[str]:
    """ "Tue", "Tuesdays", "Mon & Wed", "Mon-Fri", "weekdays" as day values, in week order."""
    text = text_of(value).casefold().replace("weekdays", "mon-fri").replace("every ", "")
    text = re.sub(r"\s*[-–]\s*|\s+to\s+", "-", text)
    days: list[Day] = []
    for part in re.split(r"\s*(?:,|&|/|;|\band\b|\s)\s*", text):
        if not part:
            continue
        span = re.fullmatch(r"([a-z]+)-([a-z]+)", part)
        if span and span.group(1) in _DAYS and span.group(2) in _DAYS:
            first, last = (_ORDER.index(_DAYS[g]) for g in span.groups())
            days.extend(_ORDER[first : last + 1])
        elif part in _DAYS:
            days.append(_DAYS[part])
        else:
            raise CellError(f"{part!r} is not a day: give days like Tue, Tuesdays or Mon-Fri")
    if not days:
        raise CellError("must name a day, like Tue")
    return [d.value for d in _ORDER if d in days]


_CLOCK = re.compile(r"(noon|midday|(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?)")


def _clock(text: str) -> tuple[int, int, str | None]:
    found = _CLOCK.fullmatch(text.strip().casefold().replace(" ", ""))
    if not found:
        raise CellError("must be a time like 10:00, 10.30am or 2pm")
    if found.group(1) in {"noon", "midday"}:
        return 12, 0, "pm"
    hours, minutes = int(found.group(2)), int(found.group(3) or 0)
    if hours > 23 or minutes > 59 or (found.group(4) and not 1 <= hours <= 12):
        raise CellError("must be a time like 10:00, 10.30am or 2pm")
    return hours, minutes, found.group(4)


def _24h(hours: int, minutes: int, meridiem: str | None) -> dt.time:
    if meridiem == "pm" and hours < 12:
        hours += 12
    if meridiem == "am" and hours == 12:
        hours = 0
    return dt.time(hours, minutes)


def read_time(value: Any) -> str:
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.datetime):
        return value.strftime("%H:%M")
    hours, minutes, meridiem = _clock(text_of(value))
    return _24h(hours, minutes, meridiem).strftime("%H:%M")


def read_times(value: Any) -> tuple[str, str | None]:
    """ "10am-12", "2-4pm", "10:00 to 12:30", "6pm" as (start, end): a bare end after a
    morning start is read so the session ends after it starts ("10am-2" ends at 14:00)."""
    if isinstance(value, dt.time | dt.datetime):
        return read_time(value), None
    text = text_of(value).casefold()
    parts = re.split(r"\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b)\s*", text)
    if len(parts) == 1:
        return read_time(parts[0]), None
    if len(parts) != 2:
        raise CellError("must be a time or a range like 10am-12 or 14:00-16:00")
    (sh, sm, s_mer), (eh, em, e_mer) = _clock(parts[0]), _clock(parts[1])
    if s_mer is None and e_mer is not None and sh <= 12:
        pm_start = _24h(sh, sm, e_mer)
        if pm_start < _24h(eh, em, e_mer):
            s_mer = e_mer
    start = _24h(sh, sm, s_mer)
    end = _24h(eh, em, e_mer)
    loose = s_mer is not None or re.fullmatch(r"\d{1,2}", parts[1].strip())
    if e_mer is None and end <= start and eh < 12 and loose:
        end = _24h(eh, em, "pm")
    return start.strftime("%H:%M"), end.strftime("%H:%M")


_FREQUENCIES = {
    "weekly": "weekly", "every week": "weekly", "each week": "weekly",
    "fortnightly": "fortnightly", "every other week": "fortnightly",
    "every 2 weeks": "fortnightly", "every two weeks": "fortnightly", "biweekly": "fortnightly",
    "monthly": "monthly", "every month": "monthly", "once a month": "monthly",
    "other": "other", "varies": "other",
}  # fmt: skip


def read_frequency(value: Any) -> str:
    found = _FREQUENCIES.get(_fold(text_of(value)))
    if found is None:
        raise CellError("must be weekly, fortnightly, monthly or other")
    return found


_SESSION = re.compile(
    r"^(?P<days>.*?)\s*(?P<times>(?:\d|noon|midday).*?)?\s*"
    r"(?P<freq>weekly|fortnightly|monthly|every other week|every (?:2|two) weeks|"
    r"once a month|other)?\s*(?:from (?P<from>\d{4}-\d{2}-\d{2}))?$"
)


def read_schedule(value: Any) -> list[dict[str, Any]]:
    """Sessions written out ("Tuesdays 10am-12; Thu 14:00-16:00 fortnightly from
    2026-09-03"), as the export writes them, one entry per day."""
    entries: list[dict[str, Any]] = []
    for part in re.split(r"\s*[;\n]\s*", text_of(value)):
        if not part:
            continue
        found = _SESSION.match(part.casefold().strip())
        if not found or not found.group("days") or not found.group("times"):
            raise CellError(
                f"{part!r} must give days and a time, like Tuesdays 10am-12 or Thu 14:00-16:00"
            )
        start, end = read_times(found.group("times"))
        frequency = read_frequency(found.group("freq")) if found.group("freq") else "weekly"
        for day in read_days(found.group("days")):
            entries.append(
                {
                    "day": day,
                    "start": start,
                    "end": end,
                    "frequency": frequency,
                    "from_date": found.group("from"),
                }
            )
    return entries


def schedule_text(entries: list[dict[str, Any]]) -> str:
    """The schedule as :func:`read_schedule` reads it back."""
    parts = []
    for entry in entries:
        text = f"{str(entry['day']).capitalize()} {entry['start']}"
        text += f"-{entry['end']}" if entry.get("end") else ""
        if entry.get("frequency", "weekly") != "weekly":
            text += f" {entry['frequency']}"
        if entry.get("from_date"):
            text += f" from {entry['from_date']}"
        parts.append(text)
    return "; ".join(parts)


# ---- bus stops -----------------------------------------------------------------------------

_STOP = re.compile(r"^(?P<name>.+?)(?:\s*\((?P<m>\d+)\s*m\))?(?:\s*:\s*(?P<routes>.*))?$")


def read_bus_stops(value: Any) -> list[dict[str, Any]]:
    """ "Kentish Town Stn (150 m): 134, 214 | Leighton Road" as bus stops."""
    stops = []
    for part in text_of(value).split("|"):
        found = _STOP.match(part.strip())
        if not part.strip() or not found:
            continue
        routes = [r.strip() for r in re.split(r"[,\s]+", found.group("routes") or "") if r]
        stops.append(
            {
                "name": found.group("name").strip(),
                "distance_m": int(found.group("m")) if found.group("m") else None,
                "routes": routes,
            }
        )
    return stops


def bus_stops_text(stops: list[dict[str, Any]]) -> str:
    out = []
    for stop in stops:
        text = str(stop.get("name") or "")
        if stop.get("distance_m") is not None:
            text += f" ({stop['distance_m']} m)"
        if stop.get("routes"):
            text += ": " + ", ".join(stop["routes"])
        out.append(text)
    return " | ".join(out)
