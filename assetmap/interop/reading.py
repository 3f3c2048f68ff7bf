"""What the directory readers (ORUK, Outpost) share: one record as it is read, its problems
named by the source's own field names, the gaps it leaves not known, and the terms table.

A reader builds each record's listing in the contract and notes where each part came from
(``venue.lat`` ← ``service_at_locations[0].location.latitude``). The listing is then checked
by the contract itself (:func:`finish`), and every problem is said in the source's words, so
the person fixing the file finds the field in it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assetmap.directory.contract import parse_listing
from assetmap.directory.importing import ImportProblem
from assetmap.interop.load import ParsedSource, SourceRecord
from assetmap.interop.options import ReadOptions, json_of
from assetmap.interop.session_rules import parse_byday, parse_month_days
from assetmap.models import ACCESSIBILITY_FLAGS, Category

ENDED = "sessions after a schedule's {key}, which is past (left out as ended)"
ONGOING = "when sessions end (assetmap keeps no {key}): listed as ongoing"
#: Labels named in one gap line before "and N more".
GAP_NAMES = 5
_CATEGORIES = [c.value for c in Category]


@dataclass
class Draft:
    """One record being read: its listing, where each part came from, what was wrong."""

    number: int
    label: str
    source_id: str | None = None
    listing: dict[str, Any] = field(default_factory=dict)
    #: contract path (or its start) → the source's path to the same thing
    where: dict[str, str] = field(default_factory=dict)
    problems: list[ImportProblem] = field(default_factory=list)

    def problem(self, path: str, message: str) -> None:
        found = ImportProblem(self.number, path, message, self.label)
        if found not in self.problems:  # a part read twice (for two fields) is said once
            self.problems.append(found)

    def source_path(self, path: str) -> str:
        """The source's name for a contract path: its longest noted start, else as it is."""
        best = ""
        for start in self.where:
            if len(start) > len(best) and (
                path == start or path.startswith((start + ".", start + "["))
            ):
                best = start
        if not best:
            return path
        return self.where[best] + path[len(best) :] if path != best else self.where[best]


class Gaps:
    """What a source did not say, gathered by kind: one line per kind, naming the records."""

    def __init__(self, noun: str = "service") -> None:
        self.noun = noun
        self._seen: dict[str, list[str]] = {}

    def add(self, what: str, label: str) -> None:
        labels = self._seen.setdefault(what, [])
        if not labels or labels[-1] != label:
            labels.append(label)

    def lines(self) -> list[str]:
        out = []
        for what, labels in self._seen.items():
            named = ", ".join(labels[:GAP_NAMES])
            if len(labels) > GAP_NAMES:
                named += f" and {len(labels) - GAP_NAMES} more"
            count = f"{len(labels)} {self.noun}{'s' * (len(labels) != 1)}"
            out.append(f"{what}: {count} ({named})")
        return out


# ---- values -------------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")


def time_of(value: Any) -> str:
    """``HH:MM`` from ``10:00``, ``10:00:00`` or ``10:00:00Z``; ValueError otherwise."""
    found = _TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if found is None or int(found.group(1)) > 23 or int(found.group(2)) > 59:
        raise ValueError("must be a time of day like 10:00 or 10:00:00")
    if found.group(3) is not None and int(found.group(3)) > 59:
        raise ValueError("must be a time of day like 10:00 or 10:00:00")
    return f"{int(found.group(1)):02d}:{found.group(2)}"


def date_of(value: Any) -> dt.date:
    """A date from ``2026-09-01`` or a date-time; ValueError otherwise."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return dt.datetime.fromisoformat(text).date()
        except ValueError:
            pass
    raise ValueError("must be a date like 2026-09-01 (or a date and time)")


def text_or_none(draft: Draft, data: dict[str, Any], key: str, path: str) -> str | None:
    """A text field, or None when absent or empty; a problem when it is not text."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        draft.problem(path, "must be text")
        return None
    return value.strip() or None


