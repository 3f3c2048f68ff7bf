"""Rank groups for one person: what fits their interests, how they get there, whether there is
room, and how sure we are, each part explained.

The search never reads the whole directory: ``candidates`` finds the groups within reach and
judges in SQL the hard constraints their own columns decide, so excluded groups are counted
there and never fetched. What is left is judged here in Python on arrays: travel time,
sessions in the person's free times, interest fit; then scored, and the chosen few explained.

Each excluded group is counted once, under the first reason it fails, in the order of
``EXCLUSION_REASONS``; the reasons judged in SQL come first, so a group beyond the straight-
line reach or without a word of the interests is counted there before the exact travel time,
the session times and the fuzzy interest score are judged in Python.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from assetmap.db import Backend, backend_of, fetch_all
from assetmap.geo.interfaces import TravelTimeProvider
from assetmap.geo.journeys import Destinations, Journeys, Mode
from assetmap.geo.travel import EstimatedTravel
from assetmap.matching import explain, scoring
from assetmap.matching.candidates import (
    INTEREST_SEPARATOR,
    Search,
    judged_statement,
    schedules,
    survivors,
)
from assetmap.matching.profile import Profile, profile_query
from assetmap.matching.results import MatchResult, Option, Travel
from assetmap.matching.unmet import UNMET_BELOW, record_unmet_need
from assetmap.models import Category, Group, Status
from assetmap.text.ranking import Candidate, TextMatch, rank_text
from assetmap.verification.policy import Freshness, FreshnessPolicy

EXCLUSION_REASONS: tuple[str, ...] = (
    "closed",
    "paused",
    "invitation_only",
    "audience",
    "cost",
    "complexity",
    "needs_not_met",
    "too_far",
    "no_session",
    "interests_not_matched",
)
DEFAULT_PICKUP_RADIUS_KM = 25.0
#: At most this many groups that pass the SQL constraints are scored, nearest first: far more
#: than a conversation can use, and it keeps the widest searches (45 minutes by car) quick.
MAX_SCORED = 2000


def match(
    session: Session,
    profile: Profile,
    limit: int = 10,
    *,
    backend: Backend | None = None,
    policy: FreshnessPolicy | None = None,
    today: dt.date | None = None,
    travel: TravelTimeProvider | None = None,
    max_pickup_radius_km: float = DEFAULT_PICKUP_RADIUS_KM,
    record_unmet: bool = True,
) -> MatchResult:
    """The ``limit`` best groups for ``profile``, best first, with what was left out and why.

    With ``record_unmet``, a result of fewer than three groups adds an anonymous unmet-need
    row to ``session`` (flushed, not committed: the caller owns the transaction).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    backend = backend or backend_of(session.get_bind().engine.url.render_as_string())
    policy = policy or FreshnessPolicy()
    today = today or dt.date.today()
    travel = travel or EstimatedTravel()

    search = Search(session, profile, backend, travel, max_pickup_radius_km)
    excluded: dict[str, int] = defaultdict(int)
    passed: list[tuple[float, int]] = []
    statement = judged_statement(profile, search)
    # Core statements through ``fetch_all``: the ORM's result machinery would cost more than
    # the queries here (thousands of plain rows), and nothing needs mapped objects.
    # UNION ALL, not UNION: a group reached both ways comes twice and is counted once here,
    # cheaper than having the database deduplicate thousands of rows.
    judged = {row.id: row for row in fetch_all(session, statement)} if statement is not None else {}
    for row in judged.values():
        if row.reason is None:
            passed.append((row.km2, row.id))
        else:
            excluded[row.reason] += 1
    # The nearest that pass, in full.
    nearest = [group_id for _, group_id in sorted(passed)[:MAX_SCORED]]
    rows = survivors(session, profile, nearest)

    ranked, journeys = _rank(session, profile, rows, travel, policy, today, excluded)
    options = _options(session, profile, ranked[:limit], journeys, today)
    recorded = False
    if record_unmet and len(options) < UNMET_BELOW:
        record_unmet_need(session, profile, len(options), today)
        recorded = True
    ordered = {why: excluded[why] for why in EXCLUSION_REASONS if excluded.get(why)}
    return MatchResult(
        options=options, considered=len(judged), excluded=ordered, unmet_need_recorded=recorded
    )


# ---- judging and scoring what is left ------------------------------------------------------


class _Ranked:
    """A group that passed every constraint, with what its score and reasons need."""

    __slots__ = (
        "at",
        "category_hits",
        "freshness",
        "minutes",
        "mode",
        "parts",
        "row",
        "score",
        "sessions",
        "spare",
        "text",
        "very_stale",
    )

    def __init__(self, row: Row[Any], journeys: Journeys, at: int) -> None:
        self.row = row
        self.at = at  # in the journeys arrays
        self.minutes = float(journeys.minutes[at])
        self.mode: Mode = journeys.mode[at]
        self.spare = explain.spare_places(row)
        self.text: float | None = None
        self.category_hits: tuple[str, ...] = ()
        self.sessions: list[tuple[Any, ...]] = []
        self.freshness = Freshness.FRESH
        self.very_stale = False
        self.parts = scoring.components(0, 0, 0, Freshness.FRESH)
        self.score = 0.0


