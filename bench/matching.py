"""Time what POST /api/v1/match does for conversations a link worker really has, from real
venues, at several directory sizes, and beside the code before a change.

Each profile is matched from ``rounds`` places (venue locations picked at random, so the
density varies from town centres to the edges) through the matching service the endpoint
calls, and turned into the endpoint's JSON: validation, the spatial candidate search,
constraints, travel times, fuzzy interest fit, scoring, explanations, recording, JSON. Only
Flask's routing is left out. Each database is timed in a process of its own
(``bench/match_runner.py``); with ``before`` (a checkout of the older code and the revision
its schema is at) the older code is timed first, on the same database taken back to that
revision, then this tree's at head: the same day, the same data, the same places, and the
top ten of every answer compared.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from assetmap import schema
from assetmap.config import Config
from assetmap.db import Database
from assetmap.models import Venue

#: (label, profile without location): from the common case to the widest search.
PROFILES: list[tuple[str, dict[str, Any]]] = [
    (
        "walk 20 min, 'walking'",
        {"interests": ["walking"], "mobility": {"modes": ["walk"], "max_travel_minutes": 20}},
    ),
    (
        "walk+bus 30 min, 2 interests, social, step-free",
        {
            "interests": ["woodwork", "company"],
            "categories": ["social"],
            "mobility": {
                "modes": ["walk", "bus"],
                "max_travel_minutes": 30,
                "max_walk_metres": 600,
                "needs": ["step_free"],
            },
        },
    ),
    (
        "wheelchair+taxi 30 min, 2 needs, Tue/Thu mornings",
        {
            "interests": ["singing", "art"],
            "mobility": {
                "modes": ["wheelchair", "taxi"],
                "max_travel_minutes": 30,
                "needs": ["wheelchair_accessible", "accessible_toilet"],
            },
            "availability": [
                {"day": "tue", "from": "09:00", "to": "12:30"},
                {"day": "thu", "from": "09:00", "to": "12:30"},
            ],
            "complexity": 2,
        },
    ),
    (
        "Mr P: 200 m walk, 20 min, men's group",
        {
            "interests": ["men's group"],
            "gender": "men",
            "mobility": {"modes": ["walk"], "max_travel_minutes": 20, "max_walk_metres": 200},
        },
    ),
    (
        "car 45 min, no interests (widest)",
        {"mobility": {"modes": ["car"], "max_travel_minutes": 45}},
    ),
]


ROOT = Path(__file__).resolve().parent.parent
RUNNER = Path(__file__).resolve().parent / "match_runner.py"
WIDEST = PROFILES[-1][0]


@dataclass(frozen=True)
class Before:
    """The code before a change (a checkout's root) and the schema revision it runs on."""

    tree: Path
    revision: str


@dataclass(frozen=True)
class Case:
    backend: str
    size: int
    url: str


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


class _Runner:
    """A match runner process on ``tree``'s assetmap (see ``bench/match_runner.py``)."""

    def __init__(self, tree: Path, url: str, read_only: bool = False) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(RUNNER), url, *(["--read-only"] if read_only else [])],
            env={**os.environ, "PYTHONPATH": str(tree)},
            cwd=tree,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, body: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(body) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the match runner stopped (exit {self.process.wait()})")
        return dict(json.loads(line))

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=600)


def _places(url: str, rounds: int) -> list[tuple[float, float]]:
    database = Database(Config(database_url=url, secret_key="bench"))
    try:
        with database.engine.connect() as connection:
            venues = connection.execute(select(Venue.lat, Venue.lon).order_by(Venue.id)).all()
    finally:
        database.dispose()
    return [(v.lat, v.lon) for v in random.Random(11).sample(venues, rounds)]


def _timed(
    runners: list[_Runner],
    places: list[tuple[float, float]],
    profiles: list[tuple[str, dict[str, Any]]] | None = None,
) -> list[list[dict[str, Any]]]:
    """Per profile (default ``PROFILES``) and runner: the first pass's and second pass's
    answers, asked in turn (the order swapped at each place, so neither always goes first)."""
    found: list[list[dict[str, Any]]] = []
    for _, profile in PROFILES if profiles is None else profiles:
        passes: list[list[list[dict[str, Any]]]] = [[[], []] for _ in runners]
        for second in (0, 1):
            for at, (lat, lon) in enumerate(places):
                body = {**profile, "location": {"lat": lat, "lon": lon}, "limit": 10}
                order = list(range(len(runners)))
                for which in order if at % 2 == 0 else order[::-1]:
                    passes[which][second].append(runners[which].ask(body))
        found.append(
            [
                {
                    "first": [a["ms"] for a in first],
                    "times": [a["ms"] for a in again],
                    "considered": [a["considered"] for a in again],
                    "results": [a["results"] for a in again],
                    "top": [a["top"] for a in again],
                }
                for first, again in passes
            ]
        )
    return found


