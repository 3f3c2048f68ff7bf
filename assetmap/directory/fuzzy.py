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
import re
import threading
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from assetmap.directory.schemas import normalise_interest

#: Interest synonym groups: every member stands for each of the others.
_SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    # creative
    (
        "knitting",
        "crochet",
        "sewing",
        "crafts",
        "knit and natter",
        "needlecraft",
        "quilting",
        "embroidery",
    ),
    ("art", "painting", "drawing", "crafts", "sketching", "watercolour"),
    ("singing", "choir", "music", "singalong"),
    ("music", "ukulele", "band", "musical instruments"),
    ("creative writing", "writing", "poetry", "storytelling"),
    ("book club", "reading group", "reading", "books"),
    ("drama", "theatre", "acting", "amateur dramatics"),
    ("photography", "camera club", "photos"),
    ("film club", "cinema", "films"),
    ("cooking", "baking", "cookery", "healthy eating"),
    # connecting and social
    ("men's shed", "woodwork", "diy", "repairs", "carpentry", "making and mending"),
    ("men's shed", "men's group", "men's health", "men's breakfast"),
    ("repair cafe", "repairs", "fixing", "mending"),
    ("coffee morning", "coffee and chat", "tea and chat", "social"),
    ("lunch club", "luncheon club", "community meal", "social eating", "social"),
    ("befriending", "company", "friendship", "loneliness", "isolation"),
    ("games", "board games", "cards", "bingo", "quiz", "chess", "dominoes"),
    ("dementia cafe", "memory cafe", "dementia support", "memory loss"),
    ("carers", "carers support", "carers group", "caring"),
    ("peer support", "support group", "mutual support", "self help"),
    ("mental health", "wellbeing", "mental wellbeing", "anxiety", "talking therapies"),
    ("bereavement", "grief", "bereavement support"),
    ("sight loss", "visual impairment", "low vision"),
    ("hearing loss", "deaf", "lip reading", "hard of hearing"),
    # active
    ("walking", "rambling", "hiking", "walking for health", "health walks", "nordic walking"),
    ("walking football", "walking netball", "walking sports"),
    ("gardening", "allotment", "growing", "horticulture", "community garden", "green gym"),
    ("chair exercise", "seated exercise", "gentle exercise", "chair based exercise", "chair yoga"),
    ("exercise", "keep fit", "fitness", "aerobics"),
    ("yoga", "pilates", "stretching", "chair yoga"),
    ("tai chi", "qigong"),
    ("dance", "tea dance", "ballroom", "line dancing", "sequence dancing"),
    ("swimming", "aqua aerobics", "aquafit"),
    ("falls prevention", "strength and balance", "balance"),
    ("cycling", "bike rides", "bikes"),
    ("bowls", "lawn bowls", "short mat bowls", "bowling"),
    ("fishing", "angling"),
    # practical help
    ("debt advice", "money advice", "benefits advice", "welfare rights", "budgeting"),
    ("housing advice", "housing", "homelessness", "tenancy support"),
    ("food bank", "food parcels", "community pantry", "food support"),
    ("job club", "employment support", "jobs", "careers advice"),
    # learning
    ("digital skills", "computers", "internet", "silver surfers", "tablets", "smartphones"),
    ("english conversation", "esol", "english classes", "english language"),
    ("local history", "history", "heritage", "museum"),
    # volunteering, faith, nature
    ("volunteering", "volunteer", "helping others"),
    ("faith", "worship", "prayer group", "bible study", "spirituality"),
    ("nature", "wildlife", "birdwatching", "conservation", "outdoors"),
)


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: Words that carry no interest of their own; never indexed, never a concept.
_FUNCTION_WORDS = _word_set(
    "a an and are as at be but by can for from has have i if in is it its me my no not of on"
    " or our out so that the their there they this to up us was we were who will with you your"
)
#: Words that say "a group" rather than what it does: "walking group" must not match every
#: group with "group" in its name. Used only when a query has nothing else.
_GENERIC_WORDS = _word_set(
    "activity activities class classes club clubs group groups local meet meeting meetup"
    " near nearby session sessions weekly"
)

