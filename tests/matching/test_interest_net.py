"""The SQL's net for interest fit leaves out only groups the fuzzy ranking would not score,
and on PostgreSQL reads the text index by place: the groups of the box that hold a word
they could score on, read once, never every listing's text or every interest."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from sqlalchemy import select, text

from assetmap.db import Database, backend_of
from assetmap.geo.spatial import Point
from assetmap.geo.travel import EstimatedTravel
from assetmap.matching.candidates import Search, judged_statement
from assetmap.matching.engine import DEFAULT_PICKUP_RADIUS_KM, _with_home_stop
from assetmap.matching.profile import profile_query
from assetmap.matching.scoring import MIN_TEXT_SCORE
from assetmap.models import Group
from assetmap.text.index import holding_in_box, text_candidates
from assetmap.text.ranking import rank_text
from tests.factories import TODAY, listing
from tests.matching.test_exhaustive import HOME, PROFILES, _directory

WITH_INTERESTS = [label for label, profile in PROFILES.items() if profile.interests]
#: Texts that hold an interest in ways a net might get wrong: inside another word, typed
#: wrong, with an accent, as a synonym, in the name or the description alone.
TRICKY = [
    ("Plywood Makers", "We build with plywood.", ["diy"]),
    ("Woodworkers", "Bring your own chisels.", ["carpentry"]),
    ("Singng Together", "A choir for everyone.", ["choir"]),
    ("Chorale", "Friendly singers, all voices welcome.", ["music"]),
    ("Café Knitters", "Knit and natter over tea.", ["crafts"]),
    ("Artful Dodgers", "Painting and drawing.", ["painting"]),
    ("Walkabout", "Rambles on the heath.", ["rambling"]),
]


def _venue(lat: float, lon: float) -> dict[str, Any]:
    """A venue of its own (venues of the same name are one venue)."""
    name = f"Hall at {lat:.5f}, {lon:.5f}"
    return {"name": name, "address": None, "postcode": None, "lat": lat, "lon": lon}


def _tricky(offset_km: float) -> list[dict[str, Any]]:
    groups = []
    for n, (name, description, interests) in enumerate(TRICKY):
        groups.append(
            listing(
                name,
                description=description,
                interests=interests,
                venue=_venue(HOME.lat + (n - 3) * offset_km / 111.2, HOME.lon + offset_km / 70),
            )
        )
    return groups


@pytest.mark.parametrize("label", WITH_INTERESTS)
def test_the_net_leaves_out_no_group_the_ranking_would_score(
    database: Database, add_groups: Any, label: str
) -> None:
    add_groups(*_directory(seed=11, count=300), *_tricky(0.4))
    backend = backend_of(database.config.database_url)
    with database.session() as session:
        profile = _with_home_stop(session, PROFILES[label], backend)
        search = Search(
            session, profile, backend, EstimatedTravel(), DEFAULT_PICKUP_RADIUS_KM, TODAY
        )
        judged = {row.id: row.reason for row in session.execute(judged_statement(profile, search))}
        rows = session.execute(
            select(Group.id, Group.name, Group.description).where(Group.id.in_(list(judged)))
        ).all()
        scored = {
            m.id
            for m in rank_text(
                profile_query(profile),
                text_candidates(session, rows),
                min_score=MIN_TEXT_SCORE,
                explain=False,
            )
        }
    netted = {group_id for group_id, why in judged.items() if why == "interests_not_matched"}
    passed = {group_id for group_id, why in judged.items() if why is None}
    assert netted, "the net left nothing out: it would pass anything"
    assert passed & scored, "no group that scores came through"
    assert not netted & scored


def _at(lat: float, lon: float, name: str) -> dict[str, Any]:
    return listing(name, interests=["knitting"], venue=_venue(lat, lon))


@pytest.mark.only_backend("postgis")
def test_the_box_finds_its_groups_to_its_edges_across_cells(
    database: Database, add_groups: Any
) -> None:
    # A box of about 3 by 2 km, its edges off the grid's lines, and groups just inside each
    # edge and corner (a few metres), in the middle, and outside it in cells past its own
    # (a group just outside may share an edge cell and be found: the way's own WHERE keeps
    # to the box, the net only has to hold every group in it).
    box = (-0.1617, 51.5412, -0.1183, 51.5589)  # min_lon, min_lat, max_lon, max_lat
    west, south, east, north = box
    mid_lat, mid_lon = (south + north) / 2, (west + east) / 2
    e = 0.00005
    inside = {
        "sw": (south + e, west + e),
        "ne": (north - e, east - e),
        "nw": (north - e, west + e),
        "se": (south + e, east - e),
        "middle": (mid_lat, mid_lon),
        "north edge": (north - e, mid_lon),
        "west edge": (mid_lat, west + e),
    }
    outside = {"past north": (north + 0.012, mid_lon), "past east": (mid_lat, east + 0.012)}
    ids = add_groups(*(_at(lat, lon, name) for name, (lat, lon) in {**inside, **outside}.items()))
    names = dict(zip(ids, [*inside, *outside], strict=True))
    with database.session() as session:
        found = session.scalars(
            select(Group.id).where(holding_in_box(["knitting"], box, Group.id))
        ).all()
        nothing = session.scalars(
            select(Group.id).where(holding_in_box(["chess"], box, Group.id))
        ).all()
    assert sorted(names[i] for i in found) == sorted(inside)
    assert nothing == []


@pytest.mark.only_backend("postgis")
@pytest.mark.parametrize("label", WITH_INTERESTS)
def test_postgresql_reads_the_net_from_the_text_index_once_by_place(
    database: Database, add_groups: Any, label: str
) -> None:
    add_groups(*_directory(seed=7, count=300))
    backend = backend_of(database.config.database_url)
    # Away from home, so that the walks' searches ask the pickup way in too.
    origin = Point(HOME.lat + 0.03, HOME.lon - 0.05)
    with database.session() as session:
        profile = _with_home_stop(
            session, dataclasses.replace(PROFILES[label], location=origin), backend
        )
        search = Search(
            session, profile, backend, EstimatedTravel(), DEFAULT_PICKUP_RADIUS_KM, TODAY
        )
        statement = judged_statement(profile, search).compile(
            session.get_bind(), compile_kwargs={"literal_binds": True}
        )
        # With statistics, the planner expects enough candidates to think reading whole
        # tables cheaper than probing.
        session.execute(text("ANALYZE"))
        plan = "\n".join(row[0] for row in session.execute(text(f"EXPLAIN VERBOSE {statement}")))
    assert "Seq Scan on public.group_interests" not in plan
    assert "Seq Scan on public.group_words" not in plan
    # The box's matches: one range of the key (word, cell) per word and row of cells,
    # read once into a hash.
    # Once for each way in: the pickup way's groups too (thousands may collect from one
    # place at a million listings), never probed one by one.
    ways = 2 if search.pickup_beyond_reach else 1
    assert "hashed SubPlan" in plan
    ranges = r"Index Cond: \(\(group_words(_\d+)?\.word = w(_\d+)?\.word\) AND \(group_words"
    assert len(re.findall(ranges, plan)) == ways
    assert "group_words_1.group_id = groups_1.id" not in plan
