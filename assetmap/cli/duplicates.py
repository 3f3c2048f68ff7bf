"""`assetmap find-duplicates`: look for likely duplicate listings and queue them for an
admin (nothing is merged from the command line: merging is an admin's choice, side by side)."""

from __future__ import annotations

import datetime as dt

import click

from assetmap.cli.common import open_database, user_errors
from assetmap.interop.duplicates import find_duplicates


@click.command("find-duplicates")
@click.pass_context
@user_errors
def find_duplicates_command(ctx: click.Context) -> None:
    """Look through every listing for likely duplicates (similar names with venues within
    200 m, or with the same phone or email) and queue them at /admin/duplicates. Pairs
    already kept apart or merged are never queued again."""
    database = open_database(ctx)
    with database.session() as session:
        run = find_duplicates(session, now=dt.datetime.now(dt.UTC))
    click.echo(
        f"{run.queued} new pair(s) queued, {run.refreshed} open pair(s) refreshed, "
        f"{run.already_decided} already decided left alone"
    )


COMMANDS = [find_duplicates_command]
