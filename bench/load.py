"""Load: `assetmap serve` (gunicorn) driven by wrk over real HTTP, 1 worker beside 2.

For each backend the server is started as an operator would (`assetmap serve --workers N`),
on the bench's synthetic directory, and wrk sends a mix of what people and other systems ask
for: map viewports (the bbox API), the search page, listing pages, matching
(``POST /api/v1/match``) and the Open Referral UK API. The mix is drawn once (fixed seeds) and
handed to wrk as a Lua table, so every run sends the same requests. wrk gives the client's
view (requests per second, latency percentiles, errors: sockets, timeouts, statuses outside
2xx/3xx); the server's access log, which times each request inside the worker, gives the
same per endpoint. Any error fails the run, after the figures are written.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from assetmap.config import Config
from assetmap.db import Database
from assetmap.interop.oruk_out import oruk_id
from assetmap.models import Group, Venue

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = (8, 32)
WORKERS = (1, 2)
THREADS = 4
WRK_THREADS = 2
#: A request slower than this counts as a timeout (wrk's own default is 2 s).
TIMEOUT_S = 10
WARMUP_S = 5
MIX_SIZE = 400
#: A 2 x 2 km viewport in London (the issue's): degrees of longitude and latitude.
VIEW_DLON, VIEW_DLAT = 0.0288, 0.018
#: How many of every 20 requests each endpoint gets: mostly map moves, as on the search page.
WEIGHTS = {"map bbox API": 8, "search page": 3, "listing page": 4, "match API": 2, "ORUK API": 3}
SEARCHES = ["/", "/?q=walking", "/?q=garden&free=true&step_free=true", "/?q=singing&day=tue"]
INTERESTS = ["walking", "knitting", "singing", "gardening", "woodwork", "art"]
#: Server-side timing per request in microseconds, and the request line and status.
LOG_FORMAT = '"%(r)s" %(s)s %(D)s'
LOG_LINE = re.compile(r'"(\w+) (\S+) [^"]*" (\d{3}) (\d+)')


@dataclass
class Run:
    backend: str
    workers: int
    connections: int
    seconds: float
    requests: int
    errors: dict[str, int]
    p50_ms: float
    p99_ms: float
    per_endpoint: dict[str, tuple[int, float, float, int, float]] = field(default_factory=dict)
    #: The machine's 1-minute load average as the run ended (other work on the same cores).
    load_average: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def request_mix(database: Database) -> list[tuple[str, str, str, str]]:
    """(endpoint, method, path, JSON body) × MIX_SIZE, in a fixed random order."""
    pick = random.Random(18)
    with database.engine.connect() as connection:
        places = connection.execute(select(Venue.lat, Venue.lon)).all()
        ids = list(connection.execute(select(Group.id).where(Group.status != "closed")).scalars())
    places, ids = pick.sample(places, 200), pick.sample(ids, 200)
    pages = max(1, len(ids) // 50)
    makers: dict[str, Callable[[], tuple[str, str, str]]] = {
        "map bbox API": lambda: (
            "GET",
            "/api/v1/groups?bbox={:.5f},{:.5f},{:.5f},{:.5f}&limit=100".format(
                *_box(pick.choice(places))
            ),
            "",
        ),
        "search page": lambda: ("GET", pick.choice(SEARCHES), ""),
        "listing page": lambda: ("GET", f"/groups/{pick.choice(ids)}", ""),
        "match API": lambda: ("POST", "/api/v1/match", _match_body(pick, pick.choice(places))),
        "ORUK API": lambda: (
            ("GET", f"/openreferral/services/{oruk_id('service', pick.choice(ids))}", "")
            if pick.random() < 0.5
            else ("GET", f"/openreferral/services?page={pick.randint(1, pages)}", "")
        ),
    }
    names = [name for name, weight in WEIGHTS.items() for _ in range(weight)]
    return [(name, *makers[name]()) for name in (pick.choice(names) for _ in range(MIX_SIZE))]


def _box(place: tuple[float, float]) -> tuple[float, float, float, float]:
    lat, lon = place
    return (lon - VIEW_DLON / 2, lat - VIEW_DLAT / 2, lon + VIEW_DLON / 2, lat + VIEW_DLAT / 2)


def _match_body(pick: random.Random, place: tuple[float, float]) -> str:
    return json.dumps(
        {
            "location": {"lat": place[0], "lon": place[1]},
            "interests": [pick.choice(INTERESTS)],
            "mobility": {"modes": ["walk", "bus"], "max_travel_minutes": 30},
            "limit": 10,
        }
    )


def lua_script(mix: list[tuple[str, str, str, str]]) -> str:
    """wrk's script: each thread walks the mix from its own offset; done() prints JSON."""
    rows = ",\n".join(
        f"  {{{json.dumps(method)}, {json.dumps(path)}, {json.dumps(body)}}}"
        for _, method, path, body in mix
    )
    return f"""
local mix = {{
{rows}
}}
local counter = 1
local threads = {{}}
function setup(thread)
  thread:set("offset", #threads * 97)
  table.insert(threads, thread)
end
function init(args)
  counter = offset or 0
end
request = function()
  counter = counter + 1
  local r = mix[(counter % #mix) + 1]
  local headers = {{}}
  if r[1] == "POST" then headers["Content-Type"] = "application/json" end
  return wrk.format(r[1], r[2], headers, r[3] ~= "" and r[3] or nil)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d,'
    .. ' "status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


class Server:
    """`assetmap serve --workers N` in its own process group, on a free port."""

    def __init__(self, database_url: str, workers: int, instance: Path, log: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "ASSETMAP_DATABASE_URL": database_url,
            "ASSETMAP_SECRET_KEY": "bench",
            "ASSETMAP_INSTANCE_PATH": str(instance),
            "ASSETMAP_TILE_URL": "",
            "GUNICORN_CMD_ARGS": f"--access-logformat '{LOG_FORMAT}'",
        }
        command = [sys.executable, "-m", "assetmap.cli", "serve", "--port", str(self.port)]
        command += ["--workers", str(workers), "--threads", str(THREADS), "--access-log", str(log)]
        self.process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(log.with_suffix(".err"), "wb"),  # noqa: SIM115 -- lives with it
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(log.with_suffix(".err").read_text())
            try:
                with urllib.request.urlopen(self.url + "/", timeout=30) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        self.stop()
        raise RuntimeError("assetmap serve did not start")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run_wrk(url: str, script: Path, connections: int, seconds: int) -> dict[str, int]:
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s"]
    command += [f"--timeout={TIMEOUT_S}s", "-s", str(script), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def endpoint_of(path: str) -> str:
    if path.startswith("/api/v1/groups"):
        return "map bbox API"
    if path.startswith("/api/v1/match"):
        return "match API"
    if path.startswith("/openreferral/"):
        return "ORUK API"
    if path.startswith("/groups/"):
        return "listing page"
    return "search page"


def server_times(log: Path, start: int) -> dict[str, tuple[int, float, float, int, float]]:
    """Per endpoint, from the access log after byte ``start``: requests, p50 and p99 ms inside
    the worker, answers outside 2xx/3xx, and its share of all the workers' time."""
    times: dict[str, list[float]] = {}
    bad: dict[str, int] = {}
    with log.open("rb") as handle:
        handle.seek(start)
        for line in handle.read().decode(errors="replace").splitlines():
            found = LOG_LINE.search(line)
            if not found:
                continue
            name = endpoint_of(found.group(2))
            times.setdefault(name, []).append(int(found.group(4)) / 1000)
            if not 200 <= int(found.group(3)) < 400:
                bad[name] = bad.get(name, 0) + 1
    total = sum(sum(values) for values in times.values()) or 1.0
    return {
        name: (
            len(values),
            _pct(values, 0.5),
            _pct(values, 0.99),
            bad.get(name, 0),
            sum(values) / total,
        )
        for name, values in times.items()
    }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)] if ordered else float("nan")


