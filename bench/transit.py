"""Time the timetable router (issue 16) on the real Newport feed and street extract.

Four figures, each on its own:

- *import*: ``import_feed`` of the Newport GTFS zip and OSM extract into a fresh instance folder
  and SpatiaLite database (the checks, the copies, the registry row; the registry is one row,
  so SpatiaLite alone);
- *engine load*: ``FerrobusEngine.load`` (the feed unpacked, the model and its step-free copy);
- *journeys*: one person from Friars Walk (Newport bus station) to 300 venue points over
  Tuesday 07:00-10:00 every 10 minutes, median and worst per destination (a summary query per
  departure, the median departure followed in full), at the typical pace and at a slow one;
  beside it, once, every departure as a detailed journey (how ``journeys`` worked before it
  ranked on the summary), for the ratio;
- *matrix*: ``bulk_matrix`` (ferrobus's ``travel_time_matrix``) for 6,000 origins sampled in
  the extract's area to the same 300 venues over the same window, and, on the first 50
  origins, ``matrix`` (one summary query per origin and departure) beside it, with how far
  their answers agree.

The venues are the feed's served stops inside the extract and points sampled round them
(within 400 m, kept where ferrobus links them to the street network), all from a fixed seed.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import statistics
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ferrobus
import numpy as np

from assetmap import schema
from assetmap.config import Config
from assetmap.db import Database
from assetmap.geo.spatial import Point
from assetmap.geo.transit.engine import Walking
from assetmap.geo.transit.ferrobus_engine import FerrobusEngine
from assetmap.geo.transit.ferrobus_feed import read_rows
from assetmap.geo.transit.registry import import_feed
from assetmap.geo.transit.window import DepartureWindow

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "newport"
GTFS = DATA / "newport-20230613_gtfs.zip"
OSM = DATA / "newport-2023-06-13.osm.pbf"
TUESDAY = dt.date(2023, 6, 13)
WINDOW = DepartureWindow(TUESDAY, dt.time(7, 0), dt.time(10, 0), 10)
#: Friars Walk 11, Newport bus station.
FRIARS_WALK = Point(51.587681, -2.994448)
#: The street extract's road network (tests/data/newport/README.md): min lon, min lat, max
#: lon, max lat.
EXTRACT = (-3.094, 51.518, -2.868, 51.599)
SEED = 16
AROUND_M = 400.0
WALKING = Walking(m_per_s=1.4)
#: A slow walker (about 2.9 km/h) with the same longest walk.
SLOW = Walking(m_per_s=0.8)


@dataclass(frozen=True)
class Sizes:
    venues: int = 300
    origins: int = 6000
    compare_origins: int = 50
    repeats: int = 3


QUICK = Sizes(venues=30, origins=100, compare_origins=1, repeats=1)


@dataclass
class Results:
    sizes: Sizes
    import_s: list[float] = field(default_factory=list)
    load_s: list[float] = field(default_factory=list)
    journeys_s: list[float] = field(default_factory=list)
    slow_journeys_s: list[float] = field(default_factory=list)
    detailed_s: float = 0.0
    reached: int = 0
    journey_median: float = math.inf
    journey_worst: float = math.inf
    bulk_s: list[float] = field(default_factory=list)
    bulk_reached: float = 0.0
    loop_small_s: float = 0.0
    bulk_small_s: float = 0.0
    agree: float = 0.0
    agree_5: float = 0.0
    compared: int = 0
    bulk_only: int = 0
    loop_only: int = 0
    every_departure: int = 0


def p50(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = action()
    return time.perf_counter() - start, out


def _inside(lat: float, lon: float) -> bool:
    min_lon, min_lat, max_lon, max_lat = EXTRACT
    return min_lon <= lon <= max_lon and min_lat <= lat <= max_lat


def served_stops() -> list[Point]:
    """The feed's stops that a trip calls at and that lie inside the street extract."""
    with zipfile.ZipFile(GTFS) as archive:
        served = {r["stop_id"] for r in read_rows(archive, "stop_times.txt")}
        stops = read_rows(archive, "stops.txt")
    points = [
        Point(float(r["stop_lat"]), float(r["stop_lon"]))
        for r in stops
        if r["stop_id"] in served and _inside(float(r["stop_lat"]), float(r["stop_lon"]))
    ]
    return sorted(set(points), key=lambda p: (p.lat, p.lon))


def _linked(model: Any, point: Point) -> bool:
    reach_s = int(WALKING.max_walk_m / 1.4)
    try:
        ferrobus.create_transit_point(point.lat, point.lon, model, reach_s, 10)
    except (ValueError, RuntimeError):
        return False
    return True


