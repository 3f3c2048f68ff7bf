"""Time GET /api/v1/groups (near and bbox) against the bare spatial SQL, on both backends.

    python -m bench --size 100000      (make bench; PostGIS from ASSETMAP_TEST_POSTGRES_URL)

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
from sqlalchemy import func, select, text

from assetmap import create_app
from assetmap.config import Config
from assetmap.db import Backend, Database
from assetmap.geo.spatial import BBox, Point, circle_bbox
from assetmap.models import Group, Venue
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
    floor_ms: list[float]
    matched: list[int]

    @staticmethod
    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(int(q * len(ordered)), len(ordered) - 1)]

    def row(self, backend: str) -> str:
        app50, app95 = self.pct(self.app_ms, 0.5), self.pct(self.app_ms, 0.95)
        floor50, floor95 = self.pct(self.floor_ms, 0.5), self.pct(self.floor_ms, 0.95)
        return (
            f"| {backend} | {self.label} | {statistics.median(self.matched):.0f} | "
            f"{app50:.2f} | {app95:.2f} | {floor50:.2f} | {floor95:.2f} | "
            f"{app50 - floor50:+.2f} |"
        )


def _floor_sql(backend: Backend, kind: str) -> str:
    """The bare query: the page of group rows with their venue, through the spatial index."""
    columns = "g.*, v.name, v.address, v.postcode, v.lat, v.lon"
    if backend is Backend.SPATIALITE:
        box = (
            "v.id IN (SELECT pkid FROM idx_venues_location WHERE xmin <= :x2 AND xmax >= :x1 "
            "AND ymin <= :y2 AND ymax >= :y1)"
        )
        distance = "ST_Distance(v.location, MakePoint(:lon, :lat, 4326), 1)"
    else:
        box = "v.location && ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326)"
        distance = (
            "ST_Distance(v.location::geography, "
            "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, true)"
        )
    where = f"g.status <> 'closed' AND {box}"
    if kind == "near":
        return (
            f"SELECT {columns}, {distance} AS d FROM groups g JOIN venues v ON v.id = g.venue_id "
            f"WHERE {where} AND {distance} <= :r ORDER BY d, g.id LIMIT {PAGE}"
        )
    return (
        f"SELECT {columns} FROM groups g JOIN venues v ON v.id = g.venue_id "
        f"WHERE {where} ORDER BY g.id LIMIT {PAGE}"
    )


def _timed_fetch(raw: Any, sql: str, params: dict[str, float]) -> float:
    """Milliseconds to run ``sql`` on the bare DB-API connection and fetch every row."""
    start = time.perf_counter_ns()
    cursor = raw.cursor()
    cursor.execute(sql, params)
    cursor.fetchall()
    cursor.close()
    return (time.perf_counter_ns() - start) / 1e6


def _prepare(database: Database, size: int) -> tuple[int, float | None]:
    with database.engine.connect() as connection:
        try:
            have = connection.execute(select(func.count()).select_from(Group)).scalar_one()
        except Exception:
            have = 0
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

    client = create_app(config).test_client()
    raw = database.engine.raw_connection()
    timings = []
    for kind in ("near", "bbox"):
        sql = _floor_sql(database.backend, kind)
        compiled = (
            re.sub(r"(?<!:):(\w+)", r"%(\1)s", sql) if database.backend is Backend.POSTGIS else sql
        )
        app_ms, floor_ms, matched = [], [], []
        for index, centre in enumerate(centres[:WARMUP] + centres):
            if kind == "near":
                url_path = (
                    f"/api/v1/groups?near={centre.lat},{centre.lon}&radius_km={RADIUS_KM}"
                    f"&limit={PAGE}"
                )
                box = circle_bbox(centre, RADIUS_KM * 1000)
            else:
                box_args = (
                    centre.lon - VIEW_DLON / 2,
                    centre.lat - VIEW_DLAT / 2,
                    centre.lon + VIEW_DLON / 2,
                    centre.lat + VIEW_DLAT / 2,
                )
                url_path = f"/api/v1/groups?bbox={','.join(map(str, box_args))}&limit={PAGE}"
                box = BBox(*box_args)
            params = {
                "x1": box.min_lon,
                "y1": box.min_lat,
                "x2": box.max_lon,
                "y2": box.max_lat,
                "lat": centre.lat,
                "lon": centre.lon,
                "r": RADIUS_KM * 1000,
            }

            floor_time = _timed_fetch(raw, compiled, params)
            start = time.perf_counter_ns()
            response = client.get(url_path)
            app_time = (time.perf_counter_ns() - start) / 1e6
            assert response.status_code == 200, response.get_json()
            if index >= WARMUP:
                floor_ms.append(floor_time)
                app_ms.append(app_time)
                matched.append(response.get_json()["numberMatched"])
        label = (
            f"near, r={RADIUS_KM:g} km, limit {PAGE}"
            if kind == "near"
            else f"bbox ~8x8 km, limit {PAGE}"
        )
        timings.append(Timing(label, app_ms, floor_ms, matched))
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


@click.command()
@click.option("--size", default=100_000, show_default=True, help="Synthetic listings to load.")
@click.option("--rounds", default=200, show_default=True, help="Timed requests per query kind.")
def main(size: int, rounds: int) -> None:
    """Benchmark the directory API on SpatiaLite and PostGIS."""
    CACHE.mkdir(exist_ok=True)
    backends = [("SpatiaLite", f"sqlite:///{CACHE / f'spatialite-{size}.db'}")]
    postgres = os.environ.get("ASSETMAP_TEST_POSTGRES_URL")
    if not postgres:
        raise click.ClickException("ASSETMAP_TEST_POSTGRES_URL is not set: run `make bench`")
    backends.append(("PostGIS", postgres))

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
            "validation, queries, JSON); *floor* is the bare spatial SQL fetching the same page "
            "of rows through the spatial index. Goal: app p50 within 3 ms of the floor.",
            "",
            "| backend | query | matched (median) | app p50 | app p95 | floor p50 | floor p95 "
            "| app − floor p50 |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            *loads,
        ]
    )
    write_section("api", body)
    click.echo(f"results written to {RESULTS.name}")


if __name__ == "__main__":
    main()
