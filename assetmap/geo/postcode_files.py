"""Which postcode file this is, and its rows: our own CSV, the ONS Postcode Directory (a CSV, or
the zip ONS publishes it in), or OS Code-Point Open (its zip, or one of its CSVs). Told from
the file itself unless a format is given; read as a stream, a national file is never in memory.
"""

from __future__ import annotations

import csv
import enum
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from assetmap.errors import ValidationError
from assetmap.geo.codepoint import is_codepoint_member, looks_like_codepoint, read_codepoint_lines
from assetmap.geo.gazetteer import ReadRow, read_postcode_lines

# ONSPD's own header names, required with ``--format onspd``.
ONSPD_POSTCODE = ("pcds", "pcd", "pcd7", "pcd8")
ONSPD_LATITUDE = ("lat",)
ONSPD_LONGITUDE = ("long",)
#: The single national CSV in ONSPD's zip (``Data/ONSPD_MAY_2025_UK.csv``; not ``multi_csv/``).
ONSPD_MEMBER = re.compile(r"(?:^|/)Data/ONSPD_[^/]*\.csv$", re.IGNORECASE)


class PostcodeFormat(enum.StrEnum):
    CSV = "csv"  # a headed CSV: postcode,latitude,longitude[,lsoa11cd] or ONSPD's columns
    ONSPD = "onspd"
    CODEPOINT = "codepoint"


@dataclass(frozen=True)
class PostcodeFile:
    """A postcode file opened for reading: its format and its data files (members of a zip)."""

    path: Path
    format: PostcodeFormat
    members: tuple[str, ...] = ()

    def rows(self) -> Iterator[ReadRow]:
        """Every row of every data file, in order, streamed."""
        if not self.members:
            with self.path.open(newline="", encoding="utf-8-sig") as handle:
                yield from self._read(handle, self.path.name)
            return
        with zipfile.ZipFile(self.path) as archive:
            for member in self.members:
                with archive.open(member) as raw:
                    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                    yield from self._read(text, f"{self.path.name}:{member}")

    def count_rows(self) -> int:
        """About how many data rows there are, for a progress bar: a quick pass counting lines
        (a second of unzipping for the national Code-Point file)."""
        if not self.members:
            with self.path.open("rb") as handle:
                lines, files = _count(handle), 1
        else:
            with zipfile.ZipFile(self.path) as archive:
                lines, files = 0, len(self.members)
                for member in self.members:
                    with archive.open(member) as handle:
                        lines += _count(handle)
        headers = 0 if self.format is PostcodeFormat.CODEPOINT else files
        return max(lines - headers, 0)

    def _read(self, text: Iterable[str], name: str) -> Iterator[ReadRow]:
        try:
            if self.format is PostcodeFormat.CODEPOINT:
                yield from read_codepoint_lines(text, name)
            elif self.format is PostcodeFormat.ONSPD:
                yield from read_postcode_lines(
                    text, name, ONSPD_POSTCODE, ONSPD_LATITUDE, ONSPD_LONGITUDE
                )
            else:
                yield from read_postcode_lines(text, name)
        except UnicodeDecodeError:
            raise ValidationError(f"{name}: not UTF-8 text", field="file") from None
        except csv.Error as exc:
            raise ValidationError(f"{name}: not a readable CSV ({exc})", field="file") from None


def open_postcode_file(path: Path, fmt: PostcodeFormat | None = None) -> PostcodeFile:
    """The file at ``path`` ready to read, its format ``fmt`` or told from its content."""
    if zipfile.is_zipfile(path):
        return _open_zip(path, fmt)
    if fmt is None:
        fmt = _sniff_csv(path)
    return PostcodeFile(path, fmt)


def _open_zip(path: Path, fmt: PostcodeFormat | None) -> PostcodeFile:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
    except zipfile.BadZipFile as exc:
        raise ValidationError(f"{path.name}: not a readable zip ({exc})", field="file") from None
    codepoint = tuple(sorted(n for n in names if is_codepoint_member(n)))
    onspd = tuple(sorted(n for n in names if ONSPD_MEMBER.search(n)))
    if fmt in (None, PostcodeFormat.CODEPOINT) and codepoint:
        return PostcodeFile(path, PostcodeFormat.CODEPOINT, codepoint)
    if fmt in (None, PostcodeFormat.ONSPD, PostcodeFormat.CSV) and onspd:
        return PostcodeFile(path, fmt or PostcodeFormat.ONSPD, onspd[:1])
    raise ValidationError(
        f"{path.name}: a zip without Code-Point Open's Data/CSV/*.csv"
        " or the ONS Postcode Directory's Data/ONSPD_*.csv",
        field="file",
    )


def _sniff_csv(path: Path) -> PostcodeFormat:
    """Code-Point's CSVs have no header (their first row is a postcode); any other CSV is read
    by its header, ours or ONSPD's alike."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            first = next(csv.reader(handle), [])
    except UnicodeDecodeError:
        raise ValidationError(f"{path.name}: not UTF-8 text", field="file") from None
    except csv.Error as exc:
        raise ValidationError(f"{path.name}: not a readable CSV ({exc})", field="file") from None
    return PostcodeFormat.CODEPOINT if looks_like_codepoint(first) else PostcodeFormat.CSV


def _count(handle: IO[bytes]) -> int:
    return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
