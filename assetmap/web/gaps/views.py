"""Gap pages: the unmet needs link workers' searches left, counted with small numbers hidden."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from assetmap.gaps.unmet import SUPPRESS_BELOW, unmet_summary
from assetmap.models import Role
from assetmap.web.auth import roles_required
from assetmap.web.context import read_session, today
from assetmap.web.wording import ACCESS_NAMES, CATEGORY_NAMES, DAY_NAMES

gaps = Blueprint("gaps", __name__)
community_builders = roles_required(Role.COMMUNITY_BUILDER, Role.ADMIN)

#: The periods a community builder can look back over, in days, with their words.
PERIODS = {30: "the last 30 days", 90: "the last 3 months", 365: "the last 12 months"}
DEFAULT_PERIOD = 90


@gaps.get("/gaps/unmet")
@community_builders
def unmet() -> ResponseReturnValue:
    chosen = request.args.get("days", str(DEFAULT_PERIOD))
    days = int(chosen) if chosen.isdigit() and int(chosen) in PERIODS else None
    error = None if days is not None else "Choose a period from the list"
    until = today()
    since = until - dt.timedelta(days=(days or DEFAULT_PERIOD) - 1)
    return render_template(
        "gaps/unmet.html",
        summary=unmet_summary(read_session(), since, until),
        periods=PERIODS,
        days=days or DEFAULT_PERIOD,
        error=error,
        suppress_below=SUPPRESS_BELOW,
        access_names=ACCESS_NAMES,
        category_names=CATEGORY_NAMES,
        day_names=DAY_NAMES,
    ), (400 if error else 200)
