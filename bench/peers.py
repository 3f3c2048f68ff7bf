"""The map API beside its peers (issue 18), over real HTTP, on one PostGIS database.

    python -m bench --only peers        (inside scripts/with-postgis, as make bench runs it)

For each size a database ``assetmap_peers_<size>`` is loaded once (the app's own write path,
then ANALYZE) and kept. Then, side by side, for random 2 × 2 km viewports centred on
venues (and a 1 km ``near`` circle round the same centres), 100 features each:

- the bare spatial SQL (``&&`` + LIMIT) on a raw psycopg connection: the floor;
- the reference server (``bench/reference_server.py``: stdlib threads, one query, GeoJSON);
- pygeoapi 0.21 (OGC API Features, its PostgreSQL provider on a view over groups and venues)
  in its own virtualenv under ``.bench/``, gunicorn with 2 workers;
- assetmap, gunicorn with 2 workers: the full listings and the map's ``view=markers``.

Each viewport is asked of every target in turn (after a warm-up), one keep-alive connection
each, so the machine's noise falls on all of them alike; then ``wrk`` drives each target
with 8 connections cycling through the same URLs.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from assetmap import schema
from assetmap.config import Config
from assetmap.db import Database
from assetmap.models import Group
from bench.freshness import bulk_load_postgres, database_for
from bench.matching import postgis_database
from bench.reference_server import BBOX_SQL, NEAR_SQL
from seed.generate import load_synthetic

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench"
PYGEOAPI_VENV = CACHE / "pygeoapi-venv"
PYGEOAPI_PACKAGES = ("pygeoapi==0.21.*", "gunicorn", "psycopg2-binary", "geoalchemy2")
PAGE = 100
WARMUP = 20
VIEW_KM = 2.0
NEAR_KM = 1.0
WRK_SECONDS = 10
WRK_CONNECTIONS = 8
KM_PER_DEG_LAT = 111.0
PEER_VIEW = "bench_peer_groups"
#: From this size the directory is loaded with COPY (``bench.freshness.bulk_load_postgres``):
#: the app's write path takes about half an hour for a million. Its stored documents are
#: placeholders, so there only the marker view (which never reads them) is measured.
BULK_FROM = 1_000_000

HEADER = [
    "| listings | target | query | p50 ms | p95 ms | p50 × SQL floor | p50 × reference "
    "| bytes per response | req/s, 8 connections | errors |",
    "|---|---|---|---|---|---|---|---|---|---|",
]


@dataclass
class Series:
    """One target's answers to one kind of query."""

    target: str
    query: str
    size: int
    ms: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    rps: float | None = None
    errors: int = 0

    @staticmethod
    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(int(q * len(ordered)), len(ordered) - 1)]

    @property
    def p50(self) -> float:
        return self.pct(self.ms, 0.5)

    @property
    def p95(self) -> float:
        return self.pct(self.ms, 0.95)


@dataclass
class Target:
    name: str
    port: int
    bbox_path: Callable[[tuple[float, float, float, float]], str]
    near_path: Callable[[float, float], str] | None
    process: subprocess.Popen[bytes] | None = None


# -- the database -------------------------------------------------------------------------------


