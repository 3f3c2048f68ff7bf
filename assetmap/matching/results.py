"""What the matcher hands back: ranked options, each explained, and what was left out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assetmap.geo.journeys import Mode
from assetmap.matching.notes import Note
from assetmap.referrals.stats import GroupStats


@dataclass(frozen=True)
class Components:
    """The parts of a score, each from 0 to 1 (see ``scoring`` for how they are weighed)."""

    interest: float
    travel: float
    capacity: float
    freshness: float

    def as_dict(self) -> dict[str, float]:
        return {
            "interest": self.interest,
            "travel": self.travel,
            "capacity": self.capacity,
            "freshness": self.freshness,
        }


@dataclass(frozen=True)
class Travel:
    minutes: int
    mode: Mode
    # The bus routes at the venue's nearest listed stop, when the way is by bus.
    routes: tuple[str, ...] = ()
    #: The time is an estimate (the journey rules), not routed over a timetable.
    estimated: bool = True
    #: Routed by the timetable: the worst journey over the departure window, and the median
    #: departure's itinerary ("Bus 1 from Friars Walk 11 at 09:18, 19 min, ...").
    worst_minutes: int | None = None
    itinerary: str | None = None
    #: For a step-free journey (wheelchair, scooter): the stops and vehicles the timetable's
    #: bus would use that are not known to be step-free ("step-free boarding at Friars Walk
    #: 11: not known"), whether the time is then estimated or routed step-free.
    transit_warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Option:
    """One group that fits, why it fits, and what to check before referring."""

    group_id: int
    #: The listing as the API serves it (contract shape, with today's freshness).
    listing: dict[str, Any]
    score: float
    components: Components
    travel: Travel
    #: Why it fits, and what to check first: codes with values (words are the web layer's).
    reasons: tuple[Note, ...]
    warnings: tuple[Note, ...]
    #: What past referrals say of the group (None: too few to say anything).
    referral_stats: GroupStats | None = None


@dataclass(frozen=True)
class NearMiss:
    """A group left out that was nearly in: it fits their interests and passed the hard
    constraints but one, which ``why`` says (a ``LeftOutCode`` note)."""

    group_id: int
    name: str
    why: Note


@dataclass(frozen=True)
class RuledOut:
    """One of the person's ways to travel that their limits rule out altogether: the bus,
    when they cannot walk to the stop (``stop_m`` from home, ``stop_known`` or assumed) and
    ``walk_m`` is as far as they can go. ``opens``: how many more groups would fit if they
    could walk that far. ``alternatives``: ways they did not choose that need no walk to a
    stop (a taxi); groups that collect from home are in the search already."""

    mode: Mode
    stop_m: int
    stop_known: bool
    walk_m: int
    opens: int
    alternatives: tuple[Mode, ...] = ()


@dataclass(frozen=True)
class MatchResult:
    options: list[Option]
    #: Groups the search looked at: every group whose venue is within reach.
    considered: int
    #: Groups left out, by the first hard constraint each one failed (see ``constraints``).
    excluded: dict[str, int]
    #: Fewer than ``UNMET_BELOW`` options: an anonymous unmet-need row was recorded.
    unmet_need_recorded: bool = False
    #: The groups nearly in, nearest first (at most ``engine.MAX_NEAR_MISSES``).
    near_misses: list[NearMiss] = field(default_factory=list)
    #: Ways of travelling the person chose that their limits rule out altogether.
    ruled_out: list[RuledOut] = field(default_factory=list)
    #: Groups that fit in all, shown or not.
    fitting: int = 0
