"""The timetable router's benchmark imports and runs at its smallest sizes."""

from __future__ import annotations

import math
import random

from assetmap.geo.transit.ferrobus_engine import FerrobusEngine
from bench import transit


def test_the_smallest_transit_bench_runs_and_reports_every_figure():
    sizes = transit.Sizes(venues=5, origins=20, compare_origins=1, repeats=1)
    results = transit.run(sizes, echo=lambda _: None)

    assert len(results.import_s) == len(results.load_s) == 1
    assert results.reached > 0
    assert math.isfinite(results.journey_median)
    assert 0.0 < results.bulk_reached <= 1.0
    section = transit.section(results, "test machine")
    assert section.startswith("## Public transport from the timetable")
    assert "20 × 5" in section


def test_venues_are_reproducible_and_start_from_the_served_stops(tmp_path):
    engine = FerrobusEngine.load(transit.GTFS, transit.OSM, transit.TUESDAY, tmp_path)
    model = engine._model_for(transit.WALKING)
    stops = transit.served_stops()

    first = transit.venue_points(model, len(stops) + 20, random.Random(transit.SEED))
    again = transit.venue_points(model, len(stops) + 20, random.Random(transit.SEED))

    assert first == again
    assert len(stops) > 150
    assert set(first[:-20]) <= set(stops)
    assert all(transit._inside(p.lat, p.lon) for p in first)