def venue_points(model: Any, count: int, rng: random.Random) -> list[Point]:
    """``count`` venues: served stops inside the extract first, then points within
    ``AROUND_M`` of a random one that ferrobus links to the street network."""
    stops = served_stops()
    out = [p for p in stops if _linked(model, p)][:count]
    while len(out) < count:
        stop = rng.choice(stops)
        distance, bearing = AROUND_M * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
        dlat = distance * math.cos(bearing) / 111_320
        dlon = distance * math.sin(bearing) / (111_320 * math.cos(math.radians(stop.lat)))
        candidate = Point(stop.lat + dlat, stop.lon + dlon)
        if _inside(candidate.lat, candidate.lon) and _linked(model, candidate):
            out.append(candidate)
    return out


def origin_points(model: Any, count: int, rng: random.Random) -> list[Point]:
    """``count`` homes sampled uniformly in the extract's area, kept where ferrobus links
    them to the street network."""
    min_lon, min_lat, max_lon, max_lat = EXTRACT
    out: list[Point] = []
    while len(out) < count:
        candidate = Point(rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon))
        if _linked(model, candidate):
            out.append(candidate)
    return out


def time_import(folder: Path) -> float:
    """Seconds for ``import_feed`` (feed and extract) into a fresh instance and database; the
    schema is made first and not counted."""
    config = Config(
        database_url=f"sqlite:///{folder / 'registry.db'}",
        secret_key="bench",
        instance_path=str(folder),
    )
    database = Database(config)
    schema.upgrade(database)
    start = time.perf_counter()
    with database.session() as session:
        import_feed(session, folder, GTFS, now=dt.datetime.now(dt.UTC), osm=OSM)
    seconds = time.perf_counter() - start
    database.dispose()
    return seconds


def run(sizes: Sizes, echo: Callable[[str], None] = print) -> Results:
    """Every figure at ``sizes``, in scratch folders removed afterwards."""
    results = Results(sizes)
    with tempfile.TemporaryDirectory(prefix="assetmap-transit-bench-") as scratch:
        root = Path(scratch)
        for n in range(sizes.repeats):
            results.import_s.append(time_import(root / f"instance-{n}"))
        echo(f"import_feed p50 {p50(results.import_s):.2f} s")
        engine: FerrobusEngine | None = None
        for n in range(sizes.repeats):
            seconds, engine = _timed(
                lambda n=n: FerrobusEngine.load(GTFS, OSM, TUESDAY, root / f"engine-{n}")
            )
            results.load_s.append(seconds)
        assert engine is not None
        echo(f"engine load p50 {p50(results.load_s):.2f} s")
        model = engine._model_for(WALKING)
        rng = random.Random(SEED)
        venues = venue_points(model, sizes.venues, rng)
        origins = origin_points(model, sizes.origins, rng)
        _journeys(engine, venues, results)
        echo(f"journeys to {len(venues)} p50 {p50(results.journeys_s):.2f} s")
        _matrices(engine, origins, venues, results)
        echo(f"bulk matrix {len(origins)} x {len(venues)} p50 {p50(results.bulk_s):.2f} s")
    return results


def _journeys(engine: FerrobusEngine, venues: list[Point], results: Results) -> None:
    for _ in range(results.sizes.repeats):
        seconds, found = _timed(lambda: engine.journeys(FRIARS_WALK, venues, WINDOW, WALKING))
        results.journeys_s.append(seconds)
        seconds, _ = _timed(lambda: engine.journeys(FRIARS_WALK, venues, WINDOW, SLOW))
        results.slow_journeys_s.append(seconds)
    results.detailed_s, _ = _timed(lambda: _every_departure_in_detail(engine, venues))
    reached = [j.times for j in found if j.times.reachable]
    results.reached = len(reached)
    medians = [t.median_minutes for t in reached if math.isfinite(t.median_minutes)]
    results.journey_median = statistics.median(medians) if medians else math.inf
    worst = [t.worst_minutes for t in reached if math.isfinite(t.worst_minutes)]
    results.every_departure = len(worst)
    results.journey_worst = max(worst, default=math.inf)


def _every_departure_in_detail(engine: FerrobusEngine, venues: list[Point]) -> None:
    """A detailed journey from every departure to every venue, followed at the pace."""
    model = engine._model_for(WALKING)
    origin = engine._points(model, [FRIARS_WALK], WALKING)[0]
    targets = engine._points(model, venues, WALKING)
    for departure in WINDOW.departures():
        engine._itineraries(model, origin, targets, departure, WALKING)


