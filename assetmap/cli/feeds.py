"""`assetmap feeds`, `add-feed` and `pull-feed`: directories pulled from a URL on a schedule
(by `assetmap scheduler`), and how their pulls have gone."""

from __future__ import annotations

import datetime as dt

import click

from assetmap.cli.common import open_database, user_errors
from assetmap.interop.feed_health import FeedHealth, feeds_health
from assetmap.interop.feeds import DEFAULT_EVERY_HOURS, MAX_EVERY_HOURS, PullResult, add_feed
from assetmap.interop.feeds import pull_now as pull_feed_now
from assetmap.models import ImportFormat


def _when(moment: dt.datetime | None) -> str:
    return "never" if moment is None else f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


def feed_lines(feed: FeedHealth) -> list[str]:
    """One feed as the command prints it: its status in words first."""
    lines = [
        f"{feed.name}: {feed.status.value} ({feed.meaning})",
        f"  {feed.url} · {feed.format.value} · every {feed.every_hours} hours · "
        + ("enabled" if feed.enabled else "disabled"),
        f"  last attempt {_when(feed.last_attempt_at)} · last success "
        f"{_when(feed.last_success_at)}",
    ]
    if feed.last_success_at is not None:
        lines.append(
            f"  last successful pull: {feed.rows_seen} seen, {feed.rows_created} new, "
            f"{feed.rows_updated} updated, {feed.rows_unchanged} unchanged"
        )
    if feed.last_error:
        lines.append(f"  last error: {feed.last_error}")
    return lines


@click.command("feeds")
@click.pass_context
@user_errors
def feeds(ctx: click.Context) -> None:
    """List the import feeds with their health: healthy, failing, never pulled or overdue."""
    with open_database(ctx).session() as session:
        found = feeds_health(session, dt.datetime.now(dt.UTC))
    if not found:
        click.echo("there are no feeds yet: add one with `assetmap add-feed NAME URL`")
    for feed in found:
        for line in feed_lines(feed):
            click.echo(line)


@click.command("add-feed")
@click.argument("name")
@click.argument("url")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ImportFormat]),
    help="The feed's format (default: .csv, .xlsx or .ics from the URL, else JSON told from "
    "the body at each pull).",
)
@click.option("--mapping", metavar="NAME", help="A saved column mapping, for a spreadsheet.")
@click.option(
    "--every-hours",
    type=click.IntRange(1, MAX_EVERY_HOURS),
    default=DEFAULT_EVERY_HOURS,
    show_default=True,
    help="How often the scheduler pulls it.",
)
@click.pass_context
@user_errors
def add_feed_command(
    ctx: click.Context, name: str, url: str, fmt: str | None, mapping: str | None, every_hours: int
) -> None:
    """Add a feed: a directory at an http(s) URL, imported under NAME by the scheduler every
    few hours (or now, with `assetmap pull-feed NAME`)."""
    with open_database(ctx).session() as session:
        feed = add_feed(
            session,
            name,
            url,
            ImportFormat(fmt) if fmt else None,
            mapping=mapping,
            every_hours=every_hours,
        )
        click.echo(f"added the feed {feed.name!r} ({feed.format.value}, every {every_hours} hours)")


def pull_summary(result: PullResult) -> str:
    if not result.ok:
        return f"the pull of {result.feed!r} failed; nothing was imported: {result.error}"
    return (
        f"pulled {result.seen} listings from {result.feed!r}: {result.created} new, "
        f"{result.updated} updated, {result.unchanged} unchanged"
    )


@click.command("pull-feed")
@click.argument("name")
@click.pass_context
@user_errors
def pull_feed_command(ctx: click.Context, name: str) -> None:
    """Pull a feed now (enabled or not): all or nothing, its health recorded either way.
    Exits non-zero if the pull failed."""
    result = pull_feed_now(open_database(ctx), name, dt.datetime.now(dt.UTC))
    click.echo(pull_summary(result))
    for gap in result.gaps:
        click.echo(f"not known: {gap}")
    if not result.ok:
        ctx.exit(1)


COMMANDS = [feeds, add_feed_command, pull_feed_command]
