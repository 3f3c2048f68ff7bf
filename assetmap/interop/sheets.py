"""Spreadsheets in and out: CSV and Excel (.xlsx) files of listings, one row each.

A reader takes the header row, finds each column's field (from the saved
:class:`~assetmap.models.ColumnMapping` given in ``ReadOptions.columns``, else the headers that
name a field exactly: see ``sheet_fields``), and reads every cell as its field's kind
(``sheet_cells``). Each problem names its row as a spreadsheet shows it ("row 5", the header
being row 1) and the column's header, so a person can find the cell; an empty cell is not
known, an empty row is skipped, and the id column (if any) becomes the record's id in its
source. The CSV writer writes the listings under the headers the reader knows, so an export
imports again with no mapping at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import IO, Any

from sqlalchemy.orm import Session

from assetmap.directory.contract import parse_listing
from assetmap.directory.importing import ImportProblem
from assetmap.directory.reads import iter_listings
from assetmap.errors import ValidationError
from assetmap.interop.load import ParsedSource, SourceRecord
from assetmap.interop.options import ReadOptions
from assetmap.interop.sheet_cells import (
    CellError,
    bus_stops_text,
    category_of,
    read_bus_stops,
    read_choice,
    read_date,
    read_days,
    read_flag,
    read_frequency,
    read_money,
    read_number,
    read_postcode,
    read_schedule,
    read_time,
    read_times,
    schedule_text,
    split_list,
    text_of,
)
from assetmap.interop.sheet_fields import BY_PATH, FIELDS, SheetField, exact_field
from assetmap.interop.sheet_fields import normalise_header as norm
from assetmap.models import Category
from assetmap.verification.policy import FreshnessPolicy

#: Where a cell would start a formula in a spreadsheet program: written with a leading "'"
#: (and read back without it), so an exported listing never runs as a formula.
_FORMULA = re.compile(r"^(?:[=@\t\r]|[+-][^\d\s.])")
_CATEGORIES = ", ".join(c.value for c in Category)


# ---- reading -------------------------------------------------------------------------------


def read_csv(data: bytes, options: ReadOptions) -> ParsedSource:
    """A CSV file (UTF-8 with or without a BOM, or Windows-1252 as Excel saves it; commas,
    semicolons or tabs)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        return ParsedSource(problems=[ImportProblem(0, "", f"the file is not CSV: {error}")])
    return rows_to_source(rows, options)


def _workbook_rows(data: bytes, limit: int | None = None) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a broken or foreign file: openpyxl raises many kinds; all mean this
        raise ValidationError("the file is not an Excel workbook (.xlsx)", field="file") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        return [tuple(row) for row in itertools.islice(rows, limit)]
    except Exception:
        raise ValidationError("the workbook's first sheet cannot be read", field="file") from None
    finally:
        book.close()


def read_xlsx(data: bytes, options: ReadOptions) -> ParsedSource:
    """An Excel workbook's first sheet (read-only, values not formulas)."""
    try:
        rows = _workbook_rows(data)
    except ValidationError as error:
        return ParsedSource(problems=[ImportProblem(0, "", error.message)])
    return rows_to_source(rows, options)


def sheet_sample(kind: str, data: bytes, examples: int = 3) -> tuple[list[str], dict[str, str]]:
    """A spreadsheet's header row and a few of each column's values ("Tue, Mon & Wed"), for
    the mapping page; a clear error if it has no header row."""
    if kind == "xlsx":
        rows: Sequence[Sequence[Any]] = _workbook_rows(data, limit=50)
    else:
        text = data.decode("utf-8-sig", errors="replace")
        first = text.split("\n", 1)[0]
        delimiter = max((",", ";", "\t"), key=first.count)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            rows = list(itertools.islice(reader, 50))
        except csv.Error as error:
            raise ValidationError(f"the file is not CSV: {error}", field="file") from None
    headers = [text_of(h).replace("\ufeff", "") for h in (rows[0] if rows else [])]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise ValidationError(
            "the file has no header row: its first row must name the columns", field="file"
        )
    seen: dict[str, str] = {}
    for index, header in enumerate(headers):
        values = [text_of(r[index]) for r in rows[1:] if index < len(r) and text_of(r[index])]
        short = (v if len(v) <= 40 else v[:39].rstrip() + "…" for v in values[:examples])
        seen[header] = ", ".join(dict.fromkeys(short))
    return headers, seen


def sheet_headers(kind: str, data: bytes) -> list[str]:
    """A spreadsheet's header row."""
    return sheet_sample(kind, data)[0]