def _rank(
    session: Session,
    profile: Profile,
    rows: Sequence[Row[Any]],
    travel: TravelTimeProvider,
    policy: FreshnessPolicy,
    today: dt.date,
    excluded: dict[str, int],
) -> tuple[list[_Ranked], Journeys | None]:
    if not rows:
        return [], None
    journeys = travel.minutes(profile.location, _destinations(rows), profile.mobility)
    reachable = journeys.within(profile.mobility.max_travel_minutes)
    excluded["too_far"] += int((~reachable).sum())
    kept = [_Ranked(row, journeys, i) for i, row in enumerate(rows) if reachable[i]]

    if profile.availability:
        listed = schedules(session, [r.row.id for r in kept])
        for r in kept:
            r.sessions = listed.get(r.row.id, [])
        fits = [r for r in kept if explain.session_fits(r.sessions, profile.availability)]
        excluded["no_session"] += len(kept) - len(fits)
        kept = fits

    kept = _judge_interests(session, profile, kept, excluded)

    classify, very_stale = policy.classifier(today), policy.very_stale_test(today)
    budget = profile.mobility.max_travel_minutes
    for r in kept:
        r.freshness = classify(r.row)
        r.very_stale = r.freshness is Freshness.STALE and very_stale(r.row)
        interest = scoring.interest_score(
            r.text,
            bool(r.category_hits),
            wants_text=bool(profile.interests),
            wants_category=bool(profile.categories),
        )
        full = r.row.status is Status.WAITING_LIST or r.spare == 0
        r.parts = scoring.components(
            interest,
            scoring.travel_score(r.minutes, budget, r.mode is Mode.DOOR_TO_DOOR),
            scoring.capacity_score(r.spare, full, r.row.waiting_list),
            r.freshness,
            very_stale=r.very_stale,
        )
        r.score = scoring.total(r.parts, very_stale=r.very_stale)
    kept.sort(key=lambda r: (-r.score, r.minutes, -(r.spare or 0), r.row.id))
    return kept, journeys


def _destinations(rows: Sequence[Row[Any]]) -> Destinations:
    return Destinations.of(
        [row.lat for row in rows],
        [row.lon for row in rows],
        [explain.nearest_stop_m(row.bus_stops) for row in rows],
        [
            (row.door_to_door_radius_km or 0) * 1000 if row.door_to_door_available else 0
            for row in rows
        ],
    )


def _journey_of(journeys: Journeys, i: int, row: Row[Any]) -> explain.Journey:
    return explain.Journey(
        minutes=float(journeys.minutes[i]),
        mode=journeys.mode[i],
        distance_m=float(journeys.distance_m[i]),
        pickup_covers=bool(journeys.pickup_covers[i]),
        stop_assumed=bool(journeys.stop_assumed[i]),
        routes=explain.nearest_stop_routes(row.bus_stops),
    )


def _judge_interests(
    session: Session, profile: Profile, kept: list[_Ranked], excluded: dict[str, int]
) -> list[_Ranked]:
    """Keep the groups that have something to do with what the person wants."""
    if not (profile.interests or profile.categories) or not kept:
        return kept
    if profile.categories:
        for r in kept:
            # One wanted category it is in (the first by name) is reason enough.
            hit = r.row.wanted_category
            r.category_hits = (Category(hit).value,) if hit else ()
    if profile.interests:
        candidates = [
            Candidate(r.row.id, r.row.name, r.row.description, _interests_of(r.row)) for r in kept
        ]
        scores = {
            m.id: m.score
            for m in rank_text(
                profile_query(profile), candidates, min_score=scoring.MIN_TEXT_SCORE, explain=False
            )
        }
        for r in kept:
            r.text = scores.get(r.row.id)
    fitting = [r for r in kept if r.text is not None or r.category_hits]
    excluded["interests_not_matched"] += len(kept) - len(fitting)
    return fitting


def _interests_of(row: Row[Any]) -> tuple[str, ...]:
    return tuple(row.interests.split(INTEREST_SEPARATOR)) if row.interests else ()


# ---- the chosen few, explained -------------------------------------------------------------


def _options(
    session: Session,
    profile: Profile,
    chosen: list[_Ranked],
    journeys: Journeys | None,
    today: dt.date,
) -> list[Option]:
    if not chosen or journeys is None:
        return []
    ids = [r.row.id for r in chosen]
    documents: dict[int, str] = {
        row.id: row.document
        for row in fetch_all(session, select(Group.id, Group.document).where(Group.id.in_(ids)))
    }
    matched: dict[int, TextMatch] = {}
    if profile.interests:
        # Only now work out which words matched: explaining is dearer than scoring.
        candidates = [
            Candidate(
                r.row.id,
                r.row.name,
                r.row.description,
                tuple(json.loads(documents[r.row.id])["properties"]["interests"]),
            )
            for r in chosen
        ]
        matched = {m.id: m for m in rank_text(profile_query(profile), candidates, min_score=0.0)}
    options = []
    for r in chosen:
        journey = _journey_of(journeys, r.at, r.row)
        listing = json.loads(documents[r.row.id])["properties"]
        listing["freshness"] = r.freshness.value
        listing["very_stale"] = r.very_stale
        words = matched[r.row.id].matched if r.row.id in matched else ()
        options.append(
            Option(
                group_id=r.row.id,
                listing=listing,
                score=r.score,
                components=r.parts,
                travel=Travel(
                    minutes=max(1, round(journey.minutes)),
                    mode=journey.mode,
                    routes=journey.routes if journey.mode is Mode.BUS else (),
                ),
                reasons=explain.reasons(
                    r.row, profile, journey, words, r.category_hits, r.sessions
                ),
                warnings=explain.warnings(
                    r.row, profile, journey, r.freshness, r.sessions, today, r.very_stale
                ),
            )
        )
    return options


__all__ = ["DEFAULT_PICKUP_RADIUS_KM", "EXCLUSION_REASONS", "match", "profile_query"]
