"""Load the postcode gazetteer from CSV: our own three columns or the ONS Postcode Directory,
with each postcode's LSOA code when the file has one (gap analysis groups postcodes by it).
Other layouts (OS Code-Point Open) come in as the same rows: ``postcode_files``."""

from __future__ import annotations

import csv
import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Column, MetaData, Table, func, literal, or_, select
from sqlalchemy.orm import Session

from assetmap.db import Backend, session_backend, upsert_insert
from assetmap.errors import ValidationError
from assetmap.geo.postcodes import normalise_postcode
from assetmap.models import Postcode, table_of, utcnow
from assetmap.models.places import postcode_district, postcode_sector

# Header names accepted for each column, ours first, then the ONS Postcode Directory's.
POSTCODE_COLUMNS = ("postcode", "pcds", "pcd", "pcd7", "pcd8")
LATITUDE_COLUMNS = ("latitude", "lat")
LONGITUDE_COLUMNS = ("longitude", "long", "lon", "lng")
# The small area a postcode lies in (optional): ONSPD's 2011 LSOA, then the 2021 one.
AREA_COLUMNS = ("lsoa11cd", "lsoa11", "lsoa21cd", "lsoa21", "area_code")
AREA_CODE_LENGTH = 20
# ONSPD's date a postcode was terminated (YYYYMM); blank while it is live.
TERMINATED_COLUMNS = ("doterm",)
# ONSPD marks postcodes without a grid reference with this latitude.
ONSPD_NO_LOCATION = 99.999999
BATCH = 5000


#: One located postcode: (postcode, lat, lon, area code or None).
PostcodeRow = tuple[str, float, float, str | None]


class Skipped(enum.Enum):
    """Why a row of a postcode file was passed over (counted, not an error)."""

    NO_LOCATION = "without a location"
    TERMINATED = "terminated"


#: What a reader yields per data row.
ReadRow = PostcodeRow | Skipped


@dataclass(frozen=True)
class PostcodeImport:
    imported: int
    skipped_no_location: int
    skipped_terminated: int = 0


def _pick(header: list[str], names: tuple[str, ...], file: str) -> int:
    lowered = [column.strip().lower() for column in header]
    for wanted in names:
        if wanted in lowered:
            return lowered.index(wanted)
    raise ValidationError(
        f"{file}: no {names[0]} column (expected a header with one of {', '.join(names)})",
        field=names[0],
    )


