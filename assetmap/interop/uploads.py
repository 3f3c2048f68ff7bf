"""A file an admin uploads to import, kept between the page's steps (upload, map the columns,
preview, import) without putting it in an address or a cookie.

The file and what was said about it (its source name, the default category, the column
mapping) are kept in ``<instance>/imports/`` under a random token; the page's session holds
only the token. An upload is refused above ``formats.MAX_SOURCE_BYTES``; uploads older than
``KEEP_HOURS`` are deleted whenever another is made, and a file is deleted once imported.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from sqlalchemy.orm import Session

from assetmap.errors import NotFound, ValidationError
from assetmap.geo.interfaces import Geocoder
from assetmap.interop.formats import (
    MAX_SOURCE_BYTES,
    READERS,
    ReadOptions,
    format_of,
    read_source,
)
from assetmap.interop.load import LoadResult, load_source
from assetmap.interop.mappings import (
    SHEET_FORMATS,
    SavedMapping,
    checked_columns,
    find_mapping,
    list_mappings,
    save_mapping,
)
from assetmap.interop.options import json_of
from assetmap.interop.review import ImportReview, review_source
from assetmap.interop.sheet_fields import normalise_header, suggest_mapping
from assetmap.interop.sheets import sheet_headers, sheet_sample
from assetmap.models import Category, ImportFormat

#: The formats read as JSON: a file that is not JSON is refused at upload, not at preview.
JSON_FORMATS = (ImportFormat.CONTRACT, ImportFormat.ORUK, ImportFormat.OUTPOST)

KEEP_HOURS = 6
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


class TooLarge(ValidationError):
    code = "too_large"
    http_status = 413


def uploads_folder(instance_path: str | Path) -> Path:
    return Path(instance_path).resolve() / "imports"


@dataclass(frozen=True)
class UploadState:
    """An upload and what the admin has said about it so far."""

    token: str
    filename: str
    format: ImportFormat
    source: str
    default_category: str | None
    size: int
    #: Spreadsheets: {column header: field}, as the admin last left it.
    columns: dict[str, str] = field(default_factory=dict)
    mapped: bool = False

    @property
    def is_sheet(self) -> bool:
        return self.format in SHEET_FORMATS

    def options(self, today: dt.date) -> ReadOptions:
        return ReadOptions(
            source=self.source,
            columns=self.columns if self.is_sheet else {},
            default_category=self.default_category,
            today=today,
        )


def _paths(folder: Path, token: str) -> tuple[Path, Path]:
    if not _TOKEN.fullmatch(token or ""):
        raise NotFound("that upload has expired: upload the file again", field="file")
    return folder / f"{token}.data", folder / f"{token}.json"


def _write(path: Path, data: bytes) -> None:
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def _save(folder: Path, state: UploadState) -> UploadState:
    _, meta = _paths(folder, state.token)
    _write(meta, json.dumps(asdict(state)).encode("utf-8"))
    return state


def clean_uploads(folder: Path, now: float | None = None) -> int:
    """Delete uploads older than ``KEEP_HOURS``; how many files went."""
    if not folder.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - KEEP_HOURS * 3600
    gone = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            gone += 1
    return gone


def discard_upload(folder: Path, token: str | None) -> None:
    if token and _TOKEN.fullmatch(token):
        for path in _paths(folder, token):
            path.unlink(missing_ok=True)


def _checked_source(source: str) -> str:
    source = source.strip()
    if not source:
        raise ValidationError("give the source a name, like camden-council", field="source")
    if len(source) > 200:
        raise ValidationError("the source's name is at most 200 characters", field="source")
    return source


def _checked_category(category: str | None) -> str | None:
    if not category:
        return None
    if category not in {c.value for c in Category}:
        raise ValidationError(f"{category!r} is not a category", field="default_category")
    return category


def accept_upload(
    folder: Path,
    filename: str,
    data: bytes,
    source: str,
    default_category: str | None,
    replaces: str | None = None,
) -> UploadState:
    """Keep an uploaded file for the next steps: checked (size, format, a spreadsheet's
    header row), stored under a new token, old uploads and the one it replaces deleted."""
    if len(data) > MAX_SOURCE_BYTES:
        raise TooLarge(
            f"the file is over {MAX_SOURCE_BYTES // (1024 * 1024)} MB: split it into smaller files",
            field="file",
        )
    source = _checked_source(source)
    category = _checked_category(default_category)
    if not filename or not data:
        raise ValidationError("choose a file to import", field="file")
    fmt = format_of(filename, data)
    if fmt not in READERS:
        raise ValidationError(f"assetmap cannot read {fmt.value} files yet", field="file")
    if fmt in JSON_FORMATS:  # not UTF-8, not JSON or nested too deeply: said now, naming it
        _, problems = json_of(data)
        if problems:
            raise ValidationError(f"{filename}: {problems[0].message}", field="file")
    columns: dict[str, str] = {}
    if fmt in SHEET_FORMATS:
        headers = sheet_headers(fmt.value, data)
        columns = {h: p for h, p in suggest_mapping(headers).items() if p}
    folder.mkdir(parents=True, exist_ok=True)
    clean_uploads(folder)
    discard_upload(folder, replaces)
    token = secrets.token_urlsafe(24)
    stored, _ = _paths(folder, token)
    _write(stored, data)
    state = UploadState(token, os.path.basename(filename)[:200], fmt, source, category, len(data))
    return _save(folder, replace(state, columns=columns))


def upload_state(folder: Path, token: str | None) -> UploadState:
    """The upload under ``token`` (NotFound if it has gone)."""
    _, meta = _paths(folder, token or "")
    try:
        raw = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound("that upload has expired: upload the file again", field="file") from None
    raw["format"] = ImportFormat(raw["format"])
    return UploadState(**raw)


def _data(folder: Path, state: UploadState) -> bytes:
    stored, _ = _paths(folder, state.token)
    try:
        return stored.read_bytes()
    except OSError:
        raise NotFound("that upload has expired: upload the file again", field="file") from None


@dataclass(frozen=True)
class MappingStep:
    """What the mapping step shows: the file's headers, each one's field, the saved mappings."""

    state: UploadState
    headers: list[str]
    columns: dict[str, str]
    saved: list[SavedMapping]
    chosen: SavedMapping | None = None
    #: A few of each column's values, so the admin sees what the column holds.
    examples: dict[str, str] = field(default_factory=dict)


def mapping_step(
    session: Session, folder: Path, token: str | None, mapping_id: int | None = None
) -> MappingStep:
    """The file's headers with the mapping as left, or as a saved mapping has it."""
    state = upload_state(folder, token)
    headers, examples = sheet_sample(state.format.value, _data(folder, state))
    chosen = find_mapping(session, mapping_id) if mapping_id is not None else None
    given = chosen.columns if chosen else state.columns
    by_header = {normalise_header(h): p for h, p in given.items()}
    columns = {
        h: by_header[normalise_header(h)] for h in headers if normalise_header(h) in by_header
    }
    return MappingStep(state, headers, columns, list_mappings(session), chosen, examples)


