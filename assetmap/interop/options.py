"""What every reader is given besides the file, and the JSON reading they share.

A module of its own, below ``formats`` (which registers the readers), so that a reader can
name the options it is given without importing the registry that imports it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assetmap.directory.importing import ImportProblem


@dataclass(frozen=True)
class ReadOptions:
    """What a reader may need besides the file."""

    #: The source's name: provenance, and the key re-imports are matched under.
    source: str
    #: Spreadsheets: {column header: listing field}, from a saved ``ColumnMapping``.
    columns: Mapping[str, str] = field(default_factory=dict)
    #: The category for records whose own terms map to none (else such a record is a problem:
    #: a category is never guessed).
    default_category: str | None = None
    #: The day a calendar's recurrences are read from.
    today: dt.date | None = None


def json_of(data: bytes) -> tuple[Any, list[ImportProblem]]:
    """The file as JSON, or a problem naming where it stops being JSON."""
    try:
        return json.loads(data.decode("utf-8-sig")), []
    except UnicodeDecodeError as error:
        return None, [ImportProblem(0, "", f"the file is not UTF-8 text (byte {error.start})")]
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        return None, [ImportProblem(0, "", f"the file is not JSON: {error.msg} at {where}")]
    except RecursionError:
        return None, [ImportProblem(0, "", "the file is nested too deeply to be a directory")]