def bench(backends: list[tuple[str, str]], seconds: int, echo: Callable[[str], None]) -> list[Run]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: `make bench` installs Debian's wrk package")
    runs = []
    with tempfile.TemporaryDirectory(prefix="assetmap-load-") as scratch:
        tmp = Path(scratch)
        for name, url in backends:
            database = Database(Config(database_url=url, instance_path=str(tmp)))
            script = tmp / f"mix-{name}.lua"
            script.write_text(lua_script(request_mix(database)))
            database.dispose()
            for workers in WORKERS:
                log = tmp / f"access-{name}-{workers}.log"
                server = Server(url, workers, tmp / "instance", log)
                try:
                    run_wrk(server.url, script, CONNECTIONS[0], WARMUP_S)
                    for connections in CONNECTIONS:
                        start = log.stat().st_size if log.exists() else 0
                        summary = run_wrk(server.url, script, connections, seconds)
                        errors = {
                            kind: summary[kind]
                            for kind in ("connect", "read", "write", "status", "timeout")
                        }
                        run = Run(
                            name,
                            workers,
                            connections,
                            summary["duration_us"] / 1e6,
                            summary["requests"],
                            errors,
                            summary["p50_us"] / 1000,
                            summary["p99_us"] / 1000,
                            server_times(log, start),
                            os.getloadavg()[0],
                        )
                        runs.append(run)
                        echo(
                            f"{name} {workers} worker(s) {connections} connections: "
                            f"{run.rate:.0f} req/s, p50 {run.p50_ms:.1f} ms, "
                            f"p99 {run.p99_ms:.1f} ms, errors {run.error_count}"
                        )
                finally:
                    server.stop()
    return runs


