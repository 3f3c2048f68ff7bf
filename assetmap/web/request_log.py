"""One JSON line per request on the ``assetmap.requests`` logger, and a request id.

Each line: ``method``, ``path`` (never the query string: on ``/match`` it holds a person's
postcode and needs; and the secret of a link in the path hidden: ``/referral/[link]``),
``endpoint``, ``status``, ``ms`` (until the view's answer was ready), ``bytes`` (null when
streamed), ``request_id``, and for a signed-in user their ``user_id`` and ``role`` (an id,
never an email). No client address: the proxy in front keeps those, for as long as its
operator decides.

The request id is the trusted proxy's ``X-Request-Id`` when ``ASSETMAP_TRUSTED_PROXIES`` is
set and the id well-formed (letters, digits, ``-_.:``, up to 128), else a new one. It goes
back as the ``X-Request-Id`` header, into the app's error lines (``[id] Exception on …``) and
onto the 500 page and JSON, for a person to quote.

Cheap when nobody listens: with the logger below INFO (tests, the library default) only the
id is made and the header set; ``assetmap serve`` turns the lines on (``--request-log``).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import Flask, Response, g, has_request_context, request

from assetmap.web.context import app_config

log = logging.getLogger("assetmap.requests")

HEADER = "X-Request-Id"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{1,128}")
#: The paths whose next part is a secret: a referral's answer link, an account's
#: set-password link, a listing's freshness check link.
_SECRET_IN_PATH = re.compile(r"(/referral|/check|/account/set-password)/[^/\s?#\"']+")
HIDDEN = r"\1/[link]"


def safe_path(path: str) -> str:
    """``path`` with the secret part of a link replaced (the query string is never given)."""
    return _SECRET_IN_PATH.sub(HIDDEN, path) if "/" in path[1:] else path


def request_id() -> str:
    """This request's id (made on first use, outside the hooks too: an error page's)."""
    if "request_id" not in g:
        given = request.headers.get(HEADER, "") if app_config().trusted_proxies else ""
        g.request_id = given if _WELL_FORMED.fullmatch(given) else uuid.uuid4().hex
    return str(g.request_id)


def init_request_log(app: Flask) -> None:
    # First of all the request hooks, so the time counts theirs too (the host check, the
    # session guard, the body limits) and a request one of them refuses is timed as well.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.logger.addFilter(_WithRequestId())
    app.jinja_env.globals["request_id"] = request_id


def _start() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _finish(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    if log.isEnabledFor(logging.INFO):
        log.info(json.dumps(_line(response), separators=(",", ":")))
    return response


def _line(response: Response) -> dict[str, object]:
    started = g.get("request_started")
    line: dict[str, object] = {
        "method": request.method,
        "path": safe_path(request.path),
        "endpoint": request.endpoint,
        "status": response.status_code,
        "ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
        "bytes": response.content_length,
        "request_id": request_id(),
    }
    user = g.get("_login_user")  # only if the request loaded it: no query of our own
    if user is not None and getattr(user, "is_authenticated", False):
        line["user_id"] = user.id
        line["role"] = getattr(user.role, "value", None)
    return line


class _WithRequestId(logging.Filter):
    """The app's own error lines start with the request's id, and name its path safely."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and not getattr(record, "request_id", None):
            identifier = request_id()
            record.request_id = identifier  # type: ignore[attr-defined]
            message = _SECRET_IN_PATH.sub(HIDDEN, record.getMessage())
            record.msg, record.args = f"[{identifier}] {message}", None
        return True


__all__ = ["HEADER", "init_request_log", "request_id", "safe_path"]