def prepare(admin_url: str, size: int, echo: Callable[[str], None]) -> str:
    """The URL of a database holding ``size`` synthetic listings, loading it the first time."""
    # Below the bulk loader's size, the same database the search and matching benches use.
    url = (
        postgis_database(admin_url, size)
        if size < BULK_FROM
        else database_for(admin_url, f"assetmap_peers_{size}")
    )
    name = make_url(url).database
    database = Database(Config(database_url=url, secret_key="bench"))
    try:
        schema.upgrade(database)
        with database.engine.connect() as connection:
            have = connection.execute(select(func.count()).select_from(Group)).scalar_one()
        if have != size:
            if have:
                raise RuntimeError(f"{name} holds {have} groups, not {size}: drop it to reload")
            echo(f"peers: loading {size:,} listings into {name} …")
            start = time.perf_counter()
            if size >= BULK_FROM:
                bulk_load_postgres(database, size)
            else:
                load_synthetic(database, size)
            echo(f"peers: loaded in {time.perf_counter() - start:.0f} s")
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    f"CREATE OR REPLACE VIEW {PEER_VIEW} AS SELECT g.id, g.name, g.status, "
                    "v.location FROM groups g JOIN venues v ON v.id = g.venue_id "
                    "WHERE g.status <> 'closed'"
                )
            )
    finally:
        database.dispose()
    return url


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def viewports(dsn: str, count: int, seed: int = 18) -> list[tuple[float, float]]:
    """Centres of the viewports: random venues, so dense areas come up as often as people
    look at them."""
    with psycopg.connect(dsn) as connection:
        venues = connection.execute("SELECT lat, lon FROM venues ORDER BY id").fetchall()
    return [(float(lat), float(lon)) for lat, lon in random.Random(seed).sample(venues, count)]


def box_of(lat: float, lon: float) -> tuple[float, float, float, float]:
    dlat = VIEW_KM / KM_PER_DEG_LAT / 2
    dlon = VIEW_KM / (KM_PER_DEG_LAT * 0.6225) / 2  # cos(51.5°): London
    return (round(lon - dlon, 5), round(lat - dlat, 5), round(lon + dlon, 5), round(lat + dlat, 5))