def _copy_for_before(case: Case, before: Before) -> str:
    """A copy of the case's database at ``before.revision``, for the older code."""
    if case.backend == "SpatiaLite":
        source = Path(case.url.removeprefix("sqlite:///"))
        target = source.with_name(source.stem + "-before.db")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        database = Database(Config(database_url=case.url, secret_key="bench"))
        try:
            with database.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            database.dispose()
        # A copy of the file as it is (not VACUUM INTO, which would hand the older code a
        # defragmented database, quicker to read than this tree's).
        shutil.copyfile(source, target)
        url = f"sqlite:///{target}"
    else:
        from bench.freshness import _create_database, _database_url

        name = f"match_{case.size}_before"
        admin = _database_url(case.url, "postgres")
        _create_database(admin, name, template=f"match_{case.size}", replace=True)
        url = _database_url(admin, name)
    database = Database(Config(database_url=url, secret_key="bench"))
    try:
        schema.downgrade(database, before.revision)
    finally:
        database.dispose()
    return url


def goal_ms(case: Case, label: str) -> float | None:
    """Issue 18's goal for this row: p50 under 50 ms (150 for the widest) at 100,000 on both
    backends, everyday profiles under 100 ms at 1,000,000 on PostGIS; none at other sizes."""
    if case.size == 100_000:
        return 150.0 if label == WIDEST else 50.0
    if case.size == 1_000_000 and case.backend == "PostGIS" and label != WIDEST:
        return 100.0
    return None


def bench_match(case: Case, rounds: int, before: Before | None) -> list[str]:
    """One table row per profile for this database: p50/p95 of a match as the API answers
    it, with how many groups it weighed, beside the older code's p50 when it is given."""
    database = Database(Config(database_url=case.url, secret_key="bench"))
    try:
        schema.upgrade(database)
    finally:
        database.dispose()
    # The copy first: PostgreSQL copies a database only while nobody is connected to it.
    copy = None if before is None else _copy_for_before(case, before)
    runners = [_Runner(ROOT, case.url)]
    if before is not None and copy is not None:
        runners.append(_Runner(before.tree, copy))
    try:
        timed = _timed(runners, _places(case.url, rounds))
    finally:
        for runner in runners:
            runner.close()
    rows = []
    for at, (label, _) in enumerate(PROFILES):
        now = timed[at][0]
        p50 = _pct(now["times"], 0.5)
        cells = [
            case.backend,
            f"{case.size:,}",
            label,
            f"{statistics.median(now['considered']):.0f}",
            f"{statistics.median(now['results']):.0f}",
            f"{p50:.1f}",
            f"{_pct(now['times'], 0.95):.1f}",
            f"{_pct(now['first'], 0.5):.1f}",
        ]
        if before is not None:
            old = timed[at][1]
            was = _pct(old["times"], 0.5)
            same = sum(a == b for a, b in zip(old["top"], now["top"], strict=True))
            cells += [f"{was:.1f}", f"{was / p50:.2f}×", f"{same}/{len(now['top'])}"]
        else:
            cells += ["—", "—", "—"]
        goal = goal_ms(case, label)
        cells += (
            ["—", "—"] if goal is None else [f"< {goal:.0f}", "pass" if p50 < goal else "**miss**"]
        )
        rows.append("| " + " | ".join(cells) + " |")
    return rows


HEADER = [
    "| backend | listings | profile | considered (median) | results (median) | p50 | p95 "
    "| first pass p50 | before p50 | speed-up | same top 10 | goal p50 | |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
]


def postgis_database(admin_url: str, size: int) -> str:
    """The URL of the PostGIS database for ``size`` synthetic listings on the server of
    ``admin_url`` (made, with PostGIS, if missing; kept, so a larger size loads once): the
    search, matching and peers benches share it."""
    from bench.freshness import _create_database, _database_url

    name = f"match_{size}"
    _create_database(admin_url, name)
    return _database_url(admin_url, name)


def section(rows: list[str], notes: list[str], when: str, machine: str, rounds: int) -> str:
    return "\n".join(
        [
            "## Matching: POST /api/v1/match (issues 5 and 18)",
            "",
            f"{when} · {machine} · synthetic listings at each size · {rounds} profiles per "
            "row, each from a random venue's location (the same places before and after) · "
            "times in ms through the matching service and the endpoint's JSON (validation, "
            "spatial candidates, constraints in SQL, travel times, fuzzy interest fit, "
            "scores, reasons, JSON). *considered* is the groups within reach (and near "
            "misses) that the constraints weighed. Each row runs its places twice: *first "
            "pass* is the first time the process meets those groups (the fuzzy word memo "
            "learns their words, as a fresh server does); p50/p95 are the second pass, a "
            "server that has seen its area before. *before p50* is the code before issue 18 "
            "(a checkout of main, on the same database at its schema revision) measured in "
            "the same run, *speed-up* before ÷ after, and *same top 10* how many of the "
            "places got the same ten groups with the same scores from both.",
            "",
            "Goals (issue 18): p50 under 50 ms for every everyday profile and under 150 ms "
            "for the widest (45 minutes by car, no interests) at 100,000 listings on both "
            "backends; everyday p50 under 100 ms at 1,000,000 on PostGIS.",
            "",
            *HEADER,
            *rows,
            "",
            *notes,
        ]
    )
