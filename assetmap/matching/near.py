"""The near misses: groups left out that a link worker could make work, each with why.

A group is a near miss when it has to do with what the person wants (their interests or a
kind they asked for) and was left out by one thing: a journey a little over their budget or
beyond their walking limit, no session when they are free, an outing over their longest time
away from home, or, among the venues within reach, a constraint its own columns decide (it
costs more than they can pay, it is known not to meet an access need, it is for other ages,
it is paused or has paused referrals, by invitation, or cannot give the support they need).
Each carries a ``LeftOutCode`` note: the words are the web layer's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Row

from assetmap.geo.interfaces import TravelTimeProvider
from assetmap.geo.journeys import Destinations, Journeys
from assetmap.matching import explain, scoring
from assetmap.matching.candidates import INTEREST_SEPARATOR
from assetmap.matching.notes import LeftOutCode, Note
from assetmap.matching.profile import Profile, profile_query
from assetmap.matching.results import NearMiss
from assetmap.models import Gender
from assetmap.text.ranking import Candidate, rank_text

#: The near misses named (nearest first), and how many of the nearest left out of each kind
#: (beyond reach, held back in SQL) are looked at for them: enough for the list, few enough
#: that finding them costs a fraction of the match.
MAX_NEAR_MISSES = 30
NEAR_MISS_POOL = 60
#: The reasons judged in SQL that make a near miss (closed, and not fitting their interests,
#: do not: nothing would make those work).
HELD_BACK = (
    "paused",
    "referrals_paused",
    "invitation_only",
    "audience",
    "cost",
    "complexity",
    "needs_not_met",
)
#: Every reason judged in SQL that may make a near miss.
NEAR_REASONS = frozenset({"too_far", *HELD_BACK})

#: A group left out: (straight-line metres, its row, why). Why may be a function that
#: writes it: hundreds are left out for each that is shown, so those notes are written
#: only for the near misses shown.
Missed = tuple[float, Row[Any], Note | Callable[[], Note]]


def destinations_of(rows: Sequence[Row[Any]]) -> Destinations:
    return Destinations.of(
        [row.lat for row in rows],
        [row.lon for row in rows],
        [explain.nearest_stop_m(row.bus_stops) for row in rows],
        [
            (row.door_to_door_radius_km or 0) * 1000 if row.door_to_door_available else 0
            for row in rows
        ],
    )


def interests_of(row: Row[Any]) -> tuple[str, ...]:
    return tuple(row.interests.split(INTEREST_SEPARATOR)) if row.interests else ()


def too_far_note(journeys: Journeys, i: int, budget: float) -> Note:
    minutes = float(journeys.minutes[i])
    mode = journeys.mode[i]
    return Note(
        LeftOutCode.TOO_FAR,
        minutes=round(minutes) if math.isfinite(minutes) else None,
        limit=round(budget),
        mode=mode.value if mode is not None else None,
        metres=round(float(journeys.distance_m[i]), -1),
    )


def near_miss_ids(left: list[Row[Any]], reach_km: float) -> list[int]:
    """The groups of those the SQL ``left`` out (id, reason, km2 rows, each reason one of
    ``NEAR_REASONS``) that may be near misses: the nearest beyond the reach, and the nearest
    within it held back by one of ``HELD_BACK``, ``NEAR_MISS_POOL`` of each."""
    far = sorted((row.km2, row.id) for row in left if row.reason == "too_far")
    held = sorted(
        (row.km2, row.id)
        for row in left
        if row.reason != "too_far" and row.km2 <= reach_km * reach_km
    )
    return [group_id for _, group_id in far[:NEAR_MISS_POOL] + held[:NEAR_MISS_POOL]]


def left_out_in_sql(
    profile: Profile,
    travel: TravelTimeProvider,
    left: list[Row[Any]],
    rows: Sequence[Row[Any]],
) -> list[Missed]:
    """The groups of ``near_miss_ids(left, ...)`` as near misses, from their ``rows`` (as
    ``survivors`` reads them): those beyond the reach with their journey times, those held
    back with why."""
    reason = {row.id: (row.reason, row.km2) for row in left}
    far_rows = [row for row in rows if reason[row.id][0] == "too_far"]
    missed: list[Missed] = []
    if far_rows:
        journeys = travel.minutes(profile.location, destinations_of(far_rows), profile.mobility)
        budget = profile.mobility.max_travel_minutes
        missed += [
            (float(journeys.distance_m[i]), row, too_far_note(journeys, i, budget))
            for i, row in enumerate(far_rows)
        ]
    missed += [
        (math.sqrt(reason[row.id][1]) * 1000, row, _held_back(profile, reason[row.id][0], row))
        for row in rows
        if reason[row.id][0] != "too_far"
    ]
    return missed


def _held_back(profile: Profile, reason: str, row: Row[Any]) -> Note:
    """Why the SQL held a group back, with what a link worker needs to see if it could work."""
    if reason == "cost":
        return Note(
            LeftOutCode.COST,
            amount_gbp=float(row.cost_amount_gbp),
            limit_gbp=profile.max_cost_gbp,
        )
    if reason == "needs_not_met":
        unmet = tuple(need for need in profile.mobility.needs if getattr(row, need) is False)
        return Note(LeftOutCode.NEEDS_NOT_MET, needs=unmet)
    if reason == "audience":
        gender = row.gender.value if row.gender is not Gender.ANY else None
        return Note(LeftOutCode.AUDIENCE, gender=gender, min_age=row.min_age, max_age=row.max_age)
    if reason == "invitation_only":
        return Note(LeftOutCode.INVITATION_ONLY)
    if reason == "complexity":
        return Note(LeftOutCode.COMPLEXITY)
    if reason == "referrals_paused":
        until = row.referrals_paused_until
        return Note(LeftOutCode.REFERRALS_PAUSED, until=until.isoformat() if until else None)
    return Note(LeftOutCode.PAUSED)


def near_misses(profile: Profile, missed: list[Missed]) -> list[NearMiss]:
    """The groups left out that have to do with what the person wants, nearest first."""
    unique: dict[int, Missed] = {}
    for m in sorted(missed, key=lambda m: (m[0], m[1].id)):
        unique.setdefault(m[1].id, m)  # a group reached both ways is judged once
    pool = list(unique.values())[: NEAR_MISS_POOL * 3]
    if profile.interests or profile.categories:
        relevant = _relevant([row for _, row, _ in pool], profile)
        pool = [m for m in pool if m[1].id in relevant]
    return [
        NearMiss(row.id, row.name, why if isinstance(why, Note) else why())
        for _, row, why in pool[:MAX_NEAR_MISSES]
    ]


def _relevant(rows: list[Row[Any]], profile: Profile) -> set[int]:
    found = {row.id for row in rows if profile.categories and row.wanted_category}
    if profile.interests and rows:
        candidates = [Candidate(r.id, r.name, r.description, interests_of(r)) for r in rows]
        found |= {
            m.id
            for m in rank_text(
                profile_query(profile), candidates, min_score=scoring.MIN_TEXT_SCORE, explain=False
            )
        }
    return found


__all__ = [
    "HELD_BACK",
    "MAX_NEAR_MISSES",
    "NEAR_REASONS",
    "Missed",
    "destinations_of",
    "interests_of",
    "left_out_in_sql",
    "near_miss_ids",
    "near_misses",
    "too_far_note",
]
