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
import functools
import json
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from assetmap.db import Backend, backend_of, fetch_all
from assetmap.geo.interfaces import TravelTimeProvider
from assetmap.geo.journeys import Journeys, Mode
from assetmap.geo.travel import EstimatedTravel
from assetmap.matching import explain, scoring
from assetmap.matching.candidates import Search, judge, schedules, survivors
from assetmap.matching.near import (
    HELD_BACK,
    MAX_NEAR_MISSES,
    NEAR_MISS_POOL,
    Missed,
    destinations_of,
    interests_of,
    left_out_in_sql,
    near_miss_ids,
    near_misses,
    too_far_note,
)
from assetmap.matching.notes import LeftOutCode, Note
from assetmap.matching.outing import Outing, outing_of
from assetmap.matching.profile import Profile, profile_query, with_departure
from assetmap.matching.results import Components, MatchResult, Option, RuledOut, Travel
from assetmap.matching.stops import stop_from_home_m
from assetmap.matching.unmet import UNMET_BELOW, record_unmet_need
from assetmap.models import Category, Group, Status
from assetmap.referrals.capacity import NONE as NO_HOLDS
from assetmap.referrals.capacity import Places, holds_for
from assetmap.referrals.listings import with_referral_places
from assetmap.referrals.stats import group_stats
from assetmap.text.ranking import Candidate, TextMatch, rank_text
from assetmap.verification.policy import Freshness, FreshnessPolicy

