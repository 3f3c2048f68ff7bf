"""Duplicate detection on a fixture with known duplicates and near-misses: precision, recall,
and the queue's rules (decided pairs stay decided, open pairs refreshed, the import hook)."""

from __future__ import annotations

from assetmap.interop.duplicates import (
    likely_pairs,
)
from tests.interop.dupes_data import load_all

#: The truth: the pairs of fixture records that are one group.
DUPLICATES = {
    ("knit-ktcc", "knit-ktcc-renamed"),  # renamed, same venue
    ("yoga-oruk", "yoga-sheet"),  # two sources, the phone in two formats
    ("shed", "shed-typo"),  # a typo'd name
    ("walk", "walk-gate"),  # meeting points 150 m apart, same email
    ("choir", "choir-order"),  # words in another order, no contact
    ("dementia", "dementia-novenue"),  # an accent; one without a venue, same phone
    ("bereave", "bereave-peer"),  # fairly similar names, near, same email
    ("over50", "over50-club"),  # a hyphen and "Club"
    ("lunch", "lunch-renamed"),  # renamed beyond recognition: not expected to be found
}


def _found(database, ids: dict[str, int]) -> set[frozenset[str]]:
    ref_of = {v: k for k, v in ids.items()}
    with database.session() as session:
        pairs = likely_pairs(session)
    return {frozenset((ref_of[a], ref_of[b])) for a, b in pairs}


def test_precision_and_recall_on_the_fixture(database, backend, capsys):
    ids = load_all(database)
    found = _found(database, ids)
    truth = {frozenset(p) for p in DUPLICATES}
    true_positives = found & truth
    precision = len(true_positives) / len(found)
    recall = len(true_positives) / len(truth)
    with capsys.disabled():
        print(
            f"\nduplicates fixture ({backend.value}): {len(found)} pairs queued, "
            f"{len(true_positives)} of {len(truth)} known duplicates found; "
            f"precision {precision:.2f}, recall {recall:.2f}"
        )
        for pair in sorted(tuple(sorted(p)) for p in found - truth):
            print("  false positive:", pair)
        for pair in sorted(tuple(sorted(p)) for p in truth - found):
            print("  missed:", pair)
    assert precision == 1.0
    assert recall >= 0.85
