"""The OpenAPI description of the referrals endpoints: cases, referrals and their moves.

The states, decline and stop reasons come from the models' enumerations, so a state the
machine gains is described without anyone remembering to.
"""

from __future__ import annotations

from typing import Any

from assetmap.models import DeclineReason, ReferralState, StopReason
from assetmap.web.api.openapi_parts import BOOL, ID, INT, STR, nullable, object_schema, ref
from assetmap.web.converters import ID_MAX

ACCESS = (
    "Needs an API token. Cases are for link workers and admins: a case is seen by its team "
    "and admins only (another team's case is not found). URLs carry ids only, never "
    "anything personal."
)
TIME = {**STR, "format": "date-time"}
WHEN = nullable(TIME)


def _values(kind: type[Any]) -> list[str]:
    return [member.value for member in kind]


def _state() -> dict[str, Any]:
    return {"type": "string", "enum": _values(ReferralState)}


def _case_fields() -> dict[str, Any]:
    return {
        "reference": {
            **STR,
            "maxLength": 40,
            "description": "the scheme's own reference (never an NHS number); unique per team",
        },
        "initials": nullable({**STR, "maxLength": 5}),
        "postcode": nullable({**STR, "description": "a full UK postcode"}),
        "contact_preference": nullable({**STR, "maxLength": 300}),
        "access_needs": nullable({**STR, "maxLength": 500}),
        "notes": nullable(
            {**STR, "maxLength": 5000, "description": "personal data: never shown to organisers"}
        ),
        "profile": nullable({"type": "object", "description": "the needs profile from /match"}),
        "shortlist": {"type": "array", "items": INT, "maxItems": 50},
    }


def _case_in() -> dict[str, Any]:
    return {
        **object_schema(_case_fields(), ["reference"]),
        "additionalProperties": False,
    }


def _case_patch() -> dict[str, Any]:
    return {
        **object_schema(_case_fields()),
        "additionalProperties": False,
        "description": "a JSON merge patch: the fields sent replace the case's, null clears one",
    }


def _case() -> dict[str, Any]:
    return object_schema(
        {
            "id": INT,
            **_case_fields(),
            "area_code": nullable(STR),
            "team": nullable(STR),
            "created_at": TIME,
            "last_activity_at": TIME,
            "referrals": {"type": "array", "items": ref("Referral")},
        },
        ["id", "reference", "referrals"],
    )


def _case_page() -> dict[str, Any]:
    summary = object_schema(
        {
            "id": INT,
            "reference": nullable(STR),
            "initials": nullable(STR),
            "team": nullable(STR),
            "created_at": TIME,
            "last_activity_at": TIME,
            "referrals": {
                "type": "array",
                "items": object_schema({"id": INT, "group_id": nullable(INT), "state": _state()}),
            },
        },
        ["id"],
    )
    return object_schema(
        {
            "cases": {"type": "array", "items": summary},
            "total": INT,
            "limit": INT,
            "offset": INT,
        },
        ["cases", "total", "limit", "offset"],
    )


def _event() -> dict[str, Any]:
    return object_schema(
        {
            "from": nullable(_state()),
            "to": _state(),
            "by": {**STR, "description": "who, in words that outlive their account"},
            "at": TIME,
            "reason_text": STR,
        },
        ["from", "to", "by", "at", "reason_text"],
    )


def _referral() -> dict[str, Any]:
    required = [
        "id",
        "case_id",
        "group",
        "state",
        "allowed_moves",
        "sent_at",
        "held_until",
        "responded_at",
        "accepted_at",
        "ended_at",
        "decline_reason",
        "stop_reason",
        "reason_text",
        "version",
        "events",
    ]
    return object_schema(
        {
            "id": INT,
            "case_id": INT,
            "group": nullable(object_schema({"id": INT, "name": STR}, ["id", "name"])),
            "state": _state(),
            "allowed_moves": {
                "type": "array",
                "items": _state(),
                "description": "the moves this token's user may make now",
            },
            "sent_at": TIME,
            "held_until": WHEN,
            "responded_at": WHEN,
            "accepted_at": WHEN,
            "ended_at": WHEN,
            "decline_reason": nullable({"type": "string", "enum": _values(DeclineReason)}),
            "stop_reason": nullable({"type": "string", "enum": _values(StopReason)}),
            "reason_text": STR,
            "version": INT,
            "events": {"type": "array", "items": ref("ReferralEvent")},
            "emailed": {
                **BOOL,
                "description": "only when made: whether the group could be told by email",
            },
            "person": {
                **object_schema(
                    {
                        "initials": nullable(STR),
                        "contact_preference": nullable(STR),
                        "access_needs": nullable(STR),
                    }
                ),
                "description": "only for an organiser's token: what they need to make "
                "contact. Never the notes, the reference or the postcode",
            },
        },
        required,
    )


