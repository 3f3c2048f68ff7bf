"""Counters kept in the app's own database so every worker process (and every machine)
serving the app counts alike: login-throttling hits (``accounts.throttle``), and the staff
searches already counted today (``matching.tallies``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from assetmap.models.base import Base


class RateLimitCounter(Base):
    """Hits on one limit's key (a client address or an email, a route, a window) in the
    window that ends at ``expires_at`` (seconds since the epoch, as `limits` counts)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    hits: Mapped[int]
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class SearchTally(Base):
    """One person's search counted on one day: a keyed hash of (account, search, day), never
    the account or the search itself. Its primary key is what makes a reload, a page of more
    results or two requests at once count once; rows of past days are deleted."""

    __tablename__ = "search_tallies"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
