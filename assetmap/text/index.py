"""The database's text index (migration 0024) as the text search's candidate stage.

The database keeps, by triggers, every group's interests, name and description as words:
FTS5 ``group_text`` on SQLite, one row per (word, group) in ``group_words`` on PostgreSQL. A search
asks it for the groups holding any word the query stands for (``search_expression``): the
start of each typed word, of its corrections from the synonym table and of its synonyms
(the same net the LIKE prefilter cast before), plus the words of the directory's own
vocabulary that a typed word is a typo of. Candidates come back short and ordered; the
fuzzy ranking (``ranking.py``) re-ranks only them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Float,
    Integer,
    Text,
    any_,
    bindparam,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
    true,
)
from sqlalchemy.orm import Session

from assetmap.db import Backend
from assetmap.models import Group, GroupInterest
from assetmap.text.ranking import Candidate, scoring_words
from assetmap.text.words import (
    LEXICON,
    distinctive_words,
    fold,
    max_edits,
    normalise_interest,
    word_key,
    words_of,
)

#: Between interests in ``interests_column`` (a control character no interest holds).
INTEREST_SEPARATOR = "\x1f"
#: The most words one search looks for: each is a branch of the index query.
MAX_TERMS = 40
#: Whole words the word starts of one search may stand for (PostgreSQL).
MAX_EXPANDED = 400
#: Vocabulary words a typed word may be corrected to, closest first.
MAX_CORRECTIONS = 8

_group_text = table("group_text", column("rowid", Integer), column("rank", Float))
_group_words = table(
    "group_words", column("word", Text), column("group_id", Integer), column("cell", Integer)
)


def _index_key(word: str) -> str:
    """A word as the index holds it: folded (case, accents) and without apostrophes."""
    return word_key(fold(word))


def prefixes(text_: str) -> list[str]:
    """The word starts a search looks for: the first four letters of each distinctive word
    of the expanded query (three-letter words whole); if there are none, every word typed
    ("club", "50%"). Empty when nothing in ``text_`` is a word."""
    found: dict[str, None] = {}
    for word in distinctive_words(text_) if text_.strip() else []:
        for key, _ in words_of(word):
            if len(key) >= 3:
                found[_index_key(key)[:4]] = None
    if not found:
        for part in normalise_interest(fold(text_)).split():
            for key, _ in words_of(part) or [(part, part)]:
                cleaned = "".join(ch for ch in _index_key(key) if ch.isalnum())
                if cleaned:
                    found[cleaned[:4]] = None
    return list(found)[:MAX_TERMS]


def _typed_keys(text_: str) -> list[str]:
    """Typed words that may be typos of a word some listing uses: not a word of the synonym
    table (those are corrected against the table), letters only, long enough to correct."""
    keys: dict[str, None] = {}
    for key, _ in words_of(text_):
        key = _index_key(key)
        if key.isalpha() and key not in LEXICON and max_edits(len(key)):
            keys[key] = None
    return list(keys)


def _vocabulary(session: Session, backend: Backend, key: str) -> list[str]:
    """Indexed words that could be ``key`` mistyped: the same first letter, and on
    PostgreSQL trigram-similar (``pg_trgm``, through its index)."""
    if backend is Backend.POSTGIS:
        statement = text(
            "SELECT word FROM search_words WHERE word % :key AND left(word, 1) = :initial"
        )
    else:
        statement = text(
            "SELECT term FROM group_text_words WHERE term >= :initial AND term < :after"
        )
    initial = key[0]
    values = {"key": key, "initial": initial, "after": chr(ord(initial) + 1)}
    rows = session.execute(statement, values)
    return [word for (word,) in rows]


def corrections(session: Session, backend: Backend, text_: str) -> list[str]:
    """Words of the directory's vocabulary that a typed word is a typo of (within the edits
    its length allows, the first letter kept), closest first; the word itself if it is there."""
    found: dict[str, int] = {}
    for key in _typed_keys(text_):
        allowed = max_edits(len(key))
        words = [w for w in _vocabulary(session, backend, key) if abs(len(w) - len(key)) <= allowed]
        if not words:
            continue
        for word, edits, _ in process.extract(
            key, words, scorer=OSA.distance, score_cutoff=allowed, limit=MAX_CORRECTIONS
        ):
            if word != key:
                found[word] = min(found.get(word, edits), int(edits))
    return sorted(found, key=lambda w: (found[w], w))[:MAX_CORRECTIONS]


def _is_word(term: str) -> bool:
    return bool(term) and all(ch.isalnum() for ch in term)


_EXPAND = text(
    "SELECT DISTINCT w.word FROM unnest(CAST(:starts AS text[])) AS p (start)"
    ' JOIN search_words AS w ON w.word >= p.start COLLATE "C"'
    ' AND w.word < (p.start || chr(1114111)) COLLATE "C"'
    " ORDER BY w.word LIMIT :most"
)


def search_expression(session: Session, backend: Backend, text_: str) -> Any:
    """The index query for ``text_``: an FTS5 MATCH string on SQLite; on PostgreSQL the
    whole words to look up (the vocabulary's words that start as the query's do, and the
    corrections); None if it holds no word to look for."""
    if backend is Backend.POSTGIS:
        return indexed_words(session, text_) or None
    starts = [p for p in prefixes(text_) if _is_word(p)]
    whole = [w for w in corrections(session, backend, text_) if _is_word(w)]
    if not starts and not whole:
        return None
    return " OR ".join([*(f'"{p}"*' for p in starts), *(f'"{w}"' for w in whole)])


def indexed_words(session: Session, text_: str) -> list[str] | None:
    """The words of PostgreSQL's index a group must hold one of to score on ``text_`` at all
    (``scoring_words``): those that start as the query's words do, and their corrections.
    Empty when no listing holds one; None when ``text_`` holds no word to look for."""
    starts = [p for p in prefixes(text_) if _is_word(p)]
    whole = [w for w in corrections(session, Backend.POSTGIS, text_) if _is_word(w)]
    if not starts and not whole:
        return None
    values = {"starts": starts, "most": MAX_EXPANDED}
    expanded = scoring_words(text_, list(session.scalars(_EXPAND, values)))
    return list(dict.fromkeys([*expanded, *whole]))


def _found_ids(backend: Backend) -> Any:
    """The ids of the groups the index finds for the bound ``text_match``, as a subquery."""
    if backend is Backend.POSTGIS:
        words = bindparam("text_match", type_=ARRAY(Text))
        return select(_group_words.c.group_id).where(_group_words.c.word == any_(words))
    return select(_group_text.c.rowid).where(
        literal_column("group_text").op("MATCH")(bindparam("text_match"))
    )


def join_index(statement: Any, backend: Backend, group_id: Any) -> Any:
    """``statement`` kept to the groups the index finds for the bound ``text_match``, the
    index leading: for a search with no place, whose LIMIT stops the index's walk."""
    if backend is Backend.POSTGIS:
        # The matches' ids sorted once and joined in that order, so a LIMIT by group id
        # stops after the first groups that pass the other filters, not after all of them.
        found = sorted_matches()
        return statement.join(found, found.c.group_id == group_id)
    return statement.join(_group_text, _group_text.c.rowid == group_id).where(
        literal_column("group_text").op("MATCH")(bindparam("text_match"))
    )


