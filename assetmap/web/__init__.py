"""The HTTP layer: blueprints that translate requests to domain calls and back, nothing more."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Flask, current_app, g, request, send_from_directory
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from assetmap.config import Config
from assetmap.db import Backend, Database
from assetmap.freshness.policy import FreshnessPolicy

_DATABASE = "assetmap.database"
_CONFIG = "assetmap.config"


def init_app(app: Flask, config: Config) -> None:
    """Bind the database and register the blueprints."""
    app.extensions[_CONFIG] = config
    app.extensions[_DATABASE] = Database(config)
    app.teardown_appcontext(_close_session)

    from assetmap.web import formatting
    from assetmap.web.api import api, http_error
    from assetmap.web.auth import csrf, init_auth
    from assetmap.web.listing_check import listing_check
    from assetmap.web.manage import manage
    from assetmap.web.match_pages import match_pages
    from assetmap.web.public import public
    from assetmap.web.security import init_security
    from assetmap.web.staff import staff
    from assetmap.web.verify import verify

    app.register_blueprint(api)
    app.register_blueprint(public)
    app.register_blueprint(match_pages)
    app.register_blueprint(manage)
    app.register_blueprint(staff)
    app.register_blueprint(listing_check)
    app.register_blueprint(verify)
    # The JSON API authenticates each write with a token, not a cookie: no CSRF to guard.
    csrf.exempt(api)
    init_auth(app, config)
    formatting.register(app)
    init_security(app)
    # The NHS.UK stylesheet asks for its icons at /assets/; they are in our static folder.
    app.add_url_rule(
        "/assets/<path:filename>",
        "nhsuk_assets",
        lambda filename: send_from_directory(
            Path(app.static_folder or "") / "vendor" / "nhsuk" / "assets", filename
        ),
    )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> ResponseReturnValue:
        # Paths under /api/ that match no route still answer in the API's JSON error shape.
        if request.path.startswith(api.url_prefix or "/api/"):
            return http_error(error)
        return error


def app_config() -> Config:
    return current_app.extensions[_CONFIG]


def app_database() -> Database:
    return current_app.extensions[_DATABASE]


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


def backend() -> Backend:
    return app_database().backend


def freshness_policy() -> FreshnessPolicy:
    return FreshnessPolicy.from_config(app_config())


def today() -> dt.date:
    return dt.date.today()


def _close_session(_exc: BaseException | None) -> None:
    for name in ("db_session", "read_session"):
        session = g.pop(name, None)
        if session is not None:
            session.close()
