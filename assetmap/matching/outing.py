"""The whole outing: the journey there, the session, and the journey back.

Someone whose oxygen lasts about three hours cannot go to a two-and-a-half-hour session forty
minutes away, however well it fits. With a longest time away from home, each group's outing
is worked out from the travel time (both ways) and the shortest of its sessions that fit the
person's week (start to end). An outing over the limit leaves the group out; one within
``CLOSE_MARGIN_MIN`` of it is kept with a warning and a lower score; a group whose session
length is not listed is kept with a warning, never passed off as fine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assetmap.matching.profile import Window

#: An outing this close to the limit (or closer) is a warning: a late bus and it is over.
CLOSE_MARGIN_MIN = 15


@dataclass(frozen=True)
class Outing:
    """One group's outing for the person: minutes each way and the session's length (None
    when no session lists an end time)."""

    travel_each_way: int
    session_minutes: int | None

    @property
    def total(self) -> int | None:
        if self.session_minutes is None:
            return None
        return 2 * self.travel_each_way + self.session_minutes

    def over(self, limit: float) -> bool:
        return self.total is not None and self.total > limit

    def close(self, limit: float) -> bool:
        return self.total is not None and limit - CLOSE_MARGIN_MIN <= self.total <= limit


def _length(start: dt.time, end: dt.time | None) -> int | None:
    if end is None:
        return None
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return minutes if minutes > 0 else None


def session_minutes(sessions: Sequence[tuple[Any, ...]], windows: Sequence[Window]) -> int | None:
    """The shortest session length among those that fit the person's week (all of them when
    they gave no free times), or None when none of those lists an end time."""
    fitting = [
        (day, start, end)
        for day, start, end in sessions
        if not windows or any(w.holds(day, start, end) for w in windows)
    ]
    lengths = [m for _, start, end in fitting if (m := _length(start, end)) is not None]
    return min(lengths) if lengths else None


def outing_of(
    travel_minutes: float, sessions: Sequence[tuple[Any, ...]], windows: Sequence[Window]
) -> Outing:
    return Outing(
        travel_each_way=max(1, round(travel_minutes)),
        session_minutes=session_minutes(sessions, windows),
    )


__all__ = ["CLOSE_MARGIN_MIN", "Outing", "outing_of", "session_minutes"]
