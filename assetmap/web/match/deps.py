"""What the matching service works with in a request, from the app's context (built there once
per app, the geocoder once per request and session)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from assetmap.matching.service import MatchDeps
from assetmap.web.context import app_config, backend, freshness_policy, geocoder, travel


def match_deps(session: Session) -> MatchDeps:
    """The dependencies for a match whose postcode is looked up over ``session``."""
    return MatchDeps(
        backend=backend(),
        policy=freshness_policy(),
        travel=travel(),
        geocoder=geocoder(session),
        max_pickup_radius_km=app_config().max_pickup_radius_km,
    )
