"""Reports for commissioners: referrals and what came of them, counted, never personal.

For a range of days (UK time) the report counts, by the category the referral was made in
(copied to the referral when it was sent), by the small area of the person's postcode (kept on
the case after erasure) and by the month it was sent (UK time):

- **referrals** made;
- **accepted**: the group took the person in (at any point);
- **went along**: they attended (a move to ``attended``, or a follow-up that says so);
- **still going at six weeks**: the six-week follow-up says they are still going;
- **ONS4 change**: for each of the four personal-wellbeing questions, the mean of (latest
  follow-up score − score at the start of the case), over the people asked the question both
  times. A rise is better for life satisfaction, worthwhile and happiness; for anxiety a *fall*
  is better.

Erased cases still count: erasure blanks the person, not the referral, its area or month.

**The small-number rule.** Every count under ``SUPPRESS_BELOW`` (5), other than zero, is shown
only as "fewer than 5"; the number never leaves this module (``Cell.value`` is None). Each
table (by category, by area, by month) is shown with the total, so one hidden cell in a column
could be worked out by subtracting the others from the total: whenever a column of a table has
exactly one hidden cell, the next smallest non-zero cell of that column is hidden too (the
complementary cell, shown as "not shown": it may be any size), and if there is none, the total
of that column is hidden. An ONS4 change
is shown only when at least 5 people were asked that question at the start and at follow-up.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from assetmap.errors import Forbidden, ValidationError
from assetmap.models import (
    Area,
    Case,
    FollowUp,
    Referral,
    ReferralEvent,
    ReferralState,
    Role,
    User,
    Wellbeing,
    WellbeingStage,
)

UK = ZoneInfo("Europe/London")
SUPPRESS_BELOW = 5
#: The follow-up that says whether someone is still going.
STILL_GOING_WEEKS = 6
#: The longest range a report covers, in months (one column of months each).
MAX_MONTHS = 36
#: The ONS4 questions, in the order ONS asks them.
ONS4 = ("life_satisfaction", "worthwhile", "happiness", "anxiety")
#: For these, a fall is the better news.
LOWER_IS_BETTER = frozenset({"anxiety"})
MEASURES = ("referrals", "accepted", "attended", "still_going")
#: Labels for rows with nothing known: no category, no area.
UNKNOWN = ""


SMALL, COMPLEMENT = "small", "complement"


@dataclass(frozen=True)
class Cell:
    """A count as it may be shown: ``value`` is None when it is suppressed, and ``hidden``
    says why: ``small`` (under 5) or ``complement`` (hidden so a small one cannot be worked
    out by subtraction; it may be any size)."""

    value: int | None
    hidden: str = ""

    @property
    def suppressed(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Change:
    """The mean change on one ONS4 question; ``mean`` is None under 5 people."""

    question: str
    people: int | None
    mean: float | None

    @property
    def lower_is_better(self) -> bool:
        return self.question in LOWER_IS_BETTER


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    referrals: Cell
    accepted: Cell
    attended: Cell
    still_going: Cell
    wellbeing: tuple[Change, ...]

    def cell(self, measure: str) -> Cell:
        cell: Cell = getattr(self, measure)
        return cell


@dataclass(frozen=True)
class Table:
    name: str  # "category", "area" or "month"
    rows: list[Row]
    total: Row


@dataclass(frozen=True)
class ReferralReport:
    since: dt.date
    until: dt.date
    tables: list[Table]

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


# ---- the range ----------------------------------------------------------------------------


def parse_range(since: str | None, until: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days asked for (ISO dates); by default the twelve months up to today."""
    end = _date(until, "until") if until else today
    start = _date(since, "since") if since else _months_back(end.replace(day=1), 11)
    if start > end:
        raise ValidationError("The start must be on or before the end", field="since")
    if _month_index(end) - _month_index(start) >= MAX_MONTHS:
        raise ValidationError(f"A report covers at most {MAX_MONTHS} months", field="since")
    return start, end


