"""The OpenAPI 3 description of /api/v1, built from the same vocabularies the code checks.

The document is assembled from one function per schema and per path, so each part reads on
its own (gap analysis's are in ``openapi_gaps``, referrals' in ``openapi_referrals``); the
codes of reasons and warnings come from the engine's enumerations, each with its meaning
here, so a code the engine gains without a meaning fails to build the document.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from assetmap.config import Config
from assetmap.directory import contract
from assetmap.directory.queries import TimeOfDay
from assetmap.models import ACCESSIBILITY_FLAGS, Category, Day, Frequency, Gender, Status
from assetmap.verification.policy import Freshness
from assetmap.web.api.openapi_gaps import gaps_paths, gaps_schemas
from assetmap.web.api.openapi_markers import VIEW_PARAMETER, marker_schemas
from assetmap.web.api.openapi_match import match_schemas
from assetmap.web.api.openapi_parts import (
    BOOL,
    CANCELLED_DATES,
    GROUP_GET_DESCRIPTION,
    ID,
    INT,
    NUM,
    ON_THIS_WEEK,
    PENDING_ANSWER,
    SCHEDULE_FROM_DATE,
    STR,
    nullable,
    object_schema,
    staff_notes_schema,
)
from assetmap.web.api.openapi_referrals import referrals_paths, referrals_schemas
from assetmap.web.context import app_config
from assetmap.web.links import absolute_for


def _values(kind: type[Any]) -> list[str]:
    return [member.value for member in kind]


FLAG = nullable({"type": "boolean", "description": "true, false, or null when not known"})


def _listing_schema() -> dict[str, Any]:
    """A listing as the contract gives it (docs/architecture.md), with today's freshness."""
    return object_schema(
        {
            "id": INT,
            "external_id": nullable(STR),
            "name": STR,
            "description": STR,
            "organisation": nullable(STR),
            "categories": {
                "type": "array",
                "items": {"type": "string", "enum": _values(Category)},
                "maxItems": contract.MAX_CATEGORIES,
            },
            "interests": {"type": "array", "items": STR, "maxItems": contract.MAX_INTERESTS},
            "status": {"type": "string", "enum": _values(Status)},
            "audience": object_schema(
                {
                    "min_age": nullable(INT),
                    "max_age": nullable(INT),
                    "gender": {"type": "string", "enum": _values(Gender)},
                    "languages": {
                        "type": "array",
                        "items": STR,
                        "maxItems": contract.MAX_LANGUAGES,
                    },
                }
            ),
            "cost": object_schema({"free": FLAG, "amount_gbp": nullable(NUM), "notes": STR}),
            "online": BOOL,
            "venue": _venue_schema(),
            "schedule": _schedule_schema(),
            "capacity": _capacity_schema(),
            "accessibility": object_schema(
                {**{f: FLAG for f in ACCESSIBILITY_FLAGS}, "notes": STR}
            ),
            "transport": _transport_schema(),
            "contact": object_schema(
                {
                    "name": nullable(STR),
                    "phone": nullable(STR),
                    "email": nullable(STR),
                    "website": nullable(STR),
                }
            ),
            "referral": object_schema(
                {
                    "self_referral": FLAG,
                    "link_worker_referral": FLAG,
                    "notes": STR,
                    "paused_until": nullable(
                        {
                            "type": "string",
                            "format": "date",
                            "description": "the organiser is not taking referrals until this "
                            "day, included (null: taking them). The group is still listed: "
                            "people can refer themselves. Added when served; ignored on writes",
                        }
                    ),
                }
            ),
            "cancelled_dates": CANCELLED_DATES,
            **_freshness_properties(),
        }
    )


def _venue_schema() -> dict[str, Any]:
    return nullable(
        object_schema(
            {
                "name": STR,
                "address": nullable(STR),
                "postcode": nullable(STR),
                "lat": NUM,
                "lon": NUM,
            }
        )
    )


def _schedule_schema() -> dict[str, Any]:
    return {
        "type": "array",
        "maxItems": contract.MAX_SCHEDULE,
        "items": object_schema(
            {
                "day": {"type": "string", "enum": _values(Day)},
                "start": {"type": "string", "example": "10:00"},
                "end": nullable({"type": "string", "example": "12:30"}),
                "frequency": {"type": "string", "enum": _values(Frequency)},
                "from_date": SCHEDULE_FROM_DATE,
            }
        ),
    }


