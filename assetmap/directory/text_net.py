"""The text search's cheap SQL net, for matching: groups whose name, description or
interests hold the start of a word of the text. The directory's own text search reads the
text index instead (``text.index``); matching still weighs its interest net this way, inside
the one statement that judges every group near a person."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, literal, literal_column, or_, select

from assetmap.db import Backend
from assetmap.models import Group, GroupInterest
from assetmap.text.words import distinctive_words


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _interest_like(patterns: Sequence[ColumnElement[Any]], correlated: bool) -> ColumnElement[bool]:
    """Groups with an interest like any pattern. Within a place, checked per candidate on the
    (group_id, interest) key; without one, as one pass over all interests (cheaper then)."""
    like = or_(*(GroupInterest.interest.like(p, escape="\\") for p in patterns))
    if correlated:
        return (
            select(GroupInterest.group_id).where(GroupInterest.group_id == Group.id, like).exists()
        )
    return Group.id.in_(select(GroupInterest.group_id).where(like))


def text_prefixes(text: str) -> list[str]:
    """The word starts ``text_prefilter`` looks for, as typed (the text index's own are
    ``text.index.prefixes``: folded, without apostrophes)."""
    found: dict[str, None] = {}
    for word in distinctive_words(text) if text.strip() else []:
        if len(word) >= 3:
            found[word[:4].lower()] = None
    if not found and text.strip():
        found[" ".join(text.lower().split())[:40]] = None  # e.g. "50%": as typed
    return list(found)[:24]


def text_prefilter(text: str, backend: Backend) -> ColumnElement[bool] | None:
    """The text search's cheap SQL net on its own, with the values inline: groups whose name,
    description or interests hold the start of a word of ``text`` (None: nothing to look for).

    Each text is read once per row: one case-insensitive regular expression on PostgreSQL
    (``lower()`` per pattern cost ~1 µs a call there, most of a match), and SQLite's LIKE,
    which ignores ASCII case by itself. Interests are stored lower-case.
    """
    prefixes = text_prefixes(text)
    if not prefixes:
        return None
    likes = [literal(f"%{_escape_like(prefix)}%") for prefix in prefixes]
    if backend is Backend.POSTGIS:
        pattern = "|".join(re.escape(prefix) for prefix in prefixes)
        in_text = [
            Group.name.regexp_match(pattern, flags="i"),
            Group.description.regexp_match(pattern, flags="i"),
        ]
        # OFFSET 0 keeps the EXISTS a probe of this group's interests: without it, where the
        # planner expects many candidates, it hashed every interest in the directory that
        # holds a pattern (a scan of all of them, 145 ms at 100,000 listings), though the
        # net is only asked of the groups that passed every other constraint.
        in_interests: ColumnElement[bool] = (
            select(GroupInterest.group_id)
            .where(GroupInterest.group_id == Group.id, GroupInterest.interest.regexp_match(pattern))
            .offset(literal_column("0"))
            .exists()
        )
    else:
        in_text = [
            *(Group.name.like(p, escape="\\") for p in likes),
            *(Group.description.like(p, escape="\\") for p in likes),
        ]
        in_interests = _interest_like(likes, correlated=True)
    # Cheapest first: OR stops at the first that holds, and most groups that match at all
    # match on their interests.
    return or_(in_interests, *in_text)