def _transition() -> dict[str, Any]:
    reasons = sorted({*_values(DeclineReason), *_values(StopReason)})
    return {
        **object_schema(
            {
                "to": _state(),
                "reason": {
                    "type": "string",
                    "enum": reasons,
                    "description": "with declined (a decline reason) or stopped (a stop reason) "
                    "only",
                },
                "reason_text": {**STR, "maxLength": 500},
                "version": {
                    **ID,
                    "description": "the referral's version the move is based on",
                },
            },
            ["to", "version"],
        ),
        "additionalProperties": False,
    }


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


def _id(name: str) -> dict[str, Any]:
    return {"name": "id", "in": "path", "required": True, "schema": ID,
            "description": f"the {name}'s id"}  # fmt: skip


def _operation(
    summary: str,
    operation_id: str,
    responses: dict[str, Any],
    *,
    description: str = ACCESS,
    body: str | None = None,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "description": description,
        "operationId": operation_id,
        "security": [{"token": []}],
        "responses": {
            **responses,
            "401": _error("no valid API token"),
            "403": _error("this token's role may not do this"),
        },
    }
    if body:
        operation["requestBody"] = _body(body)
    if parameters:
        operation["parameters"] = parameters
    return operation


def referrals_paths() -> dict[str, Any]:
    """The referral paths, keyed as in the document's ``paths``."""
    bad = _error("the body or a parameter is not valid; `field` names it")
    missing = _error("no such case or referral, or not one this token may see")
    page = [
        {"name": "limit", "in": "query", "required": False,
         "schema": {**INT, "minimum": 1, "maximum": 200, "default": 50}},
        {"name": "offset", "in": "query", "required": False,
         "schema": {**INT, "minimum": 0, "maximum": ID_MAX, "default": 0}},
    ]  # fmt: skip
    organiser = (
        "Needs an API token: the case's team, an admin, or an organiser of the group (who "
        "sees the organiser view: `person` with initials, contact preference and access needs, "
        "never the case's notes or reference). Anyone else: not found."
    )
    return {
        "/cases": {
            "get": _operation(
                "Your cases, most recently active first",
                "listCases",
                {"200": _json("CasePage", "a page of cases"), "400": bad},
                parameters=page,
            ),
            "post": _operation(
                "Open a case for a person",
                "createCase",
                {"201": _json("Case", "the case, made"), "400": bad},
                body="CaseIn",
            ),
        },
        "/cases/{id}": {
            "get": _operation(
                "One case with its referrals and their events (each opening is audited)",
                "getCase",
                {"200": _json("Case", "the case"), "404": missing},
                parameters=[_id("case")],
            ),
            "patch": _operation(
                "Change some of a case's fields",
                "patchCase",
                {"200": _json("Case", "the case, changed"), "400": bad, "404": missing},
                body="CasePatch",
                parameters=[_id("case")],
            ),
        },
        "/cases/{id}/referrals": {
            "post": _operation(
                "Refer the person to a group (the group is told by email)",
                "createReferral",
                {
                    "201": _json("Referral", "the referral, sent"),
                    "400": bad,
                    "404": missing,
                    "409": _error(
                        "the group is not taking referrals, or the person already has one there"
                    ),
                },
                body="ReferralIn",
                parameters=[_id("case")],
            ),
        },
        "/referrals/{id}": {
            "get": _operation(
                "One referral and its events",
                "getReferral",
                {"200": _json("Referral", "the referral"), "404": missing},
                description=organiser,
                parameters=[_id("referral")],
            ),
        },
        "/referrals/{id}/transitions": {
            "post": _operation(
                "Move a referral on (accept, decline, attended, withdrawn…)",
                "moveReferral",
                {
                    "200": _json("Referral", "the referral, moved"),
                    "400": bad,
                    "404": missing,
                    "409": _error(
                        "the state machine refuses the move (the message says why), or the "
                        "version is stale: someone moved it first (`field` is version)"
                    ),
                },
                description=f"{organiser} The same rules as the pages: who may make which "
                "move, a reason with declined and stopped, and the version the move is based on.",
                body="Transition",
                parameters=[_id("referral")],
            ),
        },
    }


def referrals_schemas() -> dict[str, Any]:
    """The referral schemas, keyed as in the document's ``components.schemas``."""
    return {
        "CaseIn": _case_in(),
        "CasePatch": _case_patch(),
        "Case": _case(),
        "CasePage": _case_page(),
        "ReferralIn": {
            **object_schema({"group_id": ID}, ["group_id"]),
            "additionalProperties": False,
        },
        "Referral": _referral(),
        "ReferralEvent": _event(),
        "Transition": _transition(),
    }
