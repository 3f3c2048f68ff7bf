"""`assetmap export-csv`, `mappings`, `save-mapping` and `delete-mapping`: listings out as a
spreadsheet, and the column mappings spreadsheets are imported with."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from assetmap.cli.common import open_database, user_errors
from assetmap.errors import ValidationError
from assetmap.interop.mappings import delete_mapping, list_mappings, save_mapping
from assetmap.interop.sheets import export_csv
from assetmap.models import ImportFormat
from assetmap.verification.policy import FreshnessPolicy


@click.command("export-csv")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@user_errors
def export_csv_command(ctx: click.Context, file: Path | None) -> None:
    """Write every listing, closed ones included, as CSV (one row each) to FILE or standard
    output. Its headers are the ones `import-source` knows, so it imports again as it is."""
    database = open_database(ctx)
    policy = FreshnessPolicy.from_config(ctx.obj)
    handle = file.open("w", encoding="utf-8-sig", newline="") if file else sys.stdout
    try:
        with database.session() as session:
            count = export_csv(session, policy, dt.date.today(), handle)
    finally:
        if file:
            handle.close()
    if file:
        click.echo(f"exported {count} listings to {file}", err=True)


@click.command("mappings")
@click.pass_context
@user_errors
def mappings_command(ctx: click.Context) -> None:
    """List the saved column mappings: each one's name, format and columns."""
    with open_database(ctx).session() as session:
        saved = list_mappings(session)
    if not saved:
        click.echo("no saved column mappings")
    for mapping in saved:
        click.echo(f"{mapping.name} ({mapping.format.value})")
        for header, target in mapping.columns.items():
            click.echo(f"  {header} = {target}")


def _columns(pairs: tuple[str, ...]) -> dict[str, str]:
    columns: dict[str, str] = {}
    for pair in pairs:
        header, sep, target = pair.partition("=")
        if not sep:
            raise ValidationError(f"{pair!r}: give each column as 'Header=field'", field="column")
        columns[header.strip()] = target.strip()
    return columns


@click.command("save-mapping")
@click.argument("name")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([ImportFormat.CSV.value, ImportFormat.XLSX.value]),
    default=ImportFormat.CSV.value,
    show_default=True,
)
@click.option(
    "--column",
    "pairs",
    multiple=True,
    metavar="'HEADER=FIELD'",
    help="A column's header and the listing field it holds (repeat for each column).",
)
@click.option("--replace", is_flag=True, help="Replace a saved mapping of the same name.")
@click.pass_context
@user_errors
def save_mapping_command(
    ctx: click.Context, name: str, fmt: str, pairs: tuple[str, ...], replace: bool
) -> None:
    """Save a column mapping for `import-source --mapping NAME`."""
    with open_database(ctx).session() as session:
        saved = save_mapping(
            session,
            name,
            ImportFormat(fmt),
            _columns(pairs),
            dt.datetime.now(dt.UTC),
            replace=replace,
        )
    click.echo(f"saved the mapping {saved.name!r}: {len(saved.columns)} columns")


@click.command("delete-mapping")
@click.argument("name")
@click.pass_context
@user_errors
def delete_mapping_command(ctx: click.Context, name: str) -> None:
    """Delete a saved column mapping."""
    with open_database(ctx).session() as session:
        gone = delete_mapping(session, name)
    click.echo(f"deleted the mapping {gone.name!r}")


COMMANDS = [export_csv_command, mappings_command, save_mapping_command, delete_mapping_command]
