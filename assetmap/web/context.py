"""What a request works with: settings, database sessions, and the providers built from them.

The Flask tutorial's ``db.py`` pattern: everything is reached through ``current_app`` and ``g``,
built once (per app for what never changes, per request for what holds a session) and closed
when the request ends. Blueprints import from here, never from ``assetmap.web`` itself.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from flask import Flask, Response, current_app, g, request
from sqlalchemy.orm import Session

from assetmap.config import Config, resolve_secret
from assetmap.db import Backend, Database
from assetmap.gaps.analysis import GapResult
from assetmap.gaps.cache import ResultCache
from assetmap.geo.geocoders import geocoder_for
from assetmap.geo.interfaces import Geocoder, TravelTimeProvider
from assetmap.geo.travel import travel_provider_for
from assetmap.matching.service import MatchDeps
from assetmap.referrals.service import ReferralSettings
from assetmap.verification.policy import FreshnessPolicy

_CONFIG = "assetmap.config"
_DATABASE = "assetmap.database"
_POLICY = "assetmap.freshness_policy"
_TRAVEL = "assetmap.travel"
_GAP_ANSWERS = "assetmap.gap_answers"
_CLOCK = "assetmap.clock"
_REFERRALS = "assetmap.referral_settings"
LOCAL_TIME = ZoneInfo("Europe/London")
#: A plain cookie, not the signed session: reading it must not add "Vary: Cookie" to the
#: public API. Its value is when the browser's own writes are surely on the replica.
OWN_WRITES_COOKIE = "assetmap_own_writes"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bind(app: Flask, config: Config) -> None:
    """Give the app its settings, its database and the providers that depend only on them.

    The policy is validated and the travel provider loaded here, once, rather than at every
    request (a street network takes seconds to read)."""
    app.extensions[_CONFIG] = config
    app.extensions[_DATABASE] = Database(config, for_requests=True)
    app.extensions[_POLICY] = FreshnessPolicy.from_config(config)
    app.extensions[_TRAVEL] = None  # built on first use: most requests never travel
    app.extensions[_GAP_ANSWERS] = ResultCache()
    app.teardown_appcontext(_close_sessions)
    if config.database_read_url:
        app.after_request(_remember_own_writes)


def app_config() -> Config:
    return current_app.extensions[_CONFIG]


def app_database() -> Database:
    return current_app.extensions[_DATABASE]


def database_of(app: Flask) -> Database:
    """``app``'s database, outside a request (the login limiter's store)."""
    return app.extensions[_DATABASE]


def backend() -> Backend:
    return app_database().backend


def db_session() -> Session:
    """The request's session, opened on first use and closed when the request ends."""
    if "db_session" not in g:
        g.db_session = app_database().sessions()
    return g.db_session


def read_session() -> Session:
    """A session for a request that only reads: no transaction around its statements."""
    if "read_session" not in g:
        g.read_session = app_database().read_sessions()
    return g.read_session


def lag_tolerant_session() -> Session:
    """For reads that may be a few seconds behind (search, the map and its API, listing
    pages, the ORUK API, calendars): the replica when one is configured and usable, else
    ``read_session()``. A request with a token, or from a browser that has just written,
    reads from the primary, so nobody is shown their own change undone."""
    if "lag_tolerant_session" not in g:
        replica = app_database().replica
        chosen = None
        if replica is not None and not _must_see_own_writes():
            chosen = g.replica_session = replica.session()
        g.lag_tolerant_session = chosen if chosen is not None else read_session()
    return g.lag_tolerant_session


def reads_from_replica() -> bool:
    """Whether this request's lag-tolerant reads came from the replica."""
    return "replica_session" in g and g.replica_session is not None


def _must_see_own_writes() -> bool:
    if "Authorization" in request.headers:
        return True  # API clients that sign in edit: their next GET must show the change
    try:
        until = float(request.cookies.get(OWN_WRITES_COOKIE, "0"))
    except ValueError:
        return False
    return until > time.time()


def _remember_own_writes(response: Response) -> Response:
    """After a browser's write, its reads go to the primary until the replica has it too."""
    if request.method in _SAFE_METHODS or "Authorization" in request.headers:
        return response
    window = app_config().database_read_own_writes_s
    response.set_cookie(
        OWN_WRITES_COOKIE,
        str(math.ceil(time.time() + window)),
        max_age=math.ceil(window),
        httponly=True,
        samesite="Lax",
        secure=app_config().cookies_secure,
    )
    return response


def freshness_policy() -> FreshnessPolicy:
    return current_app.extensions[_POLICY]


def travel() -> TravelTimeProvider:
    """The configured travel-time provider, shared by every request of this app."""
    provider = current_app.extensions[_TRAVEL]
    if provider is None:
        provider = current_app.extensions[_TRAVEL] = travel_provider_for(
            app_config(), app_database()
        )
    return provider


def geocoder(session: Session | None = None) -> Geocoder:
    """The configured geocoder chain over ``session`` (the request's read session unless a
    writing view passes its own), built once per request and session."""
    session = session or read_session()
    built = g.setdefault("geocoders", {})
    if id(session) not in built:
        built[id(session)] = geocoder_for(app_config(), session)
    return built[id(session)]


def match_deps(session: Session) -> MatchDeps:
    """What the matching service works with in this request; the person's postcode is looked
    up over ``session``."""
    return MatchDeps(
        backend=backend(),
        policy=freshness_policy(),
        travel=travel(),
        geocoder=geocoder(session),
        max_pickup_radius_km=app_config().max_pickup_radius_km,
    )


def referral_settings() -> ReferralSettings:
    """How referrals hold places, expire and sign the organiser's link (built once per app)."""
    settings = current_app.extensions.get(_REFERRALS)
    if settings is None:
        config = app_config()
        settings = current_app.extensions[_REFERRALS] = ReferralSettings.of(
            config, resolve_secret(config)
        )
    return settings


def gap_answers() -> ResultCache[GapResult]:
    """This app's kept gap answers (each checked against the data at every use)."""
    return current_app.extensions[_GAP_ANSWERS]


def today() -> dt.date:
    if current_app.extensions.get(_CLOCK) is not None:
        return now().date()
    return dt.date.today()


def now() -> dt.datetime:
    """This moment in UK time (Europe/London), which "today 14:00" and "on this week" are
    counted from; a test pins it with ``set_clock``."""
    clock = current_app.extensions.get(_CLOCK)
    moment = clock() if clock is not None else dt.datetime.now(dt.UTC)
    return moment.astimezone(LOCAL_TIME)


def set_clock(app: Flask, clock: Callable[[], dt.datetime] | None) -> None:
    """Make ``now`` (and ``today``) read ``clock`` instead of the system's; None restores it."""
    app.extensions[_CLOCK] = clock


def _close_sessions(_exc: BaseException | None) -> None:
    for name in ("db_session", "read_session", "replica_session"):
        session = g.pop(name, None)
        if session is not None:
            session.close()
