"""Rank groups against the free text a link worker types, forgiving typos and synonyms.

Link workers type what the person said ("kniting", "rambling", "mens shed"); listings say it
their own way. The query is split into *concepts* (each typed word, or a phrase from the
synonym table kept whole), and each concept into *terms*, each with a weight:

- what was typed: 1.0; each word of a typed table phrase ("shed" of "men's shed"): 0.75;
- a table word the typed word is a typo of ("kniting" → "knitting"): 1 − edits ÷ length;
- a synonym ("rambling" → "walking"): 0.85 × the weight of the term it came from.

A term's similarity to one field of a group is that of its best word there: 1 for the same
word, 0.95 for the same stem (walk, walks, walking, walkers), 1 − edits ÷ length for a typo,
else 0. A phrase scores the lowest of its words, so all of them must be present. The score
of a group is an explainable weighted sum::

    concept = max over its terms t and fields f of  weight(t) × field_weight(f) × similarity
    score   = 0.8 × best concept + 0.2 × mean of all concepts

with field weights interests 1.0, name 0.9, description 0.7. The mean rewards groups that
cover more of a multi-word query ("knitting walking") without letting a partial match fail.

Typos are looked for only in typed words the synonym table does not know: a correctly spelled
domain word is not a typo, which is what keeps "choir" from finding chair exercise and
"knitting" from finding "kitting out". A typo must keep the first letter (people rarely get
it wrong, and it keeps "walking" from "talking") and stay within one edit (a letter added,
lost, changed, or two swapped) below 8 letters, two from 8; words under 5 letters must match
exactly or by stem.

Speed: comparing every query word with every description (fuzz.partial_ratio in
``process.cdist``) costs about 15 ms per word per 20,000 groups, and a query expands to a dozen
words. So the words of every row seen are memoised in a private index (word → rows, by first
letter for typos): a search reads only the rows of the words it matches, and
``process.cdist`` runs over the index's vocabulary, not over the descriptions. On a slow
2-core machine 20,000 rows then take 20–30 ms for a one- or two-word query, half of it the one
pass that checks each row against the memo; a row's first search costs it about 75 µs more.
The memo never changes a result, only how fast it comes.
"""

from __future__ import annotations

import functools
import threading
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from assetmap.text.words import (
    LEXICON,
    STEM,
    interest_keys,
    max_edits,
    normalise_interest,
    query_concepts,
    stem,
    typo_similarity,
    word_key,
    words_of,
)

#: interests, name, description: tags a listing chose say most, passing mentions least.
_FIELD_WEIGHTS = np.array([[1.0], [0.9], [0.7]])
_BEST, _COVERAGE = 0.8, 0.2
#: Rows the memo keeps before starting again: about 12 MB per 20,000 rows of listings with
#: 280-character descriptions, so at most some 60 MB.
_MAX_INDEXED_ROWS = 100_000
_ADD_BATCH = 2000


@dataclass(frozen=True)
class Candidate:
    """A group as the text ranking sees it."""

    id: int
    name: str
    description: str
    interests: tuple[str, ...]


@dataclass(frozen=True)
class TextMatch:
    """A group that matches, its score from 0 to 1, and the words that explain it."""

    id: int
    score: float
    matched: tuple[str, ...]


# ---- the memo: every row's words, and every word's rows -------------------------------------

_FIELDS = 3  # interests, name, description: a posting is row * _FIELDS + field
_INTERESTS = 0
_RowWords = list[tuple[int, str, str]]  # (field, key, display), each word once per field


def _row_words(candidate: Candidate) -> _RowWords:
    words: dict[tuple[int, str], str] = {}
    fields = (candidate.interests, (candidate.name,), (candidate.description,))
    for field, texts in enumerate(fields):
        for text in texts:
            for key, display in words_of(text):
                words.setdefault((field, key), display)
    return [(field, key, display) for (field, key), display in words.items()]


