"""Time the API against the bare spatial SQL, the search page, matching, the freshness scan
and gap analysis, on both backends, and the timetable router (``--only transit``).

    python -m bench --size 100000      (make bench; PostGIS from ASSETMAP_TEST_POSTGRES_URL)
    python -m bench --only gaps        (gap analysis alone: Camden, then England-scale)

For each backend: load ``size`` synthetic listings, then for a set of real venue locations
time the app's answer (Flask test client: routing, validation, queries, JSON) beside the bare
SQL that finds the same page of 100 rows through the spatial index (the floor). The
difference is what the app costs on top of the database.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from sqlalchemy import event, func, select, text

from assetmap import create_app, schema
from assetmap.config import Config
from assetmap.db import Database
from assetmap.geo.spatial import BBox, Point, circle_bbox, spatial_dialect
from assetmap.models import Group, Venue
from assetmap.web.context import app_database
from bench import freshness, gaps, importing, load, matching, oruk, peers, replica, search, transit
from seed.generate import load_synthetic

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "BENCHMARKS.md"
CACHE = ROOT / ".bench"
WARMUP = 20
PAGE = 100
RADIUS_KM = 3.0
# A city-sized map viewport: about 8 km by 8 km in London.
VIEW_DLON, VIEW_DLAT = 0.115, 0.072


@dataclass
class Timing:
    label: str
    app_ms: list[float]
    own_sql_ms: list[float]
    floor_ms: list[float]
    matched: list[int]

    @staticmethod
    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(int(q * len(ordered)), len(ordered) - 1)]

    def row(self, backend: str) -> str:
        app50, app95 = self.pct(self.app_ms, 0.5), self.pct(self.app_ms, 0.95)
        floor50, floor95 = self.pct(self.floor_ms, 0.5), self.pct(self.floor_ms, 0.95)
        own50 = self.pct(self.own_sql_ms, 0.5)
        return (
            f"| {backend} | {self.label} | {statistics.median(self.matched):.0f} | "
            f"{app50:.2f} | {app95:.2f} | {floor50:.2f} | {floor95:.2f} | "
            f"{app50 - floor50:+.2f} | {own50:.2f} | {app50 - own50:+.2f} |"
        )


def _floor_sql(database: Database, centre: Point, box: BBox, near: bool) -> list[str]:
    """The bare SQL the same answer needs: the page of full group and venue rows, and the
    count of all matches (the API reports ``numberMatched``), through the spatial index.

    Built with the app's own spatial expressions, so both sides measure the same distance,
    and compiled to plain SQL with the values inlined; only running it is timed.
    """
    dialect = spatial_dialect(database.backend)
    where = [
        Group.status != "closed",
        dialect.venues_in_box(box.min_lon, box.min_lat, box.max_lon, box.max_lat),
    ]
    rows = (Group.__table__, Venue.name, Venue.address, Venue.postcode, Venue.lat, Venue.lon)
    if near:
        distance = dialect.distance_m(centre.lat, centre.lon)
        measured = (
            select(Group.id, distance.label("d"))
            .join(Venue, Venue.id == Group.venue_id)
            .where(*where)
            .cte("measured")
            .prefix_with("MATERIALIZED")
        )
        within = measured.c.d <= RADIUS_KM * 1000
        ranked = (
            select(measured.c.id, measured.c.d)
            .where(within)
            .order_by(measured.c.d, measured.c.id)
            .limit(PAGE)
            .subquery("ranked")
        )
        page = (
            select(*rows, ranked.c.d)
            .select_from(ranked)
            .join(Group, Group.id == ranked.c.id)
            .join(Venue, Venue.id == Group.venue_id)
            .order_by(ranked.c.d, ranked.c.id)
        )
        count = select(func.count()).select_from(measured).where(within)
    else:
        matches = select(*rows).join(Venue, Venue.id == Group.venue_id).where(*where)
        page = matches.order_by(Group.id).limit(PAGE)
        count = (
            select(func.count())
            .select_from(Group)
            .join(Venue, Venue.id == Group.venue_id)
            .where(*where)
        )
    return [
        str(statement.compile(database.engine, compile_kwargs={"literal_binds": True}))
        for statement in (page, count)
    ]


def _timed_fetch(raw: Any, statements: list[str] | list[tuple[str, Any]]) -> float:
    """Milliseconds to run the statements (SQL, or SQL and DB-API parameters) on the bare
    DB-API connection and fetch every row."""
    start = time.perf_counter_ns()
    for item in statements:
        sql, parameters = item if isinstance(item, tuple) else (item, None)
        cursor = raw.cursor()
        cursor.execute(sql, parameters) if parameters is not None else cursor.execute(sql)
        cursor.fetchall()
        cursor.close()
    return (time.perf_counter_ns() - start) / 1e6


def _prepare(database: Database, size: int) -> tuple[int, float | None]:
    """Load ``size`` listings unless a cached SpatiaLite file already holds exactly that."""
    schema.upgrade(database)
    with database.engine.connect() as connection:
        have = connection.execute(select(func.count()).select_from(Group)).scalar_one()
    if have == size:
        return have, None
    if have:
        raise click.ClickException(
            f"{database.config.database_url} holds {have} groups, not {size}"
        )
    start = time.perf_counter()
    load_synthetic(database, size)
    with database.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return size, time.perf_counter() - start


def bench_backend(url: str, size: int, rounds: int) -> tuple[list[Timing], float | None]:
    config = Config(database_url=url, secret_key="bench", instance_path=str(CACHE))
    database = Database(config)
    _, load_seconds = _prepare(database, size)
    with database.engine.connect() as connection:
        venues = connection.execute(select(Venue.lat, Venue.lon)).all()
    centres = [Point(v.lat, v.lon) for v in random.Random(7).sample(venues, rounds)]

    app = create_app(config)
    client = app.test_client()
    with app.app_context():
        app_engines = (app_database().engine, app_database().read_engine)
    issued: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        issued.append((statement, parameters))

    for engine in app_engines:
        event.listen(engine, "before_cursor_execute", capture)
    raw = database.engine.raw_connection()
    timings = []
    for kind in ("near", "bbox"):
        app_ms, own_ms, floor_ms, matched = [], [], [], []
        for index, centre in enumerate(centres[:WARMUP] + centres):
            if kind == "near":
                url_path = (
                    f"/api/v1/groups?near={centre.lat},{centre.lon}&radius_km={RADIUS_KM}"
                    f"&limit={PAGE}"
                )
                box = circle_bbox(centre, RADIUS_KM * 1000)
            else:
                box = BBox(
                    centre.lon - VIEW_DLON / 2,
                    centre.lat - VIEW_DLAT / 2,
                    centre.lon + VIEW_DLON / 2,
                    centre.lat + VIEW_DLAT / 2,
                )
                corners = (box.min_lon, box.min_lat, box.max_lon, box.max_lat)
                url_path = f"/api/v1/groups?bbox={','.join(map(str, corners))}&limit={PAGE}"
            floor_time = _timed_fetch(raw, _floor_sql(database, centre, box, kind == "near"))
            issued.clear()
            start = time.perf_counter_ns()
            response = client.get(url_path)
            app_time = (time.perf_counter_ns() - start) / 1e6
            assert response.status_code == 200, response.get_json()
            own_time = _timed_fetch(raw, list(issued))
            if index >= WARMUP:
                floor_ms.append(floor_time)
                app_ms.append(app_time)
                own_ms.append(own_time)
                matched.append(response.get_json()["numberMatched"])
        label = (
            f"near, r={RADIUS_KM:g} km, limit {PAGE}"
            if kind == "near"
            else f"bbox ~8x8 km, limit {PAGE}"
        )
        timings.append(Timing(label, app_ms, own_ms, floor_ms, matched))
    raw.close()
    database.dispose()
    return timings, load_seconds


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def write_section(marker: str, body: str) -> None:
    """Replace this benchmark's section of BENCHMARKS.md, keeping other issues' sections."""
    start, end = f"<!-- bench:{marker} -->", f"<!-- /bench:{marker} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n\nMade by `make bench`.\n"
    if start in current:
        current = re.sub(
            re.escape(start) + r".*?" + re.escape(end), lambda _: block, current, flags=re.S
        )
    else:
        current = current.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(current)


#: What `--only` may choose; all of them by default.
PARTS = (
    "api",
    "search",
    "match",
    "oruk",
    "freshness",
    "gaps",
    "transit",
    "import",
    "replica",
    "peers",
    "load",
)


@click.command()
@click.option("--size", default=100_000, show_default=True, help="Synthetic listings to load.")
@click.option("--rounds", default=200, show_default=True, help="Timed requests per query kind.")
@click.option(
    "--only",
    type=click.Choice(PARTS),
    multiple=True,
    help="Run only these parts (default: all).",
)
@click.option(
    "--freshness-size-postgis",
    default=1_000_000,
    show_default=True,
    help="Listings for the freshness scan on PostGIS (bulk loaded with COPY, kept).",
)
@click.option(
    "--load-seconds", default=60, show_default=True, help="wrk's run per row of --only load."
)
@click.option(
    "--match-sizes",
    type=int,
    multiple=True,
    default=(10_000, 100_000),
    show_default=True,
    help="Listings for matching on both backends (how its cost grows).",
)
@click.option(
    "--match-large",
    type=int,
    multiple=True,
    default=(1_000_000,),
    show_default=True,
    help="Listings for matching on PostGIS alone (loaded once into its own database).",
)
@click.option(
    "--search-large",
    type=int,
    multiple=True,
    default=(1_000_000,),
    show_default=True,
    help="Listings for text search on PostGIS alone (the matching bench's database, shared).",
)
@click.option(
    "--match-before",
    type=click.Path(file_okay=False, path_type=Path),
    help="A checkout of the code before a change: matching is timed on it too, same run.",
)
@click.option(
    "--match-before-revision",
    default="0023",
    show_default=True,
    help="The schema revision --match-before runs on (the database is taken back to it).",
)
@click.option(
    "--transit-quick",
    is_flag=True,
    help="The timetable router at its smallest sizes (30 venues, 100 origins, one run).",
)
def main(
    size: int,
    rounds: int,
    only: tuple[str, ...],
    freshness_size_postgis: int,
    load_seconds: int,
    match_sizes: tuple[int, ...],
    match_large: tuple[int, ...],
    search_large: tuple[int, ...],
    match_before: Path | None,
    match_before_revision: str,
    transit_quick: bool,
) -> None:
    """Benchmark the directory API (alone and beside its peers), search, matching, the
    freshness scan, gap analysis, the timetable router, the read replica and load under wrk,
    on SpatiaLite and PostGIS."""
    parts = set(only) or set(PARTS)
    CACHE.mkdir(exist_ok=True)
    backends = [("SpatiaLite", f"sqlite:///{CACHE / f'spatialite-{size}.db'}")]
    postgres = os.environ.get("ASSETMAP_TEST_POSTGRES_URL")
    if not postgres:
        raise click.ClickException("ASSETMAP_TEST_POSTGRES_URL is not set: run `make bench`")
    backends.append(("PostGIS", postgres))

    if "api" in parts:
        bench_api(backends, size, rounds)
    elif parts & {"search", "oruk", "load"}:
        for _, url in backends:
            _prepare(Database(Config(database_url=url, instance_path=str(CACHE))), size)
    if "search" in parts:
        bench_search(backends, size, rounds, [n for n in search_large if n > size])
    if "match" in parts:
        before = (
            None if match_before is None else matching.Before(match_before, match_before_revision)
        )
        bench_matching(backends, list(match_sizes), list(match_large), max(rounds // 2, 20), before)
    if "oruk" in parts:
        bench_oruk(backends, size, rounds)
    if "freshness" in parts:
        bench_freshness(size, postgres, freshness_size_postgis)
    if "gaps" in parts:
        bench_gaps(postgres)
    if "transit" in parts:
        bench_transit(transit_quick)
    if "import" in parts:
        bench_import(size, postgres)
    if "replica" in parts:
        result = replica.run(size, rounds, CACHE, click.echo)
        write_section("replica", replica.section(result, machine()))
    if "peers" in parts:
        bench_peers(size, postgres, rounds)
    if "load" in parts:
        bench_load(backends, size, load_seconds)
    click.echo(f"results written to {RESULTS.name}")


def bench_peers(size: int, postgres_url: str, rounds: int) -> None:
    """The map API beside the bare SQL, a reference server and pygeoapi, over real HTTP; the
    assetmap rows again at a tenth of the size (and ten times it with BENCH_PEERS_GROWTH=1)."""
    sizes = sorted({max(size // 10, 1000), size})
    if os.environ.get("BENCH_PEERS_GROWTH"):
        sizes.append(size * 10)
    found = peers.run(postgres_url, sizes, size, rounds, click.echo)
    write_section("peers", peers.section(found, size, dt.date.today().isoformat(), machine()))


def bench_oruk(backends: list[tuple[str, str]], size: int, rounds: int) -> None:
    """The ORUK API's pages on each backend, the app's own API page beside them."""
    table = []
    for name, url in backends:
        config = Config(database_url=url, secret_key="bench", instance_path=str(CACHE))
        app = create_app(config)
        with Database(config).engine.connect() as c:
            ids = list(c.execute(select(Group.id).where(Group.status != "closed")).scalars())
        table += oruk.rows(name, app.test_client(), ids, rounds)
    click.echo("\n".join([*oruk.HEADER, *table]))
    write_section("oruk", oruk.section(table, size, machine()))


def bench_load(backends: list[tuple[str, str]], size: int, seconds: int) -> None:
    """`assetmap serve` with 1 and 2 workers under wrk, on each backend's cached directory."""
    runs = load.bench(backends, seconds, click.echo)
    day = dt.date.today().isoformat()
    write_section("load", load.section(runs, size, seconds, day, machine()))
    if failed := sum(run.error_count for run in runs):
        raise click.ClickException(f"load: {failed} errors under wrk (see BENCHMARKS.md)")