def _date(text: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError("Give a date like 2026-04-01", field=name) from None


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _months_back(first: dt.date, months: int) -> dt.date:
    index = _month_index(first) - months
    return dt.date(index // 12, index % 12 + 1, 1)


def uk_midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in UK time, as UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=UK).astimezone(dt.UTC)


def _month_of(start: dt.date, end: dt.date) -> ColumnElement[str]:
    """``Referral.sent_at``'s month in UK time as "YYYY-MM", as SQL both backends run: a CASE
    over the UK month boundaries (UTC) between ``start`` and ``end``."""
    months: list[dt.date] = []
    first = start.replace(day=1)
    while first <= end:
        months.append(first)
        first = _months_back(first, -1)
    whens = [
        (Referral.sent_at < uk_midnight(nxt), literal(month.strftime("%Y-%m")))
        for month, nxt in zip(months, [*months[1:], _months_back(months[-1], -1)], strict=True)
    ]
    return case(*whens, else_=literal(months[-1].strftime("%Y-%m")))


# ---- counting ---------------------------------------------------------------------------------


def may_see_reports(user: User | None) -> bool:
    return user is not None and user.active and user.role in (Role.ADMIN, Role.COMMUNITY_BUILDER)


def referral_report(session: Session, user: User, since: dt.date, until: dt.date) -> ReferralReport:
    """The report for ``since``..``until`` (UK days, both included), suppressed."""
    if not may_see_reports(user):
        raise Forbidden("Only admins and community builders see the referral reports")
    counts = _counts(session, since, until)
    changes = _changes(session, since, until)
    names = area_names(session, {key[1] for key in counts if key[1]})
    tables = []
    for index, name in enumerate(("category", "area", "month")):
        label: Callable[[str], str] = (
            (lambda code: names.get(code, code)) if name == "area" else (lambda key: key)
        )
        tables.append(_table(name, index, counts, changes, label))
    return ReferralReport(since, until, tables)


Key = tuple[str, str, str]


def sent_between(since: dt.date, until: dt.date) -> ColumnElement[bool]:
    return and_(
        Referral.sent_at >= uk_midnight(since),
        Referral.sent_at < uk_midnight(until + dt.timedelta(days=1)),
    )


def _counts(session: Session, since: dt.date, until: dt.date) -> dict[Key, tuple[int, ...]]:
    """One grouped query: each measure summed by (category, area, month)."""
    attended = or_(
        exists().where(
            ReferralEvent.referral_id == Referral.id,
            ReferralEvent.to_state == ReferralState.ATTENDED,
        ),
        exists().where(FollowUp.referral_id == Referral.id, FollowUp.attended.is_(True)),
    )
    still_going = exists().where(
        FollowUp.referral_id == Referral.id,
        FollowUp.weeks == STILL_GOING_WEEKS,
        FollowUp.still_going.is_(True),
    )
    month = _month_of(since, until).label("month")
    category = func.coalesce(Referral.category, UNKNOWN).label("category")
    area = func.coalesce(Case.area_code, UNKNOWN).label("area")
    rows = session.execute(
        select(
            category,
            area,
            month,
            func.count(Referral.id),
            func.sum(case((Referral.accepted_at.is_not(None), 1), else_=0)),
            func.sum(case((attended, 1), else_=0)),
            func.sum(case((still_going, 1), else_=0)),
        )
        .join(Case, Case.id == Referral.case_id)
        .where(sent_between(since, until))
        .group_by(category, area, month)
    ).all()
    return {(r[0], r[1], r[2]): tuple(int(v or 0) for v in r[3:]) for r in rows}


def _changes(
    session: Session, since: dt.date, until: dt.date
) -> dict[Key, dict[str, dict[int, int]]]:
    """Per (category, area, month): each person's change on each question, from their first
    start-of-case answers to their latest follow-up's (one query)."""
    first = (
        select(Wellbeing.case_id, func.min(Wellbeing.id).label("id"))
        .where(Wellbeing.stage == WellbeingStage.START)
        .group_by(Wellbeing.case_id)
        .subquery()
    )
    ranked = select(
        Wellbeing.id,
        Wellbeing.case_id,
        func.row_number()
        .over(
            partition_by=Wellbeing.case_id,
            order_by=(Wellbeing.recorded_at.desc(), Wellbeing.id.desc()),
        )
        .label("n"),
    ).where(Wellbeing.stage == WellbeingStage.FOLLOW_UP)
    latest = ranked.subquery()
    start, later = aliased(Wellbeing), aliased(Wellbeing)
    rows = session.execute(
        select(
            func.coalesce(Referral.category, UNKNOWN),
            func.coalesce(Case.area_code, UNKNOWN),
            _month_of(since, until),
            Case.id,
            *(getattr(start, q) for q in ONS4),
            *(getattr(later, q) for q in ONS4),
        )
        .join(Case, Case.id == Referral.case_id)
        .join(first, first.c.case_id == Case.id)
        .join(start, start.id == first.c.id)
        .join(latest, and_(latest.c.case_id == Case.id, latest.c.n == 1))
        .join(later, later.id == latest.c.id)
        .where(sent_between(since, until))
        .distinct()
    ).all()
    found: dict[Key, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        key: Key = (row[0], row[1], row[2])
        for i, question in enumerate(ONS4):
            before, after = row[4 + i], row[8 + i]
            if before is not None and after is not None:
                found[key][question][row[3]] = after - before
    return found


def _table(
    name: str,
    index: int,
    counts: dict[Key, tuple[int, ...]],
    changes: dict[Key, dict[str, dict[int, int]]],
    label: Callable[[str], str],
) -> Table:
    sums: dict[str, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    people: dict[str, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for key, values in counts.items():
        for i, value in enumerate(values):
            sums[key[index]][i] += value
    every: dict[str, dict[int, int]] = defaultdict(dict)
    for key, questions in changes.items():
        for question, per_person in questions.items():
            people[key[index]][question].update(per_person)
            every[question].update(per_person)
    keys = sorted(sums, key=lambda k: (k == UNKNOWN, k if name == "month" else label(k), k))
    total = [sum(sums[k][i] for k in keys) for i in range(len(MEASURES))]
    shown = suppress([sums[k] for k in keys], total)
    rows = [
        _row(k, label(k) if k else UNKNOWN, cells, people[k])
        for k, cells in zip(keys, shown.rows, strict=True)
    ]
    return Table(name, rows, _row("total", "All", shown.total, every))


def _row(key: str, label: str, cells: Sequence[Cell], people: dict[str, dict[int, int]]) -> Row:
    referrals, accepted, attended, still_going = cells
    return Row(
        key,
        label,
        referrals,
        accepted,
        attended,
        still_going,
        wellbeing=tuple(_change(q, people.get(q, {})) for q in ONS4),
    )


def _change(question: str, per_person: dict[int, int]) -> Change:
    n = len(per_person)
    if n < SUPPRESS_BELOW:
        return Change(question, None, None)
    return Change(question, n, round(sum(per_person.values()) / n, 2))


@dataclass(frozen=True)
class Shown:
    rows: list[list[Cell]]
    total: list[Cell]


def suppress(rows: list[list[int]], total: list[int]) -> Shown:
    """The small-number rule with its complementary cell, column by column (module docstring)."""
    hidden = [[SMALL if 0 < v < SUPPRESS_BELOW else "" for v in row] for row in rows]
    total_hidden = [SMALL if 0 < v < SUPPRESS_BELOW else "" for v in total]
    for column in range(len(total)):
        alone = [i for i, row in enumerate(hidden) if row[column]]
        if len(alone) != 1:
            continue
        others = sorted(
            (rows[i][column], i)
            for i in range(len(rows))
            if not hidden[i][column] and rows[i][column] > 0
        )
        if others:
            hidden[others[0][1]][column] = COMPLEMENT
        elif not total_hidden[column]:
            total_hidden[column] = COMPLEMENT
    return Shown(
        [
            [_cell(v, h) for v, h in zip(row, flags, strict=True)]
            for row, flags in zip(rows, hidden, strict=True)
        ],
        [_cell(v, h) for v, h in zip(total, total_hidden, strict=True)],
    )


def _cell(value: int, hidden: str) -> Cell:
    return Cell(None, hidden) if hidden else Cell(value)


def area_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """Each loaded area's name by code (areas not loaded are left out)."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    return dict(session.execute(select(Area.code, Area.name).where(Area.code.in_(wanted))).all())


# ---- the CSV ----------------------------------------------------------------------------------

FEWER = f"fewer than {SUPPRESS_BELOW}"
#: A cell hidden so that a small one cannot be worked out from the total.
NOT_SHOWN = "not shown"


def report_csv(report: ReferralReport, category_names: dict[str, str] | None = None) -> str:
    """The report as CSV: one row per table row (and each table's total), suppressed alike."""
    names = category_names or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "by",
            "key",
            "name",
            "referrals",
            "accepted",
            "went_along",
            f"still_going_at_{STILL_GOING_WEEKS}_weeks",
            *(f"{q}_mean_change" for q in ONS4),
            *(f"{q}_people" for q in ONS4),
        ]
    )
    for table in report.tables:
        for row in [*table.rows, table.total]:
            label = names.get(row.key, row.label) if table.name == "category" else row.label
            writer.writerow(
                [
                    table.name,
                    row.key,
                    _safe(label or "not known"),
                    *(_csv_cell(row.cell(m)) for m in MEASURES),
                    *("" if c.mean is None else f"{c.mean:+.2f}" for c in row.wellbeing),
                    *("" if c.people is None else c.people for c in row.wellbeing),
                ]
            )
    return out.getvalue()


def _safe(text: str) -> str:
    """A name a spreadsheet would not run as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def _csv_cell(cell: Cell) -> str | int:
    if cell.value is None:
        return FEWER if cell.hidden == SMALL else NOT_SHOWN
    return cell.value