# -- the servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def assetmap_command(port: int, url: str) -> tuple[list[str], dict[str, str]]:
    """How assetmap is served for the bench: ``assetmap serve`` with its defaults (gunicorn,
    a worker per core, gthread with keep-alive, as wrk expects)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ASSETMAP_DATABASE_URL": url,
        "ASSETMAP_SECRET_KEY": "bench",
        "ASSETMAP_INSTANCE_PATH": str(CACHE / "peers-instance"),
    }
    argv = [sys.executable, "-m", "assetmap.cli", "serve", "--host", "127.0.0.1"]
    argv += ["--port", str(port)]
    return argv, env


def reference_command(port: int, dsn: str) -> tuple[list[str], dict[str, str]]:
    argv = [sys.executable, "-m", "bench.reference_server", str(port), dsn]
    return argv, {**os.environ, "PYTHONPATH": str(ROOT)}


def install_pygeoapi(echo: Callable[[str], None]) -> Path | None:
    """pygeoapi in its own virtualenv (its SQLAlchemy and Flask are not the app's); None,
    said why, if it cannot be installed."""
    python = PYGEOAPI_VENV / "bin" / "python"
    marker = PYGEOAPI_VENV / ".installed"
    if marker.exists():
        return PYGEOAPI_VENV
    echo("peers: installing pygeoapi 0.21 into .bench/pygeoapi-venv …")
    try:
        subprocess.run([sys.executable, "-m", "venv", str(PYGEOAPI_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *PYGEOAPI_PACKAGES],
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as failed:
        echo(f"peers: pygeoapi could not be installed: {failed.stderr or failed}")
        return None
    marker.write_text(" ".join(PYGEOAPI_PACKAGES))
    return PYGEOAPI_VENV


def pygeoapi_command(
    venv: Path, port: int, url: str, workdir: Path
) -> tuple[list[str], dict[str, str]]:
    """A generated configuration (JSON is YAML) publishing the peer view as one collection."""
    parts = make_url(url)
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": PAGE, "max_items": 1000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OSM"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "assetmap bench peer",
                "description": "the bench's groups",
                "keywords": ["bench"],
                "url": "http://127.0.0.1",
                "terms_of_service": "http://127.0.0.1",
            },
            "license": {"name": "CC-BY 4.0", "url": "http://127.0.0.1"},
            "provider": {"name": "assetmap bench", "url": "http://127.0.0.1"},
            "contact": {
                key: "bench"
                for key in (
                    "name",
                    "position",
                    "address",
                    "city",
                    "stateorprovince",
                    "postalcode",
                    "country",
                    "phone",
                    "fax",
                    "email",
                    "url",
                    "hours",
                    "instructions",
                    "role",
                )
            },
        },
        "resources": {
            "groups": {
                "type": "collection",
                "title": "groups",
                "description": "groups and their venues",
                "keywords": ["groups"],
                "extents": {"spatial": {"bbox": [-180, -90, 180, 90]}},
                "providers": [
                    {
                        "type": "feature",
                        "name": "PostgreSQL",
                        "data": {
                            "host": parts.host,
                            "port": parts.port,
                            "dbname": parts.database,
                            "user": parts.username,
                            "password": parts.password or "",
                            "search_path": ["public"],
                        },
                        "id_field": "id",
                        "table": PEER_VIEW,
                        "geom_field": "location",
                    }
                ],
            }
        },
    }
    config_path, openapi_path = workdir / "pygeoapi.yml", workdir / "openapi.yml"
    config_path.write_text(json.dumps(config, indent=1))
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        "PYGEOAPI_CONFIG": str(config_path),
        "PYGEOAPI_OPENAPI": str(openapi_path),
    }
    subprocess.run(
        [str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(config_path)],
        check=True,
        env=env,
        stdout=openapi_path.open("w"),
        stderr=subprocess.DEVNULL,
    )
    argv = [
        str(venv / "bin" / "gunicorn"),
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "pygeoapi.flask_app:APP",
    ]
    return argv, env


def start(
    command: tuple[list[str], dict[str, str]], port: int, probe: str
) -> subprocess.Popen[bytes]:
    """Start a server and wait until ``probe`` answers 200.

    Its stderr goes to a file, never a pipe nobody reads: ``assetmap serve`` writes a line
    per request there, and a full pipe (64 KB, a few hundred requests) would stall it."""
    argv, env = command
    log = tempfile.TemporaryFile()  # noqa: SIM115 -- the child holds it while it runs
    process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"{argv[0]} exited: {log.read().decode()[-2000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", probe)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    process.terminate()
    raise RuntimeError(f"{argv[0]} did not answer {probe} within 60 s")


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


# -- timing -------------------------------------------------------------------------------------


class Client:
    """One keep-alive connection, as a map page holds."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str) -> tuple[float, int]:
        start = time.perf_counter_ns()
        try:
            self.connection.request("GET", path)
            response = self.connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            raise
        elapsed = (time.perf_counter_ns() - start) / 1e6
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:300]!r}")
        return elapsed, len(body)


def sql_floor(dsn: str, centres: list[tuple[float, float]], near: bool) -> list[float]:
    """The bare statement the reference server runs, on a raw connection: the floor."""
    times = []
    with psycopg.connect(dsn, autocommit=True) as connection:
        for index, (lat, lon) in enumerate(centres):
            if near:
                metres = NEAR_KM * 1000
                dlat, dlon = metres / 111_000, metres / 69_000
                box = (lon - dlon, lat - dlat, lon + dlon, lat + dlat)
                values: tuple[Any, ...] = (*box, lon, lat, metres, lon, lat, PAGE)
            else:
                values = (*box_of(lat, lon), PAGE)
            start = time.perf_counter_ns()
            connection.execute(NEAR_SQL if near else BBOX_SQL, values).fetchall()
            if index >= WARMUP:
                times.append((time.perf_counter_ns() - start) / 1e6)
    return times


WRK_SCRIPT = """
local paths = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
"""


