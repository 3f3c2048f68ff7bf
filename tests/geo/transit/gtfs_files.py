"""The real Newport feed (tests/data/newport/) and broken copies of it built in tmp_path."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

NEWPORT = Path(__file__).resolve().parents[2] / "data" / "newport"
NEWPORT_GTFS = NEWPORT / "newport-20230613_gtfs.zip"
NEWPORT_OSM = NEWPORT / "newport-2023-06-13.osm.pbf"

Rows = list[list[str]]


def read_rows(name: str, gtfs: Path = NEWPORT_GTFS) -> Rows:
    """One file of the feed as CSV rows, the header first (so rows[n - 1] is line n)."""
    with zipfile.ZipFile(gtfs) as archive:
        text = archive.read(name).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def rewrite(
    target: Path,
    *,
    drop: tuple[str, ...] = (),
    edit: dict[str, Callable[[Rows], None]] | None = None,
) -> Path:
    """A copy of the Newport feed at ``target``, without the files in ``drop`` and with
    each file in ``edit`` changed in place by its function (given the rows, header first)."""
    edit = edit or {}
    with zipfile.ZipFile(NEWPORT_GTFS) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            if info.filename in drop:
                continue
            data = source.read(info.filename)
            if info.filename in edit:
                rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
                edit[info.filename](rows)
                buffer = io.StringIO()
                csv.writer(buffer, lineterminator="\n").writerows(rows)
                data = buffer.getvalue().encode("utf-8")
            out.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED)
    return target


def set_cell(rows: Rows, line: int, column: str, value: str) -> None:
    """Set one cell, by CSV line number (header = line 1) and column name."""
    rows[line - 1][rows[0].index(column)] = value
