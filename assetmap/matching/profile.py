"""The person a link worker is matching for, as the matcher needs them: no name, no history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from assetmap.geo.journeys import Departure, Mobility
from assetmap.geo.spatial import Point
from assetmap.models import Category, Day, Gender


@dataclass(frozen=True)
class Window:
    """A time the person is free on a day of the week."""

    day: Day
    start: dt.time
    end: dt.time

    def holds(self, day: Day, start: dt.time, end: dt.time | None) -> bool:
        """A session on ``day`` from ``start`` (to ``end``, when known) fits in the window."""
        if day is not self.day or not self.start <= start < self.end:
            return False
        return end is None or end <= self.end


@dataclass(frozen=True)
class Profile:
    """What a person wants and can do. Everything but the location is optional: an empty
    profile matches every open group within half an hour's walk."""

    location: Point
    interests: tuple[str, ...] = ()
    categories: tuple[Category, ...] = ()
    mobility: Mobility = field(default_factory=Mobility)
    # 1 = no extra support needed, 2 = some support, 3 = complex needs.
    complexity: int = 1
    availability: tuple[Window, ...] = ()
    max_cost_gbp: float | None = None
    gender: Gender | None = None
    age: int | None = None
    include_invitation_only: bool = False
    #: The longest they can be away from home: the journey both ways plus the session.
    max_outing_minutes: float | None = None


#: The longest departure window asked of a timetable: a whole free day would be dozens of
#: routing runs, and the first hours of a free time are when the person would set off.
MAX_DEPARTURE_HOURS = 3
_WEEKDAYS = tuple(Day)


#: When the person gives no free time: Tuesday 10:00-12:00, a weekday late morning when most
#: groups meet and buses run their daytime timetable.
DEFAULT_DEPARTURE = (Day.TUE, dt.time(10), dt.time(12))


#: Free times routed by a timetable provider: each is a window of departures, so a person with
#: a free time every weekday would be five times the routing for little more.
MAX_DEPARTURE_WINDOWS = 3


def _window_on(day: Day, start_at: dt.time, end_at: dt.time, today: dt.date) -> Departure:
    ahead = (_WEEKDAYS.index(day) - today.weekday()) % 7
    start = dt.datetime.combine(today, start_at)
    end = min(dt.datetime.combine(today, end_at), start + dt.timedelta(hours=MAX_DEPARTURE_HOURS))
    return Departure(today + dt.timedelta(days=ahead), start_at, end.time())


def departure_windows(profile: Profile, today: dt.date) -> tuple[Departure, ...]:
    """When the person could set off: each of their first ``MAX_DEPARTURE_WINDOWS`` free
    times (else ``DEFAULT_DEPARTURE``), on its next day from ``today`` (today included), at
    most ``MAX_DEPARTURE_HOURS`` long."""
    free = [(f.day, f.start, f.end) for f in profile.availability[:MAX_DEPARTURE_WINDOWS]]
    return tuple(_window_on(*f, today) for f in free or [DEFAULT_DEPARTURE])


def departure_window(profile: Profile, today: dt.date) -> Departure:
    """The first of :func:`departure_windows`."""
    return departure_windows(profile, today)[0]


def with_departure(profile: Profile, today: dt.date) -> Profile:
    """The profile with its mobility's departure windows set from its free times."""
    if profile.mobility.departure is not None:
        return profile
    first, *others = departure_windows(profile, today)
    mobility = replace(profile.mobility, departure=first, other_departures=tuple(others))
    return replace(profile, mobility=mobility)


def profile_query(profile: Profile) -> str:
    """The person's interests as one query: each is a concept the ranking looks for."""
    return ", ".join(profile.interests)