def wrk(
    port: int, paths: list[str], workdir: Path, seconds: int = WRK_SECONDS
) -> tuple[float, int]:
    """Requests per second (and errors) under 8 connections cycling through ``paths``."""
    script = workdir / f"wrk-{port}.lua"
    script.write_text(WRK_SCRIPT % ",".join(json.dumps(p) for p in paths))
    done = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{WRK_CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    rps = float(found.group(1)) if found else 0.0
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", done.stdout))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    return rps, errors + (int(non_2xx.group(1)) if non_2xx else 0)


# -- one size -----------------------------------------------------------------------------------


def measure(
    admin_url: str,
    size: int,
    rounds: int,
    with_peers: bool,
    echo: Callable[[str], None],
) -> list[Series]:
    """Every target at ``size`` (pygeoapi only ``with_peers``), side by side."""
    url = prepare(admin_url, size, echo)
    dsn = libpq(url)
    centres = viewports(dsn, rounds + WARMUP)

    def bbox_query(box: tuple[float, float, float, float]) -> str:
        return ",".join(map(str, box))

    targets = [
        Target(
            "reference server (stdlib threads, one query)",
            free_port(),
            lambda box: f"/groups?bbox={bbox_query(box)}&limit={PAGE}",
            lambda lat, lon: f"/groups?near={lat},{lon}&radius_km={NEAR_KM:g}&limit={PAGE}",
        ),
        Target(
            "assetmap, full listings (gunicorn, 2 workers)",
            free_port(),
            lambda box: f"/api/v1/groups?bbox={bbox_query(box)}&limit={PAGE}",
            lambda lat, lon: f"/api/v1/groups?near={lat},{lon}&radius_km={NEAR_KM:g}&limit={PAGE}",
        ),
        Target(
            "assetmap, `view=markers` (the map's)",
            0,  # the same server as the full form
            lambda box: f"/api/v1/groups?bbox={bbox_query(box)}&limit={PAGE}&view=markers",
            lambda lat, lon: (
                f"/api/v1/groups?near={lat},{lon}&radius_km={NEAR_KM:g}&limit={PAGE}&view=markers"
            ),
        ),
    ]
    targets[2].port = targets[1].port
    if size >= BULK_FROM:
        del targets[1]  # placeholder documents: the full form has nothing to serve
    workdir = Path(tempfile.mkdtemp(prefix="peers-", dir=CACHE))
    venv = install_pygeoapi(echo) if with_peers else None
    if venv is not None:
        targets.append(
            Target(
                "pygeoapi 0.21 (OGC API Features, gunicorn, 2 workers)",
                free_port(),
                lambda box: f"/collections/groups/items?bbox={bbox_query(box)}&limit={PAGE}&f=json",
                None,
            )
        )
    try:
        targets[0].process = start(
            reference_command(targets[0].port, dsn),
            targets[0].port,
            targets[0].bbox_path(box_of(*centres[0])),
        )
        app = next(t for t in targets if t.name.startswith("assetmap"))
        app.process = start(
            assetmap_command(app.port, url), app.port, "/api/v1/groups?limit=1&view=markers"
        )
        if venv is not None:
            try:
                targets[-1].process = start(
                    pygeoapi_command(venv, targets[-1].port, url, workdir),
                    targets[-1].port,
                    "/collections/groups/items?limit=1&f=json",
                )
            except (RuntimeError, subprocess.CalledProcessError) as failed:
                echo(f"peers: pygeoapi did not start: {failed}")
                targets.pop()
        return _time_all(dsn, size, centres, targets, workdir, echo)
    finally:
        for target in targets:
            stop(target.process)


def _time_all(
    dsn: str,
    size: int,
    centres: list[tuple[float, float]],
    targets: list[Target],
    workdir: Path,
    echo: Callable[[str], None],
) -> list[Series]:
    found: list[Series] = []
    for kind in ("bbox", "near"):
        query = f"bbox {VIEW_KM:g}×{VIEW_KM:g} km" if kind == "bbox" else f"near, r={NEAR_KM:g} km"
        floor = Series("bare spatial SQL (`&&` + LIMIT, psycopg)", query, size)
        floor.ms = sql_floor(dsn, centres, kind == "near")
        series = {t.name: Series(t.name, query, size) for t in targets}
        clients = {t.name: Client(t.port) for t in targets}
        paths: dict[str, list[str]] = {t.name: [] for t in targets}
        for index, (lat, lon) in enumerate(centres):
            for target in targets:
                path_of = target.bbox_path if kind == "bbox" else target.near_path
                if path_of is None:
                    continue
                path = path_of(box_of(lat, lon)) if kind == "bbox" else path_of(lat, lon)  # type: ignore[call-arg, arg-type]
                elapsed, length = clients[target.name].get(path)
                paths[target.name].append(path)
                if index >= WARMUP:
                    series[target.name].ms.append(elapsed)
                    series[target.name].sizes.append(length)
        for target in targets:
            if paths[target.name]:
                rps, errors = wrk(target.port, paths[target.name], workdir)
                series[target.name].rps, series[target.name].errors = rps, errors
        kept = [floor, *(s for s in series.values() if s.ms)]
        for one in kept:
            echo(
                f"  {size:,} {one.query} {one.target}: p50 {one.p50:.2f} p95 {one.p95:.2f} "
                f"req/s {one.rps or 0:.0f}"
            )
        found += kept
    return found


# -- the section --------------------------------------------------------------------------------


def rows(found: list[Series]) -> list[str]:
    """Table rows, each with its ratios to the floor and the reference of its size and query."""
    out = []
    for one in found:
        same = [s for s in found if (s.size, s.query) == (one.size, one.query)]
        floor = next(s for s in same if s.target.startswith("bare"))
        reference = next((s for s in same if s.target.startswith("reference")), None)
        size_text = f"{one.size:,}"
        bytes_text = f"{statistics.median(one.sizes) / 1024:.1f} KB" if one.sizes else "—"
        rps = f"{one.rps:.0f}" if one.rps is not None else "—"
        errors = str(one.errors) if one.rps is not None else "—"
        versus = f"{one.p50 / reference.p50:.1f}" if reference else "—"
        name = f"**{one.target}**" if one.target.startswith("assetmap") else one.target
        out.append(
            f"| {size_text} | {name} | {one.query} | {one.p50:.2f} | {one.p95:.2f} | "
            f"{one.p50 / floor.p50:.1f} | {versus} | {bytes_text} | {rps} | {errors} |"
        )
    return out


def goals(found: list[Series], size: int) -> list[str]:
    """The issue's goals as pass/fail ratios at the main size."""
    lines = []
    for query in sorted({s.query for s in found if s.size == size}):
        same = {s.target: s for s in found if (s.size, s.query) == (size, query)}
        reference = next(s for t, s in same.items() if t.startswith("reference"))
        pygeoapi = next((s for t, s in same.items() if t.startswith("pygeoapi")), None)
        for target, one in same.items():
            if not target.startswith("assetmap"):
                continue
            checks = [
                ("p50 ≤ 2× reference p50", one.p50 / reference.p50, 2.0, True),
                ("p95 ≤ 3× reference p95", one.p95 / reference.p95, 3.0, True),
            ]
            if pygeoapi is not None:
                checks.append(("≥ 5× faster than pygeoapi", pygeoapi.p50 / one.p50, 5.0, False))
            if one.rps and reference.rps:
                checks.append(("req/s ≥ ½ reference", one.rps / reference.rps, 0.5, False))
            if "markers" in target:
                kb = statistics.median(one.sizes) / 1024
                checks.append(("under 25 KB per 100 features", kb, 25.0, True))
            said = "; ".join(_verdict(*check) for check in checks)
            lines.append(f"- {query}, {target}: {said}")
    return lines


WHERE_THE_TIME_GOES = [
    "Where the time goes (cProfile of 200 requests through the app, and EXPLAIN (ANALYZE, "
    "BUFFERS) of its statements at 100,000 listings):",
    "",
    "- **The tail was the planner without statistics.** On a directory just loaded and not "
    "yet analysed, the page statement for a 2 × 2 km viewport walked every venue and bitmap-"
    "ANDed every group's status instead of starting at the spatial index: p50 685 ms, p95 "
    "2.3 s, max 3.5 s for the full form's statement and 0.5–2.5 s for the markers', against "
    "0.7–2.5 ms once analysed (same 60 viewports). A big import now ANALYZEs in its "
    "transaction (`db.refresh_statistics`); SQLite picks the same plans either way.",
    "- **Round trips.** Every request paid a `pool_pre_ping` round trip before its query; on "
    "a loaded 2-core machine each round trip is a chance to wait for the CPU. Pooled "
    "connections are now pinged only after 10 s idle. The marker view is one statement; the "
    "full form is two (the page, then the places referrals take for its 100 groups, now with "
    "the ids as one array parameter instead of 200 rendered and re-parsed parameters).",
    "- **The full form's bytes.** 100 whole listings are ~185 KB: splicing the stored "
    "documents, patching each one's places (a regex per document) and sending them is most "
    "of what the full form costs beyond the markers; the map does not need them.",
    "- **Per-request Flask work**, cut in the second round: no limiter work on views "
    "without a limit, no session signer without a cookie, links without `url_for`, the CSP "
    "from a cached template. A cProfile of the marker view (test client, SpatiaLite 100k) "
    "after it: about half in the statement, ~15% writing the features' text and judging "
    "their freshness in Python, the parameter parsing and links ~0.5 ms each.",
    "- **`near`.** One statement: a CTE takes the page's worth of candidates nearest first "
    "on the sphere (geography `<->` on the GiST index of migration 0033; it stops at the "
    "LIMIT); the farthest bounds the circle whose candidates the exact geodesic sort "
    "measures (same rows and order): about 103 groups for a page of 100, where the "
    "geometry index's plane-degree order bounded a box of 201. What is left over the "
    "reference is that second pass, the Features' text and the Python above.",
    "- **Throughput.** `assetmap serve`'s defaults (a gthread worker per core × 4 threads, "
    "keep-alive) against one threaded process spending about 1 ms a request: on 2 cores "
    "shared with PostgreSQL and wrk, each worker is CPU-bound in Python (the GIL), so the "
    "ratio follows the per-request Python time above. Not yet profiled under wrk.",
]


def _verdict(label: str, ratio: float, goal: float, at_most: bool) -> str:
    met = ratio <= goal if at_most else ratio >= goal
    return f"{label}: {ratio:.2f} {'pass' if met else '**miss**'}"


def section(found: list[Series], main_size: int, day: str, machine_line: str) -> str:
    return "\n".join(
        [
            "## The map API beside its peers, over real HTTP (issue 18)",
            "",
            f"{day} · {machine_line} · PostGIS · {len(found[0].ms)} random "
            f"{VIEW_KM:g} × {VIEW_KM:g} km viewports centred on venues (and a {NEAR_KM:g} km "
            f"`near` circle round the same centres), {PAGE} features each, after {WARMUP} "
            "warm-up, every target asked in turn on its own keep-alive connection · req/s: "
            f"`wrk`, {WRK_CONNECTIONS} connections, {WRK_SECONDS} s, cycling through the same "
            "URLs · the machine is shared, so read the ratios (measured in this one run), not "
            "the absolute times.",
            "",
            *HEADER,
            *rows(found),
            "",
            f"Goals at {main_size:,} listings (ratios from this run):",
            "",
            *goals(found, main_size),
            "",
            *WHERE_THE_TIME_GOES,
        ]
    )


def run(
    admin_url: str, sizes: list[int], main_size: int, rounds: int, echo: Callable[[str], None]
) -> list[Series]:
    """Every target at ``main_size``; the floor, the reference and assetmap at the others."""
    found: list[Series] = []
    for size in sizes:
        found += measure(admin_url, size, rounds, size == main_size, echo)
    return found
