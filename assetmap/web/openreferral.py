"""The Open Referral UK 3.0 read API at /openreferral/: open, no key, readable from any site.

Each view parses its query string, calls one ``interop.oruk_api`` function and sends its JSON;
bad parameters get the API's JSON error and a 4xx. The profile's own OpenAPI document is
served as it is, at /openreferral/openapi.json.
"""

from __future__ import annotations

import json
from importlib import resources

from flask import Blueprint, Response, current_app, jsonify, make_response, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from assetmap.errors import AssetmapError
from assetmap.interop import oruk_api
from assetmap.web.context import app_config, backend, geocoder, lag_tolerant_session
from assetmap.web.limits import database_unavailable
from assetmap.web.security import keep_allow

openreferral = Blueprint("openreferral", __name__, url_prefix="/openreferral")


def _assurer() -> str | None:
    return app_config().oruk_assurer_email or None


@openreferral.get("/")
def meta() -> ResponseReturnValue:
    return jsonify(oruk_api.api_meta(app_config().public_url))


@openreferral.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    text = resources.files("assetmap.interop").joinpath("oruk3/openapi.json").read_text("utf-8")
    return Response(text, mimetype="application/json")


@openreferral.get("/services")
def services() -> ResponseReturnValue:
    session = lag_tolerant_session()
    query = oruk_api.parse_service_query(request.args, geocoder(session))
    return jsonify(oruk_api.services_page(session, query, backend(), _assurer()))


@openreferral.get("/services/<service_id>")
def service(service_id: str) -> ResponseReturnValue:
    return jsonify(oruk_api.full_service(lag_tolerant_session(), service_id, _assurer()))


@openreferral.get("/service_at_locations")
def service_at_locations() -> ResponseReturnValue:
    session = lag_tolerant_session()
    query = oruk_api.parse_service_query(request.args, geocoder(session), with_place=True)
    return jsonify(oruk_api.service_at_locations_page(session, query, backend(), _assurer()))


@openreferral.get("/service_at_locations/<link_id>")
def service_at_location(link_id: str) -> ResponseReturnValue:
    return jsonify(oruk_api.service_at_location(lag_tolerant_session(), link_id, _assurer()))


@openreferral.get("/taxonomies")
def taxonomies() -> ResponseReturnValue:
    return jsonify(oruk_api.taxonomies_page(*oruk_api.paging(request.args)))


@openreferral.get("/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id: str) -> ResponseReturnValue:
    return jsonify(oruk_api.one_taxonomy(lag_tolerant_session(), taxonomy_id))


@openreferral.get("/taxonomy_terms")
def taxonomy_terms() -> ResponseReturnValue:
    page, per_page = oruk_api.paging(request.args)
    return jsonify(oruk_api.taxonomy_terms_page(lag_tolerant_session(), page, per_page))


@openreferral.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str) -> ResponseReturnValue:
    return jsonify(oruk_api.one_taxonomy_term(lag_tolerant_session(), term_id))


@openreferral.after_request
def open_to_every_site(response: Response) -> Response:
    """Any site's scripts may read the directory: it is public, and no cookie is honoured."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _error(code: str, message: str, status: int, field: str | None = None) -> ResponseReturnValue:
    body = {"error": {"code": code, "message": message, "field": field}}
    return Response(json.dumps(body), status=status, mimetype="application/json")


@openreferral.errorhandler(AssetmapError)
def domain_error(error: AssetmapError) -> ResponseReturnValue:
    return _error(error.code, error.message, error.http_status, error.field)


@openreferral.errorhandler(HTTPException)
def http_error(error: HTTPException) -> ResponseReturnValue:
    answer = make_response(_error("http", error.description or error.name, error.code or 500))
    return keep_allow(answer, error)


@openreferral.errorhandler(Exception)
def unexpected_error(error: Exception) -> ResponseReturnValue:
    if (unavailable := database_unavailable(error)) is not None:
        return unavailable  # 503: the database did not answer in time
    current_app.logger.exception("unhandled error in the ORUK API", exc_info=error)
    return _error("internal", "something went wrong on our side", 500)