EXCLUSION_REASONS: tuple[str, ...] = (
    "closed",
    "paused",
    "referrals_paused",
    "invitation_only",
    "audience",
    "cost",
    "complexity",
    "needs_not_met",
    "too_far",
    "no_session",
    "outing_too_long",
    "interests_not_matched",
)
DEFAULT_PICKUP_RADIUS_KM = 25.0
#: At most this many groups that pass the SQL constraints are scored, nearest first: far more
#: than a conversation can use, and it keeps the widest searches (45 minutes by car) quick.
MAX_SCORED = 2000
#: A kept group's places until the referrals are counted (``_judge_places``).
NO_PLACES = Places(free=None, held=0, complex_free=None)


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
    now: dt.datetime | None = None,
) -> MatchResult:
    """The ``limit`` best groups for ``profile``, best first, with what was left out and why:
    counted by reason, the near misses named, and any way of travelling their limits rule out.

    With ``record_unmet``, a result of fewer than three groups adds an anonymous unmet-need
    row to ``session`` (flushed, not committed: the caller owns the transaction). ``now``
    (UTC, aware; default the system clock) decides which referrals still hold a place.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    backend = backend or backend_of(session.get_bind().engine.url.render_as_string())
    policy = policy or FreshnessPolicy()
    now = now or dt.datetime.now(dt.UTC)
    today = today or now.date()
    travel = travel or EstimatedTravel()
    profile = _with_home_stop(session, profile, backend)

    def find(who: Profile, near_misses: bool = False) -> _Found:
        return _find(
            session, who, backend, travel, policy, (today, now), max_pickup_radius_km, near_misses
        )

    found = find(profile, near_misses=True)
    options = _options(session, profile, found.ranked[:limit], found.journeys, today, now)
    recorded = False
    if record_unmet and len(options) < UNMET_BELOW:
        record_unmet_need(session, profile, len(options), today)
        recorded = True
    excluded = found.excluded
    ordered = {why: excluded[why] for why in EXCLUSION_REASONS if excluded.get(why)}
    return MatchResult(
        options=options,
        considered=found.considered,
        excluded=ordered,
        unmet_need_recorded=recorded,
        near_misses=near_misses(profile, found.missed),
        ruled_out=_ruled_out(profile, len(found.ranked), find),
        fitting=len(found.ranked),
    )


def _with_home_stop(session: Session, profile: Profile, backend: Backend) -> Profile:
    """The profile with the walk to their nearest known bus stop, when they use the bus."""
    mobility = profile.mobility
    if Mode.BUS not in mobility.modes or mobility.stop_from_home_m is not None:
        return profile
    known = stop_from_home_m(session, profile.location, backend)
    if known is None:
        return profile
    return replace(profile, mobility=replace(mobility, stop_from_home_m=known))


@dataclass
class _Found:
    """One search: what was looked at, left out (counted, and the near misses with why), and
    the groups that fit, best first."""

    considered: int
    excluded: dict[str, int]
    ranked: list[_Ranked]
    journeys: Journeys | None
    missed: list[Missed]


def _find(
    session: Session,
    profile: Profile,
    backend: Backend,
    travel: TravelTimeProvider,
    policy: FreshnessPolicy,
    when: tuple[dt.date, dt.datetime],
    max_pickup_radius_km: float,
    near_misses: bool,
) -> _Found:
    today = when[0]
    search = Search(session, profile, backend, travel, max_pickup_radius_km, today)
    judged = judge(
        session,
        profile,
        search,
        scored=MAX_SCORED,
        pool=NEAR_MISS_POOL if near_misses else 0,
        held_back=HELD_BACK,
    )
    excluded: dict[str, int] = defaultdict(int)
    for why, count in judged.counts.items():
        if why is not None:
            excluded[why] += count
    # The nearest that pass, in full, and those that may be near misses: one query.
    wanted = near_miss_ids(judged.left, search.reach_km) if near_misses else []
    passed = set(judged.nearest)
    rows: list[Row[Any]] = []
    left: list[Row[Any]] = []
    for row in survivors(session, profile, judged.nearest + wanted):
        (rows if row.id in passed else left).append(row)
    missed: list[Missed] = []
    ranked, journeys = _rank(session, profile, rows, travel, policy, when, excluded, missed)
    if near_misses:
        missed += left_out_in_sql(profile, travel, judged.left, left)
    return _Found(judged.considered, excluded, ranked, journeys, missed)


def _ruled_out(profile: Profile, fitting: int, find: Callable[[Profile], _Found]) -> list[RuledOut]:
    """The bus, when they cannot walk to the stop: with how many more groups would fit if
    they could (the same search again, walking that far)."""
    mobility = profile.mobility
    if not mobility.bus_ruled_out_by_walk or mobility.max_walk_metres is None:
        return []
    access = math.ceil(mobility.bus_access_m)
    relaxed = replace(profile, mobility=replace(mobility, max_walk_metres=float(access)))
    opens = max(0, len(find(relaxed).ranked) - fitting)
    return [
        RuledOut(
            mode=Mode.BUS,
            stop_m=access,
            stop_known=mobility.stop_from_home_m is not None,
            walk_m=round(mobility.max_walk_metres),
            opens=opens,
            alternatives=tuple(m for m in (Mode.TAXI,) if m not in mobility.modes),
        )
    ]


# ---- judging and scoring what is left ------------------------------------------------------


class _Ranked:
    """A group that passed every constraint, with what its score and reasons need."""

    __slots__ = (
        "at",
        "category_hits",
        "distance",
        "freshness",
        "minutes",
        "mode",
        "outing",
        "places",
        "raw",
        "row",
        "score",
        "sessions",
        "spare",
        "text",
        "very_stale",
    )

    def __init__(self, row: Row[Any], at: int, minutes: float, distance: float, mode: Mode) -> None:
        self.row = row
        self.at = at  # in the journeys arrays
        self.minutes = minutes
        self.distance = distance
        self.mode = mode
        self.places = NO_PLACES  # until _judge_places counts the referrals
        self.spare: int | None = None
        self.text: float | None = None
        self.category_hits: tuple[str, ...] = ()
        self.sessions: list[tuple[Any, ...]] = []
        self.outing: Outing | None = None
        self.freshness = Freshness.FRESH
        self.very_stale = False
        self.raw = (0.0, 0.0, 0.0)  # the interest, travel and capacity parts, unrounded
        self.score = 0.0

    @property
    def parts(self) -> Components:
        """The score's parts, as the answer shows them (built only for the chosen few)."""
        interest, travel, capacity = self.raw
        return scoring.components(
            interest, travel, capacity, self.freshness, very_stale=self.very_stale
        )


