"""Make N synthetic listings for scale tests and load them, or write them as a JSON file.

    python seed/generate.py 100000                 # into ASSETMAP_DATABASE_URL (migrated first)
    python seed/generate.py 5000 --json big.json   # a file for `assetmap import-groups`

Loading goes through the same validation and set-wise writer as `assetmap import-groups`, in
batches, so 100k listings load in a minute or two rather than hours.
"""

from __future__ import annotations

import json
import sys
from itertools import islice
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assetmap import schema
from assetmap.cli import progress_bar
from assetmap.config import Config
from assetmap.db import Database
from assetmap.directory.importing import save_listings, validate_records
from assetmap.geo.geocoders import GazetteerGeocoder
from seed.synthetic import generate_listings

# Listings validated and written per transaction: big enough for set-wise writes to pay off,
# small enough to keep memory flat at a million.
LOAD_BATCH = 10_000


def load_synthetic(database: Database, count: int, seed: int = 1) -> int:
    """Generate ``count`` listings and save them; returns how many were written."""
    schema.upgrade(database)
    records = generate_listings(count, seed=seed)
    written = 0
    with progress_bar("synthetic listings", count) as advance:
        while batch := list(islice(records, LOAD_BATCH)):
            with database.session() as session:
                listings = validate_records(batch, GazetteerGeocoder(session))
                save_listings(session, listings)
            written += len(batch)
            advance(len(batch))
    return written


@click.command()
@click.argument("count", type=click.IntRange(1, 10_000_000))
@click.option("--seed", "seed_value", default=1, show_default=True, help="Random seed.")
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a JSON file instead of loading the database.",
)
def main(count: int, seed_value: int, json_path: Path | None) -> None:
    """Generate COUNT synthetic listings over London and the South East."""
    if json_path is not None:
        with json_path.open("w", encoding="utf-8") as handle:
            json.dump(list(generate_listings(count, seed=seed_value)), handle)
        click.echo(f"wrote {count} listings to {json_path}")
        return
    database = Database(Config.from_env())
    written = load_synthetic(database, count, seed_value)
    click.echo(f"loaded {written} synthetic listings into {database.backend.value}")


if __name__ == "__main__":
    main()
