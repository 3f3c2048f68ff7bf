"""Reading a GTFS timetable feed (a zip of CSV files) and checking it can be routed over.

Only the standard library is used (``zipfile``, ``csv``), streaming each file once, so a
whole region's feed is checked without loading it into memory. A broken feed is refused with
a ``FeedRejected`` naming the file, the CSV line (the header is line 1) and the column of
each problem, up to ``MAX_PROBLEMS`` of them. A good feed gives a ``FeedSummary``: what the
import prints and the registry keeps (dates, the area served, the step-free counts).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assetmap.errors import ValidationError

#: How many problems a broken feed's message lists before the check stops.
MAX_PROBLEMS = 20

#: The columns each file must have (GTFS reference, the ones routing needs).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "agency.txt": ("agency_name", "agency_url", "agency_timezone"),
    "stops.txt": ("stop_id", "stop_lat", "stop_lon"),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
    "calendar.txt": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
}
REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
CALENDAR_FILES = ("calendar.txt", "calendar_dates.txt")
DAYS = REQUIRED_COLUMNS["calendar.txt"][1:8]

# H:MM:SS or HH:MM:SS; hours may pass 24 for trips that run after midnight.
TIME = re.compile(r"(\d{1,3}):([0-5]\d):([0-5]\d)")
DATE = re.compile(r"\d{8}")


class FeedRejected(ValidationError):
    """A feed that cannot be used; ``problems`` lists what is wrong, file and line first."""

    def __init__(self, source: str, problems: list[str], *, more: bool = False) -> None:
        lines = "\n".join(f"  {problem}" for problem in problems)
        tail = f"\n  (stopped after the first {len(problems)} problems)" if more else ""
        super().__init__(f"{source}: the feed cannot be used:\n{lines}{tail}", field="gtfs")
        self.problems = problems


class _Enough(Exception):
    """Raised inside the check once MAX_PROBLEMS have been found."""


@dataclass
class _Problems:
    found: list[str] = field(default_factory=list)

    def add(self, problem: str) -> None:
        self.found.append(problem)
        if len(self.found) >= MAX_PROBLEMS:
            raise _Enough


@dataclass(frozen=True)
class StepFree:
    """How many stops (or trips) say yes (1), no (2) or nothing (0 or blank) to step-free."""

    yes: int = 0
    no: int = 0
    unknown: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"yes": self.yes, "no": self.no, "unknown": self.unknown}


@dataclass(frozen=True)
class BBox:
    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon


@dataclass(frozen=True)
class FeedSummary:
    """What a valid feed holds: who runs it, how much, when and where."""

    agencies: tuple[str, ...]
    routes: int
    trips: int
    stop_times: int
    served_stops: int
    start_date: dt.date
    end_date: dt.date
    bbox: BBox
    stops_step_free: StepFree
    trips_step_free: StepFree

    def counts(self) -> dict[str, Any]:
        """The summary as JSON-ready values (kept on the registry row)."""
        return {
            "agencies": list(self.agencies),
            "routes": self.routes,
            "trips": self.trips,
            "stop_times": self.stop_times,
            "served_stops": self.served_stops,
            "stops_wheelchair_boarding": self.stops_step_free.as_dict(),
            "trips_wheelchair_accessible": self.trips_step_free.as_dict(),
        }


@dataclass
class _Stop:
    line: int
    lat: float | None
    lon: float | None
    wheelchair: str
    parent: str


@dataclass
class _Reading:
    """What the check keeps from one file to the next."""

    problems: _Problems
    agencies: list[str] = field(default_factory=list)
    stops: dict[str, _Stop] = field(default_factory=dict)
    routes: set[str] = field(default_factory=set)
    services: set[str] = field(default_factory=set)
    trips: set[str] = field(default_factory=set)
    trip_step_free: dict[str, int] = field(default_factory=lambda: {"1": 0, "2": 0, "": 0})
    served: dict[str, int] = field(default_factory=dict)  # stop_id -> first stop_times line
    stop_times: int = 0
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    # feed_info.txt's feed_start_date and feed_end_date, when given.
    published: dict[str, dt.date] = field(default_factory=dict)

    def span(self, start: dt.date, end: dt.date) -> None:
        self.first_day = start if self.first_day is None else min(self.first_day, start)
        self.last_day = end if self.last_day is None else max(self.last_day, end)


def read_feed(path: Path) -> FeedSummary:
    """Check the GTFS zip at ``path`` and summarise it; raise ``FeedRejected`` if broken."""
    source = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise FeedRejected(source, [f"not a GTFS zip file ({error})"]) from None
    with archive:
        members = _members(archive)
        missing = [name for name in REQUIRED_FILES if name not in members]
        if not any(name in members for name in CALENDAR_FILES):
            missing.append("calendar.txt or calendar_dates.txt")
        if missing:
            raise FeedRejected(source, [f"{name} is missing" for name in missing])
        reading = _Reading(_Problems())
        try:
            _check(archive, members, reading)
        except _Enough:
            raise FeedRejected(source, reading.problems.found, more=True) from None
        if reading.problems.found:
            raise FeedRejected(source, reading.problems.found)
    return _summary(reading, source)


def _members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each GTFS file name to its name in the zip (some feeds sit in one folder inside)."""
    found: dict[str, str] = {}
    for info in archive.infolist():
        base = info.filename.rsplit("/", 1)[-1]
        if not info.is_dir() and base.endswith(".txt") and base not in found:
            found[base] = info.filename
    return found


