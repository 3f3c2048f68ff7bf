"""When a listing counts as fresh, due for re-verification, stale or very stale.

A listing expires ``expiry_days`` after its last verification, or sooner for categories whose
details change faster (``category_expiry``: only shorter periods are allowed). It is ``fresh``
until the last ``due_days`` before it expires, then ``due``, then ``stale``. A problem report
or a bounced reminder since the last verification makes a fresh listing ``due`` at once. A
listing nobody has ever verified is stale: nobody has checked it.

"Very stale" (``very_stale_factor`` times the expiry, 2x by default) is not a fourth state but
a warning on a stale listing: the matcher ranks it well down and pages say plainly it may have
stopped. Nothing is ever deleted for being old.

Each group stores the expiry that applies to it (``groups.expiry_days``, NULL for the default):
the scan writes it from the group's categories, so a changed policy or changed categories take
effect at the next scan. Reads never join categories to judge freshness.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Date, and_, bindparam, case, or_

from assetmap.config import Config
from assetmap.errors import ConfigError
from assetmap.models import Category, Group, Status

#: Listings that are re-verified: closed ones are not, nor paused ones (hidden from matching,
#: and brought back by whoever un-pauses them).
LIVE = (Status.OPEN, Status.INVITATION_ONLY, Status.WAITING_LIST)


class Freshness(enum.StrEnum):
    FRESH = "fresh"
    DUE = "due"
    STALE = "stale"


class FreshnessFacts(Protocol):
    """What freshness is judged from: a Group, or a row selected with FACT_COLUMNS."""

    @property
    def last_verified_at(self) -> dt.date | None: ...
    @property
    def expiry_days(self) -> int | None: ...
    @property
    def reported_on(self) -> dt.date | None: ...
    @property
    def bounced_on(self) -> dt.date | None: ...


#: Select these with a group to classify it.
FACT_COLUMNS = (Group.last_verified_at, Group.expiry_days, Group.reported_on, Group.bounced_on)


@dataclass(frozen=True)
class Cutoffs:
    """For one expiry period on one day: listings verified on or before each date are
    at least due, stale, very stale."""

    due_from: dt.date
    stale_from: dt.date
    very_stale_from: dt.date


@dataclass(frozen=True)
class FreshnessPolicy:
    expiry_days: int = 180
    due_days: int = 30
    very_stale_factor: float = 2.0
    # Shorter expiry periods for some categories, as (category, days) pairs.
    category_expiry: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.due_days < self.expiry_days:
            raise ConfigError("the due period must be at least 0 and shorter than the expiry")
        if self.very_stale_factor <= 1:
            raise ConfigError("very stale must be more than once the expiry period")
        known = {category.value for category in Category}
        for category, days in self.category_expiry:
            if category not in known:
                raise ConfigError(f"category expiry: {category!r} is not a category")
            if not self.due_days < days < self.expiry_days:
                raise ConfigError(
                    f"category expiry for {category}: {days} days must be shorter than the "
                    f"expiry ({self.expiry_days}) and longer than the due period ({self.due_days})"
                )

    @classmethod
    def from_config(cls, config: Config) -> FreshnessPolicy:
        return cls(
            expiry_days=config.freshness_expiry_days,
            due_days=config.freshness_due_days,
            very_stale_factor=config.freshness_very_stale_factor,
            category_expiry=parse_category_expiry(config.freshness_category_expiry),
        )

    # -- which expiry applies ------------------------------------------------------------

    def expiry_for(self, categories: Iterable[str]) -> int | None:
        """The expiry a group with these categories gets, or None for the default."""
        shorter = dict(self.category_expiry)
        periods = [shorter[c] for c in categories if c in shorter]
        return min(periods) if periods else None

    @property
    def shorter_periods(self) -> tuple[int, ...]:
        """The distinct category expiry periods, smallest first."""
        return tuple(sorted({days for _, days in self.category_expiry}))

    def cutoffs(self, today: dt.date, expiry_days: int | None = None) -> Cutoffs:
        days = expiry_days or self.expiry_days
        return Cutoffs(
            due_from=today - dt.timedelta(days=days - self.due_days),
            stale_from=today - dt.timedelta(days=days),
            very_stale_from=today - dt.timedelta(days=round(days * self.very_stale_factor)),
        )

    # -- judging listings in Python --------------------------------------------------------

    def classifier(self, today: dt.date) -> Callable[[FreshnessFacts], Freshness]:
        """A function giving the freshness on ``today`` of a Group or FACT_COLUMNS row."""
        cutoffs = self._cutoffs_by_period(today)

        def classify(facts: FreshnessFacts) -> Freshness:
            verified = facts.last_verified_at
            if verified is None:
                return Freshness.STALE
            cut = cutoffs.get(facts.expiry_days) or cutoffs[None]
            if verified <= cut.stale_from:
                return Freshness.STALE
            if (
                verified <= cut.due_from
                or _since(facts.reported_on, verified)
                or _since(facts.bounced_on, verified)
            ):
                return Freshness.DUE
            return Freshness.FRESH

        return classify

    def very_stale_test(self, today: dt.date) -> Callable[[FreshnessFacts], bool]:
        """A function telling whether a listing is very stale on ``today``."""
        cutoffs = self._cutoffs_by_period(today)

        def very_stale(facts: FreshnessFacts) -> bool:
            verified = facts.last_verified_at
            cut = cutoffs.get(facts.expiry_days) or cutoffs[None]
            return verified is None or verified <= cut.very_stale_from

        return very_stale

    def freshness_of(self, facts: FreshnessFacts, today: dt.date) -> Freshness:
        return self.classifier(today)(facts)

    def _cutoffs_by_period(self, today: dt.date) -> dict[int | None, Cutoffs]:
        found: dict[int | None, Cutoffs] = {None: self.cutoffs(today)}
        for days in self.shorter_periods:
            found[days] = self.cutoffs(today, days)
        return found

    # -- judging listings in SQL -----------------------------------------------------------

    def condition(self, state: Freshness) -> ColumnElement[bool]:
        """A SQL condition on ``groups`` selecting ``state``; bind ``parameters(today)``."""
        return freshness_condition(state, self.shorter_periods)

    def very_stale_condition(self) -> ColumnElement[bool]:
        return very_stale_condition(self.shorter_periods)

    def parameters(self, today: dt.date) -> dict[str, dt.date]:
        """The values of the bind parameters ``condition`` uses, on ``today``."""
        values: dict[str, dt.date] = {}
        for days, cut in self._cutoffs_by_period(today).items():
            suffix = "" if days is None else f"_{days}"
            values[f"due_from{suffix}"] = cut.due_from
            values[f"stale_from{suffix}"] = cut.stale_from
            values[f"very_stale_from{suffix}"] = cut.very_stale_from
        return values


def freshness_condition(state: Freshness, periods: tuple[int, ...] = ()) -> ColumnElement[bool]:
    """A SQL condition on ``groups`` selecting ``state``, for a policy whose shorter expiry
    periods are ``periods``; bind the policy's ``parameters(today)``."""
    verified = Group.last_verified_at
    flagged = or_(
        and_(Group.reported_on.is_not(None), Group.reported_on >= verified),
        and_(Group.bounced_on.is_not(None), Group.bounced_on >= verified),
    )
    due_from = _cutoff_expression("due_from", periods)
    stale_from = _cutoff_expression("stale_from", periods)
    if state is Freshness.FRESH:
        return and_(verified > due_from, ~flagged)
    if state is Freshness.DUE:
        return and_(verified > stale_from, or_(verified <= due_from, flagged))
    return or_(verified.is_(None), verified <= stale_from)


