"""Finding the groups a match weighs, in SQL on both backends, without reading the directory.

The spatial index gives the venues within the furthest a journey in budget could reach
(``TravelTimeProvider.reach_m``), plus groups with door-to-door transport whose radius reaches
the person (through the index of their pickup areas, ``matching.pickup``). The hard
constraints the database can judge (status, referrals paused by the organiser, audience,
cost, complexity, access needs, straight-line reach, a word of the interests) are one
``CASE``, so excluded groups are counted there and never fetched.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Row,
    Text,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from assetmap.db import Backend, chunks, fetch_all, id_in, session_backend
from assetmap.directory.text_net import text_prefilter
from assetmap.geo.interfaces import TravelTimeProvider
from assetmap.geo.spatial import circle_bbox, spatial_dialect
from assetmap.matching.pickup import collecting_at
from assetmap.matching.profile import Profile, profile_query
from assetmap.models import (
    CATEGORY_BITS,
    Gender,
    Group,
    GroupInterest,
    ScheduleEntry,
    Status,
    Venue,
    category_mask,
)
from assetmap.text.index import holding_in_box, indexed_words

#: Venues up to this multiple of the reach are looked at, to count them as too far: "12 more
#: groups are a little too far" tells a link worker what a longer journey would open up.
NEAR_MISS = 1.25
#: The squared flat-earth distances are within 0.5% of the geodesic the travel provider
#: measures: "too far" in SQL allows for that, so only the journey leaves out a group at the edge.
FLAT_EARTH_MARGIN = 1.01
#: Joins a group's interests in one column (interests are single-spaced, never hold one).
INTEREST_SEPARATOR = "\n"


def _km_per_degree(lat: float) -> tuple[float, float]:
    """Kilometres per degree of latitude and of longitude at ``lat`` (the FCC's ellipsoidal
    flat-earth coefficients, as ``geo.spatial`` uses)."""
    m = math.radians(lat)
    per_lat = 111.13209 - 0.56605 * math.cos(2 * m) + 0.00120 * math.cos(4 * m)
    per_lon = 111.41513 * math.cos(m) - 0.09455 * math.cos(3 * m) + 0.00012 * math.cos(5 * m)
    return per_lat, per_lon


class Way(NamedTuple):
    """One way in to the candidates: its WHERE clauses, and a box (min_lon, min_lat,
    max_lon, max_lat) that holds every venue it takes in."""

    where: tuple[ColumnElement[bool], ...]
    box: tuple[float, float, float, float]


class Search:
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
        today: dt.date | None = None,
    ) -> None:
        #: Referrals paused until this day or later leave a group out.
        self.today = today or dt.date.today()
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
        #: PostgreSQL: the index's words a group must hold one of to score on the interests
        #: (``text.index.indexed_words``); None without interests or a word to look for.
        self.interest_words: list[str] | None = None
        if backend is Backend.POSTGIS and profile.interests:
            self.interest_words = indexed_words(session, profile_query(profile))

    def parts(self) -> list[Way]:
        """The two ways in: venues within reach (and near misses, to count them as too far),
        and groups whose door-to-door transport reaches the person (through the index of
        their pickup areas)."""
        parts: list[Way] = []
        if self.reach_km > 0:
            radius = self.reach_km * NEAR_MISS
            box = circle_bbox(self.origin, radius * 1000)
            edges = (box.min_lon, box.min_lat, box.max_lon, box.max_lat)
            parts.append(
                Way((self.dialect.venues_in_box(*edges), self.km2 <= radius * radius), edges)
            )
        if self.pickup_beyond_reach:
            # The groups whose pickup box (migration 0031) holds the person, a few index
            # entries, then their distance exactly. The venue's box as the probe of every
            # venue within the longest radius had it (which left none out that the distance
            # takes in), so that the groups found are exactly the same.
            box = circle_bbox(self.origin, self.pickup_km * 1000)
            where = (
                Group.id.in_(collecting_at(self.backend, self.origin)),
                Venue.lon.between(box.min_lon, box.max_lon),
                Venue.lat.between(box.min_lat, box.max_lat),
                self.pickup_covers,
            )
            parts.append(Way(where, (box.min_lon, box.min_lat, box.max_lon, box.max_lat)))
        return parts

    @property
    def pickup_beyond_reach(self) -> bool:
        """Whether a group's door-to-door transport could reach the person from a venue
        outside the first way in (the reach and its near misses). When that circle holds the
        longest pickup radius, with room for the flat-earth margin and the box's widening,
        every group whose transport reaches the person is in it already, and the second way
        in would find nothing."""
        if self.pickup_km <= 0:
            return False
        covered = self.reach_km * NEAR_MISS
        return self.reach_km <= 0 or covered < self.pickup_km * FLAT_EARTH_MARGIN**2

    def beyond_reach(self) -> ColumnElement[bool]:
        """Further than any journey in budget, and not collected from the door. The cut is
        ``FLAT_EARTH_MARGIN`` beyond the reach, so that a venue the flat-earth distance puts
        just past it while its journey is in budget is judged by the journey."""
        cut = self.reach_km * FLAT_EARTH_MARGIN
        return and_(self.km2 > cut * cut, ~self.pickup_covers)


def judged_statement(profile: Profile, search: Search) -> Any:
    """Every candidate as (id, reason it is left out or NULL, squared distance), each group
    once: narrow rows, so that judging thousands of groups costs little more than finding
    them. A group both within reach and collected from the door comes by the first way only
    (UNION ALL with the second way excluding the first: no deduplicating sort)."""
    parts = search.parts()
    selects = [
        select(Group.id, _sql_reason(profile, search, way).label("reason"), search.km2.label("km2"))
        .join(Venue, Venue.id == Group.venue_id)
        .where(*way.where, *(~and_(*earlier.where) for earlier in parts[:at]))
        for at, way in enumerate(parts)
    ]
    if not selects:
        return None
    return selects[0] if len(selects) == 1 else union_all(*selects)


@dataclass(frozen=True)
class Judged:
    """What the SQL judging hands back: how many groups failed each reason (None: passed),
    the nearest that passed (ids, nearest first) and the nearest that may be near misses."""

    counts: dict[str | None, int]
    nearest: list[int]
    left: list[Row[Any]]  # (id, reason, km2): beyond reach, or held back within reach

    @property
    def considered(self) -> int:
        return sum(self.counts.values())


def judge(
    session: Session,
    profile: Profile,
    search: Search,
    *,
    scored: int,
    pool: int,
    held_back: tuple[str, ...],
) -> Judged:
    """Judge every candidate in SQL: the count per reason, the ``scored`` nearest that pass,
    and (``pool`` > 0) the ``pool`` nearest beyond reach and the ``pool`` nearest within reach
    held back by one of ``held_back``. Ties in distance go to the lower id.

    One statement over the judged rows, kept once by the database (a CTE used more than
    once is materialised on both backends): the count per reason and three bounded top-N
    sorts come back, a couple of thousand rows instead of every candidate. Building a
    Python row for each of 20,000–40,000 candidates cost more than judging them in SQL."""
    statement = judged_statement(profile, search)
    if statement is None:
        return Judged({}, [], [])
    judged = statement.cte("judged").prefix_with("MATERIALIZED")
    reach2 = search.reach_km * search.reach_km

    def nearest(kind: int, n: int, *where: ColumnElement[bool]) -> Any:
        ranked = (
            select(literal(kind).label("kind"), judged.c.reason, judged.c.id, judged.c.km2)
            .where(*where)
            .order_by(judged.c.km2, judged.c.id)
            .limit(n)
            .subquery()
        )
        return select(*ranked.c)

    parts = [
        select(
            literal(0).label("kind"),
            judged.c.reason,
            func.count().label("id"),
            literal(0.0).label("km2"),
        ).group_by(judged.c.reason),
        nearest(1, scored, judged.c.reason.is_(None)),
    ]
    if pool > 0:
        parts.append(nearest(2, pool, judged.c.reason == "too_far"))
        parts.append(nearest(3, pool, judged.c.reason.in_(held_back), judged.c.km2 <= reach2))
    counts: dict[str | None, int] = {}
    passed: list[tuple[float, int]] = []
    left: list[Row[Any]] = []
    for row in fetch_all(session, union_all(*parts)):
        if row.kind == 0:
            counts[row.reason] = int(row.id)
        elif row.kind == 1:
            passed.append((row.km2, row.id))
        else:
            left.append(row)
    passed.sort()
    return Judged(counts, [group_id for _, group_id in passed], left)


def _sql_reason(profile: Profile, search: Search, way: Way) -> ColumnElement[str | None]:
    """The first hard constraint each group fails that its own columns decide, or NULL."""
    whens: list[tuple[ColumnElement[bool], str]] = [
        (Group.status == Status.CLOSED, "closed"),
        (Group.status == Status.PAUSED, "paused"),
        # The organiser paused referrals (through the day they gave, included).
        (Group.referrals_paused_until >= search.today, "referrals_paused"),
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
    relevant = _relevance(profile, search, way)
    if relevant is not None:
        whens.append((~relevant, "interests_not_matched"))
    return case(*whens, else_=literal(None))


def _relevance(profile: Profile, search: Search, way: Way) -> ColumnElement[bool] | None:
    """A cheap net for interest fit, before the fuzzy score: one of the wanted categories,
    or a word the group could score on for the interests (PostgreSQL: through the text
    index, ``Search.interest_words``), or a word start of them in its text (SQLite)."""
    nets: list[ColumnElement[bool]] = []
    # Categories first: a test of the row's own bits, and OR stops at the first that holds.
    if profile.categories:
        nets.append(_holds(category_mask(profile.categories)))
    if profile.interests:
        net = _interest_net(profile, search, way)
        if net is not None:
            nets.append(net)
    return or_(*nets) if nets else None


def _holds(bits: int) -> ColumnElement[bool]:
    """The group is in one of the categories of ``bits``: its own column, which the judging's
    covering indexes hold, where probing ``group_categories`` for each candidate cost 5 ms of
    a walk and bus search's judging at 100,000 listings."""
    return Group.category_mask.op("&")(bits) != 0