def _matrices(
    engine: FerrobusEngine, origins: list[Point], venues: list[Point], results: Results
) -> None:
    """The bulk matrix at full size, then both matrices on the first origins, one after the
    other on the same points."""
    for _ in range(results.sizes.repeats):
        seconds, bulk = _timed(lambda: engine.bulk_matrix(origins, venues, WINDOW, WALKING))
        results.bulk_s.append(seconds)
    results.bulk_reached = float(np.isfinite(bulk.median).mean())
    few = origins[: results.sizes.compare_origins]
    results.loop_small_s, loop = _timed(lambda: engine.matrix(few, venues, WINDOW, WALKING))
    results.bulk_small_s, small = _timed(lambda: engine.bulk_matrix(few, venues, WINDOW, WALKING))
    either = np.isfinite(loop.median) | np.isfinite(small.median)
    both = np.isfinite(loop.median) & np.isfinite(small.median)
    gap = np.abs(np.where(both, loop.median, 0.0) - np.where(both, small.median, 0.0))
    results.compared = int(either.sum())
    share = max(results.compared, 1)
    results.agree = float((both & (gap <= 1.0)).sum() / share)
    results.agree_5 = float((both & (gap <= 5.0)).sum() / share)
    results.bulk_only = int((np.isfinite(small.median) & ~np.isfinite(loop.median)).sum())
    results.loop_only = int((np.isfinite(loop.median) & ~np.isfinite(small.median)).sum())


def section(results: Results, machine: str) -> str:
    """The "Public transport from the timetable" section of BENCHMARKS.md."""
    s = results.sizes
    ratio = results.loop_small_s / results.bulk_small_s if results.bulk_small_s else math.nan
    journeys = p50(results.journeys_s)
    summary_ratio = results.detailed_s / journeys if journeys else math.nan
    per_origin = results.loop_small_s / max(s.compare_origins, 1)
    return "\n".join(
        [
            "## Public transport from the timetable (issue 16)",
            "",
            f"{dt.date.today().isoformat()} · {machine} (shared with another engineer's "
            f"work) · the real Newport feed and OSM extract (`tests/data/newport/`), ferrobus "
            f"{getattr(ferrobus, '__version__', '0.2.1')} · Tuesday 13 June 2023, departures "
            f"07:00-10:00 every 10 minutes ({len(WINDOW.departures())}) · walking at "
            "1.4 m/s, longest walk 1.6 km · p50 of "
            f"{s.repeats} runs unless said. Venues: the {len(served_stops())} served stops "
            f"inside the extract and points sampled within {AROUND_M:.0f} m of them (seed "
            f"{SEED}), {s.venues} in all; origins sampled uniformly in the extract's area.",
            "",
            "| figure | what it measures | p50 (s) |",
            "|---|---|---|",
            f"| import | `import_feed` of the GTFS zip and OSM extract into a fresh instance "
            f"folder and SpatiaLite registry (checks, copies, row) | "
            f"{p50(results.import_s):.2f} |",
            f"| engine load | `FerrobusEngine.load`: feed unpacked, model and step-free model "
            f"built | {p50(results.load_s):.2f} |",
            f"| journeys | Friars Walk to {s.venues} venues: a summary query per departure, "
            f"the median departure followed in full (walks measured, pace applied, missed "
            f"buses routed on), median and worst each; {results.reached} reachable, "
            f"{results.every_departure} from every departure; median of medians "
            f"{results.journey_median:.0f} min, longest worst {results.journey_worst:.0f} min "
            f"| {journeys:.2f} |",
            f"| journeys, slow | the same at {SLOW.m_per_s} m/s | "
            f"{p50(results.slow_journeys_s):.2f} |",
            f"| bulk matrix | `bulk_matrix` (ferrobus `travel_time_matrix`, origins in "
            f"chunks of 500), {s.origins:,} × {s.venues}, median and worst per pair; "
            f"{results.bulk_reached:.0%} of pairs reachable | {p50(results.bulk_s):.2f} |",
            "",
            f"Side by side in the same run: every departure as a detailed journey, as "
            f"`journeys` did before it ranked on the summary, took {results.detailed_s:.2f} s "
            f"for the {s.venues} venues: the summary way is **{summary_ratio:.0f}×** faster.",
            "",
            f"Side by side on {s.compare_origins} × {s.venues} (one run each): `matrix` (one "
            f"summary query per origin and departure) took "
            f"{results.loop_small_s:.2f} s ({per_origin:.2f} s per origin), `bulk_matrix` "
            f"{results.bulk_small_s:.3f} s: **{ratio:.0f}×** faster. Their median minutes "
            f"agree within a minute on {results.agree:.0%} and within five on "
            f"{results.agree_5:.0%} of the {results.compared:,} pairs either reaches; "
            f"{results.bulk_only} pairs only `bulk_matrix` reaches, {results.loop_only} only "
            "`matrix`. They are two ferrobus queries (all-to-all RAPTOR against one-to-many "
            "summaries, which pick their egress stops differently). Neither follows walks leg "
            "by leg: at a slow pace `matrix` stretches the summary's walks to and from the "
            "network, `bulk_matrix` the walks to each end's nearest served stop and walks all "
            "the way. Use `journeys` where one person's figures must match their itineraries, "
            "`bulk_matrix` for area-wide figures. At that rate `matrix` would "
            f"need about {per_origin * s.origins / 3600:.1f} h for the {s.origins:,}-origin "
            "matrix (origins inside the extract that reach no stop are cheap, so the rate "
            "depends on where they fall).",
        ]
    )
