"""How a search result is said on its map popup, in the same words as the result list."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from assetmap.web.cancellations import cancelled_lines
from assetmap.web.wording import (
    NOT_MEETING,
    STATUS_NAMES,
    audience_text,
    next_session,
    spare_places_text,
)


def next_meeting(group: dict[str, Any], now: dt.datetime) -> str | None:
    """When a listed group next meets, as the list says it (None for one not meeting)."""
    if group.get("status") in NOT_MEETING:
        return None
    return next_session(group.get("schedule") or [], now, group.get("cancelled_dates") or [])


def popup_lines(
    group: dict[str, Any],
    now: dt.datetime,
    when: str | Literal[False] | None = False,
    cancelled: list[str] | None = None,
) -> list[str]:
    """A group's lines on a map popup, as the search list says them: its status, who it is
    for, when it next meets, and its places. ``when`` and ``cancelled``, if the caller has
    already worded them for the list (``next_meeting``, ``cancelled_lines``), are reused."""
    lines = [STATUS_NAMES.get(group.get("status") or "", str(group.get("status")))]
    who = audience_text(group.get("audience"))
    if who:
        lines.append(f"For: {who}")
    if when is False:
        when = next_meeting(group, now)
    lines.extend(cancelled_lines(group, now) if cancelled is None else cancelled)
    if when:
        lines.append(f"Next: {when}")
    places = spare_places_text(group.get("capacity") or {})
    if places:
        lines.append(places)
    return lines
