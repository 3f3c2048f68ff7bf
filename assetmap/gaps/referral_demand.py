"""Referrals as demand: what link workers asked of groups, and what groups were too full for.

Every referral is a need someone put to a group; a decline because the group was full
(``DeclineReason.FULL``) is demand the area could not meet. Both are counted by the small area
of the person's postcode and by the category of the group, beside the unmet needs, with the
same small-number rule as the referral reports (``referrals/reports.py``): counts under 5 are
"fewer than 5", and a lone small cell in a column takes its complementary cell with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from assetmap.models import Case, DeclineReason, Referral
from assetmap.referrals.reports import UNKNOWN, Cell, area_names, sent_between, suppress


@dataclass(frozen=True)
class DemandRow:
    key: str
    label: str
    referrals: Cell
    declined_full: Cell


@dataclass(frozen=True)
class DemandTable:
    rows: list[DemandRow]
    total: DemandRow


@dataclass(frozen=True)
class ReferralDemand:
    by_area: DemandTable
    by_category: DemandTable


def referral_demand(session: Session, since: dt.date, until: dt.date) -> ReferralDemand:
    """Referrals sent from ``since`` to ``until`` (UK days, both included) and the declines
    among them for want of places, by area and by category (one grouped query)."""
    category = func.coalesce(Referral.category, UNKNOWN).label("category")
    area = func.coalesce(Case.area_code, UNKNOWN).label("area")
    rows = session.execute(
        select(
            category,
            area,
            func.count(Referral.id),
            func.sum(case((Referral.decline_reason == DeclineReason.FULL, 1), else_=0)),
        )
        .join(Case, Case.id == Referral.case_id)
        .where(sent_between(since, until))
        .group_by(category, area)
    ).all()
    counts = {(r[0], r[1]): (int(r[2]), int(r[3] or 0)) for r in rows}
    names = area_names(session, {a for _, a in counts if a})
    return ReferralDemand(
        by_area=_table(
            counts, 1, lambda code: f"{names[code]} ({code})" if code in names else code
        ),
        by_category=_table(counts, 0, lambda key: key),
    )


def _table(
    counts: dict[tuple[str, str], tuple[int, int]], index: int, label: Callable[[str], str]
) -> DemandTable:
    sums: dict[str, list[int]] = {}
    for key, values in counts.items():
        row = sums.setdefault(key[index], [0, 0])
        row[0] += values[0]
        row[1] += values[1]
    keys = sorted(sums, key=lambda k: (k == UNKNOWN, -sums[k][0], k))
    total = [sum(sums[k][i] for k in keys) for i in range(2)]
    shown = suppress([sums[k] for k in keys], total)
    return DemandTable(
        rows=[
            DemandRow(k, label(k) if k else UNKNOWN, *cells)
            for k, cells in zip(keys, shown.rows, strict=True)
        ],
        total=DemandRow("total", "All", *shown.total),
    )
