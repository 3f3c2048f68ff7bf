"""Demand nobody is meeting: a match with fewer than three results leaves an anonymous row.

Only what gap analysis needs is kept: what was wanted, how the person can travel, the day,
and a grid cell of about a kilometre (never the postcode, never the person).

Interests are free text a link worker types, and what nobody offers yet ("boat building") is
the signal gap analysis most needs. So an interest is kept when the directory knows it (an
interest some listing has, or one in the synonym table) or when it reads as an activity: a
few words of letters only, no title of address. Anything else (digits, an email address, a
sentence, "Mrs Patel") is kept only as "other". This is a guard, not a proof: pages that show
unmet needs also never show an interest recorded fewer than five times on its own.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from assetmap.matching.profile import Profile
from assetmap.models import GroupInterest, UnmetNeed
from assetmap.text.words import SYNONYMS, normalise_interest

#: Fewer results than this and the need counts as unmet.
UNMET_BELOW = 3
#: Cell size: 0.01° is about 1.1 km north-south and 0.7 km east-west in Britain.
CELL_DEGREES = 0.01
#: What an interest that may not be an activity is recorded as.
OTHER_INTEREST = "other"
#: An unknown interest is kept as typed only if it is this short and looks like an activity.
_ACTIVITY = re.compile(r"[a-z][a-z'\-]*(?: [a-z][a-z'\-]*){0,2}")
_MAX_ACTIVITY_CHARACTERS = 40
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "sir", "dame", "lady", "lord"})


@cache
def _table_words() -> frozenset[str]:
    return frozenset(normalise_interest(entry) for entry in SYNONYMS)


def known_interests(session: Session, interests: Sequence[str]) -> list[str]:
    """The interests as the gap data may keep them, normalised, in the order given: known ones
    and ones that read as an activity as they are, any other as "other" (once)."""
    wanted = [normalise_interest(interest) for interest in interests]
    listed = set(
        session.scalars(
            select(GroupInterest.interest).where(GroupInterest.interest.in_(set(wanted))).distinct()
        )
    )
    kept: dict[str, None] = {}
    for interest in wanted:
        known = interest in listed or interest in _table_words() or _reads_as_activity(interest)
        kept[interest if known else OTHER_INTEREST] = None
    return list(kept)


def cell_of(lat: float, lon: float) -> tuple[float, float]:
    """The south-west corner of the grid cell holding the point."""
    return (
        round(math.floor(lat / CELL_DEGREES) * CELL_DEGREES, 2),
        round(math.floor(lon / CELL_DEGREES) * CELL_DEGREES, 2),
    )


def _reads_as_activity(interest: str) -> bool:
    return (
        len(interest) <= _MAX_ACTIVITY_CHARACTERS
        and _ACTIVITY.fullmatch(interest) is not None
        and not _TITLES & set(interest.split())
    )


def record_unmet_need(
    session: Session, profile: Profile, results: int, today: dt.date
) -> UnmetNeed:
    cell_lat, cell_lon = cell_of(profile.location.lat, profile.location.lon)
    mobility = profile.mobility
    need = UnmetNeed(
        recorded_on=today,
        interests=known_interests(session, profile.interests),
        categories=[c.value for c in profile.categories],
        cell_lat=cell_lat,
        cell_lon=cell_lon,
        modes=[m.value for m in mobility.modes],
        max_travel_minutes=round(mobility.max_travel_minutes),
        max_walk_metres=None
        if mobility.max_walk_metres is None
        else round(mobility.max_walk_metres),
        access_needs=list(mobility.needs),
        door_to_door_needed=mobility.door_to_door_needed,
        complexity=profile.complexity,
        results=results,
    )
    session.add(need)
    session.flush()
    return need
