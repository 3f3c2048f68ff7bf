"""What an import would do, row by row, even when some rows are wrong: the admin page's
preview. ``load.preview_source`` stops at the first stage with problems; here the rows with
problems are set aside and the others previewed again, so the page can show every problem
beside what would happen to every other row. The import itself stays all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from assetmap.directory.importing import ImportProblem, ImportRejected
from assetmap.geo.interfaces import Geocoder
from assetmap.interop.load import ParsedSource, SourceRecord, label_of, preview_source

#: Rounds of setting rows aside: reader problems, then validation, then geocoding.
_ROUNDS = 4


@dataclass(frozen=True)
class RowOutcome:
    """One record: what the import would do (``create``, ``update``, ``unchanged``) or,
    if it cannot be imported, its problems; with where and when it meets, if known."""

    number: int
    label: str
    name: str
    action: str | None
    problems: tuple[ImportProblem, ...] = ()
    where: str | None = None
    when: str | None = None


@dataclass
class ImportReview:
    rows: list[RowOutcome] = field(default_factory=list)
    #: Problems with the file as a whole (its header row, its encoding).
    problems: list[ImportProblem] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    @property
    def importable(self) -> bool:
        return not self.problems and all(row.action for row in self.rows)

    def count(self, action: str | None) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def problem_count(self) -> int:
        return len(self.problems) + sum(len(row.problems) for row in self.rows)


def _where(listing: dict[str, Any]) -> str | None:
    venue = listing.get("venue")
    if not isinstance(venue, dict):
        return "Online" if listing.get("online") is True else None
    parts = [str(venue.get(k)) for k in ("name", "postcode") if venue.get(k)]
    return ", ".join(parts) or None


def _when(listing: dict[str, Any]) -> str | None:
    entries = listing.get("schedule")
    if not isinstance(entries, list) or not entries:
        return None
    said = []
    for entry in entries:
        if isinstance(entry, dict):
            text = f"{str(entry.get('day', '')).capitalize()} {entry.get('start') or ''}"
            said.append(text + (f"-{entry['end']}" if entry.get("end") else ""))
    return "; ".join(said) or None


def review_source(
    session: Session, source: str, parsed: ParsedSource, geocoder: Geocoder | None
) -> ImportReview:
    """Every record's outcome, without writing."""
    records = parsed.records
    problems: dict[int, list[ImportProblem]] = {}
    whole: list[ImportProblem] = []
    actions: dict[int, str] = {}
    pending = list(range(1, len(records) + 1))
    first = ParsedSource(records=list(records), problems=list(parsed.problems))
    subset = first
    for _ in range(_ROUNDS):
        try:
            preview = preview_source(session, source, subset, geocoder)
        except ImportRejected as rejected:
            found = _by_record(rejected.problems, pending)
            whole.extend(found.pop(0, []))
            if not found:
                break
            for number, items in found.items():
                problems.setdefault(number, []).extend(items)
            pending = [n for n in pending if n not in found]
            subset = ParsedSource(records=[records[n - 1] for n in pending])
            continue
        for number, row in zip(pending, preview.rows, strict=True):
            actions[number] = row.action
        break
    return ImportReview(
        rows=[_outcome(n, r, actions, problems) for n, r in enumerate(records, start=1)],
        problems=whole,
        gaps=list(parsed.gaps),
    )


def _by_record(
    found: Sequence[ImportProblem], pending: Sequence[int]
) -> dict[int, list[ImportProblem]]:
    """Problems by the record's number in the whole source (0: not one record's)."""
    out: dict[int, list[ImportProblem]] = {}
    for problem in found:
        number = pending[problem.record - 1] if 1 <= problem.record <= len(pending) else 0
        out.setdefault(number, []).append(problem)
    return out


def _outcome(
    number: int,
    record: SourceRecord,
    actions: dict[int, str],
    problems: dict[int, list[ImportProblem]],
) -> RowOutcome:
    listing = record.listing
    name = listing.get("name")
    return RowOutcome(
        number=number,
        label=label_of(record, number),
        name=name if isinstance(name, str) else "",
        action=None if number in problems else actions.get(number),
        problems=tuple(problems.get(number, ())),
        where=_where(listing),
        when=_when(listing),
    )


__all__ = ["ImportReview", "RowOutcome", "review_source"]
