"""Saved column mappings: which column of a council's or a group's spreadsheet holds which
listing field, kept under a name so next month's file imports the same way.

A mapping is checked before it is saved: a name (unique), a spreadsheet format, and every
target a field a column can hold (``sheet_fields.FIELDS``); a column mapped to nothing is
left out of the import and not kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from assetmap.errors import Conflict, NotFound, ValidationError
from assetmap.interop.sheet_fields import normalise_header, unknown_targets
from assetmap.models import ColumnMapping, ImportFormat

SHEET_FORMATS = (ImportFormat.CSV, ImportFormat.XLSX)


@dataclass(frozen=True)
class SavedMapping:
    id: int
    name: str
    format: ImportFormat
    columns: dict[str, str]


def _saved(row: ColumnMapping) -> SavedMapping:
    return SavedMapping(row.id, row.name, row.format, dict(row.columns))


def checked_columns(columns: Mapping[str, str]) -> dict[str, str]:
    """The columns mapped to a field, each target a real field; else a ValidationError
    naming the column."""
    kept = {str(h).strip(): str(t).strip() for h, t in columns.items() if str(t or "").strip()}
    for header, target in kept.items():
        if not normalise_header(header):
            raise ValidationError(f"{target}: its column has no header", field="columns")
        if unknown_targets([target]):
            raise ValidationError(
                f"{header}: {target!r} is not a listing field a column can hold", field="columns"
            )
    seen: dict[str, str] = {}
    for header, target in kept.items():
        if target in seen:
            raise ValidationError(
                f"{header}: {target} is already the column {seen[target]!r}", field="columns"
            )
        seen[target] = header
    if not kept:
        raise ValidationError("map at least one column to a field", field="columns")
    return kept


def save_mapping(
    session: Session,
    name: str,
    fmt: ImportFormat,
    columns: Mapping[str, str],
    now: dt.datetime,
    *,
    replace: bool = False,
) -> SavedMapping:
    """Save a mapping under ``name`` (a Conflict if the name is taken, unless ``replace``)."""
    name = name.strip()
    if not name:
        raise ValidationError("give the mapping a name", field="mapping_name")
    if len(name) > 200:
        raise ValidationError("a mapping's name is at most 200 characters", field="mapping_name")
    if fmt not in SHEET_FORMATS:
        raise ValidationError("only CSV and Excel files have column mappings", field="format")
    kept = checked_columns(columns)
    row = session.scalar(select(ColumnMapping).where(ColumnMapping.name == name))
    if row is not None and not replace:
        raise Conflict(f"there is already a mapping called {name!r}", field="mapping_name")
    if row is None:
        row = ColumnMapping(name=name, format=fmt, columns=kept, updated_at=now)
        session.add(row)
    else:
        row.format, row.columns, row.updated_at = fmt, kept, now
    session.flush()
    return _saved(row)


def list_mappings(session: Session) -> list[SavedMapping]:
    """Every saved mapping, by name."""
    return [_saved(r) for r in session.scalars(select(ColumnMapping).order_by(ColumnMapping.name))]


def find_mapping(session: Session, key: int | str) -> SavedMapping:
    """A saved mapping by id or name (NotFound if there is none)."""
    where = ColumnMapping.id == key if isinstance(key, int) else ColumnMapping.name == key
    row = session.scalar(select(ColumnMapping).where(where))
    if row is None:
        raise NotFound(f"there is no saved column mapping {key!r}", field="mapping")
    return _saved(row)


def delete_mapping(session: Session, key: int | str) -> SavedMapping:
    """Delete a saved mapping by id or name; feeds that used it keep their settings but
    lose the mapping (``import_feeds.mapping_id`` is set to NULL)."""
    found = find_mapping(session, key)
    row = session.get(ColumnMapping, found.id)
    session.delete(row)
    session.flush()
    return found


__all__ = [
    "SavedMapping",
    "checked_columns",
    "delete_mapping",
    "find_mapping",
    "list_mappings",
    "save_mapping",
]