_TYPED = 1.0
_PHRASE_PART = 0.75  # a word of a known phrase alone is weaker evidence than the phrase
_SYNONYM = 0.85
_STEM = 0.95
#: interests, name, description: tags a listing chose say most, passing mentions least.
_FIELD_WEIGHTS = np.array([[1.0], [0.9], [0.7]])
_BEST, _COVERAGE = 0.8, 0.2
_MIN_TYPO_LENGTH = 5  # shorter words have too many one-edit neighbours (sing, song, sign)
_TWO_EDITS_FROM = 8
#: Rows the memo keeps before starting again: about 12 MB per 20,000 rows of listings with
#: 280-character descriptions, so at most some 60 MB.
_MAX_INDEXED_ROWS = 100_000
_ADD_BATCH = 2000

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
#: Every ASCII character but letters, digits and the apostrophe, to a space: splitting with
#: it is nearly twice as fast as the regular expression, which other scripts still use.
_SEPARATORS = {code: " " for code in range(128) if not (chr(code).isalnum() or chr(code) == "'")}


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


# ---- words ---------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Lower case without accents and with one kind of apostrophe: "Café" matches "cafe"."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("`", "'")
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _split(folded: str) -> list[str]:
    """The words of folded text: letters and digits, with any apostrophe inside a word."""
    if not folded.isascii():
        return _WORD.findall(folded)
    words = folded.translate(_SEPARATORS).split()
    if "'" not in folded:
        return words
    return [word for word in (w.strip("'") for w in words) if word]


def _normalise(text: str) -> str:
    """A query or table entry as words: "  Men’s  Shed!" → "men's shed", "tai-chi" → "tai chi"."""
    return normalise_interest(" ".join(_split(_fold(text).replace("&", " and "))))


def _key(word: str) -> str:
    """What words are compared by: "men's" and "mens" are the same word."""
    return word.replace("'", "")


def _stem(key: str) -> str:
    """A light suffix-stripper, enough for walks/walking/walkers → walk, classes → class."""
    if len(key) <= 3:
        return key
    if key.endswith("ies") and len(key) > 4:
        key = key[:-3] + "y"
    elif key.endswith("sses"):
        key = key[:-2]
    elif key.endswith("s") and not key.endswith(("ss", "us", "is")):
        key = key[:-1]
    for suffix in ("ing", "er", "ed"):
        if key.endswith(suffix) and len(key) - len(suffix) >= 3:
            key = key[: -len(suffix)]
            if len(key) > 3 and key[-1] == key[-2] and key[-1] not in "lsz":
                key = key[:-1]  # knitting → knitt → knit
            break
    if key.endswith("e") and len(key) > 3:
        key = key[:-1]  # dance and dancing → danc
    return key


def _max_edits(length: int) -> int:
    if length < _MIN_TYPO_LENGTH:
        return 0
    return 2 if length >= _TWO_EDITS_FROM else 1


def _typo_similarity(edits: int, a: str, b: str) -> float:
    return 1.0 - edits / max(len(a), len(b))


def _words(text: str) -> list[tuple[str, str]]:
    """(key, display) for each word of a text that says something, in order."""
    folded = _fold(text)
    words = _split(folded)
    keys = [_key(word) for word in words] if "'" in folded else words
    return [
        (key, word)
        for key, word in zip(keys, words, strict=True)
        if len(key) > 1 and key not in _FUNCTION_WORDS
    ]


@functools.lru_cache(maxsize=4096)
def _interest_keys(interest: str) -> frozenset[str]:
    return frozenset(key for key, _ in _words(interest))


# ---- the synonym table -----------------------------------------------------------------------


