"""The directory endpoints: listings as GeoJSON, one or a page at a time, and changes to one
(a JSON merge patch, with a token and the version it was based on)."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from assetmap.directory.edits import StaleEdit
from assetmap.directory.markers import search_markers
from assetmap.directory.moderation import submit_change
from assetmap.directory.queries import GroupQuery
from assetmap.directory.staff_notes import NoteShown, notes_for
from assetmap.errors import AssetmapError, NotFound, ValidationError
from assetmap.interop.merge import merged_into
from assetmap.models import Group
from assetmap.referrals.listings import listing_feature, search_listings
from assetmap.web.api.tokens import optional_token_user, token_user
from assetmap.web.context import (
    app_config,
    backend,
    db_session,
    freshness_policy,
    geocoder,
    lag_tolerant_session,
    now,
)
from assetmap.web.converters import parse_whole
from assetmap.web.inputs import request_json
from assetmap.web.links import absolute
from assetmap.web.params import parse_group_query, parse_view


def list_groups() -> ResponseReturnValue:
    """GET /groups: a page of listings that match the filters, as a FeatureCollection
    (``view=markers``: only what a map needs to draw each one)."""
    session = lag_tolerant_session()
    query = parse_group_query(request.args, app_config(), geocoder(session))
    if parse_view(request.args) == "markers":
        return _markers(session, query)
    page = search_listings(session, query, backend(), freshness_policy(), now())
    head = {
        "type": "FeatureCollection",
        "numberMatched": page.number_matched,
        "numberReturned": len(page.features),
        "links": _page_links(query.offset, query.limit, len(page.features), page.number_matched),
    }
    # The features are stored JSON text already: splice them in rather than parse and redump.
    body = f'{json.dumps(head)[:-1]},"features":[{",".join(page.features)}]}}'
    return _geojson(body)


def _markers(session: Session, query: GroupQuery) -> Response:
    markers = search_markers(session, query, backend(), freshness_policy(), now().date())
    returned = markers.returned
    head: dict[str, Any] = {"type": "FeatureCollection"}
    if markers.number_matched is not None:
        head["numberMatched"] = markers.number_matched
    head["numberReturned"] = returned
    head["links"] = _page_links(query.offset, query.limit, returned, markers.number_matched)
    return _geojson(f'{json.dumps(head)[:-1]},"features":[{markers.features_text}]}}')


def _geojson(body: str) -> Response:
    return Response(body, mimetype="application/geo+json")


def _page_links(
    offset: int, limit: int, returned: int, matched: int | None
) -> list[dict[str, str]]:
    """``self``, and ``next``/``prev`` where they lead somewhere (``matched`` None: there may
    be more after a full page)."""
    args: dict[str, Any] = request.args.to_dict(flat=True)

    def link(rel: str, new_offset: int) -> dict[str, str]:
        href = absolute("api/v1/groups", {**args, "offset": new_offset})
        return {"rel": rel, "type": "application/geo+json", "href": href}

    links = [link("self", offset)]
    if (offset + returned < matched) if matched is not None else returned == limit:
        links.append(link("next", offset + limit))
    if offset > 0:
        links.append(link("prev", max(offset - limit, 0)))
    return links


def show_group(group_id: int) -> ResponseReturnValue:
    """GET /groups/<id>: one listing as a Feature, its version as the ETag. With a link
    worker's or an admin's token the Feature also carries the group's ``staff_notes``."""
    session = lag_tolerant_session()
    try:
        feature = listing_feature(session, group_id, freshness_policy(), now())
    except NotFound:
        if (kept := merged_into(session, group_id)) is None:
            raise
        return _moved(group_id, kept)
    notes = notes_for(session, optional_token_user(session), group_id)
    if notes is not None:
        # A foreign member beside the listing, never inside it: not part of the contract.
        feature = f'{feature[:-1]},"staff_notes":{json.dumps([_note_json(n) for n in notes])}}}'
    response = _geojson(feature)
    version = session.scalar(select(Group.version).where(Group.id == group_id))
    response.headers["ETag"] = f'"{version}"'
    response.vary.add("Authorization")
    if notes is not None:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _moved(group_id: int, kept: int) -> ResponseReturnValue:
    """A merged listing's id: 301 to the listing it was merged into, saying so in the body."""
    location = absolute(f"api/v1/groups/{kept}")
    message = f"listing {group_id} was merged into listing {kept}"
    response = jsonify({"error": {"code": "merged", "message": message, "field": None}})
    response.status_code = 301
    response.headers["Location"] = location
    return response


def _note_json(note: NoteShown) -> dict[str, Any]:
    return {
        "id": note.id,
        "text": note.body,
        "author": note.author,
        "created_at": note.created_at.isoformat(),
        "edited_at": note.edited_at.isoformat() if note.edited_at else None,
    }


def patch_group(group_id: int) -> ResponseReturnValue:
    """PATCH /groups/<id>: change part of a listing (a JSON merge patch). ``If-Match``
    carries the version the change was based on (the ETag of GET); a stale one is refused
    with what changed. An organiser's change that needs an admin's approval is accepted
    (202) and waits. A change that changes nothing (``{}``, or every value as it is) is 200
    with the listing and the same ETag, and writes nothing."""
    session = db_session()
    user = token_user(session)
    if session.get(Group, group_id) is None:
        raise NotFound(f"no group has id {group_id}")
    patch = request_json()
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
            public_url=app_config().public_url,
        )
    except StaleEdit as stale:
        session.rollback()
        body = {**stale.to_dict(), "current_version": stale.current, "changed": stale.changed}
        return jsonify({"error": body}), 412
    except AssetmapError:
        session.rollback()
        raise
    session.commit()
    if submitted.waiting and submitted.pending is not None:
        live = submitted.applied.changed if submitted.applied else []
        return jsonify(
            {
                "pending_change": submitted.pending.id,
                "applied": live,
                "message": "the change waits for an admin's approval; the listing is "
                "unchanged until then"
                if not live
                else "places, status and cancelled sessions are live now; the rest of the "
                "change waits for an admin's approval",
            }
        ), 202
    # Nothing applied and nothing waiting: the change changed nothing, at the same version.
    version = submitted.applied.version if submitted.applied else based_on
    response = _geojson(listing_feature(session, group_id, freshness_policy(), now()))
    response.headers["ETag"] = f'"{version}"'
    return response


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
    version = parse_whole(value, low=0, high=2**31 - 1)
    if version is None:
        raise ValidationError('If-Match must be the ETag from GET, like "3"', field="If-Match")
    return version
