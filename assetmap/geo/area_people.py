"""Who lives in each area, from CSV: population, older people, disability, deprivation and
loneliness, the weights gap analysis puts on every postcode.

Columns are found by name in any case; a blank cell is "not known" (NULL), never zero.
Every row is checked before anything is written, so a bad file changes nothing.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from assetmap.db import chunks
from assetmap.errors import ValidationError
from assetmap.geo.areas import kind_of_field
from assetmap.models import Area, table_of

# Header names taken as the area code, ours first; any ONS code column (LSOA11CD, WD22CD…)
# is taken too. Name columns are read past quietly: they travel with the code.
CODE_COLUMNS = ("code", "area_code", "lsoa11cd", "lsoa21cd", "msoa11cd", "msoa21cd")
NAME_COLUMNS = ("name", "area_name")
BATCH = 1000


@dataclass(frozen=True)
class Measure:
    """One people column: the headers it is read from, its type and its allowed range."""

    column: str
    headers: tuple[str, ...]
    whole: bool
    low: float
    high: float | None


MEASURES: tuple[Measure, ...] = (
    Measure("population", ("population",), True, 0, None),
    Measure("age_65_plus", ("age_65_plus",), True, 0, None),
    Measure("age_75_plus", ("age_75_plus",), True, 0, None),
    Measure("disabled_share", ("disabled_share",), False, 0, 1),
    Measure("imd_decile", ("imd_decile", "imd2019_decile"), True, 1, 10),
    Measure("lonely_pct", ("lonely_pct",), False, 0, 100),
)


@dataclass(frozen=True)
class PeopleFile:
    """A checked file: one dict of column → value (None when blank) per area code."""

    rows: dict[str, dict[str, float | int | None]]
    ignored_columns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PeopleImport:
    updated: int
    unknown_codes: list[str]


def _code_column(lowered: list[str], path: Path) -> int:
    for name in CODE_COLUMNS:
        if name in lowered:
            return lowered.index(name)
    for index, name in enumerate(lowered):
        if kind_of_field(name) != "other":
            return index
    raise ValidationError(
        f"{path.name}: no area code column (expected one of {', '.join(CODE_COLUMNS)})",
        field="code",
    )


def _number(text: str, measure: Measure, where: str) -> float | int | None:
    text = text.strip()
    if not text:
        return None
    try:
        value: float | int = float(text)
    except ValueError:
        raise ValidationError(f"{where}: {text!r} is not a number", field=measure.column) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValidationError(f"{where}: {text!r} is not a number", field=measure.column)
    if measure.whole:
        if value != int(value):
            raise ValidationError(f"{where}: {text!r} is not a whole number", field=measure.column)
        value = int(value)
    if value < measure.low or (measure.high is not None and value > measure.high):
        upper = f"–{measure.high:g}" if measure.high is not None else " or more"
        raise ValidationError(
            f"{where}: {text} is out of range ({measure.low:g}{upper})", field=measure.column
        )
    return value


def read_area_people(path: Path) -> PeopleFile:
    """Read and check a people CSV; the first problem is a ValidationError naming the line
    and the column."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            raise ValidationError(f"{path.name}: the file is empty", field="file")
        lowered = [name.strip().lower() for name in header]
        code_at = _code_column(lowered, path)
        columns: dict[int, Measure] = {}
        for measure in MEASURES:
            for index, name in enumerate(lowered):
                if name in measure.headers and index not in columns:
                    columns[index] = measure
                    break
        if not columns:
            raise ValidationError(
                f"{path.name}: no people columns (expected some of "
                f"{', '.join(m.column for m in MEASURES)})",
                field="file",
            )
        ignored = [
            header[index].strip()
            for index, name in enumerate(lowered)
            if index != code_at
            and index not in columns
            and name not in NAME_COLUMNS
            and not (name.endswith("nm") and kind_of_field(name[:-2] + "cd") != "other")
        ]
        rows: dict[str, dict[str, float | int | None]] = {}
        for line, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < len(header):
                raise ValidationError(
                    f"{path.name} line {line}: {len(row)} cells, the header has {len(header)}",
                    field="file",
                )
            code = row[code_at].strip()
            if not code:
                raise ValidationError(
                    f"{path.name} line {line}: no area code ({header[code_at].strip()})",
                    field="code",
                )
            if code in rows:
                raise ValidationError(
                    f"{path.name} line {line}: {code} appears twice", field="code"
                )
            rows[code] = {
                measure.column: _number(
                    row[index], measure, f"{path.name} line {line}, {header[index].strip()}"
                )
                for index, measure in columns.items()
            }
            _check_ages(rows[code], f"{path.name} line {line}")
    return PeopleFile(rows=rows, ignored_columns=ignored)


def _check_ages(values: dict[str, float | int | None], where: str) -> None:
    """Older groups are part of the population: more 75+ than 65+ is a shifted column."""
    names = ("population", "age_65_plus", "age_75_plus")
    known = [(name, values[name]) for name in names if values.get(name) is not None]
    for (wider, w), (narrower, n) in itertools.pairwise(known):
        if n is not None and w is not None and n > w:
            raise ValidationError(
                f"{where}: {narrower} ({n}) is more than {wider} ({w})", field=narrower
            )


def import_area_people(
    session: Session,
    people: PeopleFile,
    progress: Callable[[int], None] | None = None,
) -> PeopleImport:
    """Write the people figures onto the areas already loaded; codes not loaded are skipped
    and returned, so the caller can say which. Only the file's columns are written."""
    codes = list(people.rows)
    known: set[str] = set()
    for batch in chunks(codes, BATCH):
        known.update(session.scalars(select(Area.code).where(Area.code.in_(batch))))
    table = table_of(Area)
    unknown = [code for code in codes if code not in known]
    to_write = [code for code in codes if code in known]
    columns = sorted({column for values in people.rows.values() for column in values})
    if columns and to_write:
        statement = (
            update(table)
            .where(table.c.code == bindparam("area"))
            .values({column: bindparam(f"v_{column}") for column in columns})
        )
        for batch in chunks(to_write, BATCH):
            session.execute(
                statement,
                [
                    {"area": code, **{f"v_{c}": people.rows[code].get(c) for c in columns}}
                    for code in batch
                ],
            )
            if progress:
                progress(len(batch))
    return PeopleImport(updated=len(to_write), unknown_codes=unknown)
