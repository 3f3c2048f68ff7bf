"""The JSON API at /api/v1: GeoJSON listings, one error shape, never a 500 for bad input."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from assetmap.accounts.users import user_for_token
from assetmap.directory.edits import StaleEdit
from assetmap.directory.moderation import submit_change
from assetmap.directory.queries import get_feature, search_groups
from assetmap.errors import AssetmapError, NotFound, ValidationError
from assetmap.matching.requests import parse_match_request
from assetmap.models import Group, User
from assetmap.web.api.openapi import openapi_document
from assetmap.web.context import (
    app_config,
    backend,
    db_session,
    freshness_policy,
    geocoder,
    read_session,
    today,
)
from assetmap.web.matching import result_json, run_match
from assetmap.web.params import parse_group_query

api = Blueprint("api", __name__, url_prefix="/api/v1")


@api.get("/groups")
def list_groups() -> ResponseReturnValue:
    session = read_session()
    query = parse_group_query(request.args, app_config(), geocoder(session))
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
    session = read_session()
    response = _geojson(get_feature(session, group_id, freshness_policy(), today()))
    version = session.scalar(select(Group.version).where(Group.id == group_id))
    response.headers["ETag"] = f'"{version}"'
    return response


@api.patch("/groups/<int:group_id>")
def patch_group(group_id: int) -> ResponseReturnValue:
    """Change part of a listing (a JSON merge patch). ``If-Match`` carries the version the
    change was based on (the ETag of GET); a stale one is refused with what changed. An
    organiser's change that needs an admin's approval is accepted (202) and waits."""
    session = db_session()
    user = _token_user(session)
    if session.get(Group, group_id) is None:
        raise NotFound(f"no group has id {group_id}")
    patch = request.get_json(silent=True)
    if not isinstance(patch, dict):
        raise ValidationError("send the change as a JSON object (part of a listing)")
    based_on = _if_match()
    try:
        submitted = submit_change(
            session,
            user,
            group_id,
            patch,
            based_on=based_on,
            geocoder=geocoder(session),
        )
    except StaleEdit as stale:
        session.rollback()
        body = {**stale.to_dict(), "current_version": stale.current, "changed": stale.changed}
        return jsonify({"error": body}), 412
    except AssetmapError:
        session.rollback()
        raise
    session.commit()
    if submitted.pending is not None:
        return jsonify(
            {
                "pending_change": submitted.pending.id,
                "message": "the change waits for an admin's approval; the listing is "
                "unchanged until then",
            }
        ), 202
    assert submitted.applied is not None
    response = _geojson(get_feature(session, group_id, freshness_policy(), today()))
    response.headers["ETag"] = f'"{submitted.applied.version}"'
    return response


def _token_user(session: Session) -> User:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = user_for_token(session, token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        abort(
            Response(
                json.dumps(
                    {
                        "error": {
                            "code": "unauthorised",
                            "message": "send an API token: Authorization: Bearer am_…",
                            "field": None,
                        }
                    }
                ),
                status=401,
                mimetype="application/json",
                headers={"WWW-Authenticate": "Bearer"},
            )
        )
    return user


def _if_match() -> int:
    value = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if not value:
        abort(
            Response(
                json.dumps(
                    {
                        "error": {
                            "code": "precondition_required",
                            "message": "send If-Match with the ETag from GET: the version "
                            "your change is based on",
                            "field": "If-Match",
                        }
                    }
                ),
                status=428,
                mimetype="application/json",
            )
        )
    if not value.isdigit():
        raise ValidationError('If-Match must be the ETag from GET, like "3"', field="If-Match")
    return int(value)


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
    if error.response is not None:  # an abort() that brought its own JSON answer
        return error.response
    code = (error.name or "error").lower().replace(" ", "_")
    return _error(code, error.description or code, error.code or 500)