def items(draft: Draft, data: dict[str, Any], key: str, path: str) -> list[tuple[int, dict]]:
    """The objects of a list field with their index; a problem for anything else."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        draft.problem(path, "must be a list")
        return []
    out = []
    for index, item in enumerate(value):
        if isinstance(item, dict):
            out.append((index, item))
        else:
            draft.problem(f"{path}[{index}]", "must be an object")
    return out


def clipped(text: str, limit: int, what: str, draft: Draft, gaps: Gaps) -> str:
    """Text cut to what the contract holds, the cut said in the gaps (not refused)."""
    if len(text) <= limit:
        return text
    gaps.add(f"the rest of {what} (longer than the {limit} characters assetmap keeps)", draft.label)
    return text[: limit - 1].rstrip() + "…"


@dataclass
class RuleFields:
    """A schedule's fields as read: times (HH:MM), dates, interval, days and days of month."""

    times: dict[str, str] = field(default_factory=dict)
    dates: dict[str, dt.date] = field(default_factory=dict)
    interval: int = 1
    days: list[tuple[int | None, Any]] = field(default_factory=list)
    month_days: list[int] = field(default_factory=list)


def rule_fields(
    draft: Draft, path: str, schedule: dict[str, Any], date_keys: Sequence[str]
) -> RuleFields:
    """The parts of a schedule both ORUK and Outpost write the same way, each broken one a
    problem at ``path.key``."""
    from_rule = RuleFields()
    for key in ("opens_at", "closes_at"):
        if schedule.get(key) not in (None, ""):
            try:
                from_rule.times[key] = time_of(schedule[key])
            except ValueError as error:
                draft.problem(f"{path}.{key}", str(error))
    for key in date_keys:
        if schedule.get(key) is not None:
            try:
                from_rule.dates[key] = date_of(schedule[key])
            except ValueError as error:
                draft.problem(f"{path}.{key}", str(error))
    interval = schedule.get("interval")
    if interval is not None:
        if not is_number(interval) or interval < 1 or interval != int(interval):
            draft.problem(f"{path}.interval", "must be a whole number ≥ 1")
        else:
            from_rule.interval = int(interval)
    for key in ("byday", "bymonthday"):
        value = schedule.get(key)
        if value in (None, ""):
            continue
        try:
            if not isinstance(value, str):
                raise ValueError("must be text like 'MO,TU'" if key == "byday" else "must be text")
            if key == "byday":
                from_rule.days = parse_byday(value)
            else:
                from_rule.month_days = parse_month_days(value)
        except ValueError as error:
            draft.problem(f"{path}.{key}", str(error))
    return from_rule


# ---- the terms table ----------------------------------------------------------------------


def normal(text: str) -> str:
    """A term as the table compares it: lower case, '-' and '_' as spaces, '&' as 'and'."""
    text = re.sub(r"[-_]+", " ", text.lower()).replace("&", " and ")
    return " ".join(text.split())


@dataclass(frozen=True)
class Terms:
    categories: dict[str, tuple[str, ...]]
    accessibility: dict[str, str]
    parking: frozenset[str]

    def categories_of(self, words: Iterable[str | None]) -> list[str]:
        out: list[str] = []
        for word in words:
            for category in self.categories.get(normal(word), ()) if word else ():
                if category not in out:
                    out.append(category)
        return out


@functools.cache
def terms() -> Terms:
    """``terms.toml``, checked: every category and flag it names is one of assetmap's."""
    with (Path(__file__).parent / "terms.toml").open("rb") as file:
        table = tomllib.load(file)
    categories: dict[str, tuple[str, ...]] = {}
    for category, words in table["categories"].items():
        if category not in _CATEGORIES:
            raise ValueError(f"terms.toml: {category!r} is not an assetmap category")
        for word in words:
            key = normal(word)
            categories[key] = (*categories.get(key, ()), category)
    access: dict[str, str] = {}
    for flag, words in table["accessibility"].items():
        if flag not in ACCESSIBILITY_FLAGS:
            raise ValueError(f"terms.toml: {flag!r} is not an access flag")
        access.update({normal(word): flag for word in words})
    parking = frozenset(normal(word) for word in table["parking"]["parking"])
    return Terms(categories, access, parking)


def default_category(options: ReadOptions) -> tuple[str | None, list[ImportProblem]]:
    """The import's default category, checked once for the whole file."""
    chosen = options.default_category
    if chosen is None:
        return None, []
    if chosen.strip().lower() in _CATEGORIES:
        return chosen.strip().lower(), []
    message = f"the default category {chosen!r} must be one of {', '.join(_CATEGORIES)}"
    return None, [ImportProblem(0, "default_category", message, "the import")]