def bench_freshness(size: int, postgres_url: str, postgis_size: int) -> None:
    """The freshness scan: SpatiaLite on a copy of the cached file, PostGIS at its own size."""
    cached = CACHE / f"spatialite-{size}.db"
    # The scan's tables come with the current schema: upgrade (and load, if need be) first.
    database = Database(Config(database_url=f"sqlite:///{cached}", instance_path=str(CACHE)))
    _prepare(database, size)
    database.dispose()
    click.echo(f"freshness scan: SpatiaLite {size:,}, PostGIS {postgis_size:,}")
    click.echo("\n".join(freshness.HEADER))
    cases = freshness.bench_spatialite(str(cached), str(CACHE / "freshness-scratch.db"), size)
    postgis_cases, load_seconds = freshness.bench_postgis(postgres_url, postgis_size)
    cases += postgis_cases
    loads = (
        []
        if load_seconds is None
        else [f"Loading {postgis_size:,} listings this run took {load_seconds:.0f} s."]
    )
    write_section(
        "freshness",
        freshness.section(cases, {"SpatiaLite": size, "PostGIS": postgis_size}, loads, machine()),
    )


def bench_import(size: int, postgres_url: str) -> None:
    """Import at scale: ``size`` listings and a tenth of that, both commands, both backends."""
    sizes = sorted({max(size // 10, 1), size})
    click.echo(f"import at scale: {', '.join(f'{n:,}' for n in sizes)} listings")
    click.echo("\n".join(importing.HEADER))
    runs = importing.bench(sizes, postgres_url, CACHE, click.echo)
    write_section("import", importing.section(runs, sizes, dt.date.today().isoformat(), machine()))


def bench_transit(quick: bool) -> None:
    """The timetable router on the Newport feed (SpatiaLite registry; no listings needed)."""
    click.echo("timetable router: Newport feed and extract")
    results = transit.run(transit.QUICK if quick else transit.Sizes(), click.echo)
    write_section("transit", transit.section(results, machine()))


def bench_gaps(postgres_url: str) -> None:
    """Gap analysis: Camden on both backends, then England-scale on PostGIS."""
    camden = gaps.bench_camden(str(CACHE), postgres_url, dt.date.today())
    england, grown, check, load_seconds = gaps.gaps_england.bench_england(postgres_url)
    loads = [check, ""] + (
        []
        if load_seconds is None
        else [f"Loading the England-scale directory with COPY took {load_seconds:.0f} s."]
    )
    write_section("gaps", gaps.section(camden, england, grown, loads, machine()))


def bench_matching(
    backends: list[tuple[str, str]],
    sizes: list[int],
    large: list[int],
    rounds: int,
    before: matching.Before | None,
) -> None:
    """Matching at each size on both backends (and the larger sizes on PostGIS), each
    database loaded once and kept (``.bench/``, or its own database on the server)."""
    postgres = backends[1][1]
    cases = [
        matching.Case("SpatiaLite", n, f"sqlite:///{CACHE / f'spatialite-{n}.db'}")
        for n in sizes
        if n > 0
    ] + [
        matching.Case("PostGIS", n, matching.postgis_database(postgres, n))
        for n in sizes + large
        if n > 0
    ]
    rows, notes = [], []
    for case in cases:
        click.echo(f"matching: {case.backend}, {case.size:,} listings …")
        database = Database(Config(database_url=case.url, instance_path=str(CACHE)))
        try:
            _, load_seconds = _prepare(database, case.size)
        finally:
            database.dispose()
        if load_seconds is not None:
            notes.append(f"- {case.backend}: loaded {case.size:,} listings in {load_seconds:.0f} s")
        # The older code beside it up to 100,000 (a second copy of a million costs minutes).
        compared = before if case.size <= 100_000 else None
        rows += matching.bench_match(case, rounds, compared)
        click.echo("\n".join(rows[-len(matching.PROFILES) :]))
    when = dt.date.today().isoformat()
    write_section("match", matching.section(rows, notes, when, machine(), rounds))


def bench_api(backends: list[tuple[str, str]], size: int, rounds: int) -> None:
    rows, loads = [], []
    for name, url in backends:
        click.echo(f"{name}: preparing {size} listings …")
        timings, load_seconds = bench_backend(url, size, rounds)
        if load_seconds is not None:
            loads.append(f"- {name}: loaded {size:,} listings in {load_seconds:.0f} s")
        for timing in timings:
            rows.append(timing.row(name))
            click.echo(rows[-1])

    body = "\n".join(
        [
            "## Directory API: near and bbox (issue 3)",
            "",
            f"{dt.date.today().isoformat()} · {machine()} · {size:,} synthetic listings · "
            f"{rounds} requests per row after {WARMUP} warm-up · times in ms.",
            "",
            "*app* is `GET /api/v1/groups` through the Flask app (test client: routing, "
            "validation, queries, JSON); *floor* is the bare spatial SQL the same answer needs, "
            "run on the raw DB-API connection: the page of full group and venue rows and the "
            "count of all matches, through the spatial index. Goal: app p50 within 3 ms of "
            "the floor. *app's own SQL* is the statement the app issued, run bare the same way: "
            "app minus it is what Python, Flask and serialisation cost.",
            "",
            "| backend | query | matched (median) | app p50 | app p95 | floor p50 | floor p95 "
            "| app − floor p50 | app's own SQL p50 | app − own SQL p50 |",
            "|---|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            *loads,
        ]
    )
    write_section("api", body)


def bench_search(backends: list[tuple[str, str]], size: int, rounds: int, large: list[int]) -> None:
    """Text search on both backends at a tenth of ``size`` and at ``size``, and on PostGIS
    at each of ``large`` (bench/search.py); ``.bench/search-before.json`` (``python -m
    bench.search`` on an older checkout) adds the figures of that code."""
    databases = []
    for name, url in backends:
        sizes = {max(size // 10, 1), size} | (set(large) if name == "PostGIS" else set())
        for n in sorted(sizes):
            if name == "SpatiaLite":
                url = f"sqlite:///{CACHE / f'spatialite-{n}.db'}"
            else:
                url = matching.postgis_database(url, n)
            _prepare(Database(Config(database_url=url, instance_path=str(CACHE))), n)
            databases.append((name, n, url))
    rows, before = search.run(
        databases, max(rounds // 5, 20), str(CACHE), CACHE / "search-before.json"
    )
    body = search.section(rows, before, [], f"{dt.date.today().isoformat()} · {machine()}")
    write_section("search-page", body)
    click.echo(body)


if __name__ == "__main__":
    main()
