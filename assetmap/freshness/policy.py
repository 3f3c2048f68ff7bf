"""When a listing counts as fresh, due for re-verification, or stale.

A listing is ``fresh`` after it is verified, ``due`` in the last ``due_days`` before it
expires and ``stale`` from ``expiry_days`` after its last verification. A listing nobody has
ever verified is stale: nobody has checked it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from assetmap.config import Config


class Freshness(enum.StrEnum):
    FRESH = "fresh"
    DUE = "due"
    STALE = "stale"


@dataclass(frozen=True)
class FreshnessPolicy:
    expiry_days: int = 180
    due_days: int = 30

    @classmethod
    def from_config(cls, config: Config) -> FreshnessPolicy:
        return cls(config.freshness_expiry_days, config.freshness_due_days)

    def due_from(self, today: dt.date) -> dt.date:
        """Listings verified on or before this day are at least due."""
        return today - dt.timedelta(days=self.expiry_days - self.due_days)

    def stale_from(self, today: dt.date) -> dt.date:
        """Listings verified on or before this day are stale."""
        return today - dt.timedelta(days=self.expiry_days)

    def freshness_of(
        self, last_verified: dt.date | None, today: dt.date, reported_on: dt.date | None = None
    ) -> Freshness:
        """The freshness of one listing on ``today``."""
        return self.classifier(today)(last_verified, reported_on)

    def classifier(self, today: dt.date) -> Callable[[dt.date | None, dt.date | None], Freshness]:
        """A function of (last verified, problem reported on) giving the freshness on
        ``today``, for classifying many listings."""
        due_from, stale_from = self.due_from(today), self.stale_from(today)

        def classify(last_verified: dt.date | None, reported_on: dt.date | None) -> Freshness:
            if last_verified is None or last_verified <= stale_from:
                return Freshness.STALE
            if last_verified <= due_from:
                return Freshness.DUE
            # A problem reported since the last verification makes it due at once.
            if reported_on is not None and reported_on >= last_verified:
                return Freshness.DUE
            return Freshness.FRESH

        return classify

    @staticmethod
    def condition_between(
        verified: InstrumentedAttribute[dt.date | None],
        reported: InstrumentedAttribute[dt.date | None],
        state: Freshness,
        due_from: dt.date | ColumnElement[dt.date],
        stale_from: dt.date | ColumnElement[dt.date],
    ) -> ColumnElement[bool]:
        """A SQL condition selecting ``state`` from the last-verified and reported-on columns,
        given the two cut-off dates (or bound parameters standing for them)."""
        reported_since = and_(reported.is_not(None), reported >= verified)
        if state is Freshness.FRESH:
            return and_(verified > due_from, ~reported_since)
        if state is Freshness.DUE:
            return and_(verified > stale_from, or_(verified <= due_from, reported_since))
        return or_(verified.is_(None), verified <= stale_from)
