"""The match's answer is the one an exhaustive evaluation gives, on both backends.

The engine finds candidates through the spatial index, judges what it can in SQL and fetches
only the nearest that pass: all of that is there to be quick, and none of it may change an
answer. Here a random directory of groups around one place is matched, and the same profile
is judged the slow way: every group in the directory read in full, the hard constraints
applied one by one in Python, and everything else (travel time, sessions, interest fit,
places, the score) by the engine's own ranking, with no SQL net and no distance cut.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import select

from assetmap.db import Database, backend_of
from assetmap.geo.journeys import Mobility, Mode
from assetmap.geo.spatial import Point
from assetmap.geo.travel import EstimatedTravel
from assetmap.matching import Profile, Window, match
from assetmap.matching.candidates import survivors
from assetmap.matching.engine import _rank, _with_home_stop
from assetmap.models import Category, Day, Group, Status
from assetmap.verification.policy import FreshnessPolicy
from tests.factories import POSTCODES, TODAY, listing

HOME = Point(*POSTCODES["NW5 1AA"])
WORDS = ["walking", "art", "singing", "woodwork", "gardening", "chess", "yoga", "knitting"]
STATUSES = ["open"] * 8 + ["waiting_list", "closed", "paused", "invitation_only"]
NEEDS = ("step_free", "wheelchair_accessible", "accessible_toilet")
NOW = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC)


def _directory(seed: int, count: int) -> list[dict[str, Any]]:
    """``count`` groups up to 14 km away in every direction (most of them near), each unlike
    the next."""
    pick = random.Random(seed)
    groups = []
    for n in range(count):
        km, bearing = 14 * pick.random() ** 2, pick.uniform(0, 2 * math.pi)
        lat = HOME.lat + km * math.cos(bearing) / 111.2
        lon = HOME.lon + km * math.sin(bearing) / (111.2 * math.cos(math.radians(HOME.lat)))
        interests = pick.sample(WORDS, pick.randint(1, 3))
        total = pick.choice([None, 10, 20])
        pickup = pick.random() < 0.25
        groups.append(
            listing(
                f"Group {n} {interests[0]}",
                description=f"A friendly {pick.choice(WORDS)} group.",
                interests=interests,
                categories=[pick.choice(["social", "creative", "active"])],
                status=pick.choice(STATUSES),
                audience={"min_age": None, "max_age": None, "gender": "any"},
                cost={"free": True, "amount_gbp": None},
                capacity={
                    "total_places": total,
                    "places_taken": None if total is None else pick.randint(0, total),
                    "waiting_list": pick.choice([0, 0, 3]),
                    "complex_needs_places": None,
                    "complexity_supported": 3,
                },
                accessibility={need: pick.choice([True, True, False, None]) for need in NEEDS},
                transport={
                    "bus_stops": [
                        {"name": "Stop", "distance_m": pick.randint(50, 900), "routes": ["1"]}
                    ],
                    "door_to_door": (
                        {"available": True, "radius_km": pick.uniform(1, 6), "notes": ""}
                        if pickup
                        else None
                    ),
                },
                schedule=[
                    {
                        "day": pick.choice(["mon", "tue", "thu"]),
                        "start": pick.choice(["09:30", "10:00", "14:00"]),
                        "end": None,
                        "frequency": "weekly",
                    }
                ],
                last_verified_at=(TODAY - dt.timedelta(days=pick.randint(1, 500))).isoformat(),
                venue={
                    "name": f"Hall {n}",
                    "address": None,
                    "postcode": None,
                    "lat": lat,
                    "lon": lon,
                },
            )
        )
    return groups


PROFILES = {
    "walk and bus, interests, step-free": Profile(
        HOME,
        interests=("walking", "art"),
        mobility=Mobility(
            modes=(Mode.WALK, Mode.BUS),
            max_travel_minutes=30,
            max_walk_metres=600,
            needs=("step_free",),
        ),
    ),
    "wheelchair and taxi, free on Tuesday and Thursday": Profile(
        HOME,
        interests=("singing",),
        mobility=Mobility(
            modes=(Mode.WHEELCHAIR, Mode.TAXI),
            max_travel_minutes=30,
            needs=("wheelchair_accessible", "accessible_toilet"),
        ),
        availability=(
            Window(Day.TUE, dt.time(9), dt.time(12, 30)),
            Window(Day.THU, dt.time(9), dt.time(12, 30)),
        ),
    ),
    "car, 45 minutes, nothing else (the widest)": Profile(
        HOME, mobility=Mobility(modes=(Mode.CAR,), max_travel_minutes=45)
    ),
    "walk, 20 minutes, an interest or a kind of group": Profile(
        HOME,
        categories=(Category.SOCIAL,),
        interests=("knitting",),
        mobility=Mobility(max_travel_minutes=20),
    ),
}


def _exhaustively(database: Database, profile: Profile) -> list[tuple[int, float]]:
    """Every group in the directory judged in Python: (id, score), best first."""
    with database.session() as session:
        profile = _with_home_stop(session, profile, backend_of(database.config.database_url))
        everyone = list(session.execute(select(Group.id)).scalars())
        rows = [row for row in survivors(session, profile, everyone) if _may_come(row, profile)]
        ranked, _ = _rank(
            session,
            profile,
            rows,
            EstimatedTravel(),
            FreshnessPolicy(),
            (TODAY, NOW),
            defaultdict(int),
            [],
        )
        session.rollback()
    return [(r.row.id, r.score) for r in ranked]


def _may_come(row: Any, profile: Profile) -> bool:
    """The hard constraints a group's own columns decide, one by one (the profiles here ask
    for no age, gender, cost or extra support)."""
    if row.status in (Status.CLOSED, Status.PAUSED):
        return False
    if row.status is Status.INVITATION_ONLY and not profile.include_invitation_only:
        return False
    if row.referrals_paused_until is not None and row.referrals_paused_until >= TODAY:
        return False
    return not any(getattr(row, need) is False for need in profile.mobility.needs)


@pytest.mark.parametrize("label", list(PROFILES))
def test_the_best_groups_are_those_an_exhaustive_evaluation_finds(
    database: Database, add_groups: Any, label: str
) -> None:
    add_groups(*_directory(seed=18, count=300))
    profile = PROFILES[label]
    expected = _exhaustively(database, profile)
    with database.session() as session:
        result = match(session, profile, 10, today=TODAY, now=NOW, record_unmet=False)
        session.rollback()

    assert len(expected) >= 5, "the fixture should leave several groups that fit"
    assert [(o.group_id, o.score) for o in result.options] == expected[:10]
    assert result.fitting == len(expected)
    # Every group the exhaustive evaluation keeps was weighed, and the counts add up.
    assert result.considered == result.fitting + sum(result.excluded.values())
