"""Load the postcode gazetteer from CSV: our own three columns or the ONS Postcode Directory,
with each postcode's LSOA code when the file has one (gap analysis groups postcodes by it)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.orm import Session

from assetmap.db import upsert_insert
from assetmap.errors import ValidationError
from assetmap.geo.postcodes import normalise_postcode
from assetmap.models import Postcode, table_of, utcnow

# Header names accepted for each column, ours first, then the ONS Postcode Directory's.
POSTCODE_COLUMNS = ("postcode", "pcds", "pcd", "pcd7", "pcd8")
LATITUDE_COLUMNS = ("latitude", "lat")
LONGITUDE_COLUMNS = ("longitude", "long", "lon", "lng")
# The small area a postcode lies in (optional): ONSPD's 2011 LSOA, then the 2021 one.
AREA_COLUMNS = ("lsoa11cd", "lsoa11", "lsoa21cd", "lsoa21", "area_code")
AREA_CODE_LENGTH = 20
# ONSPD marks postcodes without a grid reference with this latitude.
ONSPD_NO_LOCATION = 99.999999
BATCH = 5000


#: One located postcode: (postcode, lat, lon, area code or None).
PostcodeRow = tuple[str, float, float, str | None]


@dataclass(frozen=True)
class PostcodeImport:
    imported: int
    skipped_no_location: int


def _pick(header: list[str], names: tuple[str, ...], path: Path) -> int:
    lowered = [name.strip().lower() for name in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    raise ValidationError(
        f"{path.name}: no {names[0]} column (expected a header with one of {', '.join(names)})",
        field=names[0],
    )


def _optional(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [name.strip().lower() for name in header]
    return next((lowered.index(name) for name in names if name in lowered), None)


def read_postcode_csv(path: Path) -> Iterator[PostcodeRow | None]:
    """Yield (postcode, lat, lon, area code) per data row (the code None when the file has no
    LSOA column or the cell is blank), or None for a postcode ONSPD gives no location."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            raise ValidationError(f"{path.name}: the file is empty", field="file")
        pc, la, lo = (
            _pick(header, POSTCODE_COLUMNS, path),
            _pick(header, LATITUDE_COLUMNS, path),
            _pick(header, LONGITUDE_COLUMNS, path),
        )
        ar = _optional(header, AREA_COLUMNS)
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            try:
                postcode = normalise_postcode(row[pc])
                lat, lon = float(row[la]), float(row[lo])
            except (ValidationError, ValueError, IndexError) as exc:
                detail = exc.message if isinstance(exc, ValidationError) else "bad number"
                raise ValidationError(f"{path.name} line {line}: {detail}", field="file") from None
            if abs(lat - ONSPD_NO_LOCATION) < 1e-6:
                yield None
                continue
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValidationError(
                    f"{path.name} line {line}: latitude/longitude out of range", field="file"
                )
            area = row[ar].strip() if ar is not None and ar < len(row) else ""
            if len(area) > AREA_CODE_LENGTH:
                raise ValidationError(
                    f"{path.name} line {line}: area code {area[:30]!r} is too long", field="file"
                )
            yield postcode, lat, lon, area or None


def import_postcodes(
    session: Session,
    rows: Iterator[PostcodeRow | None],
    progress: Callable[[int], None] | None = None,
) -> PostcodeImport:
    """Insert or update postcodes in batches; the caller's transaction makes it all-or-nothing.

    A row without an area code keeps the code the postcode has already (from an earlier file,
    or placed by ``import-areas``)."""
    table = table_of(Postcode)
    imported = skipped = 0
    while batch := list(islice(rows, BATCH)):
        located = {row[0]: row for row in batch if row is not None}
        skipped += len(batch) - len(located)
        if located:
            stmt = upsert_insert(session, table).values(
                [
                    {"postcode": p, "lat": lat, "lon": lon, "area_code": area}
                    for p, lat, lon, area in located.values()
                ]
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=[Postcode.postcode],
                set_={
                    "lat": stmt.excluded.lat,
                    "lon": stmt.excluded.lon,
                    "area_code": func.coalesce(stmt.excluded.area_code, table.c.area_code),
                    "updated_at": utcnow(),
                },
            )
            session.execute(stmt)
        imported += len(located)
        if progress:
            progress(len(batch))
    return PostcodeImport(imported=imported, skipped_no_location=skipped)
