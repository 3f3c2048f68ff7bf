"""POST /api/v1/match: a person's profile in, the best groups out, each explained.

Reasons and warnings are the engine's notes: each is ``{"code", "text", "values"}``, with
``text`` the link worker's words (what the API sent before codes) and ``values`` what those
words are made from, so a client can word the code its own way. Near misses (groups left out
that nearly fitted) carry their ``why`` the same way; ``ruled_out`` names a way of travelling
the person's limits rule out altogether, and what would open it.

Anyone may ask without a token, each client (by address) up to ``ANONYMOUS_MATCH_LIMIT``; past
it the answer is a 429 in the API's error shape with ``Retry-After``. A request with a token is
not limited (a bad token is refused before any work); only a link worker's token counts the
match as demand (``web.match.counting``).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from assetmap.errors import ValidationError
from assetmap.matching import MatchResult, Option
from assetmap.matching.notes import Note
from assetmap.matching.requests import parse_match_request
from assetmap.matching.service import run_match
from assetmap.referrals.stats import GroupStats
from assetmap.web.api.tokens import optional_token_user
from assetmap.web.auth import limit
from assetmap.web.context import db_session, match_deps, now, today
from assetmap.web.inputs import request_json
from assetmap.web.match.counting import counted_for
from assetmap.web.match.notes import ruled_out_text, worker_text
from assetmap.web.referral_places import stats_text
from assetmap.web.security import no_store

#: Matches a client without a token may ask for (a match reads thousands of candidates).
ANONYMOUS_MATCH_LIMIT = "30 per minute"


def _has_token() -> bool:
    return "Authorization" in request.headers


@no_store
@limit(ANONYMOUS_MATCH_LIMIT, exempt_when=_has_token)
def match_groups() -> ResponseReturnValue:
    data = request_json()
    if data is None:
        raise ValidationError("send the profile as a JSON object (Content-Type: application/json)")
    match_request = parse_match_request(data)
    session = db_session()
    asker = optional_token_user(session)
    matched = run_match(
        session,
        match_request,
        match_deps(session),
        today(),
        counted_for=counted_for(asker),
        now=now(),
    )
    return jsonify(result_json(matched.result))


def note_json(note: Note) -> dict[str, Any]:
    """One reason or warning: its code, the link worker's words, and the values behind them."""
    values = {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in note.values.items()
    }
    return {"code": note.code.value, "text": worker_text(note), "values": values}


def option_json(option: Option) -> dict[str, Any]:
    """One result in the shape of the match response (the OpenAPI document describes it)."""
    travel: dict[str, Any] = {"minutes": option.travel.minutes, "mode": option.travel.mode.value}
    if option.travel.routes:
        travel["routes"] = list(option.travel.routes)
    travel["estimated"] = option.travel.estimated
    if option.travel.transit_warnings:
        travel["step_free_warnings"] = list(option.travel.transit_warnings)
    if not option.travel.estimated:
        travel["worst_minutes"] = option.travel.worst_minutes
        travel["itinerary"] = option.travel.itinerary
    return {
        "group": option.listing,
        "score": option.score,
        "components": option.components.as_dict(),
        "travel": travel,
        "reasons": [note_json(note) for note in option.reasons],
        "warnings": [note_json(note) for note in option.warnings],
        "referral_stats": stats_json(option.referral_stats),
    }


def stats_json(stats: GroupStats | None) -> dict[str, Any] | None:
    """What past referrals say of a group; null when too few (under 5) to say anything."""
    if stats is None or not stats.shown:
        return None
    return {
        "answered": stats.answered,
        "median_reply_days": stats.median_reply_days,
        "accepted_share": stats.accepted_share,
        "still_going_share": stats.still_going_share,
        "text": stats_text(stats),
    }


def result_json(result: MatchResult) -> dict[str, Any]:
    return {
        "results": [option_json(option) for option in result.options],
        "considered": result.considered,
        "excluded": result.excluded,
        "unmet_need_recorded": result.unmet_need_recorded,
        "fitting": result.fitting,
        "near_misses": [
            {"group_id": miss.group_id, "name": miss.name, "why": note_json(miss.why)}
            for miss in result.near_misses
        ],
        "ruled_out": [
            {
                "mode": ruled.mode.value,
                "stop_m": ruled.stop_m,
                "stop_known": ruled.stop_known,
                "walk_m": ruled.walk_m,
                "opens": ruled.opens,
                "alternatives": [mode.value for mode in ruled.alternatives],
                "text": ruled_out_text(ruled),
            }
            for ruled in result.ruled_out
        ],
    }