def _optional(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [name.strip().lower() for name in header]
    return next((lowered.index(name) for name in names if name in lowered), None)


def read_postcode_csv(path: Path) -> Iterator[ReadRow]:
    """Yield (postcode, lat, lon, area code) per data row of a headed CSV (the code None when
    the file has no LSOA column or the cell is blank), or why the row is skipped."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        yield from read_postcode_lines(handle, path.name)


def read_postcode_lines(
    lines: Iterable[str],
    name: str,
    postcode_columns: tuple[str, ...] = POSTCODE_COLUMNS,
    latitude_columns: tuple[str, ...] = LATITUDE_COLUMNS,
    longitude_columns: tuple[str, ...] = LONGITUDE_COLUMNS,
) -> Iterator[ReadRow]:
    """:func:`read_postcode_csv` over any text (a member of a zip), errors naming ``name``;
    the column tuples narrow which headers are accepted (ONSPD's own, for ``--format onspd``)."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if not header:
        raise ValidationError(f"{name}: the file is empty", field="file")
    pc, la, lo = (
        _pick(header, postcode_columns, name),
        _pick(header, latitude_columns, name),
        _pick(header, longitude_columns, name),
    )
    ar = _optional(header, AREA_COLUMNS)
    te = _optional(header, TERMINATED_COLUMNS)
    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        try:
            postcode = normalise_postcode(row[pc])
            if te is not None and te < len(row) and row[te].strip():
                yield Skipped.TERMINATED
                continue
            lat, lon = float(row[la]), float(row[lo])
        except (ValidationError, ValueError, IndexError) as exc:
            detail = exc.message if isinstance(exc, ValidationError) else "bad number"
            raise ValidationError(f"{name} line {line}: {detail}", field="file") from None
        if abs(lat - ONSPD_NO_LOCATION) < 1e-6:
            yield Skipped.NO_LOCATION
            continue
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationError(
                f"{name} line {line}: latitude/longitude out of range", field="file"
            )
        area = row[ar].strip() if ar is not None and ar < len(row) else ""
        if len(area) > AREA_CODE_LENGTH:
            raise ValidationError(
                f"{name} line {line}: area code {area[:30]!r} is too long", field="file"
            )
        yield postcode, lat, lon, area or None


def import_postcodes(
    session: Session,
    rows: Iterable[ReadRow],
    progress: Callable[[int], None] | None = None,
) -> PostcodeImport:
    """Insert or update postcodes in batches; the caller's transaction makes it all-or-nothing.

    A row without an area code keeps the code the postcode has already (from an earlier file,
    or placed by ``import-areas``). A postcode loaded again where it was is not rewritten, so
    ``updated_at`` says when it last moved and a re-import of the same file changes nothing."""
    table = table_of(Postcode)
    rows = iter(rows)
    imported = no_location = terminated = 0
    while batch := list(islice(rows, BATCH)):
        located: dict[str, PostcodeRow] = {}
        for row in batch:
            if row is Skipped.NO_LOCATION:
                no_location += 1
            elif row is Skipped.TERMINATED:
                terminated += 1
            elif isinstance(row, tuple):
                located[row[0]] = row
        if located:
            _upsert(session, table, located.values())
        imported += len(located)
        if progress:
            progress(len(batch))
    return PostcodeImport(imported, no_location, terminated)


def _upsert(session: Session, table: Any, rows: Iterable[PostcodeRow]) -> None:
    """Write one batch set-wise: on PostgreSQL ``COPY`` into a temporary table and one
    ``INSERT ... SELECT ... ON CONFLICT``; on SQLite the same upsert as an executemany (compiled
    once: a multi-row VALUES of 5,000 rows took 2 s to compile)."""
    now = utcnow()
    records = [
        (p, lat, lon, area, postcode_district(p), postcode_sector(p)) for p, lat, lon, area in rows
    ]
    if session_backend(session) is Backend.POSTGIS:
        _copy_upsert(session, table, records, now)
        return
    stmt = _on_conflict(session, table, upsert_insert(session, table))
    session.connection().execute(
        stmt, [dict(zip(_LOADED, record, strict=True), updated_at=now) for record in records]
    )


#: The columns a batch carries, in its records' order.
_LOADED = ("postcode", "lat", "lon", "area_code", "district", "sector")
_STAGE = "postcodes_load"


def _copy_upsert(session: Session, table: Any, records: list[tuple[Any, ...]], now: Any) -> None:
    connection = session.connection()
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} (postcode varchar(8), lat float8,"
        " lon float8, area_code varchar(20), district varchar(4), sector varchar(6))"
        " ON COMMIT DROP"
    )
    connection.exec_driver_sql(f"TRUNCATE {_STAGE}")
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {_STAGE} ({', '.join(_LOADED)}) FROM STDIN") as copy:
        for record in records:
            copy.write_row(record)
    stage = Table(_STAGE, MetaData(), *(Column(name) for name in _LOADED))
    stmt = upsert_insert(session, table).from_select(
        [*_LOADED, "updated_at"],
        select(*stage.c, literal(now, type_=table.c.updated_at.type)),
    )
    connection.execute(_on_conflict(session, table, stmt))


def _on_conflict(session: Session, table: Any, stmt: Any) -> Any:
    """Change a postcode already there only when its place or its area differs."""
    new = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=[table.c.postcode],
        set_={
            "lat": new.lat,
            "lon": new.lon,
            "area_code": func.coalesce(new.area_code, table.c.area_code),
            "district": new.district,
            "sector": new.sector,
            "updated_at": new.updated_at,
        },
        where=or_(
            table.c.lat != new.lat,
            table.c.lon != new.lon,
            new.area_code.is_not(None) & table.c.area_code.is_distinct_from(new.area_code),
            table.c.district.is_(None),
        ),
    )
