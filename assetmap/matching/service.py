"""Matching as one call: a validated request in, the located, ranked and recorded answer out.

The API and the match page both call :func:`run_match` (the plan calls :func:`run_plan`) once
per request: locate the person, build the profile, run the engine, record the unmet need and
the listings' activity (it orders the re-verification queue) when the search counts, commit.
Everything it works with comes in :class:`MatchDeps`, so it runs the same under Flask, in the
benchmark and in tests.

Only a link worker's search counts, once a day for the same search (``matching.tallies``): the
caller passes ``counted_for`` for those alone, never for an anonymous page or API call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from assetmap.db import Backend
from assetmap.directory.reads import group_names
from assetmap.errors import ValidationError
from assetmap.freshness.tasks import record_activity
from assetmap.geo.geocoders import locate_place, locate_postcode
from assetmap.geo.interfaces import Geocoder, TravelTimeProvider
from assetmap.geo.spatial import Point
from assetmap.matching.engine import DEFAULT_PICKUP_RADIUS_KM, match
from assetmap.matching.requests import MatchRequest
from assetmap.matching.results import MatchResult, Option
from assetmap.matching.tallies import Searcher, first_today, plan_fingerprint, search_fingerprint
from assetmap.verification.policy import FreshnessPolicy


@dataclass(frozen=True)
class MatchDeps:
    """What a match works with, built once by the caller (per app, or per request for the
    geocoder, which holds a session)."""

    backend: Backend
    policy: FreshnessPolicy
    travel: TravelTimeProvider
    geocoder: Geocoder
    max_pickup_radius_km: float = DEFAULT_PICKUP_RADIUS_KM


@dataclass(frozen=True)
class Matched:
    """A match's answer, and where the person was found to be (the page's map centres there)."""

    result: MatchResult
    location: Point
    #: The searcher's same search was counted earlier today (so this one was not).
    counted_before: bool = False


@dataclass(frozen=True)
class Planned:
    """The chosen groups that still fit, in the order chosen, and those that no longer do, with
    their names while they are still listed (so the plan can name them rather than drop them)."""

    options: list[Option]
    missing: list[tuple[int, str | None]]
    location: Point


def locate(request: MatchRequest, geocoder: Geocoder) -> Point:
    """Where the person is: their postcode or place through the geocoder, or the lat/lon
    given. An unknown postcode or place is a ValidationError on ``location.postcode`` or
    ``location.place``."""
    location = request.location
    if location.postcode is not None:
        try:
            return locate_postcode(location.postcode, geocoder)
        except ValidationError as error:
            raise ValidationError(error.message, field="location.postcode") from None
    if location.place:
        try:
            return locate_place(location.place, geocoder)
        except ValidationError as error:
            raise ValidationError(error.message, field="location.place") from None
    if location.lat is None or location.lon is None:  # parse_match_request refuses this
        raise ValidationError(
            "location: give a postcode, a place, or both lat and lon", field="location"
        )
    return Point(location.lat, location.lon)


def run_match(
    session: Session,
    request: MatchRequest,
    deps: MatchDeps,
    today: dt.date,
    *,
    counted_for: Searcher | None = None,
    now: dt.datetime | None = None,
) -> Matched:
    """Match and commit. With ``counted_for`` (a signed-in link worker: only their searches
    are demand gap analysis can trust) and the first time today that they make this search,
    the search counts: the anonymous unmet-need row, if the engine records one, and how often
    each offered group came up. Nothing counts for anyone else, nor for a search counted
    already (a reload, more results, the same search from another browser).

    ``now`` (aware) decides which referrals still hold a place and whose pause is over;
    without it, the system clock (the benchmark and the command line need no other)."""
    where = locate(request, deps.geocoder)
    counts = counted_for is not None and first_today(
        session, counted_for, search_fingerprint(request, where), today
    )
    result = _match(session, request, deps, today, where, record_unmet=counts, now=now)
    if counts:
        record_activity(session, [option.group_id for option in result.options], today)
    session.commit()
    return Matched(
        result=result, location=where, counted_before=counted_for is not None and not counts
    )


def run_plan(
    session: Session,
    request: MatchRequest,
    deps: MatchDeps,
    today: dt.date,
    chosen: Sequence[int],
    *,
    now: dt.datetime | None = None,
    counted_for: Searcher | None = None,
) -> Planned:
    """The match again for the same person, never recording an unmet need (the search did),
    narrowed to the ``chosen`` groups in that order; counts each planned group for
    ``counted_for``, once a day for the same plan (the plan's calendar, a reload and the
    email page are the same plan again), and commits."""
    where = locate(request, deps.geocoder)
    result = _match(session, request, deps, today, where, record_unmet=False, now=now)
    found = {option.group_id: option for option in result.options}
    options = [found[group_id] for group_id in chosen if group_id in found]
    gone = [group_id for group_id in chosen if group_id not in found]
    names = group_names(session, gone)
    missing = [(group_id, names.get(group_id)) for group_id in gone]
    if counted_for is not None and first_today(
        session, counted_for, plan_fingerprint(request, where, chosen), today
    ):
        record_activity(session, [o.group_id for o in options], today, planned=True)
    session.commit()
    return Planned(options=options, missing=missing, location=where)


def _match(
    session: Session,
    request: MatchRequest,
    deps: MatchDeps,
    today: dt.date,
    where: Point,
    *,
    record_unmet: bool,
    now: dt.datetime | None,
) -> MatchResult:
    return match(
        session,
        request.profile(where),
        request.limit,
        backend=deps.backend,
        policy=deps.policy,
        today=today,
        travel=deps.travel,
        max_pickup_radius_km=deps.max_pickup_radius_km,
        record_unmet=record_unmet,
        now=now,
    )


__all__ = ["MatchDeps", "Matched", "Planned", "Searcher", "locate", "run_match", "run_plan"]
