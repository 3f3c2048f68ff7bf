"""A need profile: the kind of provision a community builder asks about, for whom.

Not a person (that is ``matching.profile``): a question about a whole population, such as
"step-free social groups within 20 minutes by bus on a weekday, for people over 65". The
ready-made profiles at the bottom are the questions asked most often.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from assetmap.geo.journeys import Mobility, Mode
from assetmap.models import ACCESSIBILITY_FLAGS, Category, Day, Gender

WEEKDAYS = frozenset({Day.MON, Day.TUE, Day.WED, Day.THU, Day.FRI})
WEEKEND = frozenset({Day.SAT, Day.SUN})
EVENING_FROM = dt.time(17, 0)


class Target(enum.StrEnum):
    """Whose need is measured: the population each postcode stands for."""

    ALL = "all"
    AGE_65_PLUS = "age_65_plus"
    AGE_75_PLUS = "age_75_plus"
    #: Residents whose day-to-day activities are limited: population times disabled_share.
    DISABLED = "disabled"


@dataclass(frozen=True)
class Times:
    """Sessions that start on one of ``days`` between ``earliest`` and ``latest`` (inclusive)."""

    days: frozenset[Day]
    earliest: dt.time = dt.time(0, 0)
    latest: dt.time = dt.time(23, 59)

    def holds(self, day: Day, start: dt.time) -> bool:
        return day in self.days and self.earliest <= start <= self.latest


@dataclass(frozen=True)
class NeedProfile:
    """What fits: a group fits when it is live, meets in person, and passes every part given.

    ``categories`` and ``interests``: any one of them (empty: any group). ``needs``: venue
    accessibility flags that must be met (a venue whose answer is not known is counted apart).
    ``times``: at least one session in one of the windows (empty: any time). ``support``:
    1 (none) to 3 (complex needs), as the listing's ``complexity_supported``. ``audience``:
    groups for that gender only (men's groups); ``age``: groups that admit that age.
    """

    name: str
    mobility: Mobility
    categories: tuple[Category, ...] = ()
    interests: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    times: tuple[Times, ...] = ()
    support: int = 1
    audience: Gender | None = None
    age: int | None = None
    target: Target = Target.ALL

    def __post_init__(self) -> None:
        unknown = [n for n in self.needs if n not in ACCESSIBILITY_FLAGS]
        if unknown:
            raise ValueError(f"not an accessibility flag: {', '.join(unknown)}")
        if not 1 <= self.support <= 3:
            raise ValueError("support must be 1, 2 or 3")

    @property
    def budget_minutes(self) -> float:
        return self.mobility.max_travel_minutes

    def fits_times(self, sessions: list[tuple[Day, dt.time]]) -> bool:
        """At least one session falls in one of the windows (always true without windows)."""
        if not self.times:
            return True
        return any(w.holds(day, start) for day, start in sessions for w in self.times)


def _bus(minutes: float, own: Mode = Mode.WALK) -> Mobility:
    return Mobility(modes=(own, Mode.BUS), max_travel_minutes=minutes)


#: The questions asked most often, by a short name for the command line and the page.
READY_MADE: dict[str, NeedProfile] = {
    "step-free-social-weekday-bus": NeedProfile(
        name="Step-free social groups within 20 minutes by bus on weekdays",
        mobility=_bus(20, Mode.WHEELCHAIR),
        categories=(Category.SOCIAL,),
        needs=("step_free",),
        times=(Times(WEEKDAYS),),
        target=Target.DISABLED,
    ),
    "evenings-and-weekends": NeedProfile(
        name="Evening and weekend provision within 30 minutes by bus",
        mobility=_bus(30),
        times=(Times(WEEKDAYS, earliest=EVENING_FROM), Times(WEEKEND)),
    ),
    "mens-groups": NeedProfile(
        name="Men's groups within 30 minutes by bus",
        mobility=_bus(30),
        audience=Gender.MEN,
    ),
    "complex-needs": NeedProfile(
        name="Groups that take complex needs within 30 minutes by bus",
        mobility=_bus(30),
        support=3,
    ),
}
