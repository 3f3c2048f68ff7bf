"""Calendar files (.ics): a group's sessions, and the person's plan, to add to a phone.

Each view parses its request, makes one domain call (``interop.ics_out.group_calendar``,
``matching.plan_calendar.plan_calendar``) and sends the file. The plan's calendar takes the
plan page's own query string (the search, as the plan's link holds it): the person's name and
what the link worker types on the plan never reach a URL or the file.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask.typing import ResponseReturnValue

from assetmap.errors import NotFound, ValidationError
from assetmap.interop.ics_out import CalendarFile, group_calendar
from assetmap.matching.plan_calendar import plan_calendar
from assetmap.matching.requests import MAX_LIMIT
from assetmap.web.context import (
    app_config,
    db_session,
    lag_tolerant_session,
    match_deps,
    now,
    today,
)
from assetmap.web.match.query import FormInvalid, chosen_ids, search_request
from assetmap.web.security import no_store

calendars = Blueprint("calendars", __name__)


def _send(calendar: CalendarFile) -> Response:
    response = Response(calendar.body, content_type=calendar.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{calendar.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@calendars.get("/groups/<id:group_id>/calendar.ics")
def group_calendar_file(group_id: int) -> ResponseReturnValue:
    try:
        calendar = group_calendar(
            lag_tolerant_session(), group_id, public_url=app_config().public_url, now=now()
        )
    except NotFound:
        abort(404)
    return _send(calendar)


@calendars.get("/match/plan/calendar.ics")
@no_store
def plan_calendar_file() -> ResponseReturnValue:
    ids, choice_error = chosen_ids(request.args.getlist("choose"), request.args.get("order"))
    if choice_error is not None:
        abort(400)
    try:
        match_request = search_request(request.args, MAX_LIMIT)
        calendar = plan_calendar(
            db_session(),
            match_request,
            match_deps(db_session()),
            today(),
            ids,
            now=now(),
            public_url=app_config().public_url,
        )
    except (FormInvalid, ValidationError):
        abort(400)
    return _send(calendar)
