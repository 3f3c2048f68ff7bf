"""Login-throttling counters, kept in the app's own database so every worker process (and
every machine) serving the app counts the same attempts (``accounts.throttle``)."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from assetmap.models.base import Base


class RateLimitCounter(Base):
    """Hits on one limit's key (a client address or an email, a route, a window) in the
    window that ends at ``expires_at`` (seconds since the epoch, as `limits` counts)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    hits: Mapped[int]
    expires_at: Mapped[float] = mapped_column(Float, index=True)
