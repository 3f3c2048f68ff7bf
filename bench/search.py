"""Time text search (the search page, the groups API and the ORUK API's ``search=``) on both
backends and at several directory sizes (``--only search``).

    python -m bench --only search --size 100000
    python -m bench.search URL --rounds 40 --out before.json   (one database, any checkout)

The second form times one database with whatever ``assetmap`` is first on the path, so the
same requests can be timed on an older checkout (the code before the text index) on the
same machine the same day; ``--before FILE`` then puts its figures and the ratio beside
this run's. Requests go through the Flask test client: routing, parsing, the queries, the
ranking and the page or JSON.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import click

from assetmap import create_app
from assetmap.config import Config

PATHS = [
    "/",
    "/?q=walking",
    "/?q=garden&free=true&step_free=true",
    "/api/v1/groups?q=kniting&near=51.55,-0.14&radius_km=3&limit=100",
    "/api/v1/groups?q=mens%20shed&near=51.55,-0.14&radius_km=10&limit=100",
    "/api/v1/groups?q=walking&limit=100",
    "/openreferral/services?search=walking",
]
WARMUP = 5
#: Goals of issue 18 in ms: p50 and p95 at 100,000 listings; p50 at 1,000,000 on PostGIS.
GOAL_P50, GOAL_P95, GOAL_P50_MILLION = 50.0, 150.0, 100.0


@dataclass
class Row:
    backend: str
    size: int
    path: str
    p50: float
    p95: float
    kilobytes: float


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def time_paths(url: str, backend: str, size: int, rounds: int, cache: str) -> list[Row]:
    """Each path ``rounds`` times after a warm-up, through one app on one database."""
    config = Config(database_url=url, secret_key="bench", instance_path=cache, tile_url="")
    client = create_app(config).test_client()
    rows = []
    for path in PATHS:
        for _ in range(WARMUP):
            client.get(path)
        times, size_bytes = [], 0
        for _ in range(rounds):
            start = time.perf_counter_ns()
            response = client.get(path)
            times.append((time.perf_counter_ns() - start) / 1e6)
            if response.status_code != 200:
                raise click.ClickException(f"{path}: {response.status_code}")
            size_bytes = len(response.data)
        rows.append(
            Row(
                backend,
                size,
                path,
                percentile(times, 0.5),
                percentile(times, 0.95),
                size_bytes / 1024,
            )
        )
        click.echo(f"  {backend} {size:,} {path}: p50 {rows[-1].p50:.1f} p95 {rows[-1].p95:.1f}")
    return rows


def load_before(path: Path | None) -> dict[tuple[str, int, str], Row]:
    if path is None or not path.exists():
        return {}
    rows = [Row(**row) for row in json.loads(path.read_text())]
    return {(row.backend, row.size, row.path): row for row in rows}


def _goal(row: Row) -> str:
    if row.path == "/":
        return "—"
    if row.size >= 1_000_000:
        return "yes" if row.p50 < GOAL_P50_MILLION else "**no**"
    return "yes" if row.p50 < GOAL_P50 and row.p95 < GOAL_P95 else "**no**"


def table(rows: list[Row], before: dict[tuple[str, int, str], Row]) -> list[str]:
    lines = [
        "| backend | listings | request | KB | p50 | p95 | before p50 | before p95 "
        "| p50 before ÷ after | goal met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        old = before.get((row.backend, row.size, row.path))
        was = f"{old.p50:.1f} | {old.p95:.1f} | {old.p50 / row.p50:.1f}×" if old else "— | — | —"
        lines.append(
            f"| {row.backend} | {row.size:,} | `{row.path}` | {row.kilobytes:.0f} | "
            f"{row.p50:.1f} | {row.p95:.1f} | {was} | {_goal(row)} |"
        )
    return lines


def growth(rows: list[Row]) -> list[str]:
    """p50 per request as the directory grows, one column per (backend, size)."""
    columns = sorted({(r.backend, r.size) for r in rows}, key=lambda c: (c[0] != "SpatiaLite", c))
    by_key = {(r.backend, r.size, r.path): r for r in rows}
    lines = [
        "| request | " + " | ".join(f"{b} {s:,}" for b, s in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for path in PATHS:
        cells = [by_key.get((b, s, path)) for b, s in columns]
        lines.append(
            f"| `{path}` | " + " | ".join(f"{c.p50:.1f}" if c else "—" for c in cells) + " |"
        )
    return lines


def median_ratio(rows: list[Row], before: dict[tuple[str, int, str], Row]) -> float | None:
    ratios = [
        before[(r.backend, r.size, r.path)].p50 / r.p50
        for r in rows
        if (r.backend, r.size, r.path) in before and r.path != "/"
    ]
    return statistics.median(ratios) if ratios else None


def section(
    rows: list[Row], before: dict[tuple[str, int, str], Row], notes: list[str], when: str
) -> str:
    ratio = median_ratio(rows, before)
    return "\n".join(
        [
            "## Search page and text search (issues 4 and 18)",
            "",
            f"{when} · pages as served and text searches through the groups API and the ORUK "
            "API (typo, synonym phrase, a radius, no place at all) · Flask test client · "
            f"times in ms. Goal (issue 18): p50 under {GOAL_P50:g} ms and p95 under "
            f"{GOAL_P95:g} ms at 100,000 listings on both backends, p50 under "
            f"{GOAL_P50_MILLION:g} ms at 1,000,000 on PostGIS. *before* is an older checkout "
            "(`python -m bench.search` on it, into `.bench/search-before.json`; which one is "
            "said below), timed on the same machine the same day.",
            "",
            *table(rows, before),
            "",
            *(
                [f"Median p50 speed-up over the rows timed both ways: {ratio:.1f}×.", ""]
                if ratio
                else []
            ),
            "How p50 grows with the directory:",
            "",
            *growth(rows),
            "",
            *notes,
        ]
    )


def run(
    databases: list[tuple[str, int, str]], rounds: int, cache: str, before_file: Path | None
) -> tuple[list[Row], dict[tuple[str, int, str], Row]]:
    """Time every (backend, size, url) given; the rows, and the before figures if kept."""
    rows: list[Row] = []
    for backend, size, url in databases:
        rows += time_paths(url, backend, size, rounds, cache)
    return rows, load_before(before_file)


@click.command()
@click.argument("url")
@click.option("--backend", default="SpatiaLite")
@click.option("--size", type=int, required=True)
@click.option("--rounds", default=40, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def main(url: str, backend: str, size: int, rounds: int, out: Path) -> None:
    """Time the search requests on one database; add the rows to OUT (JSON)."""
    rows = [asdict(r) for r in time_paths(url, backend, size, rounds, str(out.parent))]
    kept = json.loads(out.read_text()) if out.exists() else []
    kept = [r for r in kept if (r["backend"], r["size"]) != (backend, size)]
    out.write_text(json.dumps(kept + rows, indent=1))


if __name__ == "__main__":
    main()
