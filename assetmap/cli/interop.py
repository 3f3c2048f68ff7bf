"""`assetmap import-source`: any file assetmap reads (ORUK or Outpost JSON, a spreadsheet, a
calendar, its own listings) into the directory, all or nothing, with its provenance."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from sqlalchemy import select

from assetmap.cli import sheets
from assetmap.cli.common import open_database, progress_bar, user_errors, write_json_list
from assetmap.directory.importing import PROGRESS_STEPS
from assetmap.errors import ValidationError
from assetmap.geo.geocoders import geocoder_for
from assetmap.interop.formats import ReadOptions, format_of, read_source
from assetmap.interop.load import LoadResult, load_source
from assetmap.interop.oruk_api import iter_services
from assetmap.models import ColumnMapping, ImportFormat

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("import-source")
@click.argument("file", type=FILE)
@click.option(
    "--source",
    metavar="NAME",
    help="The source's name: re-imports under it update its listings (default: the file name).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ImportFormat]),
    help="The file's format (default: from its name and, for JSON, its shape).",
)
@click.option("--mapping", metavar="NAME", help="A saved column mapping, for a spreadsheet.")
@click.option(
    "--default-category",
    metavar="CATEGORY",
    help="The category for records whose own terms map to none (else they are refused).",
)
@click.pass_context
@user_errors
def import_source(
    ctx: click.Context,
    file: Path,
    source: str | None,
    fmt: str | None,
    mapping: str | None,
    default_category: str | None,
) -> None:
    """Import a directory file. Every record is checked first: one bad record refuses the
    whole file, each problem named by its record and field, and nothing is written. Records
    already imported from the same source are updated, or left alone if unchanged."""
    data = file.read_bytes()
    kind = ImportFormat(fmt) if fmt else format_of(file.name, data)
    name = source or file.stem
    database = open_database(ctx)
    with database.session() as session:
        columns: dict[str, str] = {}
        if mapping:
            saved = session.scalar(select(ColumnMapping).where(ColumnMapping.name == mapping))
            if saved is None:
                raise ValidationError(f"there is no saved column mapping {mapping!r}")
            columns = dict(saved.columns)
        options = ReadOptions(
            source=name,
            columns=columns,
            default_category=default_category,
            today=dt.date.today(),
        )
        parsed = read_source(kind, data, options, limit=None)  # an operator's own file
        unreadable = [p for p in parsed.problems if p.record == 0 and not p.field]
        if unreadable and not parsed.records:  # not read at all: one line, naming the file
            raise click.ClickException(f"{file}: {unreadable[0].message}")
        geocoder = geocoder_for(database.config, session)
        steps = PROGRESS_STEPS * len(parsed.records)  # checked, then written or unchanged
        with progress_bar("listings", steps) as advance:
            result = load_source(
                session, name, parsed, geocoder, dt.datetime.now(dt.UTC), progress=advance
            )
    click.echo(summary(name, kind, result))
    for gap in result.gaps:
        click.echo(f"not known: {gap}")


def summary(name: str, kind: ImportFormat, result: LoadResult) -> str:
    return (
        f"imported {result.seen} listings from {name!r} ({kind.value}): {result.created} new, "
        f"{result.updated} updated, {result.unchanged} unchanged"
    )


@click.command("export-oruk")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output).",
)
@click.pass_context
@user_errors
def export_oruk(ctx: click.Context, output: Path | None) -> None:
    """Write every listing, closed ones included, as Open Referral UK 3.0 services: a JSON
    list of fully nested services, which `assetmap import-source` reads back."""
    database = open_database(ctx)
    assurer = database.config.oruk_assurer_email or None
    with database.session() as session:
        count = write_json_list(iter_services(session, assurer), output)
    if output:
        click.echo(f"exported {count} services to {output}", err=True)


COMMANDS = [import_source, export_oruk, *sheets.COMMANDS]