def _capacity_schema() -> dict[str, Any]:
    return object_schema(
        {
            "total_places": nullable(INT),
            "places_taken": nullable(INT),
            "spare_places": nullable(
                {
                    **INT,
                    "description": "places free (derived): total_places - places_taken, less "
                    "the places referrals take (accepted, not ended) and hold (sent, within "
                    "their hold), never below 0. Exports give total_places - places_taken",
                }
            ),
            "places_held": {
                **INT,
                "description": "of the places not free, how many referrals waiting for an "
                "answer hold (added when served; not in exports; ignored on writes)",
            },
            "waiting_list": nullable(INT),
            "complex_needs_places": nullable(INT),
            "complexity_supported": nullable(
                {
                    **INT,
                    "minimum": 1,
                    "maximum": 3,
                    "description": "1 no extra support needed … 3 complex needs",
                }
            ),
        }
    )


def _transport_schema() -> dict[str, Any]:
    return object_schema(
        {
            "bus_stops": {
                "type": "array",
                "maxItems": contract.MAX_BUS_STOPS,
                "items": object_schema(
                    {
                        "name": STR,
                        "distance_m": nullable(INT),
                        "routes": {"type": "array", "items": STR, "maxItems": contract.MAX_ROUTES},
                    }
                ),
            },
            "rail_station": nullable(object_schema({"name": STR, "distance_m": nullable(INT)})),
            "parking": FLAG,
            "door_to_door": object_schema(
                {"available": FLAG, "radius_km": nullable(NUM), "notes": STR}
            ),
        }
    )


def _freshness_properties() -> dict[str, Any]:
    """What the API adds to a listing: how recently it was checked, and the distance."""
    return {
        "last_verified_at": nullable({"type": "string", "format": "date"}),
        "verified_by": nullable(STR),
        "freshness": {"type": "string", "enum": _values(Freshness)},
        "very_stale": {
            "type": "boolean",
            "description": "not verified for twice the expiry period or more (or never): "
            "it may have stopped",
        },
        "distance_m": {
            "type": "integer",
            "description": "metres from the search centre (only with near or postcode)",
        },
    }


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _list_of(kind: type[Any]) -> dict[str, Any]:
    return {"type": "string", "description": "comma-separated; any of " + ", ".join(_values(kind))}


def _search_parameters(config: Config) -> list[dict[str, Any]]:
    return [
        _query("q", "text in the name, description or interests (case-insensitive)", STR),
        _query("category", "one or more categories (any of them matches)", _list_of(Category)),
        _query("interest", "one or more interests, exact (any of them matches)", STR),
        _query(
            "status",
            "statuses to include; default: all but closed; `all` for every status",
            _list_of(Status),
        ),
        _query("near", "search centre as lat,lon; results nearest first", STR),
        _query("postcode", "search centre as a UK postcode; results nearest first", STR),
        _query(
            "radius_km",
            f"search radius around near/postcode (default {config.default_radius_km:g},"
            f" at most {config.max_radius_km:g})",
            {
                "type": "number",
                "minimum": 0,
                "exclusiveMinimum": True,  # OpenAPI 3.0: a flag on minimum
                "maximum": config.max_radius_km,
            },
        ),
        _query("bbox", "min lon, min lat, max lon, max lat (WGS84)", STR),
        *[
            _query(flag, f"true: known {flag.replace('_', ' ')}; false: known not", BOOL)
            for flag in ACCESSIBILITY_FLAGS
        ],
        _query("day", "meets on one of these days", _list_of(Day)),
        _query(
            "time",
            "has a session starting then (with day: on that day); morning before 12:00, "
            "afternoon 12:00–17:00, evening from 17:00",
            _list_of(TimeOfDay),
        ),
        _query("free", "true: free to attend; false: known to cost", BOOL),
        _query("freshness", "how recently verified", _list_of(Freshness)),
        ON_THIS_WEEK,
        _query(
            "limit",
            f"page size (default {config.default_page_size})",
            {"type": "integer", "minimum": 1, "maximum": config.max_page_size},
        ),
        _query("offset", "listings to skip", {"type": "integer", "minimum": 0}),
        VIEW_PARAMETER,
    ]