def sorted_matches() -> Any:
    """The groups the index finds for the bound ``text_match`` (PostgreSQL), each once, as
    a subquery with ``group_id`` in that order: what a search with no place walks until its
    LIMIT."""
    found = _found_ids(Backend.POSTGIS).distinct().order_by(_group_words.c.group_id)
    return found.subquery("found")


#: The grid of the text index's cells on PostgreSQL (migration 0029's ``venue_cell``):
#: a cell is this many degrees a side, numbered row (latitude) by column (longitude).
CELL_DEGREES = 0.01
_CELL_COLUMNS = 40000
#: How far past the box its cells reach (degrees, about a centimetre): a venue on a cell's
#: edge, which the database's arithmetic might round the other way, is never missed.
_CELL_MARGIN = 1e-7
#: A box needing more cells than this (a region rather than a neighbourhood: about a
#: 25 km circle in London) is searched without them.
MAX_CELLS = 2500


def cell_of(lat: float, lon: float) -> int:
    """The cell of a point, by ``venue_cell``'s arithmetic."""
    row = math.floor((lat + 90) / CELL_DEGREES)
    return row * _CELL_COLUMNS + math.floor((lon + 180) / CELL_DEGREES)


def cells_of_box(
    min_lon: float, min_lat: float, max_lon: float, max_lat: float
) -> list[int] | None:
    """The cells covering the box (a centimetre beyond it on every side); None if there
    are more than ``MAX_CELLS``."""
    firsts, lasts = cell_runs_of_box(min_lon, min_lat, max_lon, max_lat)
    if len(firsts) * (lasts[0] - firsts[0] + 1) > MAX_CELLS:
        return None
    return [
        cell for first, last in zip(firsts, lasts, strict=True) for cell in range(first, last + 1)
    ]


