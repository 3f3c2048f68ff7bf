"""'Did you mean …?' for a search that found nothing: the interest groups list that is nearest
to what was typed. The text search already forgives most typos; this catches the ones its
first-letters net misses ("nitting") and words no group uses, close to one that some do."""

from __future__ import annotations

from rapidfuzz import fuzz, process
from sqlalchemy.orm import Session

from assetmap.directory.reads import common_interests
from assetmap.text.words import normalise_interest

#: How many listed interests to compare with, most common first.
VOCABULARY = 2000
#: How alike (0 to 100) a listed interest must be to be suggested.
ALIKE = 75.0


def did_you_mean(session: Session, text: str) -> str | None:
    """The listed interest nearest to ``text``, if it is close and not ``text`` itself."""
    typed = normalise_interest(text)
    if not typed:
        return None
    interests = common_interests(session, VOCABULARY)
    if typed in interests:
        return None
    found = process.extractOne(typed, interests, scorer=fuzz.ratio, score_cutoff=ALIKE)
    return found[0] if found else None
