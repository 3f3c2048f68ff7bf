"""GET /api/v1/gaps and /gaps/what-if: gap analysis for community builders and admins.

The figures are aggregates of public data, but the unmet-need counts come from link workers'
searches, so both endpoints want the token of a community builder or an admin (401 without
one, 403 for another role). The question is read by ``gaps.requests.parse_gap_question``, the
same parser as the /gaps page's, and answered from the app's cache while the data is unchanged.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from assetmap.errors import ValidationError
from assetmap.gaps.analysis import GapResult, WhatIf, what_if
from assetmap.gaps.export import answer_geojson, area_row, result_csv
from assetmap.gaps.requests import GapQuestion, parse_gap_question, question_args
from assetmap.gaps.service import answer
from assetmap.models import Role
from assetmap.web.api.tokens import token_user_of
from assetmap.web.context import db_session, gap_answers, read_session, today, travel

#: Who may ask: the people who plan provision.
GAP_ROLES = (Role.COMMUNITY_BUILDER, Role.ADMIN)
FORMATS = ("geojson", "csv")
#: The most places a what-if group may offer (a very large hall, not a typo's 10⁹).
MAX_PLACES = 10_000
#: How many of the worst areas the what-if answer lists, before and after.
TOP = 10


def gap_areas() -> ResponseReturnValue:
    """GET /gaps: every area's figures for the question, biggest gap first, as GeoJSON (the
    default) or as a CSV file."""
    _authorise()
    fmt = request.args.get("format", "geojson").strip().lower() or "geojson"
    if fmt not in FORMATS:
        raise ValidationError(f"format must be one of {', '.join(FORMATS)}", field="format")
    question, result = _answered()
    if fmt == "csv":
        return Response(
            result_csv(result),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="gaps-{question.question}.csv"'},
        )
    body = answer_geojson(read_session(), question, result)
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/geo+json")


def gap_what_if() -> ResponseReturnValue:
    """GET /gaps/what-if: a new fitting group at lat, lon with ``places`` places: whom it
    would reach, and how the worst areas' gap scores would change."""
    _authorise()
    lat = _number(request.args, "lat", -90, 90)
    lon = _number(request.args, "lon", -180, 180)
    places = _number(request.args, "places", 1, MAX_PLACES, default=1.0)
    question, result = _answered()
    return jsonify(what_if_json(question, what_if(result, lat, lon, places, top=TOP)))


def what_if_json(question: GapQuestion, change: WhatIf) -> dict[str, Any]:
    """The what-if answer (the OpenAPI document describes it as ``GapWhatIf``)."""

    def score(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return {
        "question": question.profile.name,
        "ready_made": question.question,
        "people_reached": round(change.people_reached),
        "share_reached": round(change.share_reached, 3),
        "newly_covered": round(change.newly_covered),
        "changes": [
            {
                "code": c.code,
                "name": c.name,
                "gap_before": score(c.gap_before),
                "gap_after": score(c.gap_after),
                "coverage_before": round(c.coverage_before, 3),
                "coverage_after": round(c.coverage_after, 3),
            }
            for c in change.changes
        ],
        "top_after": [area_row(area) for area in change.areas[:TOP]],
    }


def _authorise() -> None:
    """A community builder's or an admin's token, before anything else is looked at (its
    last use recorded: the analysis itself only reads)."""
    session = db_session()
    token_user_of(session, GAP_ROLES)
    session.commit()


def _answered() -> tuple[GapQuestion, GapResult]:
    """The question from the query string, and its answer (from the app's cache while the
    data it read is unchanged)."""
    question = parse_gap_question(question_args(request.args))
    return question, answer(read_session(), question, travel(), today(), gap_answers())


def _number(
    args: MultiDict[str, str], name: str, low: float, high: float, default: float | None = None
) -> float:
    raw = args.get(name, "").strip()
    if not raw and default is not None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise ValidationError(f"{name} must be a number from {low:g} to {high:g}", field=name)
    return value
