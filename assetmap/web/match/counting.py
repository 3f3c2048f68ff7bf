"""Whose match counts (``matching.tallies``): a signed-in link worker's, on the page or with
their API token. Anyone may search, and a visitor's, an organiser's or a test search by an
admin or a community builder is not a person's need: counted, it would fill gap analysis
with fake demand and push listings up the re-verification queue."""

from __future__ import annotations

from flask import current_app

from assetmap.matching.tallies import Searcher
from assetmap.models import Role, User


def counted_for(user: User | None) -> Searcher | None:
    """The searcher to count for ``user``, or None when their searches do not count."""
    if user is None or user.role is not Role.LINK_WORKER:
        return None
    key = current_app.secret_key
    return Searcher(user.id, key.decode() if isinstance(key, bytes) else str(key or ""))
