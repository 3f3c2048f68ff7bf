"""The candidate search leaves out its second way in (groups collected from the door) only
when the first already holds every group it could find: the same judging either way."""

from __future__ import annotations

from typing import Any

import pytest

from assetmap.db import Database, backend_of
from assetmap.geo.travel import EstimatedTravel
from assetmap.matching.candidates import Judged, Search, judge
from assetmap.matching.engine import DEFAULT_PICKUP_RADIUS_KM, _with_home_stop
from assetmap.matching.near import HELD_BACK
from tests.factories import TODAY
from tests.matching.test_exhaustive import PROFILES, _directory


class _BothWays(Search):
    """The search as it was: the second way in always asked."""

    @property
    def pickup_beyond_reach(self) -> bool:
        return self.pickup_km > 0


def _judged(database: Database, label: str, search_type: type[Search]) -> tuple[Judged, bool]:
    backend = backend_of(database.config.database_url)
    with database.session() as session:
        profile = _with_home_stop(session, PROFILES[label], backend)
        search = search_type(
            session, profile, backend, EstimatedTravel(), DEFAULT_PICKUP_RADIUS_KM, TODAY
        )
        judged = judge(session, profile, search, scored=2000, pool=60, held_back=HELD_BACK)
        session.rollback()
    return judged, search.pickup_beyond_reach


@pytest.mark.parametrize("label", list(PROFILES))
def test_leaving_out_the_pickup_way_in_changes_no_judgement(
    database: Database, add_groups: Any, label: str
) -> None:
    add_groups(*_directory(seed=18, count=300))
    judged, _ = _judged(database, label, Search)
    both, _ = _judged(database, label, _BothWays)

    assert judged.counts == both.counts
    assert judged.nearest == both.nearest
    assert [tuple(row) for row in judged.left] == [tuple(row) for row in both.left]
    assert judged.considered > 0


def test_the_pickup_way_in_is_left_out_only_for_a_reach_past_the_longest_pickup(
    database: Database, add_groups: Any
) -> None:
    add_groups(*_directory(seed=18, count=300))
    # The fixture's pickup radii go up to 6 km: 45 minutes by car reaches past them, a
    # 20-minute walk does not.
    _, by_car = _judged(database, "car, 45 minutes, nothing else (the widest)", Search)
    _, on_foot = _judged(database, "walk, 20 minutes, an interest or a kind of group", Search)
    assert not by_car
    assert on_foot
