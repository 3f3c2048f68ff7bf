"""What link workers looked for and could not find: the unmet needs matching records, counted.

The rows are anonymous already (``matching/unmet.py``), but a count of one or two can still
point at a person in a small place, so every count under ``SUPPRESS_BELOW`` is shown only as
"fewer than 5" (the usual small-number rule for published health and care statistics), and an
interest recorded fewer times than that is never named: it is counted under "other
interests" with the interests that were recorded as "other" in the first place.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from assetmap.gaps.demand import UNMET_CELL_DEGREES as CELL_DEGREES
from assetmap.gaps.demand import assign_to_areas, load_demand
from assetmap.gaps.profile import Target
from assetmap.gaps.referral_demand import ReferralDemand, referral_demand
from assetmap.models import Day, UnmetNeed

#: Counts below this are never shown as numbers, and interests below it are never named.
SUPPRESS_BELOW = 5
#: The label under which rare and unnamed interests are counted.
OTHER_INTERESTS = "other"
#: Where a search made far from every loaded postcode is counted.
OUTSIDE = "outside the loaded areas"
_WEEKDAYS = list(Day)


@dataclass(frozen=True)
class Tally:
    """How many unmet needs had this label (an interest, a category code, an access-need flag
    or a day code)."""

    label: str
    count: int

    @property
    def suppressed(self) -> bool:
        return self.count < SUPPRESS_BELOW


@dataclass(frozen=True)
class UnmetSummary:
    since: dt.date
    until: dt.date
    total: Tally
    by_interest: list[Tally]
    by_category: list[Tally]
    by_need: list[Tally]
    by_weekday: list[Tally]
    #: By the small area the search was made from (its cell's nearest postcode's area); the
    #: label is the area's name and code, or "outside the loaded areas".
    by_area: list[Tally]
    #: How many needs asked for door-to-door transport, and for complex-needs support.
    door_to_door: Tally
    complex_needs: Tally
    #: Referrals made and declined for want of places, by area and category (demand too).
    referrals: ReferralDemand


def unmet_summary(session: Session, since: dt.date, until: dt.date) -> UnmetSummary:
    """The unmet needs recorded from ``since`` to ``until`` (both included), counted by
    interest, category, access need and the day of the week the search was made; with the
    referrals of those days and their declines for want of places."""
    rows = session.execute(
        select(
            UnmetNeed.cell_lat,
            UnmetNeed.cell_lon,
            UnmetNeed.interests,
            UnmetNeed.categories,
            UnmetNeed.access_needs,
            UnmetNeed.recorded_on,
            UnmetNeed.door_to_door_needed,
            UnmetNeed.complexity,
        ).where(UnmetNeed.recorded_on >= since, UnmetNeed.recorded_on <= until)
    ).all()
    weekdays = Counter(_WEEKDAYS[row.recorded_on.weekday()].value for row in rows)
    return UnmetSummary(
        since=since,
        until=until,
        total=Tally("all", len(rows)),
        by_interest=_interests(row.interests or [] for row in rows),
        by_category=_most_first(Counter(c for row in rows for c in set(row.categories or []))),
        by_need=_most_first(Counter(n for row in rows for n in set(row.access_needs or []))),
        by_weekday=[Tally(day.value, weekdays[day.value]) for day in _WEEKDAYS],
        by_area=_areas(session, rows),
        door_to_door=Tally("door_to_door", sum(1 for row in rows if row.door_to_door_needed)),
        complex_needs=Tally("complex_needs", sum(1 for row in rows if (row.complexity or 1) >= 3)),
        referrals=referral_demand(session, since, until),
    )


def _interests(per_need: Iterable[list[str]]) -> list[Tally]:
    """Each interest named often enough to show, most first; the rest as one "other" tally
    (last), so a rare free-text interest is never on the page."""
    counts = Counter(interest for interests in per_need for interest in set(interests))
    named = {label: n for label, n in counts.items() if label != OTHER_INTERESTS}
    shown = {label: n for label, n in named.items() if n >= SUPPRESS_BELOW}
    other = counts.get(OTHER_INTERESTS, 0) + sum(n for n in named.values() if n < SUPPRESS_BELOW)
    tallies = _most_first(Counter(shown))
    return [*tallies, Tally(OTHER_INTERESTS, other)] if other else tallies


def _areas(session: Session, rows: Sequence[Any]) -> list[Tally]:
    """Counts by the area of each search's cell centre (its nearest postcode's area)."""
    if not rows:
        return []
    demand = load_demand(session, Target.ALL)
    half = CELL_DEGREES / 2
    found = assign_to_areas(
        demand,
        np.array([row.cell_lat + half for row in rows]),
        np.array([row.cell_lon + half for row in rows]),
    )
    names = demand.areas
    labels = Counter(
        f"{names.name[i]} ({names.code[i]})" if i >= 0 else OUTSIDE for i in found.tolist()
    )
    return _most_first(labels)


def _most_first(counts: Counter[str]) -> list[Tally]:
    return [Tally(label, n) for label, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


__all__ = ["OTHER_INTERESTS", "SUPPRESS_BELOW", "Tally", "UnmetSummary", "unmet_summary"]