def _synonym_table(groups: Iterable[tuple[str, ...]]) -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for group in groups:
        members = [_normalise(member) for member in group]
        for member in members:
            table.setdefault(member, set()).update(m for m in members if m != member)
    return {member: frozenset(others) for member, others in table.items()}


SYNONYMS: dict[str, frozenset[str]] = _synonym_table(_SYNONYM_GROUPS)

#: The table by key ("mens shed"), for looking up what was typed.
_ENTRIES: dict[str, str] = {_key(entry): entry for entry in SYNONYMS}
_LONGEST_ENTRY = max(len(entry.split()) for entry in SYNONYMS)
#: Every word in the table, by first letter: the domain words typed words are corrected to.
_LEXICON: frozenset[str] = frozenset(_key(w) for entry in SYNONYMS for w in entry.split())
_LEXICON_BY_INITIAL: dict[str, list[str]] = {}
for _word in sorted(_LEXICON):
    _LEXICON_BY_INITIAL.setdefault(_word[0], []).append(_word)
#: Table words by stem; a word that is an entry itself wins ("kniting" → knitting, not knit).
_LEXICON_BY_STEM: dict[str, str] = {}
for _word in sorted(_LEXICON, key=lambda word: (word not in _ENTRIES, word)):
    _LEXICON_BY_STEM.setdefault(_stem(_word), _word)
_DISPLAY: dict[str, str] = {_key(w): w for entry in SYNONYMS for w in entry.split()}


@functools.lru_cache(maxsize=4096)
def _correct(key: str) -> tuple[str, float]:
    """The table word a typed word means, and how sure: itself at 1.0 if it is one."""
    if key in _LEXICON or not key.isalpha():
        return key, _TYPED
    by_stem = _LEXICON_BY_STEM.get(_stem(key))
    if by_stem is not None:
        return by_stem, _STEM
    allowed = _max_edits(len(key))
    choices = _LEXICON_BY_INITIAL.get(key[0], [])
    if allowed == 0 or not choices:
        return key, _TYPED
    found = process.extractOne(key, choices, scorer=OSA.distance, score_cutoff=allowed)
    if found is None:
        return key, _TYPED
    word, edits, _ = found
    return word, _typo_similarity(int(edits), key, word)


# ---- query expansion ---------------------------------------------------------------------------

_Weighted = tuple[str, float]  # a query term and its weight


def _add(terms: dict[str, _Weighted], term: str, weight: float) -> None:
    """Keep each term once (by key), at the highest weight it was reached with."""
    key, weight = _key(term), round(weight, 4)
    if key not in terms or terms[key][1] < weight:
        terms[key] = (terms[key][0] if key in terms else term, weight)


def _with_synonyms(terms: dict[str, _Weighted], entry: str, weight: float) -> None:
    _add(terms, entry, weight)
    for synonym in sorted(SYNONYMS.get(entry, ())):
        _add(terms, synonym, _SYNONYM * weight)


def _phrase_at(keys: list[str], start: int) -> tuple[str, int] | None:
    """The longest table phrase of two or more words starting at ``start``, and its length."""
    for length in range(min(_LONGEST_ENTRY, len(keys) - start), 1, -1):
        entry = _ENTRIES.get(" ".join(keys[start : start + length]))
        if entry is not None:
            return entry, length
    return None


