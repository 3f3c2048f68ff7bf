"""The words of a query and of a listing, as the text ranking compares them.

Folding (case, accents, apostrophes), stems, typos within a word's length, and the synonym
table (``synonyms.toml``) that turns what was typed into the concepts a search looks for, each
with its terms and their weights. ``ranking.py`` says how those weights become a score.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA


def normalise_interest(text: str) -> str:
    """Interests are matched lower-case with single spaces, however they were typed."""
    return " ".join(text.lower().split())


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
STEM = 0.95
_MIN_TYPO_LENGTH = 5  # shorter words have too many one-edit neighbours (sing, song, sign)
_TWO_EDITS_FROM = 8
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
#: Every ASCII character but letters, digits and the apostrophe, to a space: splitting with
#: it is nearly twice as fast as the regular expression, which other scripts still use.
_SEPARATORS = {code: " " for code in range(128) if not (chr(code).isalnum() or chr(code) == "'")}


# ---- words ---------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Lower case without accents and with one kind of apostrophe: "Café" matches "cafe"."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("`", "'")
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Text as words are compared and indexed: lower case, no accents, one apostrophe."""
    return _fold(text)


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


def word_key(word: str) -> str:
    """What words are compared by: "men's" and "mens" are the same word."""
    return word.replace("'", "")


def stem(key: str) -> str:
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


def max_edits(length: int) -> int:
    if length < _MIN_TYPO_LENGTH:
        return 0
    return 2 if length >= _TWO_EDITS_FROM else 1


def typo_similarity(edits: int, a: str, b: str) -> float:
    return 1.0 - edits / max(len(a), len(b))


def words_of(text: str) -> list[tuple[str, str]]:
    """(key, display) for each word of a text that says something, in order."""
    folded = _fold(text)
    words = _split(folded)
    keys = [word_key(word) for word in words] if "'" in folded else words
    return [
        (key, word)
        for key, word in zip(keys, words, strict=True)
        if len(key) > 1 and key not in _FUNCTION_WORDS
    ]


@functools.lru_cache(maxsize=4096)
def interest_keys(interest: str) -> frozenset[str]:
    return frozenset(key for key, _ in words_of(interest))


# ---- the synonym table -----------------------------------------------------------------------


def _read_synonym_groups() -> list[tuple[str, ...]]:
    """The synonym groups of ``synonyms.toml``, in the file's order."""
    with (Path(__file__).parent / "synonyms.toml").open("rb") as file:
        sections = tomllib.load(file)
    return [tuple(group) for groups in sections.values() for group in groups]


def _synonym_table(groups: Iterable[tuple[str, ...]]) -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for group in groups:
        members = [_normalise(member) for member in group]
        for member in members:
            table.setdefault(member, set()).update(m for m in members if m != member)
    return {member: frozenset(others) for member, others in table.items()}


SYNONYMS: dict[str, frozenset[str]] = _synonym_table(_read_synonym_groups())

#: The table by key ("mens shed"), for looking up what was typed.
_ENTRIES: dict[str, str] = {word_key(entry): entry for entry in SYNONYMS}
_LONGEST_ENTRY = max(len(entry.split()) for entry in SYNONYMS)
#: Every word in the table, by first letter: the domain words typed words are corrected to.
LEXICON: frozenset[str] = frozenset(word_key(w) for entry in SYNONYMS for w in entry.split())
_LEXICON_BY_INITIAL: dict[str, list[str]] = {}
for _word in sorted(LEXICON):
    _LEXICON_BY_INITIAL.setdefault(_word[0], []).append(_word)
#: Table words by stem; a word that is an entry itself wins ("kniting" → knitting, not knit).
_LEXICON_BY_STEM: dict[str, str] = {}
for _word in sorted(LEXICON, key=lambda word: (word not in _ENTRIES, word)):
    _LEXICON_BY_STEM.setdefault(stem(_word), _word)
_DISPLAY: dict[str, str] = {word_key(w): w for entry in SYNONYMS for w in entry.split()}


@functools.lru_cache(maxsize=4096)
def _correct(key: str) -> tuple[str, float]:
    """The table word a typed word means, and how sure: itself at 1.0 if it is one."""
    if key in LEXICON or not key.isalpha():
        return key, _TYPED
    by_stem = _LEXICON_BY_STEM.get(stem(key))
    if by_stem is not None:
        return by_stem, STEM
    allowed = max_edits(len(key))
    choices = _LEXICON_BY_INITIAL.get(key[0], [])
    if allowed == 0 or not choices:
        return key, _TYPED
    found = process.extractOne(key, choices, scorer=OSA.distance, score_cutoff=allowed)
    if found is None:
        return key, _TYPED
    word, edits, _ = found
    return word, typo_similarity(int(edits), key, word)


# ---- query expansion ---------------------------------------------------------------------------

_Weighted = tuple[str, float]  # a query term and its weight


def _add(terms: dict[str, _Weighted], term: str, weight: float) -> None:
    """Keep each term once (by key), at the highest weight it was reached with."""
    key, weight = word_key(term), round(weight, 4)
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
def query_concepts(text: str) -> tuple[tuple[_Weighted, ...], ...]:
    """The query as concepts, each the terms (with weights) that can stand for it."""
    words = _normalise(text).split()
    fixed = [_correct(word_key(word)) for word in words]
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
                elif keys[start] != word_key(words[start]):
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
            key = word_key(word)
            if key not in _FUNCTION_WORDS and key not in _GENERIC_WORDS:
                words[word] = None
    return list(words)


def expand_query(text: str) -> list[tuple[str, float]]:
    """What a search looks for: the typed words and phrases, their corrections and synonyms,
    each with a weight (1.0 as typed, 0.85 for a synonym), strongest first."""
    terms: dict[str, _Weighted] = {}
    for concept in query_concepts(text):
        for term, weight in concept:
            _add(terms, term, weight)
    return sorted(terms.values(), key=lambda term: -term[1])
