"""Import at scale (issue 17): generated listings through `assetmap import-groups` and
`assetmap import-source` (the listing contract's JSON) into an empty database, then the same
file again, on SpatiaLite and PostGIS side by side.

Each run is the real command in a process of its own, timed end to end (reading the file,
checking every record, geocoding, writing, committing). One venue in five comes with its
postcode alone, so the import geocodes it from the gazetteer, loaded beforehand. Goal: 100,000
listings in under 60 s on each backend. Two sizes a decade apart show how the time scales.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from assetmap import schema
from assetmap.config import Config
from assetmap.db import Database
from assetmap.models import Postcode
from seed.synthetic import generate_listings

ROOT = Path(__file__).resolve().parent.parent
#: One venue in this many is given by postcode alone, to be geocoded.
POSTCODE_ONLY_EVERY = 5

HEADER = [
    "| backend | command | listings | run | wall s | CPU s (command) | listings/s | result |",
    "|---|---|---|---|---|---|---|---|",
]


@dataclass
class Run:
    backend: str
    command: str
    size: int
    run: str  # "into empty" or "again"
    wall_s: float
    cpu_s: float
    result: str

    def row(self) -> str:
        return (
            f"| {self.backend} | `{self.command}` | {self.size:,} | {self.run} | "
            f"{self.wall_s:.1f} | {self.cpu_s:.1f} | {self.size / self.wall_s:,.0f} | "
            f"{self.result} |"
        )


def make_file(size: int, folder: Path) -> tuple[Path, dict[str, tuple[float, float]]]:
    """The listings as a JSON file, and the gazetteer's postcodes for the venues in it.

    A venue is known by its name and postcode; the generator now and then makes two with the
    same of both in different places, which a file must not (the second would move the
    first on every import), so the second is renamed."""
    path = folder / f"import-{size}.json"
    postcodes: dict[str, tuple[float, float]] = {}
    venues: dict[tuple[str, str], tuple[float, float, str]] = {}
    records = []
    for record in generate_listings(size, seed=17):
        venue = record["venue"]
        if venue:
            key = (venue["name"], venue["postcode"])
            details = (venue["lat"], venue["lon"], venue["address"])
            if venues.setdefault(key, details) != details:
                venue["name"] = f"{venue['name']} ({len(venues)})"
                venues[(venue["name"], venue["postcode"])] = details
            postcodes.setdefault(venue["postcode"], (venue["lat"], venue["lon"]))
            if zlib.crc32(venue["name"].encode()) % POSTCODE_ONLY_EVERY == 0:
                record["venue"] = {**venue, "lat": None, "lon": None}
        records.append(record)
    path.write_text(json.dumps(records), encoding="utf-8")
    return path, postcodes


def empty_database(
    backend: str, postgres_url: str, folder: Path, postcodes: dict[str, tuple[float, float]]
) -> str:
    """A new, migrated database holding only the gazetteer; its URL."""
    if backend == "SpatiaLite":
        path = folder / f"import-{uuid.uuid4().hex[:8]}.db"
        url = f"sqlite:///{path}"
    else:
        server = make_url(postgres_url).set(drivername="postgresql+psycopg")
        name = f"assetmap_import_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = server.set(database=name).render_as_string(hide_password=False)
    database = Database(Config(database_url=url, instance_path=str(folder)))
    schema.upgrade(database)
    with database.session() as session:
        session.execute(
            insert(Postcode),
            [{"postcode": p, "lat": lat, "lon": lon} for p, (lat, lon) in postcodes.items()],
        )
    database.dispose()
    return url


def drop_database(url: str, postgres_url: str) -> None:
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(make_url(url).database + suffix).unlink(missing_ok=True)  # type: ignore[operator]
        return
    server = make_url(postgres_url).set(drivername="postgresql+psycopg", database="postgres")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


#: Runs the CLI with the bulk text-index path turned off, so an import keeps the index through
#: the triggers on every statement (the way before issue 18's second round), for comparison.
TRIGGERS_ONLY = (
    "import sys; import assetmap.directory.importing as i; i.BULK_INDEX_FROM = 10**12; "
    "from assetmap.cli import cli; sys.argv[0] = 'assetmap'; cli()"
)


def run_command(
    url: str, args: list[str], folder: Path, bulk: bool = True
) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of the command's process, and its last line of output;
    ``bulk=False`` keeps the text index through its triggers (``TRIGGERS_ONLY``)."""
    env = {**os.environ, "ASSETMAP_DATABASE_URL": url, "ASSETMAP_INSTANCE_PATH": str(folder)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *(["-m", "assetmap.cli"] if bulk else ["-c", TRIGGERS_ONLY]), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {done.stderr.strip()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = done.stdout.strip().splitlines()
    return wall, cpu, lines[-1] if lines else ""


COMMANDS = {
    "import-groups": lambda path: ["import-groups", str(path)],
    "import-source": lambda path: ["import-source", str(path), "--source", "bench"],
}


def bench(
    sizes: list[int], postgres_url: str, folder: Path, echo: Callable[[str], None]
) -> list[Run]:
    """Every size, backend and command: into an empty database, then the same file again."""
    runs: list[Run] = []
    for size in sizes:
        path, postcodes = make_file(size, folder)
        for command, args in COMMANDS.items():
            for backend in ("SpatiaLite", "PostGIS"):
                url = empty_database(backend, postgres_url, folder, postcodes)
                try:
                    for run in ("into empty", "again"):
                        wall, cpu, result = run_command(url, args(path), folder)
                        runs.append(Run(backend, command, size, run, wall, cpu, result))
                        echo(runs[-1].row())
                finally:
                    drop_database(url, postgres_url)
        path.unlink()
    return runs


def section(runs: list[Run], sizes: list[int], when: str, machine: str) -> str:
    scaling = []
    if len(sizes) > 1:
        small, big = sizes[0], sizes[-1]
        for run in runs:
            if run.size != big:
                continue
            same = (run.backend, run.command, run.run)
            match = [r for r in runs if r.size == small and (r.backend, r.command, r.run) == same]
            if match:
                ratio = run.wall_s / match[0].wall_s
                scaling.append(
                    f"- {run.backend}, `{run.command}` {run.run}: ×{ratio:.1f} the time for "
                    f"×{big // small} the listings"
                )
    return "\n".join(
        [
            "## Import at scale (issue 17)",
            "",
            f"{when} · {machine} · generated listings (seed/synthetic.py), one venue in "
            f"{POSTCODE_ONLY_EVERY} by postcode alone (geocoded from the gazetteer) · each run is "
            "the command in its own process, end to end, in one transaction; *again* imports "
            "the same file into the database the first run filled (`import-groups` updates "
            "every listing, `import-source` finds them unchanged). CPU is the command's own "
            "process (PostgreSQL's server works on top). Goal: 100,000 listings in under 60 s "
            "on each backend.",
            "",
            *HEADER,
            *(run.row() for run in runs),
            "",
            *scaling,
        ]
    )