@functools.lru_cache(maxsize=1024)
def _concepts(text: str) -> tuple[tuple[_Weighted, ...], ...]:
    """The query as concepts, each the terms (with weights) that can stand for it."""
    words = _normalise(text).split()
    fixed = [_correct(_key(word)) for word in words]
    keys = [key for key, _ in fixed]
    if all(key in _FUNCTION_WORDS or key in _GENERIC_WORDS for key in keys):
        skip = _FUNCTION_WORDS  # "club" alone: look for clubs
    else:
        skip = _FUNCTION_WORDS | _GENERIC_WORDS
    concepts: list[tuple[_Weighted, ...]] = []
    start = 0
    while start < len(words):
        terms: dict[str, _Weighted] = {}
        phrase = _phrase_at(keys, start)
        if phrase is not None:
            entry, length = phrase
            span = range(start, start + length)
            _with_synonyms(terms, entry, min(fixed[i][1] for i in span))
            for i in span:
                if keys[i] not in skip:
                    _add(terms, _DISPLAY.get(keys[i], keys[i]), _PHRASE_PART * fixed[i][1])
                    _add(terms, words[i], _PHRASE_PART)
        else:
            length = 1
            if keys[start] not in skip:
                _add(terms, words[start], _TYPED)
                entry = _DISPLAY.get(keys[start], keys[start])
                if entry in SYNONYMS:
                    _with_synonyms(terms, entry, fixed[start][1])
                elif keys[start] != _key(words[start]):
                    _add(terms, entry, fixed[start][1])
        if terms:
            concepts.append(tuple(terms.values()))
        start += length
    return tuple(concepts)


def distinctive_words(text: str) -> list[str]:
    """The words of the expanded query worth looking for in a database prefilter: not
    function words ("and") nor words that only say "a group" ("club", "group")."""
    words: dict[str, None] = {}
    for term, _weight in expand_query(text):
        for word in term.split():
            key = _key(word)
            if key not in _FUNCTION_WORDS and key not in _GENERIC_WORDS:
                words[word] = None
    return list(words)


def expand_query(text: str) -> list[tuple[str, float]]:
    """What a search looks for: the typed words and phrases, their corrections and synonyms,
    each with a weight (1.0 as typed, 0.85 for a synonym), strongest first."""
    terms: dict[str, _Weighted] = {}
    for concept in _concepts(text):
        for term, weight in concept:
            _add(terms, term, weight)
    return sorted(terms.values(), key=lambda term: -term[1])


# ---- the memo: every row's words, and every word's rows -------------------------------------

_FIELDS = 3  # interests, name, description: a posting is row * _FIELDS + field
_INTERESTS = 0
_RowWords = list[tuple[int, str, str]]  # (field, key, display), each word once per field


def _row_words(candidate: Candidate) -> _RowWords:
    words: dict[tuple[int, str], str] = {}
    fields = (candidate.interests, (candidate.name,), (candidate.description,))
    for field, texts in enumerate(fields):
        for text in texts:
            for key, display in _words(text):
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
            self.by_stem.setdefault(_stem(key), []).append(word_id)
            keys, ids = self.by_initial.setdefault(key[0], ([], []))
            keys.append(key)
            ids.append(word_id)
        return word_id

    def similar(self, key: str) -> dict[int, float]:
        """Every held word ``key`` stands for, with its similarity."""
        found = dict.fromkeys(self.by_stem.get(_stem(key), ()), _STEM)
        allowed = 0 if key in _LEXICON else _max_edits(len(key))
        if allowed and key[0] in self.by_initial:
            keys, ids = self.by_initial[key[0]]
            edits = process.cdist(
                [key], keys, scorer=OSA.distance, score_cutoff=allowed, dtype=np.int32
            )[0]
            for at in np.flatnonzero((edits > 0) & (edits <= allowed)).tolist():
                similarity = _typo_similarity(int(edits[at]), key, keys[at])
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
    for concept in _concepts(text):
        terms = []
        for term, weight in concept:
            words = dict.fromkeys(key for key, _ in _words(term))
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
                in_interests.setdefault(c, set()).update(_key(word) for word in shown)
            else:
                elsewhere.setdefault(c, []).append(shown[0] if len(shown) == 1 else term.text)
        matched: dict[str, None] = {}
        for c in sorted(
            in_interests.keys() | elsewhere.keys(), key=lambda c: -concept_scores[j][c]
        ):
            keys = in_interests.get(c, set())
            for interest in interests[j]:
                if keys & _interest_keys(interest):
                    matched[normalise_interest(interest)] = None
            matched.update(dict.fromkeys(elsewhere.get(c, [])))
        explained.append(tuple(matched))
    return explained


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
