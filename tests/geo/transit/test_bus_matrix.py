"""The bus matrix's cache and how a bus matrix folds into the estimate's."""

from __future__ import annotations

import numpy as np

from assetmap.geo.transit.bus_matrix import MatrixCache, quickest_with_bus

INF = np.inf


def test_the_quickest_own_way_wins_and_door_to_door_only_when_none_is_in_budget():
    own_only = np.array([10.0, 50.0, 50.0, INF])
    with_pickup = np.array([10.0, 20.0, 20.0, INF])  # the group collects at 1 and 2
    bus = np.array([25.0, 25.0, 40.0, INF])

    got = quickest_with_bus(own_only, with_pickup, bus, budget=30)

    np.testing.assert_array_equal(got, [10.0, 25.0, 20.0, INF])


def test_the_cache_keeps_the_most_recently_used_and_computes_once():
    cache = MatrixCache(max_entries=2)
    calls: list[str] = []

    def compute(name: str):
        def run() -> np.ndarray:
            calls.append(name)
            return np.zeros(1)

        return run

    cache.get_or_compute(("a",), compute("a"))
    cache.get_or_compute(("b",), compute("b"))
    cache.get_or_compute(("a",), compute("a"))
    cache.get_or_compute(("c",), compute("c"))  # drops b, the least recently used
    cache.get_or_compute(("a",), compute("a"))
    cache.get_or_compute(("b",), compute("b"))

    assert calls == ["a", "b", "c", "b"]
    assert len(cache) == 2