def _interest_net(profile: Profile, search: Search, way: Way) -> ColumnElement[bool] | None:
    """On PostgreSQL, the groups holding a word of the index they could score on (none can,
    when no listing holds one), read once for the way's box. Even the pickup way's: at a
    million listings thousands of groups may collect from a place, and probing each by its
    key cost 6 µs a group, four times reading the box. On SQLite, LIKE on each row's text
    (FTS5 has no cells, and answers for the whole directory)."""
    if search.backend is not Backend.POSTGIS:
        return text_prefilter(profile_query(profile))
    words = search.interest_words
    if words is None:
        return None
    if not words:
        return false()
    return holding_in_box(words, way.box, Group.id)


def survivors(session: Session, profile: Profile, ids: list[int]) -> list[Row[Any]]:
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
        # The first wanted category it is in, by name, from the row's own bits.
        wanted = sorted(profile.categories, key=lambda category: category.value)
        extra.append(
            case(
                *(
                    (_holds(CATEGORY_BITS[category]), literal(category.value))
                    for category in wanted
                ),
                else_=null(),
            ).label("wanted_category")
        )
    statement = _with_venue(session_backend(session), _SURVIVOR_COLUMNS, extra)
    for chunk in chunks(ids, 5000):
        rows.extend(fetch_all(session, statement.where(id_in(session, Group.id, chunk))))
    return rows


