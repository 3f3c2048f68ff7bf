"""Answering a gap question: once per question and state of the data, then from the cache.

The page, the API and the command line all ask here; the cache (``cache.ResultCache``) is
the caller's (one per web app), and its fingerprint covers every table the answer reads.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from assetmap.gaps.analysis import GapResult, analyse
from assetmap.gaps.cache import ResultCache, fingerprint
from assetmap.gaps.requests import GapQuestion
from assetmap.geo.interfaces import TravelTimeProvider
from assetmap.models import Area, Group, Postcode, UnmetNeed, Venue, table_of

#: What an answer reads: a change to any of these makes a kept answer stale.
READS = tuple(table_of(model) for model in (Group, Venue, Postcode, Area, UnmetNeed))


def answer(
    session: Session,
    question: GapQuestion,
    travel: TravelTimeProvider,
    today: dt.date,
    cache: ResultCache[GapResult] | None = None,
) -> GapResult:
    """The analysis for ``question``, from ``cache`` while nothing it read has changed (and it
    is the same day: the unmet needs counted are the last year's)."""
    if cache is None:
        return analyse(session, question.profile, travel, today)
    current = (*fingerprint(session, *READS), (today.isoformat(), travel.name))
    return cache.get_or_compute(
        question.key, current, lambda: analyse(session, question.profile, travel, today)
    )


__all__ = ["READS", "answer"]
