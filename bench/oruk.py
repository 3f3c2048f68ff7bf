"""Time the Open Referral UK API's pages, as another directory reading ours would ask.

Each request goes through the Flask test client (routing, parsing, the queries, JSON), on the
same synthetic directory as the other benchmarks, SpatiaLite and PostGIS side by side; a page
of the app's own GeoJSON API is timed in the same loop as the yardstick.
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from flask.testing import FlaskClient

from assetmap.interop.oruk_out import CATEGORY_TAXONOMY, oruk_id, term_id

HEADER = [
    "| backend | request | p50 ms | p95 ms | bytes |",
    "|---|---|---|---|---|",
]


def requests(group_ids: list[int], rounds: int) -> list[tuple[str, list[str]]]:
    """(label, the URLs timed): random pages, filters and single services."""
    pick = random.Random(11)
    pages = max(1, len(group_ids) // 50)
    creative = term_id(CATEGORY_TAXONOMY, "creative")
    return [
        (
            "/services, a random page of 50",
            [f"/openreferral/services?page={pick.randint(1, pages)}" for _ in range(rounds)],
        ),
        (
            "/services?taxonomy_term_id=creative&day=tuesday, page 1-20",
            [
                f"/openreferral/services?taxonomy_term_id={creative}&day=tuesday"
                f"&page={pick.randint(1, 20)}"
                for _ in range(rounds)
            ],
        ),
        ("/services?search=walking", ["/openreferral/services?search=walking"] * rounds),
        (
            "/services/{id}, fully nested",
            [
                f"/openreferral/services/{oruk_id('service', pick.choice(group_ids))}"
                for _ in range(rounds)
            ],
        ),
        (
            "yardstick: /api/v1/groups?limit=50, a random page",
            [
                f"/api/v1/groups?limit=50&offset={50 * pick.randint(0, pages - 1)}"
                for _ in range(rounds)
            ],
        ),
    ]


def time_requests(client: FlaskClient, urls: list[str]) -> tuple[list[float], int]:
    for url in urls[:5]:  # warm the statement caches
        client.get(url)
    times, size = [], 0
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.get_data(as_text=True)}")
        size = len(response.get_data())
    return times, size


def rows(backend: str, client: FlaskClient, group_ids: list[int], rounds: int) -> list[str]:
    out = []
    for label, urls in requests(group_ids, rounds):
        times, size = time_requests(client, urls)
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)
        out.append(
            f"| {backend} | {label} | {statistics.median(times):.1f} | {p95:.1f} | {size:,} |"
        )
    return out


def section(table: list[str], size: int, machine: str, notes: Any = "") -> str:
    return "\n".join(
        [
            "## Open Referral UK API (issue 17)",
            "",
            f"{size:,} synthetic listings per backend; {machine}. Times through the Flask test "
            "client: routing, parsing, the queries and the JSON, over the same rounds.",
            "",
            *HEADER,
            *table,
            "",
            str(notes),
        ]
    )
