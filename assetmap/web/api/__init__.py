"""The JSON API at /api/v1: GeoJSON listings, one error shape, never a 500 for bad input."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from assetmap.directory.queries import get_feature, search_groups
from assetmap.errors import AssetmapError, ValidationError
from assetmap.matching.requests import parse_match_request
from assetmap.web import app_config, backend, freshness_policy, read_session, today
from assetmap.web.api.openapi import openapi_document
from assetmap.web.matching import result_json, run_match
from assetmap.web.params import parse_group_query

api = Blueprint("api", __name__, url_prefix="/api/v1")


@api.get("/groups")
def list_groups() -> ResponseReturnValue:
    session = read_session()
    query = parse_group_query(request.args, app_config(), session)
    page = search_groups(session, query, backend(), freshness_policy(), today())
    head = {
        "type": "FeatureCollection",
        "numberMatched": page.number_matched,
        "numberReturned": len(page.features),
        "links": _page_links(query.offset, query.limit, len(page.features), page.number_matched),
    }
    # The features are stored JSON text already: splice them in rather than parse and redump.
    body = f'{json.dumps(head)[:-1]},"features":[{",".join(page.features)}]}}'
    return _geojson(body)


def _geojson(body: str) -> Response:
    return Response(body, mimetype="application/geo+json")


def _page_links(offset: int, limit: int, returned: int, matched: int) -> list[dict[str, str]]:
    args: dict[str, Any] = request.args.to_dict(flat=True)

    def link(rel: str, new_offset: int) -> dict[str, str]:
        href = url_for("api.list_groups", _external=True, **{**args, "offset": new_offset})
        return {"rel": rel, "type": "application/geo+json", "href": href}

    links = [link("self", offset)]
    if offset + returned < matched:
        links.append(link("next", offset + limit))
    if offset > 0:
        links.append(link("prev", max(offset - limit, 0)))
    return links


@api.get("/groups/<int:group_id>")
def show_group(group_id: int) -> ResponseReturnValue:
    return _geojson(get_feature(read_session(), group_id, freshness_policy(), today()))


@api.post("/match")
def match_groups() -> ResponseReturnValue:
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationError("send the profile as a JSON object (Content-Type: application/json)")
    return jsonify(result_json(run_match(parse_match_request(data))))


@api.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(openapi_document(app_config(), url_for("api.list_groups", _external=True)))


def _error(code: str, message: str, status: int, field: str | None = None) -> ResponseReturnValue:
    return jsonify({"error": {"code": code, "message": message, "field": field}}), status


@api.errorhandler(AssetmapError)
def domain_error(error: AssetmapError) -> ResponseReturnValue:
    return _error(error.code, error.message, error.http_status, error.field)


@api.errorhandler(Exception)
def unexpected_error(error: Exception) -> ResponseReturnValue:
    if isinstance(error, HTTPException):
        return http_error(error)
    # Logged with its traceback; the client still gets the JSON error shape.
    current_app.logger.exception("unhandled error in the API", exc_info=error)
    return _error("internal", "something went wrong on our side", 500)


def http_error(error: HTTPException) -> ResponseReturnValue:
    """404, 405 and friends as JSON, also for /api/ paths that match no route."""
    code = (error.name or "error").lower().replace(" ", "_")
    return _error(code, error.description or code, error.code or 500)