def choose_categories(
    draft: Draft,
    own: Sequence[str],
    words: Sequence[str],
    named: Sequence[str],
    default: str | None,
    gaps: Gaps,
) -> None:
    """The listing's categories: assetmap's own terms if any, else the table's reading of the
    other terms, else the import's default; else a problem (a category is never guessed)."""
    chosen = list(dict.fromkeys(own)) or terms().categories_of(words)
    if not chosen and default is not None:
        chosen = [default]
        gaps.add(f"a category of assetmap's (given the default {default!r})", draft.label)
    if chosen:
        draft.listing["categories"] = chosen
        return
    if named:
        listed = ", ".join(f"'{name}'" for name in dict.fromkeys(named))
        plural = "s" if len(set(named)) > 1 else ""
        says = f"taxonomy term{plural} {listed} map{'s' * (not plural)} to no assetmap category"
    else:
        says = "has no taxonomy terms to tell its assetmap category"
    draft.problem("", f"{says}; pass --default-category")


# ---- finishing ----------------------------------------------------------------------------


def finish(drafts: Sequence[Draft], gaps: Gaps, problems: Sequence[ImportProblem]) -> ParsedSource:
    """Every draft checked by the contract (its venue may be not known), its problems said in
    the source's field names; the records, or the problems, with the gaps."""
    found = list(problems)
    records = []
    for draft in drafts:
        reported = {p.field for p in draft.problems}
        _, said = parse_listing(draft.listing, venue_required=False)
        for path, message in said:
            where = draft.source_path(path)
            # a part the reader already found broken (or could not fill) is not said twice
            if where not in reported and not (path.startswith("categories") and "" in reported):
                draft.problem(where, message)
        found.extend(draft.problems)
        records.append(SourceRecord(draft.listing, draft.source_id, draft.label))
    if found:
        return ParsedSource(problems=found, gaps=gaps.lines())
    return ParsedSource(records=records, gaps=gaps.lines())


def label_for(kind: str, number: int, data: dict[str, Any]) -> str:
    """``service 'Knit and Natter' (id 42)``; the record's number where it has no name."""
    name, ident = data.get("name"), data.get("id")
    named = f"{kind} '{name.strip()}'" if isinstance(name, str) and name.strip() else None
    where = f"(id {ident})" if isinstance(ident, str | int) and not isinstance(ident, bool) else ""
    if named:
        return f"{named} {where}".strip()
    return f"{kind} {number} {where}".strip()


#: How a reader turns one service of its file into a draft listing.
ServiceReader = Callable[[int, Any, ReadOptions, str | None, Gaps], Draft]


def services_in(value: Any, page_key: str, what: str) -> tuple[list[Any], str]:
    """The services in a file: a page's ``page_key`` list, a list, or one service; else why
    not (``what`` names the page: "an ORUK /services page")."""
    if isinstance(value, dict) and page_key in value:
        contents = value[page_key]
        if isinstance(contents, list):
            return contents, ""
        return [], f"{page_key} must be a list"
    if isinstance(value, list):
        return value, ""
    if isinstance(value, dict) and "name" in value:
        return [value], ""
    return [], f"the file must hold {what}, a list of services or one service"


def read_services(
    data: bytes, options: ReadOptions, page_key: str, what: str, read_one: ServiceReader
) -> tuple[ParsedSource, list[Draft]]:
    """A JSON file of services read one by one into listings, with its drafts."""
    value, problems = json_of(data)
    if problems:
        return ParsedSource(problems=problems), []
    services, why = services_in(value, page_key, what)
    if why:
        return ParsedSource(problems=[ImportProblem(0, "", why)]), []
    default, problems = default_category(options)
    gaps = Gaps("service")
    drafts = [
        read_one(number, service, options, default, gaps)
        for number, service in enumerate(services, start=1)
    ]
    return finish(drafts, gaps, problems), drafts


__all__ = [
    "ENDED",
    "ONGOING",
    "Draft",
    "Gaps",
    "ReadOptions",
    "RuleFields",
    "ServiceReader",
    "Terms",
    "choose_categories",
    "clipped",
    "date_of",
    "default_category",
    "finish",
    "is_number",
    "items",
    "json_of",
    "label_for",
    "normal",
    "read_services",
    "rule_fields",
    "services_in",
    "terms",
    "text_or_none",
    "time_of",
]