def _values_of(members: tuple[Any, ...]) -> list[str]:
    return [member.value for member in members]


def _with_service_limits(paths: dict[str, Any]) -> dict[str, Any]:
    """Every operation that reads the database may answer 503 when it did not answer in time,
    and one that takes a body 413 when the body is over the limit (``web/limits.py``)."""
    retry_after = {
        "Retry-After": {
            "description": "seconds to wait before asking again",
            "schema": {"type": "integer"},
        }
    }
    for item in paths.values():
        for operation in item.values():
            responses = operation["responses"]
            responses.setdefault(
                "503",
                {
                    **_error_response(
                        "the database did not answer in time (`code` `unavailable`): try again"
                    ),
                    "headers": retry_after,
                },
            )
            if "requestBody" in operation:
                responses.setdefault(
                    "413", _error_response("the body is over the size limit (`code` `too_large`)")
                )
    return paths


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _feature_schema() -> dict[str, Any]:
    return object_schema(
        {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": INT,
            "geometry": nullable(
                object_schema(
                    {
                        "type": {"type": "string", "enum": ["Point"]},
                        "coordinates": {
                            "type": "array",
                            "items": NUM,
                            "minItems": 2,
                            "maxItems": 2,
                        },
                    }
                )
            ),
            "properties": {"$ref": "#/components/schemas/Listing"},
            "staff_notes": staff_notes_schema(),
        },
        ["type", "id", "geometry", "properties"],
    )


def _collection_schema() -> dict[str, Any]:
    return object_schema(
        {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "numberMatched": INT,
            "numberReturned": INT,
            "links": {
                "type": "array",
                "items": object_schema({"rel": STR, "type": STR, "href": STR}),
            },
            "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}},
        },
        ["type", "numberMatched", "numberReturned", "features"],
    )


def _error_schema() -> dict[str, Any]:
    return object_schema(
        {
            "error": object_schema(
                {"code": STR, "message": STR, "field": nullable(STR)},
                ["code", "message", "field"],
            )
        },
        ["error"],
    )


#: A person's profile as a client sends it: near Kentish Town, into woodwork, walking or by bus.
MATCH_EXAMPLE = {
    "location": {"postcode": "NW5 1AA"},
    "interests": ["woodwork"],
    "mobility": {"modes": ["walk", "bus"], "max_travel_minutes": 30, "needs": ["step_free"]},
    "availability": [{"day": "tue", "from": "09:00", "to": "13:00"}],
}


def _patch_body() -> dict[str, Any]:
    """A JSON merge patch: part of a listing (the example changes the places taken)."""
    patch = {"schema": {"type": "object"}, "example": {"capacity": {"places_taken": 12}}}
    return {"required": True, "content": {"application/merge-patch+json": patch}}


