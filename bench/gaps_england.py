"""England-scale gap analysis on PostGIS: a synthetic directory loaded with COPY, one analysis
per profile, timed phase by phase.

The layout: ``AREAS`` square areas on a grid over England (lat 50.4–55.4, lon −4.5–1.5; each
about 2.1 km by 3.2 km), each with ``POSTCODES_PER_AREA`` postcodes at random points inside it
and made-up people (1,000 to 3,000 residents, as an LSOA has); the listings are the synthetic
generator's (``bench.freshness.bulk_load_postgres``: London and the South East, no schedules,
so only questions without session times are asked). So supply is dense in the south-east
corner and demand is even everywhere: most postcodes have nothing in reach, which is the
worst case for finding the true nearest, and London's corner the worst for pairs in reach.
"""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass
from typing import Any

import click
import numpy as np
import psycopg
from sqlalchemy import func, select

from assetmap import schema
from assetmap.config import Config
from assetmap.db import Database
from assetmap.gaps.analysis import summarise, travel_access
from assetmap.gaps.demand import assign_to_areas, load_demand, unmet_points
from assetmap.gaps.profile import READY_MADE, NeedProfile
from assetmap.gaps.reach import dense_access, sparse_access
from assetmap.gaps.supply import Supply, load_supply
from assetmap.geo.journeys import Mobility, Mode
from assetmap.geo.travel import EstimatedTravel
from assetmap.models import Area, Group, Postcode
from bench.freshness import _create_database, _database_url, bulk_load_postgres
from seed.synthetic import TODAY

AREAS = 35_000
POSTCODES_PER_AREA = 5
LISTINGS = 100_000
GRID_COLUMNS, GRID_ROWS = 200, 175
SOUTH, WEST, NORTH, EAST = 50.4, -4.5, 55.4, 1.5

#: The questions timed: the widest (every live group fits) and a ready-made one.
PROFILES: list[tuple[str, NeedProfile]] = [
    (
        "any group, 30 min by bus (widest)",
        NeedProfile(name="any", mobility=Mobility(modes=(Mode.WALK, Mode.BUS))),
    ),
    ("mens-groups", READY_MADE["mens-groups"]),
]


@dataclass
class EnglandRun:
    label: str
    postcodes: int
    groups: int
    fits: int
    pairs: int
    stored: int
    sparse_mb: float
    dense_gb: float
    demand_s: float
    supply_s: float
    travel_s: float
    summary_s: float
    peak_rss_mb: float

    @property
    def total_s(self) -> float:
        return self.demand_s + self.supply_s + self.travel_s + self.summary_s

    def row(self) -> str:
        return (
            f"| {self.label} | {self.postcodes:,} | {self.groups:,} ({self.fits:,} fit) | "
            f"{self.pairs:,} | {self.stored:,} | {self.sparse_mb:.1f} MB | "
            f"{self.dense_gb:.1f} GB | {self.demand_s:.2f} | {self.supply_s:.2f} | "
            f"{self.travel_s:.2f} | {self.summary_s:.2f} | **{self.total_s:.2f}** | "
            f"{self.peak_rss_mb:,.0f} MB |"
        )


HEADER = [
    "| question | postcodes | groups (fit) | pairs timed | pairs in budget (stored) | "
    "sparse weights | dense matrix would need | demand | supply | travel | per area | "
    "total | process peak RSS |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
]


#: Postcodes per area for the growth rows (travel alone, the widest question's supply).
GROWTH_PER_AREA = (5, 10, 20)


@dataclass
class GrowthRow:
    postcodes: int
    pairs: int
    stored: int
    unreached: int
    seconds: float
    peak_mb: float

    def row(self) -> str:
        return (
            f"| {self.postcodes:,} | {self.pairs:,} | {self.stored:,} | {self.unreached:,} | "
            f"{self.seconds:.2f} | {self.peak_mb:,.0f} MB |"
        )


GROWTH_HEADER = [
    "| postcodes | pairs timed | pairs in budget (stored) | postcodes with nothing in reach "
    "| travel | process peak RSS after |",
    "|---|---|---|---|---|---|",
]