def _rank(
    session: Session,
    profile: Profile,
    rows: Sequence[Row[Any]],
    travel: TravelTimeProvider,
    policy: FreshnessPolicy,
    when: tuple[dt.date, dt.datetime],
    excluded: dict[str, int],
    missed: list[Missed],
) -> tuple[list[_Ranked], Journeys | None]:
    """Judge what the SQL could not (travel time, sessions, the outing, interest fit, places
    referrals take), adding to ``excluded`` and ``missed`` (the left out, with why), and score
    what is left."""
    today, now = when
    if not rows:
        return [], None
    mobility = with_departure(profile, today).mobility
    journeys = travel.minutes(profile.location, destinations_of(rows), mobility)
    budget = profile.mobility.max_travel_minutes
    reachable = journeys.within(budget).tolist()
    excluded["too_far"] += len(reachable) - sum(reachable)
    # Plain lists once: reading numpy arrays element by element costs more than the rest.
    minutes, distance = journeys.minutes.tolist(), journeys.distance_m.tolist()
    missed += [
        (distance[i], row, functools.partial(too_far_note, journeys, i, budget))
        for i, row in enumerate(rows)
        if not reachable[i]
    ]
    modes = journeys.mode
    kept = [
        _Ranked(row, i, minutes[i], distance[i], modes[i])
        for i, row in enumerate(rows)
        if reachable[i]
    ]

    if profile.availability or profile.max_outing_minutes is not None:
        listed = schedules(session, [r.row.id for r in kept])
        for r in kept:
            r.sessions = listed.get(r.row.id, [])
    if profile.availability:
        fits = [r for r in kept if explain.session_fits(r.sessions, profile.availability)]
        excluded["no_session"] += len(kept) - len(fits)
        fitting = {r.row.id for r in fits}
        missed += [
            (r.distance, r.row, functools.partial(_no_session_note, r))
            for r in kept
            if r.row.id not in fitting
        ]
        kept = fits
    kept = _judge_outings(profile, kept, excluded, missed)

    kept = _judge_interests(session, profile, kept, excluded)
    kept = _judge_places(session, profile, kept, now, excluded, missed)

    classify, very_stale = policy.classifier(today), policy.very_stale_test(today)
    outing_limit = profile.max_outing_minutes
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
        r.raw = (
            interest,
            scoring.travel_score(r.minutes, budget, r.mode is Mode.DOOR_TO_DOOR),
            scoring.capacity_score(r.spare, full, r.row.waiting_list),
        )
        close = outing_limit is not None and r.outing is not None and r.outing.close(outing_limit)
        # The score alone: the parts are built for the chosen few (``_Ranked.parts``).
        r.score = scoring.score(*r.raw, r.freshness, very_stale=r.very_stale, outing_close=close)
    kept.sort(key=lambda r: (-r.score, r.minutes, -(r.spare or 0), r.row.id))
    return kept, journeys


def _judge_outings(
    profile: Profile,
    kept: list[_Ranked],
    excluded: dict[str, int],
    missed: list[Missed],
) -> list[_Ranked]:
    """Leave out the groups whose outing (there, the session, back) is over their limit."""
    limit = profile.max_outing_minutes
    if limit is None:
        return kept
    fits = []
    for r in kept:
        r.outing = outing_of(r.minutes, r.sessions, profile.availability)
        if r.outing.over(limit):
            missed.append(
                _missed(
                    r,
                    LeftOutCode.OUTING_TOO_LONG,
                    minutes=r.outing.total,
                    limit=round(limit),
                    each_way=r.outing.travel_each_way,
                    session=r.outing.session_minutes,
                )
            )
        else:
            fits.append(r)
    excluded["outing_too_long"] += len(kept) - len(fits)
    return fits