class _Index:
    """Word → rows postings for every candidate row seen, so a search reads only the rows of
    the words it matches. A group whose text changed is a new row; the old one is dropped
    when the memo starts again."""

    def __init__(self) -> None:
        self.rows: dict[int, tuple[int, str, str, tuple[str, ...]]] = {}  # by group id
        self.size = 0
        self.word_ids: dict[str, int] = {}
        self.displays: list[str] = []
        self.postings: list[array[int]] = []
        self.by_stem: dict[str, list[int]] = {}
        self.by_initial: dict[str, tuple[list[str], list[int]]] = {}

    def known(self, candidates: Sequence[Candidate]) -> tuple[list[int], list[int], list[int]]:
        """Each candidate's row number (-1 if not held as it is now), which are not, and
        the ids: this is the one pass over every candidate, so it reads them too."""
        numbers: list[int] = []
        missing: list[int] = []
        ids: list[int] = []
        get = self.rows.get
        for at, c in enumerate(candidates):
            ids.append(c.id)
            row = get(c.id)
            if row and row[1] == c.name and row[2] == c.description and row[3] == c.interests:
                numbers.append(row[0])
            else:
                numbers.append(-1)
                missing.append(at)
        return numbers, missing, ids

    def add(self, candidate: Candidate, words: _RowWords) -> int:
        row = self.rows.get(candidate.id)
        if row and row[1:] == (candidate.name, candidate.description, candidate.interests):
            return row[0]  # the same group twice in one search
        number = self.size
        self.size += 1
        self.rows[candidate.id] = (
            number,
            candidate.name,
            candidate.description,
            candidate.interests,
        )
        for field, key, display in words:
            self.postings[self._word_id(key, display)].append(number * _FIELDS + field)
        return number

    def _word_id(self, key: str, display: str) -> int:
        word_id = self.word_ids.get(key)
        if word_id is None:
            word_id = self.word_ids[key] = len(self.displays)
            self.displays.append(display)
            self.postings.append(array("i"))
            self.by_stem.setdefault(stem(key), []).append(word_id)
            keys, ids = self.by_initial.setdefault(key[0], ([], []))
            keys.append(key)
            ids.append(word_id)
        return word_id

    def similar(self, key: str) -> dict[int, float]:
        """Every held word ``key`` stands for, with its similarity."""
        found = dict.fromkeys(self.by_stem.get(stem(key), ()), STEM)
        allowed = 0 if key in LEXICON else max_edits(len(key))
        if allowed and key[0] in self.by_initial:
            keys, ids = self.by_initial[key[0]]
            edits = process.cdist(
                [key], keys, scorer=OSA.distance, score_cutoff=allowed, dtype=np.int32
            )[0]
            for at in np.flatnonzero((edits > 0) & (edits <= allowed)).tolist():
                similarity = typo_similarity(int(edits[at]), key, keys[at])
                found[ids[at]] = max(found.get(ids[at], 0.0), similarity)
        exact = self.word_ids.get(key)
        if exact is not None:
            found[exact] = 1.0
        return found


@dataclass(frozen=True)
class _Found:
    """What the memo holds for one search, copied out: a row number per candidate, and a
    posting per (query word, held word, row, field) with the similarity of the two words."""

    numbers: np.ndarray
    ids: np.ndarray
    size: int
    postings: np.ndarray
    atoms: np.ndarray  # which query word
    words: np.ndarray  # which held word
    similarity: np.ndarray
    displays: dict[int, str]


_index = _Index()
_index_lock = threading.Lock()


def _add_rows(candidates: list[Candidate]) -> None:
    """Add rows to the memo, splitting their words outside the lock, a batch at a time so
    other searches wait little and the words of 20,000 rows are never all held at once."""
    global _index
    for start in range(0, len(candidates), _ADD_BATCH):
        batch = candidates[start : start + _ADD_BATCH]
        words = [_row_words(candidate) for candidate in batch]
        with _index_lock:
            if _index.size + len(batch) > _MAX_INDEXED_ROWS:
                _index = _Index()
            for candidate, row_words in zip(batch, words, strict=True):
                _index.add(candidate, row_words)


def _lookup(candidates: Sequence[Candidate], keys: Sequence[str]) -> _Found:
    """Read the memo under its lock, adding the rows it does not hold yet."""
    with _index_lock:
        numbers, missing, ids = _index.known(candidates)
    if missing:
        _add_rows([candidates[at] for at in missing])
    with _index_lock:
        if missing:  # again: the memo may have started afresh meanwhile
            numbers, missing, ids = _index.known(candidates)
            for at in missing:
                numbers[at] = _index.add(candidates[at], _row_words(candidates[at]))
        postings, atoms, words_found, similarity = [], [], [], []
        for atom, key in enumerate(keys):
            for word_id, sim in sorted(_index.similar(key).items()):
                postings.append(np.array(_index.postings[word_id], dtype=np.int64))
                atoms.append(atom)
                words_found.append(word_id)
                similarity.append(sim)
        displays = {word_id: _index.displays[word_id] for word_id in words_found}
        size = _index.size
    sizes = [len(p) for p in postings]
    return _Found(
        numbers=np.array(numbers, dtype=np.int64),
        ids=np.array(ids, dtype=np.int64),
        size=size,
        postings=np.concatenate(postings) if postings else np.zeros(0, dtype=np.int64),
        atoms=np.repeat(np.array(atoms, dtype=np.int64), sizes),
        words=np.repeat(np.array(words_found, dtype=np.int64), sizes),
        similarity=np.repeat(np.array(similarity, dtype=np.float64), sizes),
        displays=displays,
    )