def _content(media_type: str, schema: str) -> dict[str, Any]:
    return {media_type: {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def _groups_path(config: Config) -> dict[str, Any]:
    return {
        "get": {
            "summary": "Find groups",
            "operationId": "listGroups",
            "parameters": _search_parameters(config),
            "responses": {
                "200": {
                    "description": "matching groups as GeoJSON (with view=markers: a "
                    "MarkerCollection)",
                    "content": {
                        "application/geo+json": {
                            "schema": {
                                "anyOf": [
                                    {"$ref": "#/components/schemas/FeatureCollection"},
                                    {"$ref": "#/components/schemas/MarkerCollection"},
                                ]
                            }
                        }
                    },
                },
                "400": _error_response("a parameter is not valid; `field` names it"),
            },
        }
    }


def _group_path() -> dict[str, Any]:
    group_id = {"name": "id", "in": "path", "required": True, "schema": ID}
    return {
        "patch": {
            "summary": "Change part of a group (JSON merge patch)",
            "operationId": "patchGroup",
            "description": "Needs an API token (`assetmap create-token`). Admins may "
            "change any group at once; organisers' changes to their organisations' "
            "groups wait for an admin (202), except a trusted organisation's changes "
            "to schedule, capacity, status and cancelled_dates (capacity, status and "
            "cancelled_dates are live at once for every organiser, reviewed after). `If-Match` "
            "carries the ETag from GET: a change based on an older version is refused "
            "(412) with the fields changed since.",
            "security": [{"token": []}],
            "parameters": [
                group_id,
                {"name": "If-Match", "in": "header", "required": True, "schema": STR},
            ],
            "requestBody": _patch_body(),
            "responses": {
                "200": {
                    "description": "the changed group, with its new ETag",
                    "content": _content("application/geo+json", "Feature"),
                },
                "202": {
                    "description": "accepted: part or all of it waits for an admin's approval; "
                    "`applied` lists the fields (places, status, cancelled sessions) that are "
                    "live already",
                    "content": {"application/json": {"schema": PENDING_ANSWER}},
                },
                "400": _error_response("the change is not valid; `field` names it"),
                "401": _error_response("no valid API token"),
                "403": _error_response("not yours to change"),
                "404": _error_response("no group has this id"),
                "412": _error_response("changed since your version: see `changed`"),
                "428": _error_response("If-Match is missing"),
            },
        },
        "get": {
            "summary": "One group",
            "operationId": "getGroup",
            "description": GROUP_GET_DESCRIPTION,
            "security": [{}, {"token": []}],
            "parameters": [group_id],
            "responses": {
                "200": {
                    "description": "the group as a GeoJSON Feature",
                    "content": _content("application/geo+json", "Feature"),
                },
                "301": _error_response(
                    "this group was merged into another: `Location` is the kept group"
                ),
                "401": _error_response("a token was sent but is not valid"),
                "404": _error_response("no group has this id"),
            },
        },
    }


def _match_path() -> dict[str, Any]:
    return {
        "post": {
            "summary": "Rank groups for a person, explained",
            "description": "Works without a token, up to 30 matches a minute from one client "
            "(then 429 with `Retry-After`); with a token, no limit. With a link worker's "
            "token, a match that finds fewer than three groups is recorded, anonymously, as "
            "unmet need for gap analysis (`unmet_need_recorded`), and the groups offered are "
            "counted, once a day for the same search; without one, or with another role's, "
            "nothing is recorded.",
            "operationId": "match",
            "security": [{}, {"token": []}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        **_content("application/json", "MatchRequest")["application/json"],
                        "example": MATCH_EXAMPLE,
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "the best groups first, with reasons and warnings",
                    "content": _content("application/json", "MatchResponse"),
                },
                "400": _error_response("the profile is not valid; `field` names the part"),
                "401": _error_response("a token was sent but is not valid"),
                "429": {
                    **_error_response("over 30 matches a minute from this client without a token"),
                    "headers": {
                        "Retry-After": {
                            "description": "seconds until the client may ask again",
                            "schema": {"type": "integer"},
                        }
                    },
                },
            },
        }
    }


def openapi_document(config: Config, groups_url: str) -> dict[str, Any]:
    """The whole OpenAPI 3.0 document for this API."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "assetmap API",
            "version": "1",
            "description": "Community groups for social prescribing: where, when, for whom, "
            "how accessible, how full, and how recently checked.",
        },
        "servers": [{"url": groups_url.rsplit("/groups", 1)[0]}],
        "paths": _with_service_limits(
            {
                "/groups": _groups_path(config),
                "/groups/{id}": _group_path(),
                "/match": _match_path(),
                **gaps_paths(),
                **referrals_paths(),
            }
        )
        | {
            "/openapi.json": {
                "get": {
                    "summary": "This description",
                    "operationId": "openapi",
                    "responses": {"200": {"description": "OpenAPI 3 document"}},
                }
            },
        },
        "components": {
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token (`am_…`) from /account/tokens or `assetmap "
                    "create-token`. It expires (90 days after it is made by default) and can "
                    "be revoked; a 401's error `code` is then `token_expired`, `token_revoked` "
                    "or `account_deactivated` (`unauthorised` for no token or an unknown one).",
                }
            },
            "schemas": {
                "Listing": _listing_schema(),
                "Feature": _feature_schema(),
                "FeatureCollection": _collection_schema(),
                "Error": _error_schema(),
                **marker_schemas(),
                **match_schemas(),
                **gaps_schemas(),
                **referrals_schemas(),
            },
        },
    }


def openapi() -> ResponseReturnValue:
    """GET /openapi.json: this description, with this server's address."""
    return jsonify(openapi_document(app_config(), absolute_for("api.list_groups")))
