"""The person a link worker is matching for, as the matcher needs them: no name, no history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from assetmap.geo.journeys import Mobility
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


def profile_query(profile: Profile) -> str:
    """The person's interests as one query: each is a concept the ranking looks for."""
    return ", ".join(profile.interests)
