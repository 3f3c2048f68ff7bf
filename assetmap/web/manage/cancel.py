"""'Cancel a session' on the organiser's form: the dates offered, and the dates saved.

The form offers the next few session dates known for sure (and any date already cancelled
that has not passed); ticking one cancels that session, unticking it puts it back on. The
dates go with the rest of the form to the listing contract, which checks each is a day the
group meets; cancelled dates already past are kept as they were (they are history).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from wtforms.fields.choices import SelectChoice

from assetmap.directory.sessions import (
    WEEK_DAYS,
    Certainty,
    cancelled_set,
    local_now,
    next_session,
    upcoming_dates,
)
from assetmap.models import Status
from assetmap.web.cancellations import session_day_text

#: How many upcoming sessions the form offers to cancel.
OFFERED = 6


def _label(day: dt.date, today: dt.date) -> str:
    said = session_day_text(day)
    return f"{said} {day.year}" if day.year != today.year else said


def cancel_choices(
    listing: Mapping[str, Any], ticked: Iterable[Any], now: dt.datetime
) -> list[SelectChoice]:
    """The dates to offer: the next ``OFFERED`` sessions, those already cancelled from today
    on, and any ticked (so a form sent back with an error shows what was ticked)."""
    today = local_now(now).date()
    days = set(upcoming_dates(listing.get("schedule") or [], now, OFFERED))
    days |= {d for d in cancelled_set(listing.get("cancelled_dates")) if d >= today}
    days |= {d for d in cancelled_set(t for t in ticked or [] if isinstance(t, str)) if d >= today}
    return [SelectChoice(day.isoformat(), _label(day, today)) for day in sorted(days)]


def cancelled_from_form(
    ticked: Iterable[Any], stored: Mapping[str, Any], today: dt.date
) -> list[str]:
    """The ticked dates as typed (the contract checks them), with the stored ones already
    past kept, in order."""
    past = [
        day.isoformat()
        for day in sorted(cancelled_set(stored.get("cancelled_dates")))
        if day < today
    ]
    chosen = [str(value).strip() for value in ticked or [] if str(value).strip()]
    return list(dict.fromkeys([*past, *sorted(chosen)]))


def this_weeks_session(listing: Mapping[str, Any], now: dt.datetime) -> dt.date | None:
    """The date of the group's next session if it is known and within the week (today and
    the six days after), for the dashboard's "Cancel this week's session"; None otherwise."""
    if listing.get("status") in (Status.PAUSED.value, Status.CLOSED.value):
        return None
    found = next_session(listing.get("schedule") or [], now, listing.get("cancelled_dates") or ())
    if found is None or found.certainty is not Certainty.KNOWN:
        return None
    day = found.starts.date()
    return day if (day - local_now(now).date()).days < WEEK_DAYS else None


def with_cancelled(stored: Mapping[str, Any], day: dt.date) -> dict[str, Any]:
    """The patch that cancels the session on ``day`` as well as those cancelled already."""
    days = {*cancelled_set(stored.get("cancelled_dates")), day}
    return {"cancelled_dates": [d.isoformat() for d in sorted(days)]}