def _judge_places(
    session: Session,
    profile: Profile,
    kept: list[_Ranked],
    now: dt.datetime,
    excluded: dict[str, int],
    missed: list[Missed],
) -> list[_Ranked]:
    """Count the places referrals take and hold (one query for every kept group), and leave
    out a group whose complex-needs places referrals have all taken when the person needs
    one (more support than it ordinarily gives): counted under "complexity", as the SQL
    counts a group with none."""
    holds = holds_for(session, [r.row.id for r in kept], now)
    # Most groups have no referral holding a place: their places depend on their own three
    # counts alone, so those are worked out once per distinct counts (Places is immutable).
    unheld: dict[tuple[int | None, int | None, int | None], Places] = {}
    fits = []
    for r in kept:
        held = holds.get(r.row.id)
        if held is None:
            key = (r.row.total_places, r.row.places_taken, r.row.complex_needs_places)
            places = unheld.get(key)
            if places is None:
                places = unheld[key] = explain.places_of(r.row, NO_HOLDS)
            r.places = places
        else:
            r.places = explain.places_of(r.row, held)
        r.spare = r.places.free
        needs_place = profile.complexity > (r.row.complexity_supported or 1)
        if needs_place and r.places.complex_free == 0:
            missed.append(_missed(r, LeftOutCode.COMPLEX_PLACES_TAKEN))
        else:
            fits.append(r)
    excluded["complexity"] += len(kept) - len(fits)
    return fits


def _missed(r: _Ranked, code: LeftOutCode, **values: Any) -> Missed:
    return (r.distance, r.row, Note(code, **values))


def _no_session_note(r: _Ranked) -> Note:
    return Note(LeftOutCode.NO_SESSION, sessions=_listed(r))


def _listed(r: _Ranked) -> tuple[str, ...]:
    """A group's sessions as "mon 10:00" (the day's value and the start)."""
    return tuple(f"{day.value} {start:%H:%M}" for day, start, _ in r.sessions)


def _journey_of(journeys: Journeys, i: int, row: Row[Any]) -> explain.Journey:
    return explain.Journey(
        minutes=float(journeys.minutes[i]),
        mode=journeys.mode[i],
        distance_m=float(journeys.distance_m[i]),
        pickup_covers=bool(journeys.pickup_covers[i]),
        stop_assumed=bool(journeys.stop_assumed[i]),
        routes=explain.nearest_stop_routes(row.bus_stops),
    )


def _timetable_of(journeys: Journeys, i: int) -> dict[str, Any]:
    """Whether the time was estimated, the worst time and itinerary where it was not, and the
    step-free warnings either way."""
    warned = tuple(journeys.transit_warnings[i]) if journeys.transit_warnings else ()
    if journeys.estimated is None or journeys.estimated[i]:
        return {"estimated": True, "transit_warnings": warned}
    worst = journeys.minutes if journeys.worst_minutes is None else journeys.worst_minutes
    itinerary = journeys.itineraries[i] if journeys.itineraries is not None else None
    return {
        "estimated": False,
        "worst_minutes": max(1, round(worst[i])),
        "itinerary": itinerary,
        "transit_warnings": warned,
    }


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
            Candidate(r.row.id, r.row.name, r.row.description, interests_of(r.row)) for r in kept
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


# ---- the chosen few, explained -------------------------------------------------------------


def _options(
    session: Session,
    profile: Profile,
    chosen: list[_Ranked],
    journeys: Journeys | None,
    today: dt.date,
    now: dt.datetime,
) -> list[Option]:
    """The chosen few as options, explained. Long because it builds each option in one
    literal, reading the documents, the matched words and past referrals' figures once for
    them all (three queries, whatever the limit) rather than once per option."""
    if not chosen or journeys is None:
        return []
    ids = [r.row.id for r in chosen]
    stats = group_stats(session, ids, now)
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
        with_referral_places(listing, r.places, r.row.referrals_paused_until, today)
        learned = stats.get(r.row.id)
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
                    **_timetable_of(journeys, r.at),
                ),
                reasons=explain.reasons(
                    r.row, profile, journey, words, r.category_hits, r.sessions, r.places
                )
                + explain.outing_reasons(profile, r.outing),
                warnings=explain.warnings(
                    r.row,
                    profile,
                    journey,
                    r.freshness,
                    r.sessions,
                    today,
                    r.very_stale,
                    r.places,
                )
                + explain.outing_warnings(profile, r.outing)
                + explain.cancelled_warnings(listing, today),
                referral_stats=learned if learned is not None and learned.shown else None,
            )
        )
    return options


__all__ = [
    "DEFAULT_PICKUP_RADIUS_KM",
    "EXCLUSION_REASONS",
    "MAX_NEAR_MISSES",
    "match",
    "profile_query",
]