def map_columns(
    session: Session,
    folder: Path,
    token: str | None,
    picked: Mapping[int, str],
    now: dt.datetime,
    save_as: str | None = None,
) -> UploadState:
    """The admin's mapping (a field for the file's columns, by their place), checked, kept
    with the upload and, if named, saved for the next file."""
    state = upload_state(folder, token)
    headers = sheet_headers(state.format.value, _data(folder, state))
    kept = checked_columns(
        {headers[i]: target for i, target in picked.items() if 0 <= i < len(headers)}
    )
    if "name" not in kept.values():
        raise ValidationError("choose the column that holds the group's name", field="columns")
    if "categories" not in kept.values() and not state.default_category:
        raise ValidationError(
            "choose the column that holds the categories, or go back and choose a default category",
            field="columns",
        )
    if save_as is not None:
        save_mapping(session, save_as, state.format, kept, now)
    return _save(folder, replace(state, columns=kept, mapped=True))


def review_upload(
    session: Session, folder: Path, token: str | None, geocoder: Geocoder | None, today: dt.date
) -> tuple[UploadState, ImportReview]:
    """What importing the upload would do, row by row, writing nothing."""
    state = upload_state(folder, token)
    parsed = read_source(state.format, _data(folder, state), state.options(today))
    return state, review_source(session, state.source, parsed, geocoder)


def import_upload(
    session: Session,
    folder: Path,
    token: str | None,
    geocoder: Geocoder | None,
    now: dt.datetime,
) -> tuple[UploadState, LoadResult]:
    """Import the upload, all or nothing, in the caller's transaction; the file is deleted."""
    state = upload_state(folder, token)
    parsed = read_source(state.format, _data(folder, state), state.options(now.date()))
    result = load_source(session, state.source, parsed, geocoder, now)
    discard_upload(folder, state.token)
    return state, result


__all__ = [
    "KEEP_HOURS",
    "MappingStep",
    "TooLarge",
    "UploadState",
    "accept_upload",
    "clean_uploads",
    "discard_upload",
    "import_upload",
    "map_columns",
    "mapping_step",
    "review_upload",
    "upload_state",
    "uploads_folder",
]