def section(runs: list[Run], size: int, seconds: int, day: str, machine: str) -> str:
    rows = []
    for run in runs:
        one = next(
            (
                r
                for r in runs
                if (r.backend, r.workers, r.connections) == (run.backend, 1, run.connections)
            ),
            run,
        )
        errors = ", ".join(f"{k} {v}" for k, v in run.errors.items() if v) or "0"
        rows.append(
            f"| {run.backend} | {run.workers} | {run.connections} | {run.requests:,} | "
            f"{run.rate:.0f} | {run.rate / one.rate:.2f} | {run.p50_ms:.1f} | "
            f"{run.p99_ms:.1f} | {errors} | {run.load_average:.1f} |"
        )
    endpoint_rows = [
        f"| {run.backend} | {run.workers} | {run.connections} | {name} | {n:,} | "
        f"{p50:.1f} | {p99:.1f} | {share:.0%} | {bad} |"
        for run in runs
        for name, (n, p50, p99, bad, share) in sorted(run.per_endpoint.items())
    ]
    share = ", ".join(f"{name} {weight}/20" for name, weight in WEIGHTS.items())
    total = sum(r.error_count for r in runs)
    return "\n".join(
        [
            "## Load: `assetmap serve` under wrk (issue 18)",
            "",
            f"{day} · {machine} · {size:,} synthetic listings · `assetmap serve --workers N "
            f"--threads {THREADS}` (gunicorn, gthread) on a loopback port, driven by `wrk "
            f"-t{WRK_THREADS} --timeout {TIMEOUT_S}s` for {seconds} s per row after a "
            f"{WARMUP_S} s warm-up, wrk on the same two cores as the server and the database. "
            f"The mix ({MIX_SIZE} requests drawn once, the same every run): {share}; map "
            "viewports 2 x 2 km, limit 100; search pages with and without words; listing pages "
            "and ORUK services of random listings; matching walk+bus 30 min with one interest. "
            "*errors* are wrk's: connect, read, write, timeout and answers outside 2xx/3xx. "
            f"Goal: zero errors at 8 and 32 connections. Errors in this run: **{total}**. "
            "*load average* is the machine's (1 minute) as the row ended: above 2, other "
            "work shared the two cores and the row's times are inflated by it.",
            "",
            "| backend | workers | connections | requests | req/s | × 1 worker | p50 ms | "
            "p99 ms | errors | load average |",
            "|---|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "Per endpoint, from the server's access log (time inside the worker, so without "
            "the wait in the socket's queue that wrk's latency includes):",
            "",
            "| backend | workers | connections | endpoint | requests | p50 ms | p99 ms | "
            "share of worker time | non-2xx/3xx |",
            "|---|---|---|---|---|---|---|---|---|",
            *endpoint_rows,
        ]
    )
