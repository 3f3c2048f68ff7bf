"""Renamed ``wording``: this name stays only for ``match_pages`` (edited on another branch)
until the merge points it at ``assetmap.web.wording``; then delete this module."""

from assetmap.web.wording import (
    CATEGORY_NAMES,
    DAY_NAMES,
    distance_text,
    months_ago,
    next_session,
    session_text,
    spare_places_text,
)

__all__ = [
    "CATEGORY_NAMES",
    "DAY_NAMES",
    "distance_text",
    "months_ago",
    "next_session",
    "session_text",
    "spare_places_text",
]
