"""The small pieces every part of the OpenAPI document is written with."""

from __future__ import annotations

from typing import Any

from assetmap.web.converters import ID_MAX

INT = {"type": "integer"}
#: A row's id, in a path or a body: the app answers 404 (a path) or 400 (a body) outside it.
ID = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
NUM = {"type": "number"}
STR = {"type": "string"}
BOOL = {"type": "boolean"}


#: A schedule entry's anchor: the date of one session.
SCHEDULE_FROM_DATE = {
    "type": "string",
    "format": "date",
    "nullable": True,
    "description": "the date of one session, on its day: it fixes which fortnight a "
    "fortnightly group meets, and which week of the month (the first Tuesday, say) a monthly "
    "one does; a fifth week means the last",
}
#: Dates on which a session does not happen ("cancelled this week").
CANCELLED_DATES = {
    "type": "array",
    "maxItems": 26,
    "items": {"type": "string", "format": "date"},
    "description": "dates on which a session is cancelled, soonest first; each falls on a day "
    "the schedule meets. The next session shown skips them. An organiser's change to them "
    "goes live at once (reviewed after). on_this_week leaves a cancelled session out",
}
#: The search parameter for groups on in the next seven days.
ON_THIS_WEEK = {
    "name": "on_this_week",
    "in": "query",
    "required": False,
    "description": "true: only groups with a session known to start between now and the end "
    "of the sixth day after today (UK time): weekly groups, and fortnightly or monthly ones "
    "whose schedule gives from_date; a session on one of cancelled_dates does not count",
    "schema": BOOL,
}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


def object_schema(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def staff_notes_schema() -> dict[str, Any]:
    """``Feature.staff_notes``: present only for a link worker's or an admin's token."""
    note = object_schema(
        {
            "id": INT,
            "text": STR,
            "author": {**STR, "description": "who wrote it, as they signed it"},
            "created_at": {**STR, "format": "date-time"},
            "edited_at": nullable({**STR, "format": "date-time"}),
        },
        ["id", "text", "author", "created_at", "edited_at"],
    )
    return {
        "type": "array",
        "items": note,
        "description": "Staff notes on the group (word of mouth), newest first. Only in "
        "GET /groups/{id} with a link worker's or an admin's token; never without a token, "
        "for another role, in searches or in exports.",
    }


#: What GET /groups/{id} says about tokens and notes.
GROUP_GET_DESCRIPTION = (
    "Works without a token. With a link worker's or an admin's token the Feature also has "
    "`staff_notes`; a token that is sent but not valid is refused (401)."
)


#: What ``PATCH /groups/{id}`` answers when part of the change waits for an admin.
PENDING_ANSWER = object_schema(
    {
        "pending_change": INT,
        "applied": {"type": "array", "items": STR},
        "message": STR,
    },
    required=["pending_change", "applied", "message"],
)
