"""Matching's cheap SQL net on SQLite: groups whose name, description or interests hold the
start of a word of the text, weighed inside the one statement that judges every group near
a person. FTS5 answers for the whole directory, with no notion of place, so each candidate's
own text is tested; PostgreSQL's matching and both backends' text search read the text index
(``text.index``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, literal, or_, select

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


def text_prefilter(text: str) -> ColumnElement[bool] | None:
    """The cheap SQL net on its own, with the values inline (SQLite): groups whose name,
    description or interests hold the start of a word of ``text`` (None: nothing to look
    for). LIKE ignores ASCII case by itself; interests are stored lower-case. PostgreSQL's
    matching reads its text index instead (``text.index.holding_in_box``)."""
    prefixes = text_prefixes(text)
    if not prefixes:
        return None
    likes = [literal(f"%{_escape_like(prefix)}%") for prefix in prefixes]
    in_text = [
        *(Group.name.like(p, escape="\\") for p in likes),
        *(Group.description.like(p, escape="\\") for p in likes),
    ]
    # Cheapest first: OR stops at the first that holds, and most groups that match at all
    # match on their interests.
    return or_(_interest_like(likes, correlated=True), *in_text)