def _columns(
    headers: Sequence[str], mapping: Mapping[str, str]
) -> tuple[dict[int, tuple[str, SheetField]], list[ImportProblem], list[str]]:
    """Each column's field, the problems with the header row, and what is left out."""
    problems: list[ImportProblem] = []
    gaps: list[str] = []
    wanted = {norm(h): (h, t.strip()) for h, t in mapping.items()}
    columns: dict[int, tuple[str, SheetField]] = {}
    left_out: list[str] = []
    by_path: dict[str, str] = {}
    for index, header in enumerate(headers):
        if not norm(header):
            continue
        path = wanted[norm(header)][1] if mapping and norm(header) in wanted else None
        if not mapping:
            path = exact_field(header)
        if not path:
            left_out.append(header)
            continue
        if path not in BY_PATH:
            problems.append(ImportProblem(0, header, f"{path!r} is not a listing field", "row 1"))
        elif path in by_path:
            problems.append(
                ImportProblem(
                    0, header, f"holds {path}, as the column {by_path[path]!r} does", "row 1"
                )
            )
        else:
            by_path[path] = header
            columns[index] = (header, BY_PATH[path])
    present = {norm(h) for h in headers}
    missing = [h for key, (h, t) in wanted.items() if t and key not in present]
    if missing:
        gaps.append("the mapping's columns not in this file: " + ", ".join(map(repr, missing)))
    if left_out:
        gaps.append("columns not imported: " + ", ".join(map(repr, left_out)))
    return columns, problems, gaps


def rows_to_source(rows: Sequence[Sequence[Any]], options: ReadOptions) -> ParsedSource:
    """Rows (the first is the headers) as records in the listing contract."""
    if not rows:
        return ParsedSource(problems=[ImportProblem(0, "", "the file is empty")])
    headers = [text_of(h).replace("\ufeff", "") for h in rows[0]]
    columns, problems, gaps = _columns(headers, options.columns)
    paths = {f.path for _, f in columns.values()}
    if "name" not in paths:
        problems.append(ImportProblem(0, "", "no column holds the group's name", "row 1"))
    if "categories" not in paths and not options.default_category:
        problems.append(
            ImportProblem(
                0,
                "",
                "no column holds the categories: map one, or choose a default category",
                "row 1",
            )
        )
    if problems:
        return ParsedSource(problems=problems, gaps=gaps)
    source = ParsedSource(gaps=gaps)
    unscheduled = 0
    for offset, values in enumerate(rows[1:], start=2):
        if not any(text_of(v) for v in values):
            continue
        number = len(source.records) + 1
        record, found = _row(values, columns, options, number, f"row {offset}")
        source.records.append(record)
        source.problems.extend(found)
        unscheduled += not record.listing.get("schedule")
    if unscheduled:
        source.gaps.append(
            f"{unscheduled} row{'s give' if unscheduled > 1 else ' gives'} no days or times: "
            "the schedule is not known"
        )
    return source


