"""Matching over HTTP: a validated request in, the domain's answer out, shared by the API and
the match page."""

from __future__ import annotations

from typing import Any

from assetmap.errors import ValidationError
from assetmap.freshness.tasks import record_activity
from assetmap.geo.geocoders import locate_postcode
from assetmap.geo.spatial import Point
from assetmap.matching import MatchResult, Option, match
from assetmap.matching.requests import MatchRequest
from assetmap.web.context import (
    app_config,
    backend,
    db_session,
    freshness_policy,
    geocoder,
    today,
    travel,
)


def locate(request: MatchRequest) -> Point:
    """Where the person is: their postcode through the geocoders, or the lat/lon given."""
    location = request.location
    if location.postcode is not None:
        try:
            return locate_postcode(location.postcode, geocoder(db_session()))
        except ValidationError as error:
            raise ValidationError(error.message, field="location.postcode") from None
    assert location.lat is not None and location.lon is not None
    return Point(location.lat, location.lon)


def run_match(
    request: MatchRequest,
    *,
    record_unmet: bool = True,
    count_activity: bool = True,
    where: Point | None = None,
) -> MatchResult:
    """Match and commit the anonymous unmet-need row, if one was recorded, and the count of
    how often each offered group came up (it orders the re-verification queue). ``where`` is
    the request's location when the caller has already located it."""
    config = app_config()
    session = db_session()
    result = match(
        session,
        request.profile(where or locate(request)),
        request.limit,
        backend=backend(),
        policy=freshness_policy(),
        today=today(),
        travel=travel(),
        max_pickup_radius_km=config.max_pickup_radius_km,
        record_unmet=record_unmet,
    )
    if count_activity:
        record_activity(session, [option.group_id for option in result.options], today())
    session.commit()
    return result


def option_json(option: Option) -> dict[str, Any]:
    """One result in the API's shape (DESIGN.md, match response)."""
    travel: dict[str, Any] = {"minutes": option.travel.minutes, "mode": option.travel.mode.value}
    if option.travel.routes:
        travel["routes"] = list(option.travel.routes)
    return {
        "group": option.listing,
        "score": option.score,
        "components": option.components.as_dict(),
        "travel": travel,
        "reasons": list(option.reasons),
        "warnings": list(option.warnings),
    }


def result_json(result: MatchResult) -> dict[str, Any]:
    return {
        "results": [option_json(option) for option in result.options],
        "considered": result.considered,
        "excluded": result.excluded,
        "unmet_need_recorded": result.unmet_need_recorded,
    }
