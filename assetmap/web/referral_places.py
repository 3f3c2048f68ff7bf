"""The words for what referrals change on a listing: places held, paused referrals, and what
past referrals say of a group ("Usually replies within 3 days · accepts 4 in 5 referrals").

Search results, the listing page, map popups and match cards all say these the same way.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from assetmap.referrals.stats import GroupStats
from assetmap.web.wording import spare_places_text


def places_text(capacity: dict[str, Any]) -> str | None:
    """'2 places free, 1 held', 'Full, 1 held', or the words without referrals."""
    said = spare_places_text(capacity)
    held = capacity.get("places_held") or 0
    if not held or capacity.get("spare_places") is None:
        return said
    return f"{said}, {held} held"


def paused_date(value: Any) -> str:
    """'14 December' (the year too when it is not this one's)."""
    day = dt.date.fromisoformat(str(value))
    return f"{day:%-d %B}" if day.year == dt.date.today().year else f"{day:%-d %B %Y}"


def paused_text(referral: dict[str, Any] | None) -> str | None:
    """'Not taking referrals until 14 December', while the organiser's pause lasts."""
    until = (referral or {}).get("paused_until")
    return f"Not taking referrals until {paused_date(until)}" if until else None


def _in_five(share: float) -> str:
    n = round(share * 5)
    return "fewer than 1 in 5" if n == 0 and share > 0 else f"{n} in 5"


def reply_words(days: float) -> str:
    if days <= 1:
        return "Usually replies within a day"
    return f"Usually replies within {math.ceil(days)} days"


def stats_text(stats: GroupStats | None) -> str | None:
    """'Usually replies within 3 days · accepts 4 in 5 referrals · 3 in 5 still going at six
    weeks': only the figures resting on 5 referrals or more; None when there are none."""
    if stats is None:
        return None
    parts = []
    if stats.median_reply_days is not None:
        parts.append(reply_words(stats.median_reply_days))
    if stats.accepted_share is not None:
        parts.append(f"accepts {_in_five(stats.accepted_share)} referrals")
    if stats.still_going_share is not None:
        parts.append(f"{_in_five(stats.still_going_share)} still going at six weeks")
    if not parts:
        return None
    text = " · ".join(parts)
    return text[0].upper() + text[1:]


def register(app: Any) -> None:
    """Make these helpers available in every template."""
    app.jinja_env.globals.update(
        places_text=places_text, paused_text=paused_text, stats_text=stats_text
    )


__all__ = ["paused_text", "places_text", "register", "reply_words", "stats_text"]