def _put(listing: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        listing = listing.setdefault(part, {})
    listing[leaf] = value


_READERS: dict[str, Callable[[Any], Any]] = {
    "text": text_of,
    "id": text_of,
    "int": lambda v: read_number(v, whole=True),
    "float": lambda v: read_number(v, whole=False),
    "money": read_money,
    "flag": read_flag,
    "postcode": read_postcode,
    "status": lambda v: read_choice(v, "status"),
    "gender": lambda v: read_choice(v, "gender"),
    "list": split_list,
    "categories": split_list,
    "days": read_days,
    "time": read_time,
    "times": read_times,
    "frequency": read_frequency,
    "schedule": read_schedule,
    "bus_stops": read_bus_stops,
    "date": read_date,
    "dates": lambda v: [read_date(p) for p in split_list(v)],
}


def _cell(field: SheetField, value: Any) -> Any:
    """One cell as its field's value (CellError if it does not read as one)."""
    if isinstance(value, str) and value.startswith("'") and _FORMULA.match(value[1:]):
        value = value[1:]
    return _READERS[field.kind](value)


def _row(
    values: Sequence[Any],
    columns: Mapping[int, tuple[str, SheetField]],
    options: ReadOptions,
    number: int,
    label: str,
) -> tuple[SourceRecord, list[ImportProblem]]:
    """One row as a record, and its problems, each naming the row and the column's header."""
    problems: list[ImportProblem] = []
    cells: dict[str, Any] = {}
    header_of: dict[str, str] = {}
    for index, (header, field) in columns.items():
        header_of[field.path] = header
        value = values[index] if index < len(values) else None
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            cells[field.path] = _cell(field, value)
        except CellError as error:
            problems.append(ImportProblem(number, header, str(error), label))
    source_id = cells.pop("id", None) or None
    _categories(cells, header_of, options, number, label, problems)
    if any(p.field == header_of.get(k) for p in problems for k in header_of if "sched" in k):
        cells = {k: v for k, v in cells.items() if not k.startswith("schedule")}
    _schedule(cells, header_of, number, label, problems)
    if "cost.amount_gbp" in cells:
        free, amount = cells.pop("cost.amount_gbp")
        if amount is not None:
            cells["cost.amount_gbp"] = amount
        if free is not None:
            cells.setdefault("cost.free", free)
    venue = {k: v for k, v in cells.items() if k.startswith("venue.")}
    if venue and "venue.name" not in venue:
        # A venue needs a name to show: its address's first line, else its postcode.
        address = str(venue.get("venue.address") or "").split(",")[0].strip()
        cells["venue.name"] = address or venue.get("venue.postcode") or "Venue"
    # Stored listings always carry a door-to-door part (all not known when nothing was said):
    # the same here, so an unchanged row compares as unchanged on the next import.
    listing: dict[str, Any] = {"transport": {"door_to_door": {}}}
    for path, value in cells.items():
        _put(listing, path, value)
    if not problems:
        _, found = parse_listing(listing)
        for path, message in found:
            header = _header_for(path, header_of)
            plain = re.sub(r"\[\d+\]", "", path)
            said = message if header_of.get(plain) == header else f"{path}: {message}"
            problems.append(ImportProblem(number, header, said, label))
    return SourceRecord(listing=listing, source_id=source_id, label=label), problems


def _header_for(path: str, header_of: Mapping[str, str]) -> str:
    """The column a contract field's problem is about: the field's own, else the nearest
    (a schedule entry's problem is the day or time column's; "venue" is the postcode's)."""
    plain = re.sub(r"\[\d+\]", "", path)
    if plain in header_of:
        return header_of[plain]
    top = plain.split(".")[0]
    for preferred in (f"{top}.postcode", f"{top}.name", f"{top}.time", f"{top}.day", top):
        if preferred in header_of:
            return header_of[preferred]
    near = [h for p, h in header_of.items() if p.startswith(top + ".") or p == top]
    return near[0] if near else ""


def _categories(
    cells: dict[str, Any],
    header_of: Mapping[str, str],
    options: ReadOptions,
    number: int,
    label: str,
    problems: list[ImportProblem],
) -> None:
    """The row's categories from its terms; a term that maps to none is left out if another
    maps, and the row refused if none does (unless a default category is given)."""
    terms = cells.pop("categories", [])
    found = list(dict.fromkeys(c for c in map(category_of, terms) if c is not None))
    if found:
        cells["categories"] = found
    elif options.default_category:
        cells["categories"] = [options.default_category]
    elif terms:
        problems.append(
            ImportProblem(
                number,
                header_of.get("categories", ""),
                f"{', '.join(map(repr, terms))} is not one of assetmap's categories "
                f"({_CATEGORIES}): change it, or choose a default category",
                label,
            )
        )
    else:
        problems.append(
            ImportProblem(
                number,
                header_of.get("categories", ""),
                "is empty: give a category, or choose a default category",
                label,
            )
        )


def _schedule(
    cells: dict[str, Any],
    header_of: Mapping[str, str],
    number: int,
    label: str,
    problems: list[ImportProblem],
) -> None:
    """The schedule from a written-out column and/or day and time columns."""
    entries: list[dict[str, Any]] = list(cells.pop("schedule", []))
    days = cells.pop("schedule.day", None)
    start, end = cells.pop("schedule.time", (None, None))
    start = cells.pop("schedule.start", start)
    end = cells.pop("schedule.end", end)
    frequency = cells.pop("schedule.frequency", "weekly")
    time_header = header_of.get("schedule.time") or header_of.get("schedule.start") or ""
    if days and start is None:
        said = f"the {time_header!r} column" if time_header else "a time column"
        problems.append(
            ImportProblem(number, header_of["schedule.day"], f"needs a start time in {said}", label)
        )
    elif start is not None and not days:
        day_header = header_of.get("schedule.day")
        said = f"the {day_header!r} column" if day_header else "a day column"
        problems.append(ImportProblem(number, time_header, f"needs a day in {said}", label))
    elif days:
        entries.extend(
            {"day": day, "start": start, "end": end, "frequency": frequency} for day in days
        )
    if entries:
        cells["schedule"] = entries


# ---- writing -------------------------------------------------------------------------------

EXPORT_FIELDS: tuple[SheetField, ...] = tuple(f for f in FIELDS if f.exported)


def _value(listing: Mapping[str, Any], path: str) -> Any:
    value: Any = listing
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _written(field: SheetField, value: Any) -> str:
    if value is None:
        return ""
    if field.kind == "flag":
        return "yes" if value else "no"
    if field.kind == "schedule":
        return schedule_text(value)
    if field.kind == "bus_stops":
        return bus_stops_text(value)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if _FORMULA.match(text) else text


def listing_row(listing: Mapping[str, Any]) -> list[str]:
    """One listing as a row of the export."""
    return [_written(f, _value(listing, f.path)) for f in EXPORT_FIELDS]


def write_csv(listings: Iterable[Mapping[str, Any]], handle: IO[str]) -> int:
    """Listings as CSV under the headers the reader knows; how many were written."""
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow([f.header for f in EXPORT_FIELDS])
    count = 0
    for listing in listings:
        writer.writerow(listing_row(listing))
        count += 1
    return count


def export_csv(session: Session, policy: FreshnessPolicy, today: dt.date, handle: IO[str]) -> int:
    """Every listing, closed ones included, as CSV (the export's ``id`` is the listing's id,
    so re-importing the file under one source name finds the same listings again)."""
    return write_csv(iter_listings(session, policy, today), handle)


__all__ = [
    "EXPORT_FIELDS",
    "export_csv",
    "listing_row",
    "read_csv",
    "read_xlsx",
    "rows_to_source",
    "sheet_headers",
    "sheet_sample",
    "write_csv",
]