def grid_points(per_area: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``per_area`` random points in each grid area, as arrays (no database)."""
    dlon, dlat = (EAST - WEST) / GRID_COLUMNS, (NORTH - SOUTH) / GRID_ROWS
    row, col = np.divmod(np.repeat(np.arange(AREAS), per_area), GRID_COLUMNS)
    lat = SOUTH + (row + rng.uniform(size=row.shape)) * dlat
    lon = WEST + (col + rng.uniform(size=col.shape)) * dlon
    return lat, lon


def growth(supply: Supply, profile: NeedProfile) -> list[GrowthRow]:
    """The travel phase alone at more postcodes per area: how it grows with demand."""
    rows = []
    for per_area in GROWTH_PER_AREA:
        lat, lon = grid_points(per_area, np.random.default_rng(per_area))
        start = time.perf_counter()
        access = sparse_access(
            lat, lon, supply.destinations(), supply.fits, EstimatedTravel(), profile.mobility
        )
        seconds = time.perf_counter() - start
        rows.append(
            GrowthRow(
                postcodes=len(lat),
                pairs=access.pairs,
                stored=int(access.weights.nnz),
                unreached=int((access.nearest > profile.budget_minutes).sum()),
                seconds=seconds,
                peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            )
        )
        click.echo(rows[-1].row())
    return rows


#: Postcodes sampled for checking the pruned travel against the whole matrix at this scale.
CHECK_SAMPLE = 3_000


def check_sample(supply: Supply, profile: NeedProfile) -> str:
    """Pruned against dense on a random sample of the grid's points (the whole matrix for
    them fits): the sentence for the report."""
    lat, lon = grid_points(1, np.random.default_rng(99))
    pick = np.random.default_rng(7).choice(len(lat), CHECK_SAMPLE, replace=False)
    lat, lon = lat[pick], lon[pick]
    travel, budget = EstimatedTravel(), profile.budget_minutes
    destinations = supply.destinations()
    dense = dense_access(
        travel.matrix(lat, lon, destinations, profile.mobility), supply.fits, budget
    )
    pruned = sparse_access(lat, lon, destinations, supply.fits, travel, profile.mobility)
    weights_same = (dense.weights != pruned.weights).nnz == 0
    finite = np.isfinite(dense.nearest)
    nearest_same = bool(np.array_equal(finite, np.isfinite(pruned.nearest)))
    difference = float(
        np.max(np.abs(dense.nearest[finite] - pruned.nearest[finite]) / dense.nearest[finite])
        if finite.any()
        else 0.0
    )
    verdict = "the same" if weights_same and nearest_same and difference <= 1e-9 else "NOT the same"
    return (
        f"Checked at this scale: for {CHECK_SAMPLE:,} random points of the grid and the "
        f"{len(supply):,} groups of {profile.name!r}, the pruned band weights and nearest "
        f"minutes are {verdict} as the whole matrix's (nearest up to {difference:.0e} "
        f"relative; {int((dense.nearest > budget).sum()):,} of the points have nothing in "
        f"reach, their nearest up to {np.max(dense.nearest[finite]):,.0f} minutes away)."
    )


def _area_rows(rng: np.random.Generator) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The grid's areas (as COPY rows, geometry as EWKT) and their postcodes."""
    dlon, dlat = (EAST - WEST) / GRID_COLUMNS, (NORTH - SOUTH) / GRID_ROWS
    areas, postcodes = [], []
    for k in range(AREAS):
        row, col = divmod(k, GRID_COLUMNS)
        west, south = WEST + col * dlon, SOUTH + row * dlat
        east, north = west + dlon, south + dlat
        ring = f"{west} {south}, {east} {south}, {east} {north}, {west} {north}, {west} {south}"
        population = int(rng.integers(1000, 3000))
        code = f"S{k:08d}"
        areas.append(
            (
                code,
                f"Synthetic {k}",
                "other",
                f"SRID=4326;MULTIPOLYGON((({ring})))",
                population,
                population * 18 // 100,
                population * 8 // 100,
                float(rng.uniform(0.12, 0.25)),
                int(rng.integers(1, 11)),
            )
        )
        lat = rng.uniform(south, north, POSTCODES_PER_AREA)
        lon = rng.uniform(west, east, POSTCODES_PER_AREA)
        for p in range(POSTCODES_PER_AREA):
            postcodes.append((f"Q{k * POSTCODES_PER_AREA + p:07d}", lat[p], lon[p], code))
    return areas, postcodes


def load_geography(database: Database) -> None:
    """The areas and postcodes of the module docstring, with COPY."""
    areas, postcodes = _area_rows(np.random.default_rng(13))
    raw = database.engine.raw_connection()
    connection: psycopg.Connection[Any] = raw.driver_connection  # type: ignore[assignment]
    columns = (
        "code, name, kind, geometry, population, age_65_plus, age_75_plus, disabled_share, "
        "imd_decile"
    )
    try:
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY areas ({columns}) FROM STDIN") as copy:
                for area in areas:
                    copy.write_row(area)
            with cursor.copy("COPY postcodes (postcode, lat, lon, area_code) FROM STDIN") as copy:
                for postcode in postcodes:
                    copy.write_row(postcode)
            cursor.execute("ANALYZE areas")
            cursor.execute("ANALYZE postcodes")
        connection.commit()
    finally:
        raw.close()


