"""Rank groups for one person: what fits their interests, how they get there, whether there is
room, and how sure we are, each part explained.

The search never reads the whole directory. It asks the spatial index for venues within the
furthest a journey in budget could reach (``TravelTimeProvider.reach_m``), plus groups with
door-to-door transport whose radius reaches the person (through an index on that flag). The
hard constraints the database can judge (status, audience, cost, complexity, access needs) are
one ``CASE`` in SQL, so excluded groups are counted there and never fetched. What is left is
judged in Python on arrays: travel time, sessions in the person's free times, interest fit.

Each excluded group is counted once, under the first reason it fails, in the order of
``EXCLUSION_REASONS``; the reasons judged in SQL come first, so a group beyond the straight-
line reach or without a word of the interests is counted there before the exact travel time,
the session times and the fuzzy interest score are judged in Python.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import typing
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Row,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from assetmap.db import Backend, backend_of
from assetmap.directory.fuzzy import Candidate, TextMatch, rank_text
from assetmap.directory.queries import text_prefilter
from assetmap.geo.interfaces import TravelTimeProvider
from assetmap.geo.journeys import Destinations, Journeys, Mode
from assetmap.geo.spatial import circle_bbox, spatial_dialect
from assetmap.geo.travel import EstimatedTravel
from assetmap.matching import explain, scoring
from assetmap.matching.profile import Profile
from assetmap.matching.results import MatchResult, Option, Travel
from assetmap.matching.unmet import UNMET_BELOW, record_unmet_need
from assetmap.models import (
    Category,
    Gender,
    Group,
    GroupCategory,
    GroupInterest,
    ScheduleEntry,
    Status,
    Venue,
)
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
#: Venues up to this multiple of the reach are looked at, to count them as too far: "12 more
#: groups are a little too far" tells a link worker what a longer journey would open up.
NEAR_MISS = 1.25
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

    search = _Search(session, profile, backend, travel, max_pickup_radius_km)
    excluded: dict[str, int] = defaultdict(int)
    passed: list[tuple[float, int]] = []
    statement = _judged_statement(profile, search)
    # Core statements through ``_all``: the ORM's result machinery would cost more than the
    # queries here (thousands of plain rows), and nothing needs mapped objects.
    # UNION ALL, not UNION: a group reached both ways comes twice and is counted once here,
    # cheaper than having the database deduplicate thousands of rows.
    judged = {row.id: row for row in _all(session, statement)} if statement is not None else {}
    for row in judged.values():
        if row.reason is None:
            passed.append((row.km2, row.id))
        else:
            excluded[row.reason] += 1
    # The nearest that pass, in full.
    nearest = [group_id for _, group_id in sorted(passed)[:MAX_SCORED]]
    rows = _survivors(session, profile, nearest)

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


# ---- finding candidates ---------------------------------------------------------------------


def _km_per_degree(lat: float) -> tuple[float, float]:
    """Kilometres per degree of latitude and of longitude at ``lat`` (the FCC's ellipsoidal
    flat-earth coefficients, as ``geo.spatial`` uses)."""
    m = math.radians(lat)
    per_lat = 111.13209 - 0.56605 * math.cos(2 * m) + 0.00120 * math.cos(4 * m)
    per_lon = 111.41513 * math.cos(m) - 0.09455 * math.cos(3 * m) + 0.00012 * math.cos(5 * m)
    return per_lat, per_lon


class _Search:
    """Where the match looks, as SQL on both backends: a box through the spatial index, then
    squared flat-earth distances in km² from constants worked out here for the person's
    latitude: plain arithmetic, several times cheaper per row than a distance function, and
    within 0.5% of the geodesic at these ranges. Exact distances are the travel provider's."""

    def __init__(
        self,
        session: Session,
        profile: Profile,
        backend: Backend,
        travel: TravelTimeProvider,
        max_pickup_radius_km: float,
    ) -> None:
        self.origin = profile.location
        self.backend = backend
        self.dialect = spatial_dialect(backend)
        per_lat, per_lon = _km_per_degree(self.origin.lat)
        north = (Venue.lat - self.origin.lat) * per_lat
        east = (Venue.lon - self.origin.lon) * per_lon
        self.km2 = north * north + east * east
        self.reach_km = travel.reach_m(profile.mobility) / 1000
        self.pickup_km = max_pickup_radius_km
        if self.pickup_km > 0:
            # Search no further than the longest pickup radius there is (an index lookup).
            longest = (
                session.connection()
                .execute(
                    select(func.max(Group.door_to_door_radius_km)).where(
                        Group.door_to_door_available.is_(True)
                    )
                )
                .scalar()
            )
            self.pickup_km = min(self.pickup_km, longest or 0.0)
        radius = case(
            (Group.door_to_door_radius_km > self.pickup_km, self.pickup_km),
            else_=Group.door_to_door_radius_km,
        )
        self.pickup_covers = and_(
            Group.door_to_door_available.is_(True), self.km2 <= radius * radius
        )

    def parts(self) -> list[tuple[ColumnElement[bool], ...]]:
        """The WHERE clauses of the two ways in: venues within reach (and near misses, to
        count them as too far), and groups whose door-to-door transport reaches the person
        (through the index on that flag)."""
        parts: list[tuple[ColumnElement[bool], ...]] = []
        if self.reach_km > 0:
            radius = self.reach_km * NEAR_MISS
            box = circle_bbox(self.origin, radius * 1000)
            parts.append(
                (
                    self.dialect.venues_in_box(box.min_lon, box.min_lat, box.max_lon, box.max_lat),
                    self.km2 <= radius * radius,
                )
            )
        if self.pickup_km > 0:
            # Through the (flag, radius, venue) index and the venues' spatial index: only the
            # few whose transport reaches the person have their rows read.
            box = circle_bbox(self.origin, self.pickup_km * 1000)
            collecting = (
                select(Group.id)
                .join(Venue, Venue.id == Group.venue_id)
                .where(
                    Group.door_to_door_available.is_(True),
                    self.dialect.venues_in_box(box.min_lon, box.min_lat, box.max_lon, box.max_lat),
                    self.pickup_covers,
                )
            )
            parts.append((Group.id.in_(collecting),))
        return parts

    def beyond_reach(self) -> ColumnElement[bool]:
        """Further than any journey in budget, and not collected from the door."""
        return and_(self.km2 > self.reach_km * self.reach_km, ~self.pickup_covers)


