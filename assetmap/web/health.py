"""`GET /healthz` (the process is up) and `GET /readyz` (it can serve: the database answers
at the code's migration), for a load balancer or an orchestrator's probes.

Neither touches the session (no cookie is set), both say ``Cache-Control: no-store``, and
neither is rate-limited or CSRF-guarded (they only read). ``/healthz`` touches no database
at all: a process whose database is down is alive, and restarting it would not help.
``/readyz`` answers within about two seconds whatever the database does
(``ops.readiness``): 200 when ready, 503 naming what is not.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, jsonify

from assetmap.ops.readiness import ReadinessProbe
from assetmap.web.context import app_config

health = Blueprint("health", __name__)

_PROBE = "assetmap.readiness"


def _answer(body: dict[str, object], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@health.get("/healthz")
def healthz() -> Response:
    return _answer({"status": "ok"}, 200)


@health.get("/readyz")
def readyz() -> Response:
    readiness = probe_of(current_app).check()
    return _answer(readiness.as_json(), 200 if readiness.ready else 503)


def probe_of(app: Flask) -> ReadinessProbe:
    """The app's probe, built on first use (its engine connects only when asked)."""
    probe = app.extensions.get(_PROBE)
    if probe is None:
        probe = app.extensions[_PROBE] = ReadinessProbe(app_config())
    return probe