def prepare(admin_url: str) -> tuple[Database, float | None]:
    """The England database (kept beside the test one), loaded unless it is already."""
    name = f"assetmap_gaps_england_{AREAS}_{POSTCODES_PER_AREA}_{LISTINGS}"
    _create_database(admin_url, name)
    database = Database(Config(database_url=_database_url(admin_url, name), secret_key="bench"))
    schema.upgrade(database)
    with database.session() as session:
        groups = session.scalar(select(func.count()).select_from(Group))
        postcodes = session.scalar(select(func.count()).select_from(Postcode))
        areas = session.scalar(select(func.count()).select_from(Area))
    if (groups, postcodes, areas) == (LISTINGS, AREAS * POSTCODES_PER_AREA, AREAS):
        return database, None
    if groups or postcodes or areas:
        raise click.ClickException(f"{name} is partly loaded: drop it to reload")
    start = time.perf_counter()
    click.echo(f"PostGIS: bulk loading {LISTINGS:,} listings, {AREAS:,} areas …")
    bulk_load_postgres(database, LISTINGS)
    load_geography(database)
    return database, time.perf_counter() - start


def time_profile(database: Database, label: str, profile: NeedProfile) -> EnglandRun:
    """One analysis, phase by phase (what ``analyse`` does, in its order)."""
    travel = EstimatedTravel()
    with database.session() as session:
        start = time.perf_counter()
        demand = load_demand(session, profile.target)
        loaded = time.perf_counter()
        supply = load_supply(session, profile)
        supplied = time.perf_counter()
        access = travel_access(demand, supply, travel, profile.mobility)
        travelled = time.perf_counter()
        unmet_area = assign_to_areas(demand, *unmet_points(session, profile, TODAY))
        areas = summarise(demand, supply, access, unmet_area)
        done = time.perf_counter()
    weights = access.weights
    assert len(areas) == AREAS
    return EnglandRun(
        label=label,
        postcodes=len(demand.lat),
        groups=len(supply),
        fits=int(supply.fits.sum()),
        pairs=access.pairs,
        stored=int(weights.nnz),
        sparse_mb=(weights.data.nbytes + weights.indices.nbytes + weights.indptr.nbytes) / 1e6,
        dense_gb=len(demand.lat) * len(supply) * 8 / 1e9,
        demand_s=loaded - start,
        supply_s=supplied - loaded,
        travel_s=travelled - supplied,
        summary_s=done - travelled,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


def bench_england(
    admin_url: str,
) -> tuple[list[EnglandRun], list[GrowthRow], str, float | None]:
    database, load_seconds = prepare(admin_url)
    try:
        runs = []
        for label, profile in PROFILES:
            runs.append(time_profile(database, label, profile))
            click.echo(runs[-1].row())
        widest, checked = PROFILES[0][1], PROFILES[1][1]
        with database.session() as session:
            supply = load_supply(session, widest)
            check = check_sample(load_supply(session, checked), checked)
        click.echo(check)
        return runs, growth(supply, widest), check, load_seconds
    finally:
        database.dispose()


def section_lines(runs: list[EnglandRun], grown: list[GrowthRow]) -> list[str]:
    """The England half of the ``bench:gaps`` section."""
    if not runs:
        return []
    return [
        "### England scale: synthetic, on PostGIS",
        "",
        f"{AREAS:,} square areas on a grid over England, {POSTCODES_PER_AREA} postcodes in "
        f"each ({AREAS * POSTCODES_PER_AREA:,}; England has about 1.5 million), "
        f"{LISTINGS:,} synthetic listings (London and the South East, as the generator makes "
        "them), loaded with COPY (`bench/gaps_england.py`). One analysis per question, travel "
        "pruned by reach (what `analyse` chooses past 4 million pairs), timed phase by phase: "
        "*demand* reads the postcodes and areas, *supply* the fitting groups, *travel* finds "
        "the pairs in reach with a KD-tree and times them (and the true nearest for postcodes "
        "with nothing in reach), *per area* is the E2SFCA, coverage and scores. *dense matrix "
        "would need* is postcodes × groups × 8 bytes, the whole matrix the dense path builds: "
        "it cannot run here.",
        "",
        *HEADER,
        *(r.row() for r in runs),
        "",
        "How the travel phase grows with demand: the widest question's groups, more postcodes "
        "per area (random points in the same grid, no database), in the same run.",
        "",
        *GROWTH_HEADER,
        *(g.row() for g in grown),
        "",
    ]


__all__ = ["EnglandRun", "GrowthRow", "bench_england", "section_lines"]
