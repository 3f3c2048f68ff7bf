"""The HTTP layer: blueprints that translate requests to domain calls and back, nothing more.

This module only assembles the app; what a request works with (settings, sessions,
providers) is in ``context``, so no blueprint imports this module.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, make_response, render_template, request, send_from_directory
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.middleware.proxy_fix import ProxyFix

from assetmap.config import Config
from assetmap.web import (
    accounts,
    api,
    auth,
    calendars,
    cases,
    context,
    converters,
    followups,
    gaps,
    health,
    hosts,
    inputs,
    limits,
    listing_check,
    manage,
    match,
    openreferral,
    public,
    referral_link,
    referral_places,
    reports,
    request_log,
    security,
    staff,
    verify,
    wording,
)

#: Every page and the API, in the order their routes are matched.
BLUEPRINTS = (
    health.health,
    api.api,
    openreferral.openreferral,
    public.public,
    calendars.calendars,
    match.match_pages,
    manage.manage,
    staff.staff,
    listing_check.listing_check,
    referral_link.referral_link,
    verify.verify,
    gaps.gaps,
    followups.followups,
    cases.cases,
    reports.reports,
    accounts.account_pages,
)


def init_app(app: Flask, config: Config) -> None:
    """Bind the database and register the blueprints."""
    context.bind(app, config)
    hosts.init_hosts(app, config)
    # Every id in a path is <id:...>: 1 to 2**31 - 1 (the id columns are 32-bit), else the
    # route does not match (a 404).
    app.url_map.converters["id"] = converters.IdConverter
    if config.trusted_proxies:
        # Behind that many reverse proxies, the client's address, scheme and host are the ones
        # they forward (the login limit counts per client address; web/hosts.py checks the
        # forwarded host). Never without a proxy that sets them: anyone could claim any.
        n = config.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    # First of the checks before a view: no NUL reaches an API query (PostgreSQL refuses it).
    app.before_request(inputs.refuse_nul)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    # The JSON API authenticates each write with a token, not a cookie: no CSRF to guard.
    auth.csrf.exempt(api.api)
    auth.csrf.exempt(health.health)
    limits.init_limits(app, config)  # before the CSRF check reads a form
    auth.init_auth(app, config)
    auth.limiter.exempt(health.health)  # probes every few seconds are not a client's tries
    wording.register(app)
    referral_places.register(app)
    security.init_security(app)
    request_log.init_request_log(app)
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
        if request.path.startswith(api.api.url_prefix or "/api/"):
            return api.http_error(error)
        if request.path.startswith("/openreferral/"):
            answer = make_response(openreferral.http_error(error))
            return openreferral.open_to_every_site(answer)
        if error.code is None or error.code < 400 or error.response is not None:
            return error  # a redirect, or a response a view built itself (a plain 400 text)
        return security.keep_allow(make_response(error_page(error.code)), error)

    @app.errorhandler(500)
    def _server_error(_error: Exception) -> ResponseReturnValue:
        if request.path.startswith(api.api.url_prefix or "/api/"):
            return api.http_error(InternalServerError(api.server_error_message()))
        return error_page(500)


def error_page(code: int) -> ResponseReturnValue:
    """An error in the site's layout, with links to carry on from."""
    title, explanation = wording.ERROR_WORDS.get(code, wording.ERROR_WORDS[400])
    return render_template("error.html", title=title, explanation=explanation, code=code), code
