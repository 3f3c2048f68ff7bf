"""What the web app refuses rather than be worn down: a request body over its limit (413) and
a database that does not answer in time (503).

Both answer in the API's JSON error shape under /api/ and /openreferral/, and as a page in the
site's layout elsewhere. The body limit is ``ASSETMAP_MAX_REQUEST_BYTES`` (Flask's
``MAX_CONTENT_LENGTH``); a view that takes more (the admin's import upload) says so with
:func:`body_limit`, and its limit is set on the request before anything reads the body (the
CSRF check reads the form). werkzeug enforces the limit while it reads, so a body sent
without a Content-Length (chunked) is refused at the limit too, never read whole into memory.

The database's waits are bounded by the web engines' timeouts (``db.make_engine``); what
they raise (``db.unavailable_reason``) becomes a 503 with ``Retry-After``, logged once with
the reason and the endpoint, never the request's data.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import RequestEntityTooLarge

from assetmap.config import Config
from assetmap.db import unavailable_reason
from assetmap.web import wording

log = logging.getLogger(__name__)
View = TypeVar("View", bound=Callable[..., Any])

#: The attribute a view's own body limit is kept in.
_LIMIT = "max_request_bytes"
#: Seconds a client is asked to wait before trying again after a 503.
RETRY_AFTER_S = 5
#: Paths that answer errors in JSON.
JSON_PREFIXES = ("/api/", "/openreferral/")
#: werkzeug's limit for one form field that is not a file, kept unless the body limit is lower.
FORM_FIELD_BYTES = 500_000
#: Form fields (and files) one request may send.
FORM_PARTS = 1000


def body_limit(limit: int) -> Callable[[View], View]:
    """Mark a view that accepts a body of up to ``limit`` bytes instead of the app's limit.
    Put it right under the route's decorator."""

    def mark(view: View) -> View:
        setattr(view, _LIMIT, limit)
        return view

    return mark


def init_limits(app: Flask, config: Config) -> None:
    """Set the body limits and answer 413 and 503. Call it before ``auth.init_auth``: a view's
    own limit must be set before the CSRF check reads the form."""
    app.config.update(
        MAX_CONTENT_LENGTH=config.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=min(config.max_request_bytes, FORM_FIELD_BYTES),
        MAX_FORM_PARTS=FORM_PARTS,
    )
    app.before_request(_view_limit)
    app.register_error_handler(RequestEntityTooLarge, too_large)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(PoolTimeout, _database_error)


def _view_limit() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, _LIMIT, None)
    if limit is not None:
        request.max_content_length = limit
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if chunked and "wsgi.input_terminated" in request.environ:
        # A chunked body: werkzeug would stop reading at the limit and hand on what it read
        # as if it were all (a JSON body cut short is a misleading 400). Refuse it instead.
        capped = request.max_content_length or current_app.config["MAX_CONTENT_LENGTH"]
        request.environ["wsgi.input"] = CappedInput(request.environ["wsgi.input"], capped)
        request.max_content_length = capped + 1  # werkzeug's stops past ours, never first


class CappedInput(io.RawIOBase):
    """A request body of unknown length that raises a 413 as soon as more than ``limit``
    bytes have been read from it, having held at most one read's worth."""

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.seen = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self.limit + 1 - self.seen)
        data = self.stream.read(wanted) if wanted > 0 else b""
        self.seen += len(data)
        if self.seen > self.limit:
            raise RequestEntityTooLarge()
        buffer[: len(data)] = data
        return len(data)


def _json_error(code: str, message: str, status: int) -> Response:
    response = jsonify({"error": {"code": code, "message": message, "field": None}})
    response.status_code = status
    return response


def _page(status: int, more: str = "") -> Response:
    title, explanation = wording.ERROR_WORDS[status]
    page = render_template("error.html", title=title, explanation=f"{explanation}{more}")
    return Response(page, status=status, mimetype="text/html")


def _in_megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.0f} MB" if megabytes >= 1 else f"{size // 1024} KB"


def too_large(_error: RequestEntityTooLarge) -> Response:
    """413: the body, one of its fields, or its number of fields is over the limit."""
    limit = request.max_content_length or current_app.config["MAX_CONTENT_LENGTH"]
    size = _in_megabytes(limit)
    if request.path.startswith(JSON_PREFIXES):
        message = f"the request is too large: at most {size} can be sent here"
        return _json_error("too_large", message, 413)
    return _page(413, f" (At most {size}, in at most {FORM_PARTS:,} fields, can be sent here.)")


def database_unavailable(error: BaseException) -> Response | None:
    """A 503 for an error that says the database did not answer in time, else None."""
    reason = unavailable_reason(error)
    if reason is None:
        return None
    # Once per request, no traceback: the reason and the endpoint, never the data sent.
    log.warning(
        "database unavailable (%s): %s %s answered 503",
        reason,
        request.method,
        request.endpoint or "no route",
    )
    if request.path.startswith(JSON_PREFIXES):
        message = "the database did not answer in time: try again in a few seconds"
        response = _json_error("unavailable", message, 503)
    else:
        response = _page(503)
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def _database_error(error: Exception) -> Response:
    answer = database_unavailable(error)
    if answer is None:
        raise error  # any other database error is a bug: the 500 page, with its traceback
    return answer