def cell_runs_of_box(
    min_lon: float, min_lat: float, max_lon: float, max_lat: float
) -> tuple[list[int], list[int]]:
    """The cells covering the box (a centimetre beyond it on every side) as one run per row
    of the grid: the first cells of the runs and their last. However large the box, a row's
    cells are one range of the key."""
    first = cell_of(min_lat - _CELL_MARGIN, min_lon - _CELL_MARGIN)
    last = cell_of(max_lat + _CELL_MARGIN, max_lon + _CELL_MARGIN)
    rows = range(first // _CELL_COLUMNS, last // _CELL_COLUMNS + 1)
    west, east = first % _CELL_COLUMNS, last % _CELL_COLUMNS
    starts = [row * _CELL_COLUMNS for row in rows]
    return [start + west for start in starts], [start + east for start in starts]


def cell_bounds(cell: int) -> tuple[float, float, float, float]:
    """A cell's (min_lat, min_lon, max_lat, max_lon): ``cell_of`` undone."""
    row, column_ = divmod(cell, _CELL_COLUMNS)
    min_lat, min_lon = row * CELL_DEGREES - 90, column_ * CELL_DEGREES - 180
    return min_lat, min_lon, min_lat + CELL_DEGREES, min_lon + CELL_DEGREES


_MATCHES_BY_CELL = text(
    "SELECT cell, count(DISTINCT group_id) FROM group_words"
    " WHERE word = ANY(CAST(:words AS text[])) AND cell = ANY(CAST(:cells AS integer[]))"
    " GROUP BY cell"
)


def matches_by_cell(session: Session, words: list[str], cells: list[int]) -> dict[int, int]:
    """How many groups the index finds for ``words`` in each of ``cells`` (PostgreSQL), read
    from its key (word, cell, group) alone: where a wide search's nearest matches lie, known
    before any of them is looked up."""
    rows = session.execute(_MATCHES_BY_CELL, {"words": words, "cells": cells})
    return {cell: count for cell, count in rows}


def found_in_cells() -> Any:
    """The groups the index finds for the bound ``text_match`` in the bound ``text_cells``
    (PostgreSQL), as a subquery with ``group_id``: read from the key (word, cell, group)
    for those cells alone."""
    words = bindparam("text_match", type_=ARRAY(Text))
    cells = bindparam("text_cells", type_=ARRAY(Integer))
    found = select(_group_words.c.group_id).where(
        _group_words.c.word == any_(words), _group_words.c.cell == any_(cells)
    )
    return found.distinct().subquery("found")


def holding_in_box(
    words: list[str], box: tuple[float, float, float, float], group_id: Any
) -> ColumnElement[bool]:
    """True for the groups holding one of ``words`` (PostgreSQL), as a test on rows found
    another way whose venues lie in ``box`` (min_lon, min_lat, max_lon, max_lat): the groups
    of the box holding them are read once, one range of the key (word, cell, group) per word
    and row of cells, into a hash each row is looked up in. What it reads grows with the
    box's matches, not the directory's; a test of each row's own text (a regular
    expression) cost 10 µs a row, most of a match's judging."""
    firsts, lasts = cell_runs_of_box(*box)
    wanted = func.unnest(literal(words, ARRAY(Text))).table_valued("word").render_derived("w")
    runs = (
        func.unnest(literal(firsts, ARRAY(Integer)), literal(lasts, ARRAY(Integer)))
        .table_valued("lo", "hi")
        .render_derived("runs")
    )
    # OFFSET 0: each (word, run) is its own range scan, never one scan of a word's every
    # cell in the directory with the runs as a filter (the planner's choice at a million).
    run = (
        select(_group_words.c.group_id)
        .where(
            _group_words.c.word == wanted.c.word,
            _group_words.c.cell.between(runs.c.lo, runs.c.hi),
        )
        .offset(literal_column("0"))
        .lateral("run")
    )
    found = select(run.c.group_id).select_from(wanted).join(runs, true()).join(run, true())
    # IS TRUE keeps the IN a hashed subplan (see ``found_by_index``).
    return group_id.in_(found).is_(true())


def found_by_index(backend: Backend, group_id: Any) -> ColumnElement[bool]:
    """True for the groups the index finds for the bound ``text_match``, as a test on rows
    found another way (a place's spatial index): the index's matches are read once into a
    hash (PostgreSQL's hashed subplan, SQLite's list subquery) and each row is looked up in
    it. Joined instead, both planners start at the index and look up every match's group
    and venue (15,735 for a craft word at 100,000 listings against 4,413 groups in a 3 km
    box), or probe the index once per row of the box (SQLite: seconds)."""
    if backend is Backend.POSTGIS:
        # IS TRUE keeps PostgreSQL from pulling the IN up into a join it would plan from
        # misestimated box sizes; the subplan is then hashed.
        return group_id.in_(_found_ids(backend)).is_(true())
    # ``+ 0``: not an index the planner may drive from, the same test on each row.
    return (group_id + 0).in_(_found_ids(backend))


def index_order(backend: Backend) -> Sequence[ColumnElement[Any]]:
    """The order the index finds in, so a LIMIT stops it early: FTS5's rowid (group id) on
    SQLite; none of its own on PostgreSQL (callers order by group id, which the planner
    walks by key). Ordering by bm25 would score every match first (100 ms for a broad word
    at 100,000 listings), and the short list is re-ranked anyway: a broad word's first
    thousand hold plenty of its best matches."""
    if backend is Backend.POSTGIS:
        return ()
    return (_group_text.c.rowid,)


def interests_column(backend: Backend) -> ColumnElement[str]:
    """Each group's interests in one column (``INTEREST_SEPARATOR`` between), so candidates
    come with them in the same statement."""
    picked = select(
        func.string_agg(GroupInterest.interest, INTEREST_SEPARATOR)
        if backend is Backend.POSTGIS
        else func.group_concat(GroupInterest.interest, INTEREST_SEPARATOR)
    ).where(GroupInterest.group_id == Group.id)
    return picked.scalar_subquery()


def text_candidates(session: Session, rows: Sequence[Any]) -> list[Candidate]:
    """Rows with ``id``, ``name`` and ``description`` as the text ranking sees them, each
    with its interests: from the rows' ``interests`` (``interests_column``) if
    they have it, else one query per 500 groups."""
    if rows and "interests" in rows[0]._fields:
        at = rows[0]._fields.index("interests")
        split = INTEREST_SEPARATOR
        return [
            Candidate(row[0], row[1], row[2], tuple(row[at].split(split)) if row[at] else ())
            for row in rows
        ]
    interests: dict[int, list[str]] = {row.id: [] for row in rows}
    ids = list(interests)
    for start in range(0, len(ids), 500):
        for group_id, interest in session.execute(
            select(GroupInterest.group_id, GroupInterest.interest).where(
                GroupInterest.group_id.in_(ids[start : start + 500])
            )
        ):
            interests[group_id].append(interest)
    return [Candidate(row.id, row.name, row.description, tuple(interests[row.id])) for row in rows]
