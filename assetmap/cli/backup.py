"""`assetmap backup FILE` and `assetmap restore FILE`: the whole database (``ops.backup``)."""

from __future__ import annotations

from pathlib import Path

import click

from assetmap.cli.common import open_database, user_errors
from assetmap.ops.backup import backup, restore


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@user_errors
def backup_command(ctx: click.Context, file: Path) -> None:
    """Write a backup of the whole database to FILE, while the app runs: an SQLite copy made
    with SQLite's online backup API, or PostgreSQL's pg_dump -Fc. FILE is replaced."""
    database = open_database(ctx)
    backup(database, file)
    click.echo(f"backed up the {database.backend.value} database to {file}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--force", is_flag=True, help="Replace a database that holds data (back it up first)."
)
@click.pass_context
@user_errors
def restore_command(ctx: click.Context, file: Path, force: bool) -> None:
    """Replace the database with the backup in FILE (made by `assetmap backup` on the same
    kind of database). Stop the app and the scheduler first."""
    database = open_database(ctx)
    restored = restore(database, file, force=force)
    click.echo(f"restored {file} (migration {restored.revision})")
    if restored.behind:
        click.echo(f"the code's newest migration is {restored.newest}: run `assetmap init-db`")


COMMANDS = [backup_command, restore_command]
