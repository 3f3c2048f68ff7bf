"""``scoring.score`` is ``total(components(...))`` to the last bit, without the parts."""

from __future__ import annotations

import itertools
import random

from assetmap.matching import scoring
from assetmap.verification.policy import Freshness


def test_the_score_alone_equals_the_total_of_its_parts() -> None:
    pick = random.Random(18)
    values = [0.0, 1.0, 0.3, 0.35, 0.6, 0.7, 0.1 + 0.2, 2 / 3] + [pick.random() for _ in range(40)]
    for interest, travel, capacity in itertools.product(values[:14], values[:12], values[:10]):
        for freshness, very_stale, close in itertools.product(
            Freshness, (False, True), (False, True)
        ):
            parts = scoring.components(interest, travel, capacity, freshness, very_stale=very_stale)
            expected = scoring.total(parts, very_stale=very_stale, outing_close=close)
            got = scoring.score(
                interest, travel, capacity, freshness, very_stale=very_stale, outing_close=close
            )
            assert got == expected
            assert repr(got) == repr(expected)
