"""How well a group fits, as a weighted sum of four parts a link worker can check by eye.

    score = 0.40 × interest + 0.25 × travel + 0.20 × capacity + 0.15 × freshness

Each part runs from 0 to 1:

* **interest**: the fuzzy text match of the person's interests against the group's interests,
  name and description (typos and synonyms included: ``text.ranking``), and whether the
  group is in a category they asked for. With both asked for: 0.75 × text + 0.25 × category;
  with one, that one; with neither, 1 (no preference). A group scoring 0 here is left out:
  it has nothing to do with what the person wants.
* **travel**: 1 − minutes ÷ the person's budget. A group that collects the person from their
  door scores 0.3 however long the round takes: the journey is not theirs to manage.
* **capacity**: places free 0.7 plus 0.06 a place, up to 1 at five or more; not known 0.6;
  full or on a waiting list 0.3, less as the list grows (0.3 × 5 ÷ (5 + people waiting)).
* **freshness**: verified recently 1, due for re-verification 0.6, stale 0.25.

An outing (the journey both ways plus the session) within a quarter of an hour of the
person's longest time away from home multiplies the score by 0.7: it can be done, but only
just, so it never ranks as a strong fit (``outing``).

Ties are broken by the quicker journey, then more places free, then the lower id.
"""

from __future__ import annotations

from assetmap.matching.results import Components
from assetmap.verification.policy import Freshness

WEIGHTS = {"interest": 0.40, "travel": 0.25, "capacity": 0.20, "freshness": 0.15}
TEXT_SHARE, CATEGORY_SHARE = 0.75, 0.25
#: Text matches weaker than this are noise (a shared common word), not a fit.
MIN_TEXT_SCORE = 0.35
PICKUP_TRAVEL = 0.3
FRESHNESS_SCORES = {Freshness.FRESH: 1.0, Freshness.DUE: 0.6, Freshness.STALE: 0.25}
#: A very stale listing (see freshness.policy) scores nothing for freshness and half overall:
#: it may well have stopped, so it sinks below every listing that fits about as well.
VERY_STALE_FRESHNESS, VERY_STALE_FACTOR = 0.0, 0.5
SPARE_BASE, SPARE_PER_PLACE, SPARE_FULL_AT = 0.7, 0.06, 5
CAPACITY_UNKNOWN = 0.6
#: An outing close to the person's limit: the whole score is scaled by this.
OUTING_CLOSE_FACTOR = 0.7
FULL, WAITING_HALF_AT = 0.3, 5


def interest_score(
    text: float | None, category_hit: bool | None, *, wants_text: bool, wants_category: bool
) -> float:
    """``text``: the fuzzy score (None when no interests were given); ``category_hit``: the
    group is in a wanted category."""
    text_part = text if text is not None and text >= MIN_TEXT_SCORE else 0.0
    category_part = 1.0 if category_hit else 0.0
    if wants_text and wants_category:
        return TEXT_SHARE * text_part + CATEGORY_SHARE * category_part
    if wants_text:
        return text_part
    if wants_category:
        return category_part
    return 1.0


def travel_score(minutes: float, budget: float, by_pickup: bool) -> float:
    if by_pickup and minutes > budget:
        return PICKUP_TRAVEL
    if by_pickup:
        return max(PICKUP_TRAVEL, 1 - minutes / budget)
    return min(1.0, max(0.0, 1 - minutes / budget))


def capacity_score(spare: int | None, full: bool, waiting: int | None) -> float:
    if full:
        return FULL * WAITING_HALF_AT / (WAITING_HALF_AT + (waiting or 0))
    if spare is None:
        return CAPACITY_UNKNOWN
    return min(1.0, SPARE_BASE + SPARE_PER_PLACE * min(spare, SPARE_FULL_AT))


def components(
    interest: float,
    travel: float,
    capacity: float,
    freshness: Freshness,
    *,
    very_stale: bool = False,
) -> Components:
    return Components(
        interest=round(interest, 3),
        travel=round(travel, 3),
        capacity=round(capacity, 3),
        freshness=VERY_STALE_FRESHNESS if very_stale else FRESHNESS_SCORES[freshness],
    )


def score(
    interest: float,
    travel: float,
    capacity: float,
    freshness: Freshness,
    *,
    very_stale: bool = False,
    outing_close: bool = False,
) -> float:
    """``total(components(...))`` without building the parts: the same float operations in
    the same order, so the same score to the last bit. A match scores up to 2,000 groups and
    explains ten; only those ten need their ``Components``."""
    value = (
        WEIGHTS["interest"] * round(interest, 3)
        + WEIGHTS["travel"] * round(travel, 3)
        + WEIGHTS["capacity"] * round(capacity, 3)
        + WEIGHTS["freshness"]
        * (VERY_STALE_FRESHNESS if very_stale else FRESHNESS_SCORES[freshness])
    )
    if very_stale:
        value *= VERY_STALE_FACTOR
    if outing_close:
        value *= OUTING_CLOSE_FACTOR
    return round(value, 3)


def total(parts: Components, *, very_stale: bool = False, outing_close: bool = False) -> float:
    score = sum(WEIGHTS[name] * value for name, value in parts.as_dict().items())
    if very_stale:
        score *= VERY_STALE_FACTOR
    if outing_close:
        score *= OUTING_CLOSE_FACTOR
    return round(score, 3)
