"""Matching as one call: a validated request in, the located, ranked and recorded answer out.

The API and the match page both call :func:`run_match` (the plan calls :func:`run_plan`) once
per request: locate the person, build the profile, run the engine, record the unmet need and
the listings' activity (it orders the re-verification queue), commit. Everything it works with
comes in :class:`MatchDeps`, so it runs the same under Flask, in the benchmark and in tests.
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
    record_unmet: bool = False,
    count_activity: bool = True,
    now: dt.datetime | None = None,
) -> Matched:
    """Match and commit: the anonymous unmet-need row, if the engine recorded one, and the
    count of how often each offered group came up.

    Only a signed-in link worker's search is demand that gap analysis can trust, so callers
    pass ``record_unmet`` for those alone (never for an anonymous page or API call, nor for a
    search shown again: a reload, a plan sent back with an error). A search shown again also
    passes ``count_activity`` False.

    ``now`` (aware) decides which referrals still hold a place and whose pause is over;
    without it, the system clock (the benchmark and the command line need no other)."""
    where = locate(request, deps.geocoder)
    result = _match(session, request, deps, today, where, record_unmet=record_unmet, now=now)
    if count_activity:
        record_activity(session, [option.group_id for option in result.options], today)
    session.commit()
    return Matched(result=result, location=where)


def run_plan(
    session: Session,
    request: MatchRequest,
    deps: MatchDeps,
    today: dt.date,
    chosen: Sequence[int],
    *,
    now: dt.datetime | None = None,
    count_activity: bool = True,
) -> Planned:
    """The match again for the same person, never recording an unmet need (the search did),
    narrowed to the ``chosen`` groups in that order; counts each planned group (unless
    ``count_activity`` is False: the plan's calendar is the same plan again) and commits."""
    where = locate(request, deps.geocoder)
    result = _match(session, request, deps, today, where, record_unmet=False, now=now)
    found = {option.group_id: option for option in result.options}
    options = [found[group_id] for group_id in chosen if group_id in found]
    gone = [group_id for group_id in chosen if group_id not in found]
    names = group_names(session, gone)
    missing = [(group_id, names.get(group_id)) for group_id in gone]
    if count_activity:
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


__all__ = ["MatchDeps", "Matched", "Planned", "locate", "run_match", "run_plan"]