def very_stale_condition(periods: tuple[int, ...] = ()) -> ColumnElement[bool]:
    """A SQL condition on ``groups`` selecting the very stale, for a policy whose shorter
    expiry periods are ``periods``; bind the policy's ``parameters(today)``."""
    verified = Group.last_verified_at
    very_stale_from = _cutoff_expression("very_stale_from", periods)
    return or_(verified.is_(None), verified <= very_stale_from)


def _cutoff_expression(name: str, periods: tuple[int, ...]) -> ColumnElement[Any]:
    """The cut-off date of each row's own expiry period: one bound date per period."""
    default = bindparam(name, type_=Date)
    if not periods:
        return default
    return case(
        *((Group.expiry_days == days, bindparam(f"{name}_{days}", type_=Date)) for days in periods),
        else_=default,
    )


def settle_flags(group: Group, today: dt.date) -> None:
    """A check recorded now deals with the problem reports and bounces made up to ``today``.

    Dates have no time of day, so a flag raised on the day of the last verification counts as
    after it (a report this afternoon on a listing imported this morning stays due). A check
    recorded by a person is known to come after them: clear them, or a problem dealt with on
    the day it was reported would keep the listing due and open a new task the next day."""
    if group.reported_on is not None and group.reported_on <= today:
        group.reported_on = None
    if group.bounced_on is not None and group.bounced_on <= today:
        group.bounced_on = None


def _since(flagged_on: dt.date | None, verified: dt.date) -> bool:
    return flagged_on is not None and flagged_on >= verified


def parse_category_expiry(text: str) -> tuple[tuple[str, int], ...]:
    """``"peer_support=90, practical=120"`` as pairs; ConfigError naming what is wrong."""
    pairs: dict[str, int] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        category, sep, days = part.partition("=")
        try:
            if not sep:
                raise ValueError
            pairs[category.strip()] = int(days)
        except ValueError:
            raise ConfigError(
                "ASSETMAP_FRESHNESS_CATEGORY_EXPIRY must look like "
                f'"peer_support=90,practical=120"; {part.strip()!r} does not'
            ) from None
    return tuple(sorted(pairs.items()))


def policy_summary(policy: FreshnessPolicy) -> Mapping[str, Any]:
    """The policy in numbers, for the dashboard."""
    return {
        "expiry_days": policy.expiry_days,
        "due_days": policy.due_days,
        "very_stale_days": round(policy.expiry_days * policy.very_stale_factor),
        "category_expiry": dict(policy.category_expiry),
    }