def _judged_statement(profile: Profile, search: _Search) -> Any:
    """Every candidate as (id, reason it is left out or NULL, squared distance): narrow rows,
    so that judging thousands of groups costs little more than finding them."""
    reason = _sql_reason(profile, search)
    selects = [
        select(Group.id, reason.label("reason"), search.km2.label("km2"))
        .join(Venue, Venue.id == Group.venue_id)
        .where(*where)
        for where in search.parts()
    ]
    if not selects:
        return None
    return selects[0] if len(selects) == 1 else union_all(*selects)


def _sql_reason(profile: Profile, search: _Search) -> ColumnElement[str | None]:
    """The first hard constraint each group fails that its own columns decide, or NULL."""
    whens: list[tuple[ColumnElement[bool], str]] = [
        (Group.status == Status.CLOSED, "closed"),
        (Group.status == Status.PAUSED, "paused"),
    ]
    if not profile.include_invitation_only:
        whens.append((Group.status == Status.INVITATION_ONLY, "invitation_only"))
    audience: list[ColumnElement[bool]] = []
    if profile.gender is not None:
        audience.append(Group.gender.not_in([Gender.ANY, profile.gender]))
    if profile.age is not None:
        audience.append(Group.min_age > profile.age)
        audience.append(Group.max_age < profile.age)
    if audience:
        whens.append((or_(*audience), "audience"))
    if profile.max_cost_gbp is not None:
        whens.append(
            (
                and_(Group.cost_free.is_not(True), Group.cost_amount_gbp > profile.max_cost_gbp),
                "cost",
            )
        )
    if profile.complexity > 1:
        whens.append(
            (
                or_(
                    Group.complexity_supported < profile.complexity,
                    Group.complex_needs_places == 0,
                ),
                "complexity",
            )
        )
    if profile.mobility.needs:
        unmet = [getattr(Group, need).is_(False) for need in profile.mobility.needs]
        whens.append((or_(*unmet), "needs_not_met"))
    whens.append((search.beyond_reach(), "too_far"))
    relevant = _relevance(profile, search.backend)
    if relevant is not None:
        whens.append((~relevant, "interests_not_matched"))
    return case(*whens, else_=literal(None))


def _relevance(profile: Profile, backend: Backend) -> ColumnElement[bool] | None:
    """A cheap net for interest fit, before the fuzzy score: a word start of an interest (or
    its correction or synonym) in the group's text, or one of the wanted categories."""
    nets: list[ColumnElement[bool]] = []
    # Categories first: one index probe, and OR stops at the first net that holds.
    if profile.categories:
        nets.append(
            select(GroupCategory.group_id)
            .where(
                GroupCategory.group_id == Group.id,
                GroupCategory.category.in_(profile.categories),
            )
            .exists()
        )
    if profile.interests:
        net = text_prefilter(profile_query(profile), backend)
        if net is not None:
            nets.append(net)
    return or_(*nets) if nets else None


