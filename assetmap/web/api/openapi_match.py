"""The match part of the OpenAPI description: the request, the response, and the codes of
reasons, warnings and near misses, each with its meaning.

Apart from ``openapi`` so that module stays one readable size. The codes come from the
engine's enumerations and each needs a meaning here: a code the engine gains without one
fails to build the document.
"""

from __future__ import annotations

from typing import Any

from assetmap.geo.journeys import PERSON_MODES, Mode, Pace
from assetmap.matching import EXCLUSION_REASONS
from assetmap.matching.notes import LeftOutCode, NoteCode, ReasonCode, WarningCode
from assetmap.matching.requests import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OUTING_MINUTES,
    MAX_TRAVEL_MINUTES,
    MIN_OUTING_MINUTES,
)
from assetmap.models import ACCESSIBILITY_FLAGS, Category, Day
from assetmap.web.api.openapi_parts import BOOL, INT, NUM, STR, nullable, object_schema, ref


def _values(kind: type[Any]) -> list[str]:
    return [member.value for member in kind]


def _values_of(members: tuple[Any, ...]) -> list[str]:
    return [member.value for member in members]


def match_request_schema() -> dict[str, Any]:
    time = {"type": "string", "pattern": "^\\d{1,2}:\\d{2}$", "example": "09:30"}
    location = object_schema(
        {
            "postcode": STR,
            "place": {
                **STR,
                "maxLength": 100,
                "description": "a postcode district or sector (NW5, NW5 2), or a place the "
                "directory knows (an area's name, a venue's name, a street in venues' "
                "addresses), like Kentish Town",
            },
            "lat": {**NUM, "minimum": -90, "maximum": 90},
            "lon": {**NUM, "minimum": -180, "maximum": 180},
        }
    )
    location["description"] = "a postcode, a place, or lat and lon (one of them)"
    return object_schema(
        {
            "location": location,
            "interests": {"type": "array", "items": STR, "maxItems": 20},
            "categories": {"type": "array", "items": {"type": "string", "enum": _values(Category)}},
            "mobility": _mobility_schema(),
            "complexity": {**INT, "minimum": 1, "maximum": 3, "default": 1},
            "availability": {
                "type": "array",
                "items": object_schema(
                    {"day": {"type": "string", "enum": _values(Day)}, "from": time, "to": time},
                    ["day", "from", "to"],
                ),
            },
            "max_cost_gbp": nullable({**NUM, "minimum": 0}),
            "gender": nullable({"type": "string", "enum": ["men", "women", "any"]}),
            "age": nullable({**INT, "minimum": 0, "maximum": 120}),
            "include_invitation_only": {**BOOL, "default": False},
            "max_outing_minutes": nullable(
                {
                    **INT,
                    "minimum": MIN_OUTING_MINUTES,
                    "maximum": MAX_OUTING_MINUTES,
                    "description": "the longest they can be away from home: the journey "
                    "both ways plus the session. Over it, a group is left out (a near miss, "
                    "`outing_too_long`); within 15 minutes of it, a warning and a lower score",
                }
            ),
            "limit": {**INT, "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        },
        ["location"],
    )


def _mobility_schema() -> dict[str, Any]:
    return object_schema(
        {
            "modes": {
                "type": "array",
                "items": {"type": "string", "enum": _values_of(PERSON_MODES)},
                "minItems": 1,
                "default": ["walk"],
            },
            "max_travel_minutes": {
                **INT,
                "minimum": 1,
                "maximum": MAX_TRAVEL_MINUTES,
                "default": 30,
            },
            "max_walk_metres": nullable({**INT, "minimum": 0, "maximum": 20000}),
            "pace": {"type": "string", "enum": _values(Pace), "default": "typical"},
            "needs": {"type": "array", "items": {"type": "string", "enum": ACCESSIBILITY_FLAGS}},
            "door_to_door_needed": {**BOOL, "default": False},
        }
    )


def _referral_stats_schema() -> dict[str, Any]:
    """What past referrals say of the group (``referrals.stats``)."""
    share = {**NUM, "minimum": 0, "maximum": 1, "nullable": True}
    schema = object_schema(
        {
            "answered": {**INT, "description": "referrals the group has answered"},
            "median_reply_days": {
                **NUM,
                "nullable": True,
                "description": "median days from sending to the group's first answer",
            },
            "accepted_share": {
                **share,
                "description": "of referrals answered or lapsed unanswered, the share accepted",
            },
            "still_going_share": {
                **share,
                "description": "of referrals accepted six weeks ago or more, the share still "
                "going six weeks after acceptance",
            },
            "text": {**STR, "description": "the figures in words, as the match page says them"},
        },
        ["answered", "median_reply_days", "accepted_share", "still_going_share", "text"],
    )
    schema["nullable"] = True
    schema["description"] = (
        "null when no figure rests on 5 referrals or more; each figure is null below 5"
    )
    return schema


def match_response_schema() -> dict[str, Any]:
    """The answer: the options, what was weighed and left out (counted, the near misses
    named), and any way of travelling the person's limits rule out. Long because it is one
    nested literal, read top to bottom as the JSON is."""
    unit = {**NUM, "minimum": 0, "maximum": 1}
    option = object_schema(
        {
            "group": ref("Listing"),
            "score": unit,
            "components": object_schema(
                {"interest": unit, "travel": unit, "capacity": unit, "freshness": unit}
            ),
            "travel": object_schema(
                {
                    "minutes": INT,
                    "mode": {"type": "string", "enum": _values(Mode)},
                    "routes": {"type": "array", "items": STR},
                    "estimated": {
                        **BOOL,
                        "description": "the time is an estimate, not routed over a timetable",
                    },
                    "worst_minutes": {
                        **INT,
                        "description": "by the timetable: the worst journey over the window",
                    },
                    "itinerary": nullable(
                        {**STR, "description": "by the timetable: the median departure's journey"}
                    ),
                    "step_free_warnings": {
                        "type": "array",
                        "items": STR,
                        "description": "step-free travel: stops and vehicles of the timetable's "
                        "bus not known to be step-free (the time is then estimated or longer); "
                        "left out when there are none",
                    },
                },
                ["minutes", "mode", "estimated"],
            ),
            "reasons": {"type": "array", "items": ref("Reason")},
            "warnings": {"type": "array", "items": ref("Warning")},
            "referral_stats": _referral_stats_schema(),
        },
        ["group", "score", "components", "travel", "reasons", "warnings", "referral_stats"],
    )
    return object_schema(
        {
            "results": {"type": "array", "items": option},
            "considered": INT,
            "excluded": {
                "type": "object",
                "description": "groups left out, by the first hard constraint each failed",
                "additionalProperties": INT,
                "properties": {reason: INT for reason in EXCLUSION_REASONS},
            },
            "unmet_need_recorded": BOOL,
            "fitting": {**INT, "description": "groups that fit in all, shown or not"},
            "near_misses": {
                "type": "array",
                "description": "groups left out that nearly fitted (their interests, the "
                "hard constraints but one), nearest first, each with why",
                "items": object_schema(
                    {"group_id": INT, "name": STR, "why": ref("LeftOut")},
                    ["group_id", "name", "why"],
                ),
            },
            "ruled_out": {
                "type": "array",
                "description": "ways of travelling the person chose that their limits rule "
                "out altogether: the bus when they cannot walk to the stop",
                "items": object_schema(
                    {
                        "mode": {"type": "string", "enum": _values(Mode)},
                        "stop_m": {**INT, "description": "the walk to the stop from home"},
                        "stop_known": {
                            **BOOL,
                            "description": "false: no listing near home names a stop, so "
                            "400 m is assumed",
                        },
                        "walk_m": {**INT, "description": "as far as they can walk"},
                        "opens": {
                            **INT,
                            "description": "more groups that would fit if they could walk "
                            "to the stop",
                        },
                        "alternatives": {
                            "type": "array",
                            "items": {"type": "string", "enum": _values(Mode)},
                            "description": "ways they did not choose that need no walk to a stop",
                        },
                        "text": STR,
                    },
                    ["mode", "stop_m", "stop_known", "walk_m", "opens", "alternatives", "text"],
                ),
            },
        },
        ["results", "considered", "excluded"],
    )


#: What each code means, and (in brackets) the values it carries.
NOTE_MEANINGS: dict[NoteCode, str] = {
    ReasonCode.INTEREST_MATCHED: "one of the person's interests is in the group's words (`word`)",
    ReasonCode.CATEGORY_MATCHED: "the group is in a kind they asked for (`category`)",
    ReasonCode.JOURNEY: "how long the journey takes and how (`minutes`, `mode`; `routes` at "
    "the venue's nearest stop when by bus)",
    ReasonCode.COLLECTED_FROM_HOME: "the group's own transport collects the person "
    "(`minutes`; `transport`: the group's words for it, or null)",
    ReasonCode.PICKUP_AVAILABLE: "within reach anyway, and the group could also collect them "
    "(`transport`, or null)",
    ReasonCode.ACCESS_MET: "the venue is known to meet one of their access needs (`need`)",
    ReasonCode.GENDER_MATCHED: "a group for the person's gender (`gender`)",
    ReasonCode.EXTRA_HELP_SUPPORTED: "the group can give the extra support they need",
    ReasonCode.PLACES_FREE: "places free now once referrals are counted (`places`; `held`: "
    "places pending referrals hold, present only when there are some)",
    ReasonCode.FREE: "free to attend",
    ReasonCode.COST: "what a session costs, within their budget (`amount_gbp`)",
    ReasonCode.SESSION_FITS: "the first session in their free times (`day`, `start`, `end` "
    "or null)",
    WarningCode.ACCESS_NOT_KNOWN: "not known whether the venue meets an access need (`need`)",
    WarningCode.INVITATION_ONLY: "joined by invitation: ask the organiser",
    WarningCode.WAITING_LIST: "full, with people waiting (`waiting`)",
    WarningCode.FULL: "full, no waiting list known (`held`: places pending referrals hold, "
    "present only when there are some)",
    WarningCode.PLACES_NOT_KNOWN: "not known whether there are places free",
    WarningCode.NEVER_VERIFIED: "the listing has never been checked",
    WarningCode.MAY_HAVE_STOPPED: "not checked for so long it may have stopped (`months`)",
    WarningCode.NOT_VERIFIED: "not checked recently (`months`)",
    WarningCode.PROBLEM_REPORTED: "someone reported a problem since the last check (`date`)",
    WarningCode.EMAIL_BOUNCED: "our email to the group bounced since the last check (`date`)",
    WarningCode.NO_STOP_LISTED: "no bus stop listed near the venue: the bus time is a guess",
    WarningCode.TRANSPORT_TO_BOOK: "the group's transport must be booked with the group",
    WarningCode.SUPPORT_NOT_KNOWN: "not known whether the group supports complex needs",
    WarningCode.COST_NOT_KNOWN: "not known what it costs",
    WarningCode.SESSIONS_NOT_KNOWN: "no session times listed",
    WarningCode.SINGLE_GENDER: "for one gender only, and theirs was not given (`gender`)",
    WarningCode.AGE_RANGE: "for some ages only, and theirs was not given (`min_age`, `max_age`, "
    "either may be null)",
    WarningCode.SESSION_CANCELLED: "the group's next session is cancelled (`date`; `next`: the "
    "session after it, or null when not known)",
    ReasonCode.OUTING_FITS: "the whole outing is within their longest time away from home "
    "(`minutes`, `limit`, `each_way`, `session`: all minutes)",
    WarningCode.OUTING_CLOSE: "the whole outing is within 15 minutes of their longest time "
    "away from home (`minutes`, `limit`, `each_way`, `session`)",
    WarningCode.OUTING_NOT_KNOWN: "no session lists an end time, so the whole outing is not "
    "known (`each_way`, `limit`)",
    LeftOutCode.TOO_FAR: "too far within their limits (`minutes`, or null when there is no "
    "way; `limit`; `mode` or null; `metres` in a straight line)",
    LeftOutCode.NO_SESSION: "no session in their free times (`sessions`: day and start)",
    LeftOutCode.OUTING_TOO_LONG: "the whole outing is over their longest time away from "
    "home (`minutes`, `limit`, `each_way`, `session`)",
    LeftOutCode.PAUSED: "the group is paused for now",
    LeftOutCode.INVITATION_ONLY: "joined by invitation, and they did not ask for those",
    LeftOutCode.AUDIENCE: "for another gender or other ages (`gender` or null for any, "
    "`min_age`, `max_age`, either may be null)",
    LeftOutCode.COST: "costs more than they can pay (`amount_gbp`, `limit_gbp`)",
    LeftOutCode.COMPLEXITY: "cannot give the support they need",
    LeftOutCode.REFERRALS_PAUSED: "the organiser is not taking referrals until a date (`until`, "
    "the last day, included)",
    LeftOutCode.COMPLEX_PLACES_TAKEN: "they need a place for complex needs, and referrals "
    "have taken all the group's",
    LeftOutCode.NEEDS_NOT_MET: "known not to meet access needs of theirs (`needs`)",
}


def note_schema(
    kind: str, codes: type[ReasonCode] | type[WarningCode] | type[LeftOutCode]
) -> dict[str, Any]:
    """A reason or a warning: a code from the engine's list, its words, and their values."""
    listed = "\n".join(f"- `{code.value}`: {NOTE_MEANINGS[code]}" for code in codes)
    schema = object_schema(
        {
            "code": {"type": "string", "enum": [code.value for code in codes]},
            "text": {**STR, "description": "the link worker's words for it"},
            "values": {
                "type": "object",
                "additionalProperties": True,
                "description": "what the words are made from (see each code)",
            },
        },
        ["code", "text", "values"],
    )
    schema["description"] = f"{kind}. Codes:\n{listed}"
    return schema


def match_schemas() -> dict[str, Any]:
    """The components the match path uses."""
    return {
        "MatchRequest": match_request_schema(),
        "MatchResponse": match_response_schema(),
        "Reason": note_schema("Why the group fits", ReasonCode),
        "Warning": note_schema("What to check before referring", WarningCode),
        "LeftOut": note_schema("Why a group that nearly fitted was left out", LeftOutCode),
    }


__all__ = ["NOTE_MEANINGS", "match_schemas"]
