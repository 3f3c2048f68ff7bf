"""The formats assetmap reads, each a reader from a file's bytes to a ``ParsedSource``.

A reader never writes: ``load.load_source`` does, all or nothing. Readers are registered in
``READERS`` by :class:`~assetmap.models.ImportFormat`; :func:`format_of` tells a file's format
from its name and, for JSON, its shape, so the CLI and the admin page need not ask.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from assetmap.directory.importing import ImportProblem
from assetmap.errors import ValidationError
from assetmap.interop.ics_in import read_ics
from assetmap.interop.load import ParsedSource, SourceRecord
from assetmap.interop.options import ReadOptions, json_of
from assetmap.interop.oruk_in import read_oruk
from assetmap.interop.outpost_in import read_outpost
from assetmap.interop.sheets import read_csv, read_xlsx
from assetmap.models import ImportFormat

#: The largest file a reader is given (the admin page's upload limit too).
MAX_SOURCE_BYTES = 50 * 1024 * 1024


Reader = Callable[[bytes, ReadOptions], ParsedSource]


def read_contract(data: bytes, options: ReadOptions) -> ParsedSource:
    """assetmap's own listing contract (a JSON list, as ``export-groups`` writes): records are
    matched by their ``id`` or ``external_id``, else by name, organisation and venue."""
    records, problems = json_of(data)
    if problems:
        return ParsedSource(problems=problems)
    if not isinstance(records, list):
        return ParsedSource(
            problems=[ImportProblem(0, "", "the file must hold a JSON list of listings")]
        )
    return ParsedSource(
        records=[
            SourceRecord(
                listing=r if isinstance(r, dict) else {"": r},
                # its external_id is its id in the source: a re-import finds it by that
                source_id=_external_id(r),
                label=f"record {n}",
            )
            for n, r in enumerate(records, start=1)
        ]
    )


def _external_id(record: Any) -> str | None:
    value = record.get("external_id") if isinstance(record, dict) else None
    return str(value) if isinstance(value, str | int) and str(value).strip() else None


READERS: dict[ImportFormat, Reader] = {
    ImportFormat.CONTRACT: read_contract,
    ImportFormat.ICS: read_ics,
    ImportFormat.ORUK: read_oruk,
    ImportFormat.OUTPOST: read_outpost,
    ImportFormat.CSV: read_csv,
    ImportFormat.XLSX: read_xlsx,
}

_BY_SUFFIX = {".csv": ImportFormat.CSV, ".xlsx": ImportFormat.XLSX, ".ics": ImportFormat.ICS}


def _json_format(data: bytes) -> ImportFormat:
    """ORUK/HSDS (a page with ``contents``, or services with ``organization`` or
    ``service_at_locations``), Outpost (a page with ``content``, or services with
    ``locations`` and ``taxonomies``), else the listing contract."""
    value, problems = json_of(data)
    if problems:
        return ImportFormat.CONTRACT  # its reader reports the problem
    if isinstance(value, dict):
        if "contents" in value:
            return ImportFormat.ORUK
        if "content" in value:
            return ImportFormat.OUTPOST
        value = [value]
    first = value[0] if isinstance(value, list) and value else {}
    if isinstance(first, dict):
        if "service_at_locations" in first or "organization" in first:
            return ImportFormat.ORUK
        if "locations" in first and "taxonomies" in first:
            return ImportFormat.OUTPOST
    return ImportFormat.CONTRACT


def format_of(filename: str, data: bytes) -> ImportFormat:
    """A file's format from its name, and for ``.json`` from its shape."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if suffix == ".json":
        return _json_format(data)
    raise ValidationError(
        f"{filename}: assetmap reads .json (ORUK, Outpost or its own listings), .csv, .xlsx "
        "and .ics files",
        field="file",
    )


def read_source(
    fmt: ImportFormat, data: bytes, options: ReadOptions, limit: int | None = MAX_SOURCE_BYTES
) -> ParsedSource:
    """The file read by its format's reader. ``limit`` bounds what an upload or a feed may
    send; the command line, reading a file its operator chose, passes None."""
    if limit is not None and len(data) > limit:
        raise ValidationError(
            f"the file is {len(data) // (1024 * 1024)} MB: at most "
            f"{limit // (1024 * 1024)} MB can be imported at once",
            field="file",
        )
    reader = READERS.get(fmt)
    if reader is None:
        raise ValidationError(f"assetmap cannot read {fmt.value} files", field="format")
    return reader(data, options)
