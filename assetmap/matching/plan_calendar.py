"""The person's plan as a calendar file: the chosen groups' next sessions, for their phone.

The plan is matched again for the same profile, exactly as the printed plan is (so the calendar
holds the groups the page shows), without counting it as planned a second time. Only the
groups' sessions go in the file (``interop.ics_out.plan_ics``): nothing of the person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from assetmap.interop.ics_out import CalendarFile, plan_ics
from assetmap.matching.requests import MatchRequest
from assetmap.matching.service import MatchDeps, run_plan

FILENAME = "groups-to-try.ics"


def plan_calendar(
    session: Session,
    request: MatchRequest,
    deps: MatchDeps,
    today: dt.date,
    chosen: Sequence[int],
    *,
    now: dt.datetime,
    public_url: str,
) -> CalendarFile:
    """The plan's calendar file; raises ValidationError as the plan page would."""
    planned = run_plan(session, request, deps, today, chosen, now=now)
    listings = [{**option.listing, "id": option.group_id} for option in planned.options]
    return CalendarFile(FILENAME, plan_ics(listings, public_url=public_url, now=now))


__all__ = ["FILENAME", "plan_calendar"]
