"""The words for a cancelled session ("cancelled this week"), wherever a group is shown.

A cancellation is mentioned when it falls in the next two weeks, with the date the group meets
again: 'Cancelled: Tue 8 Dec (the group meets again Tue 15 Dec)'.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from assetmap.directory.sessions import Certainty, cancelled_soon
from assetmap.models import Status

#: How far ahead a cancelled session is mentioned on lists, cards and plans.
CANCELLED_AHEAD_DAYS = 14

_NOT_MEETING = frozenset({Status.PAUSED.value, Status.CLOSED.value})


def session_day_text(day: dt.date) -> str:
    """'Tue 8 Dec'."""
    return f"{day:%a} {day.day} {day:%b}"


def cancelled_lines(group: dict[str, Any], now: dt.datetime) -> list[str]:
    """One line for each cancelled session in the next two weeks of a group that is meeting
    (a paused or closed group's cancellations say nothing new)."""
    if group.get("status") in _NOT_MEETING:
        return []
    soon = cancelled_soon(
        group.get("schedule") or [], group.get("cancelled_dates") or [], now, CANCELLED_AHEAD_DAYS
    )
    lines = []
    for day, after in soon:
        again = ""
        if after is not None and after.certainty is Certainty.KNOWN:
            again = f" (the group meets again {session_day_text(after.starts.date())})"
        lines.append(f"Cancelled: {session_day_text(day)}{again}")
    return lines