def _survivors(session: Session, profile: Profile, ids: list[int]) -> list[Row[Any]]:
    """The groups that passed, with everything scoring and explaining needs, their interests
    and whether they are in a wanted category included (no second round trip for those)."""
    rows: list[Row[Any]] = []
    extra = []
    if profile.interests:
        extra.append(
            select(func.aggregate_strings(GroupInterest.interest, INTEREST_SEPARATOR))
            .where(GroupInterest.group_id == Group.id)
            .scalar_subquery()
            .label("interests")
        )
    if profile.categories:
        extra.append(
            select(GroupCategory.category)
            .where(
                GroupCategory.group_id == Group.id,
                GroupCategory.category.in_(profile.categories),
            )
            .order_by(GroupCategory.category)
            .limit(1)
            .scalar_subquery()
            .label("wanted_category")
        )
    statement = select(*_SURVIVOR_COLUMNS, *extra).join(Venue, Venue.id == Group.venue_id)
    for chunk in _chunks(ids):
        rows.extend(_all(session, statement.where(_id_in(session, Group.id, chunk))))
    return rows


_SURVIVOR_COLUMNS = (
    Group.id,
    Group.name,
    Group.description,
    Group.status,
    Group.gender,
    Group.min_age,
    Group.max_age,
    Group.cost_free,
    Group.cost_amount_gbp,
    Group.total_places,
    Group.places_taken,
    Group.waiting_list,
    Group.complex_needs_places,
    Group.complexity_supported,
    # As text: only the nearest stop's distance is read from it, without parsing the JSON.
    cast(Group.bus_stops, Text).label("bus_stops"),
    Group.door_to_door_available,
    Group.door_to_door_radius_km,
    Group.door_to_door_notes,
    Group.last_verified_at,
    Group.reported_on,
    Group.bounced_on,
    Group.expiry_days,
    Group.step_free,
    Group.wheelchair_accessible,
    Group.accessible_toilet,
    Group.hearing_loop,
    Group.blue_badge_parking,
    Group.seating_available,
    Group.dementia_friendly,
    Group.quiet_space,
    Venue.lat,
    Venue.lon,
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
        schedules = _schedules(session, [r.row.id for r in kept])
        for r in kept:
            r.sessions = schedules.get(r.row.id, [])
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


def _schedules(session: Session, ids: list[int]) -> dict[int, list[tuple[Any, ...]]]:
    found: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for chunk in _chunks(ids):
        for row in _all(
            session,
            select(
                ScheduleEntry.group_id, ScheduleEntry.day, ScheduleEntry.start, ScheduleEntry.end
            )
            .where(_id_in(session, ScheduleEntry.group_id, chunk))
            .order_by(ScheduleEntry.group_id, ScheduleEntry.id),
        ):
            found[row.group_id].append((row.day, row.start, row.end))
    return found


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


#: Joins a group's interests in one column (interests are single-spaced, never hold one).
INTEREST_SEPARATOR = "\n"


def _interests_of(row: Row[Any]) -> tuple[str, ...]:
    return tuple(row.interests.split(INTEREST_SEPARATOR)) if row.interests else ()


def profile_query(profile: Profile) -> str:
    """The person's interests as one query: each is a concept the ranking looks for."""
    return ", ".join(profile.interests)


def _all(session: Session, statement: Any) -> Sequence[Row[Any]]:
    """Every row at once, on the session's connection (Core, no ORM): fetching row by row
    costs several microseconds a row with SQLite's driver."""
    return typing.cast("Sequence[Row[Any]]", session.connection().execute(statement).all())


def _id_in(session: Session, column: Any, ids: list[int]) -> ColumnElement[bool]:
    """``column IN ids`` with the ids as one parameter: an array on PostgreSQL, a JSON list
    read by ``json_each`` on SQLite. A thousand separate parameters cost more to render,
    send and plan than the query takes."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids", ids, type_=ARRAY(Integer)))
    listed = func.json_each(bindparam("ids", json.dumps(ids))).table_valued("value")
    return column.in_(select(listed.c.value))


def _chunks(ids: list[int], size: int = 5000) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


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
        for row in _all(session, select(Group.id, Group.document).where(Group.id.in_(ids)))
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