def _rows(
    archive: zipfile.ZipFile, members: dict[str, str], name: str, problems: _Problems
) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row of one file with its CSV line number (the header is line 1), values
    stripped; a missing required column is one problem and no rows."""
    with archive.open(members[name]) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        try:
            header = [column.strip() for column in next(reader)]
        except StopIteration:
            problems.add(f"{name} is empty (it needs a header line)")
            return
        except (csv.Error, UnicodeDecodeError) as error:
            problems.add(f"{name} line 1: cannot be read ({error})")
            return
        absent = [column for column in REQUIRED_COLUMNS[name] if column not in header]
        if absent:
            problems.add(f"{name} line 1: the column(s) {', '.join(absent)} are missing")
            return
        try:
            for row in reader:
                if row:
                    values = [value.strip() for value in row]
                    values += [""] * (len(header) - len(values))  # short rows: blanks
                    yield reader.line_num, dict(zip(header, values, strict=False))
        except (csv.Error, UnicodeDecodeError) as error:
            problems.add(f"{name} line {reader.line_num + 1}: cannot be read ({error})")


def _check(archive: zipfile.ZipFile, members: dict[str, str], reading: _Reading) -> None:
    problems = reading.problems
    for _line, row in _rows(archive, members, "agency.txt", problems):
        reading.agencies.append(row["agency_name"])
    _check_stops(archive, members, reading)
    for line, row in _rows(archive, members, "routes.txt", problems):
        _need(problems, "routes.txt", line, row, "route_id")
        reading.routes.add(row["route_id"])
    for name in CALENDAR_FILES:
        if name in members:
            _check_calendar(archive, members, name, reading)
    if "feed_info.txt" in members:
        _check_feed_info(archive, members, reading)
    for line, row in _rows(archive, members, "trips.txt", problems):
        if not _need(problems, "trips.txt", line, row, "trip_id"):
            continue
        reading.trips.add(row["trip_id"])
        if row["route_id"] not in reading.routes:
            problems.add(
                f"trips.txt line {line}: route_id {row['route_id']!r} is not in routes.txt"
            )
        if row["service_id"] not in reading.services:
            problems.add(
                f"trips.txt line {line}: service_id {row['service_id']!r} is not in"
                " calendar.txt or calendar_dates.txt"
            )
        access = row.get("wheelchair_accessible", "")
        reading.trip_step_free[access if access in ("1", "2") else ""] += 1
    _check_stop_times(archive, members, reading)


def _need(problems: _Problems, name: str, line: int, row: dict[str, str], column: str) -> bool:
    if row.get(column):
        return True
    problems.add(f"{name} line {line}: {column} is empty")
    return False


def _check_stops(archive: zipfile.ZipFile, members: dict[str, str], reading: _Reading) -> None:
    """Stops with their coordinates, if any: only stops that trips call at need them,
    which the stop_times check decides."""
    problems = reading.problems
    for line, row in _rows(archive, members, "stops.txt", problems):
        if not _need(problems, "stops.txt", line, row, "stop_id"):
            continue
        lat = _coordinate(problems, line, row, "stop_lat", 90.0)
        lon = _coordinate(problems, line, row, "stop_lon", 180.0)
        reading.stops[row["stop_id"]] = _Stop(
            line, lat, lon, row.get("wheelchair_boarding", ""), row.get("parent_station", "")
        )


def _coordinate(
    problems: _Problems, line: int, row: dict[str, str], column: str, limit: float
) -> float | None:
    value = row[column]
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not -limit <= number <= limit:  # also false for NaN
        problems.add(f"stops.txt line {line}: {column} {value!r} is not a coordinate in degrees")
        return None
    return number


def _check_calendar(
    archive: zipfile.ZipFile, members: dict[str, str], name: str, reading: _Reading
) -> None:
    problems = reading.problems
    for line, row in _rows(archive, members, name, problems):
        if not _need(problems, name, line, row, "service_id"):
            continue
        reading.services.add(row["service_id"])
        if name == "calendar_dates.txt":
            day = _date(problems, name, line, row, "date")
            if row["exception_type"] not in ("1", "2"):
                problems.add(
                    f"{name} line {line}: exception_type {row['exception_type']!r}"
                    " is not 1 (added) or 2 (removed)"
                )
            elif day is not None and row["exception_type"] == "1":
                reading.span(day, day)
            continue
        for day_name in DAYS:
            if row[day_name] not in ("0", "1"):
                problems.add(f"{name} line {line}: {day_name} {row[day_name]!r} is not 0 or 1")
        start = _date(problems, name, line, row, "start_date")
        end = _date(problems, name, line, row, "end_date")
        if start and end:
            if end < start:
                problems.add(f"{name} line {line}: end_date {row['end_date']} is before start_date")
            elif any(row[day_name] == "1" for day_name in DAYS):
                reading.span(start, end)


def _date(
    problems: _Problems, name: str, line: int, row: dict[str, str], column: str
) -> dt.date | None:
    value = row.get(column, "")
    if DATE.fullmatch(value):
        try:
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
    problems.add(f"{name} line {line}: {column} {value!r} is not a date like 20230613")
    return None


def _check_feed_info(archive: zipfile.ZipFile, members: dict[str, str], reading: _Reading) -> None:
    """feed_info.txt is optional; its dates, when given, must be real dates."""
    with archive.open(members["feed_info.txt"]) as raw:
        reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
        for row in reader:
            for column in ("feed_start_date", "feed_end_date"):
                if (row.get(column) or "").strip():
                    cleaned = {column: (row.get(column) or "").strip()}
                    day = _date(reading.problems, "feed_info.txt", reader.line_num, cleaned, column)
                    if day is not None:
                        reading.published[column] = day


def _check_stop_times(archive: zipfile.ZipFile, members: dict[str, str], reading: _Reading) -> None:
    name = "stop_times.txt"
    problems = reading.problems
    for line, row in _rows(archive, members, name, problems):
        reading.stop_times += 1
        if row["trip_id"] not in reading.trips:
            problems.add(f"{name} line {line}: trip_id {row['trip_id']!r} is not in trips.txt")
        stop_id = row["stop_id"]
        if stop_id not in reading.stops:
            problems.add(f"{name} line {line}: stop_id {stop_id!r} is not in stops.txt")
        elif stop_id not in reading.served:
            reading.served[stop_id] = line
            stop = reading.stops[stop_id]
            if stop.lat is None or stop.lon is None:
                problems.add(
                    f"stops.txt line {stop.line}: stop {stop_id!r} has no stop_lat/stop_lon"
                    f" but trips call at it (stop_times.txt line {line})"
                )
        for column in ("arrival_time", "departure_time"):
            value = row[column]
            if value and not TIME.fullmatch(value):
                problems.add(f"{name} line {line}: {column} {value!r} is not a time like 08:30:00")
        if not row["stop_sequence"].isdigit():
            problems.add(
                f"{name} line {line}: stop_sequence {row['stop_sequence']!r} is not a whole number"
            )


def _summary(reading: _Reading, source: str) -> FeedSummary:
    if not reading.served:
        raise FeedRejected(source, ["stop_times.txt has no stop times: no trip calls anywhere"])
    if reading.first_day is None or reading.last_day is None:
        raise FeedRejected(source, ["calendar.txt and calendar_dates.txt run on no day"])
    start, end = _dates(reading.first_day, reading.last_day, reading.published)
    lats = [reading.stops[stop_id].lat or 0.0 for stop_id in reading.served]
    lons = [reading.stops[stop_id].lon or 0.0 for stop_id in reading.served]
    boarding = {"1": 0, "2": 0, "": 0}
    for stop_id in reading.served:
        boarding[_boarding(reading.stops, stop_id)] += 1
    trips = reading.trip_step_free
    return FeedSummary(
        agencies=tuple(reading.agencies),
        routes=len(reading.routes),
        trips=len(reading.trips),
        stop_times=reading.stop_times,
        served_stops=len(reading.served),
        start_date=start,
        end_date=end,
        bbox=BBox(min(lats), min(lons), max(lats), max(lons)),
        stops_step_free=StepFree(boarding["1"], boarding["2"], boarding[""]),
        trips_step_free=StepFree(trips["1"], trips["2"], trips[""]),
    )


def _dates(first: dt.date, last: dt.date, published: dict[str, dt.date]) -> tuple[dt.date, dt.date]:
    """The days the timetable runs: the calendar's span, narrowed to the dates feed_info.txt
    says the feed is good for (when it says, and the two overlap)."""
    start = max(first, published.get("feed_start_date", first))
    end = min(last, published.get("feed_end_date", last))
    return (start, end) if start <= end else (first, last)


def _boarding(stops: dict[str, _Stop], stop_id: str) -> str:
    """A stop's wheelchair_boarding: its own 1 or 2, else its parent station's (GTFS says a
    platform with none given inherits it), else unknown ("")."""
    stop = stops[stop_id]
    if stop.wheelchair in ("1", "2"):
        return stop.wheelchair
    parent = stops.get(stop.parent)
    if parent is not None and parent.wheelchair in ("1", "2"):
        return parent.wheelchair
    return ""
