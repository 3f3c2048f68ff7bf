"""The JSON API at /api/v1: GeoJSON listings, one error shape, never a 500 for bad input.

This module is the blueprint, its routes and its error handlers; the endpoints are in
``groups`` (the directory), ``match`` (matching a person), ``gaps`` (gap analysis),
``referrals`` (cases, referrals and their moves) and ``openapi`` (the description).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, make_response
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from assetmap.errors import AssetmapError
from assetmap.web.api import gaps, groups, match, openapi, referrals
from assetmap.web.limits import database_unavailable
from assetmap.web.request_log import request_id
from assetmap.web.security import keep_allow

api = Blueprint("api", __name__, url_prefix="/api/v1")

api.add_url_rule("/groups", view_func=groups.list_groups, methods=["GET"])
api.add_url_rule("/groups/<id:group_id>", view_func=groups.show_group, methods=["GET"])
api.add_url_rule("/groups/<id:group_id>", view_func=groups.patch_group, methods=["PATCH"])
api.add_url_rule("/match", view_func=match.match_groups, methods=["POST"])
api.add_url_rule("/gaps", view_func=gaps.gap_areas, methods=["GET"])
api.add_url_rule("/gaps/what-if", view_func=gaps.gap_what_if, methods=["GET"])
api.add_url_rule("/cases", view_func=referrals.list_cases, methods=["GET"])
api.add_url_rule("/cases", view_func=referrals.create_case, methods=["POST"])
api.add_url_rule("/cases/<id:case_id>", view_func=referrals.show_case, methods=["GET"])
api.add_url_rule("/cases/<id:case_id>", view_func=referrals.change_case, methods=["PATCH"])
api.add_url_rule(
    "/cases/<id:case_id>/referrals", view_func=referrals.create_referral, methods=["POST"]
)
api.add_url_rule("/referrals/<id:referral_id>", view_func=referrals.show_referral, methods=["GET"])
api.add_url_rule(
    "/referrals/<id:referral_id>/transitions",
    view_func=referrals.move_referral,
    methods=["POST"],
)
api.add_url_rule("/openapi.json", view_func=openapi.openapi, methods=["GET"])


def _error(code: str, message: str, status: int, field: str | None = None) -> ResponseReturnValue:
    return jsonify({"error": {"code": code, "message": message, "field": field}}), status


@api.errorhandler(AssetmapError)
def domain_error(error: AssetmapError) -> ResponseReturnValue:
    return _error(error.code, error.message, error.http_status, error.field)


@api.errorhandler(Exception)
def unexpected_error(error: Exception) -> ResponseReturnValue:
    if isinstance(error, HTTPException):
        return http_error(error)
    if (unavailable := database_unavailable(error)) is not None:
        return unavailable  # 503: the database did not answer in time
    # Logged with its traceback; the client still gets the JSON error shape.
    current_app.logger.exception("unhandled error in the API", exc_info=error)
    return _error("internal", server_error_message(), 500)


def server_error_message() -> str:
    """What a 500 says: with the request's id, which finds its lines in the logs."""
    return f"something went wrong on our side; quote request id {request_id()} if you report it"


def http_error(error: HTTPException) -> ResponseReturnValue:
    """404, 405 and friends as JSON, also for /api/ paths that match no route."""
    if error.response is not None:  # an abort() that brought its own JSON answer
        return error.response
    code = (error.name or "error").lower().replace(" ", "_")
    return keep_allow(
        make_response(_error(code, error.description or code, error.code or 500)), error
    )