# ---- scoring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    text: str
    weight: float
    atoms: tuple[int, ...]  # its words, as indexes into _Plan.keys


@dataclass(frozen=True)
class _Plan:
    keys: tuple[str, ...]  # every distinct word of every term
    concepts: tuple[tuple[_Term, ...], ...]


@functools.lru_cache(maxsize=1024)
def _plan(text: str) -> _Plan:
    keys: dict[str, int] = {}
    concepts = []
    for concept in query_concepts(text):
        terms = []
        for term, weight in concept:
            words = dict.fromkeys(key for key, _ in words_of(term))
            if words:
                atoms = tuple(keys.setdefault(key, len(keys)) for key in words)
                terms.append(_Term(term, weight, atoms))
        if terms:
            concepts.append(tuple(terms))
    return _Plan(tuple(keys), tuple(concepts))


def _similarities(found: _Found, keys: int, n: int) -> tuple[np.ndarray, ...]:
    """The best similarity of each query word in each field of each row, shaped (query
    words, fields, rows); the position of each posting's row in this search (-1 for rows
    not in it); and each candidate's scoring position (a row given twice is scored once)."""
    position_of_row = np.full(found.size, -1, dtype=np.int64)
    position_of_row[found.numbers] = np.arange(n)
    same = position_of_row[found.numbers]
    position = position_of_row[found.postings // _FIELDS]
    here = position >= 0
    cells = (found.atoms[here] * _FIELDS + found.postings[here] % _FIELDS) * n + position[here]
    flat = np.zeros(keys * _FIELDS * n)
    np.maximum.at(flat, cells, found.similarity[here])
    return flat.reshape(keys, _FIELDS, n), position, same


def _field_max(values: np.ndarray) -> np.ndarray:
    """The best of the fields (axis -2), as two elementwise maxima: a reduction over an
    axis of three is many times slower."""
    return np.maximum(np.maximum(values[..., 0, :], values[..., 1, :]), values[..., 2, :])


def _term_scores(term: _Term, best: np.ndarray) -> np.ndarray:
    """weight × field weight × similarity, per field and row; a phrase by its weakest word."""
    if len(term.atoms) == 1:
        similarity = best[term.atoms[0]]
    else:
        similarity = np.minimum.reduce([best[atom] for atom in term.atoms])
    return term.weight * similarity * _FIELD_WEIGHTS


def _concept_scores(plan: _Plan, best: np.ndarray) -> np.ndarray:
    """Each concept's score for each row: its best term in its best field."""
    single_word = _field_max(best * _FIELD_WEIGHTS)
    scores = np.zeros((len(plan.concepts), best.shape[-1]))
    for c, terms in enumerate(plan.concepts):
        singles = [term for term in terms if len(term.atoms) == 1]
        if singles:
            weights = np.array([[term.weight] for term in singles])
            atoms = [term.atoms[0] for term in singles]
            scores[c] = (weights * single_word[atoms]).max(axis=0)
        for term in terms:
            if len(term.atoms) > 1:
                np.maximum(scores[c], _field_max(_term_scores(term, best)), out=scores[c])
    return scores


def _best_words(found: _Found, position: np.ndarray, wanted: np.ndarray) -> dict[tuple, int]:
    """For the wanted rows, the held word behind each (query word, row, field)'s best
    similarity; among equals the first in alphabetical order, so reasons are stable."""
    keep = position >= 0
    keep[keep] = wanted[position[keep]]
    atoms, rows = found.atoms[keep], position[keep]
    fields, words = found.postings[keep] % _FIELDS, found.words[keep]
    alphabetical = sorted(found.displays, key=lambda word_id: (found.displays[word_id], word_id))
    rank = {word_id: i for i, word_id in enumerate(alphabetical)}
    ranks = np.array([rank[word_id] for word_id in words.tolist()], dtype=np.int64)
    order = np.lexsort((ranks, -found.similarity[keep], fields, rows, atoms))
    chosen: dict[tuple, int] = {}
    columns = (atoms[order], rows[order], fields[order], words[order])
    for atom, row, field, word in zip(*(column.tolist() for column in columns), strict=True):
        chosen.setdefault((atom, row, field), word)
    return chosen


def _reasons(
    plan: _Plan,
    best: np.ndarray,
    rows: np.ndarray,
    words: dict[tuple, int],
    found: _Found,
    interests: list[tuple[str, ...]],
) -> list[tuple[str, ...]]:
    """Why each row matched: for every concept (strongest first), each term that reached its
    score there: the group's interests it was found in, else the word or phrase found."""
    sub = best[:, :, rows]
    hits: list[list[tuple[int, int, int]]] = [[] for _ in rows]
    for c, terms in enumerate(plan.concepts):
        scores = np.stack([_term_scores(term, sub) for term in terms])
        top = scores.max(axis=(0, 1))
        reached = (scores >= top - 1e-9) & (scores > 0)
        for t, field, j in zip(*(axis.tolist() for axis in np.nonzero(reached)), strict=True):
            hits[j].append((c, t, field))
    concept_scores = _concept_scores(plan, sub).T.tolist()
    explained = []
    for j, row in enumerate(rows.tolist()):
        in_interests: dict[int, set[str]] = {}
        elsewhere: dict[int, list[str]] = {}
        for c, t, field in hits[j]:
            term = plan.concepts[c][t]
            shown = [found.displays[words[(atom, row, field)]] for atom in term.atoms]
            if field == _INTERESTS:
                in_interests.setdefault(c, set()).update(word_key(word) for word in shown)
            else:
                elsewhere.setdefault(c, []).append(shown[0] if len(shown) == 1 else term.text)
        matched: dict[str, None] = {}
        for c in sorted(
            in_interests.keys() | elsewhere.keys(), key=lambda c: -concept_scores[j][c]
        ):
            keys = in_interests.get(c, set())
            for interest in interests[j]:
                if keys & interest_keys(interest):
                    matched[normalise_interest(interest)] = None
            matched.update(dict.fromkeys(elsewhere.get(c, [])))
        explained.append(tuple(matched))
    return explained


def scoring_words(text: str, words: Sequence[str]) -> list[str]:
    """The indexed ``words`` a group could score on for ``text``: the same word or stem as a
    word of the query, or a typo of one (as ``_Index.similar`` allows). A group holding none
    of them scores 0 however it is ranked, so a candidate stage may leave the others out
    without changing a result ("needs" and "needed" start as "needlecraft" does, and no
    listing scores on them)."""
    keys = _plan(text).keys
    if not keys or not words:
        return []
    stems = {stem(key) for key in keys}
    keep = np.array([stem(word) in stems for word in words], dtype=bool)
    typo_keys = [key for key in keys if key not in LEXICON and max_edits(len(key))]
    if typo_keys:
        allowed = np.array([[max_edits(len(key))] for key in typo_keys])
        edits = process.cdist(
            typo_keys, list(words), scorer=OSA.distance, score_cutoff=2, dtype=np.int32
        )
        initials = np.array([[word[:1] == key[:1] for word in words] for key in typo_keys])
        keep |= ((edits <= allowed) & initials).any(axis=0)
    return [word for word, kept in zip(words, keep.tolist(), strict=True) if kept]


def rank_text(
    text: str,
    candidates: Sequence[Candidate],
    *,
    min_score: float = 0.6,
    limit: int | None = None,
    explain: bool = True,
) -> list[TextMatch]:
    """Candidates that match the text, best first (ties by id), each with what matched
    (left empty with ``explain=False``, which saves the time of working it out)."""
    if limit is not None and limit < 0:
        raise ValueError("limit must be at least 0")
    plan = _plan(text)
    if not plan.concepts or not candidates or limit == 0:
        return []
    found = _lookup(candidates, plan.keys)
    n = len(candidates)
    best, position, same = _similarities(found, len(plan.keys), n)

    scores = _concept_scores(plan, best)
    total = np.round(_BEST * scores.max(axis=0) + _COVERAGE * scores.mean(axis=0), 4)[same]
    chosen = np.flatnonzero((total >= min_score) & (total > 0))
    ids = found.ids[chosen]
    chosen = chosen[np.lexsort((ids, -total[chosen]))][:limit]

    picked = [candidates[i] for i in chosen.tolist()]
    values = total[chosen].tolist()
    if not explain:
        return [TextMatch(c.id, value, ()) for c, value in zip(picked, values, strict=True)]
    rows = same[chosen]
    wanted = np.zeros(n, dtype=bool)
    wanted[rows] = True
    words = _best_words(found, position, wanted)
    reasons = _reasons(plan, best, rows, words, found, [c.interests for c in picked])
    return [
        TextMatch(c.id, value, matched)
        for c, value, matched in zip(picked, values, reasons, strict=True)
    ]