def _with_venue(backend: Backend, columns: Any, extra: list[Any]) -> Any:
    """The groups' columns and their venue's place. On PostgreSQL the venue is probed by its
    key for each group (a LATERAL subquery, kept apart by its LIMIT): joined, the planner
    hashed every venue (30,000 at 100,000 listings, 4 ms) for a few hundred groups."""
    if backend is not Backend.POSTGIS:
        return select(*columns, Venue.lat, Venue.lon, *extra).join(
            Venue, Venue.id == Group.venue_id
        )
    venue = select(Venue.lat, Venue.lon).where(Venue.id == Group.venue_id).limit(1).lateral()
    return select(*columns, venue.c.lat, venue.c.lon, *extra).join(venue, true())


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
    Group.referrals_paused_until,
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
)


def schedules(session: Session, ids: list[int]) -> dict[int, list[tuple[Any, ...]]]:
    found: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for chunk in chunks(ids, 5000):
        for row in fetch_all(
            session,
            select(
                ScheduleEntry.group_id, ScheduleEntry.day, ScheduleEntry.start, ScheduleEntry.end
            )
            .where(id_in(session, ScheduleEntry.group_id, chunk))
            .order_by(ScheduleEntry.group_id, ScheduleEntry.id),
        ):
            found[row.group_id].append((row.day, row.start, row.end))
    return found


__all__ = [
    "INTEREST_SEPARATOR",
    "NEAR_MISS",
    "Judged",
    "Search",
    "Way",
    "judge",
    "judged_statement",
    "schedules",
    "survivors",
]
