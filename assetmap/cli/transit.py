"""`assetmap import-transit` and `transit-feeds`: the timetable feeds (GTFS) buses are routed
over, each with the street extract for walking to and from its stops."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from assetmap.cli.common import open_database, user_errors
from assetmap.geo.transit.feeds import FeedSummary, StepFree
from assetmap.geo.transit.registry import dates_warning, import_feed, list_feeds
from assetmap.models import TransitFeed

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("import-transit")
@click.argument("gtfs", metavar="GTFS.zip", type=FILE)
@click.option("--osm", type=FILE, metavar="EXTRACT.osm.pbf", help="The streets round its stops.")
@click.option("--name", metavar="N", help="The feed's name (default: from the file name).")
@click.pass_context
@user_errors
def import_transit(ctx: click.Context, gtfs: Path, osm: Path | None, name: str | None) -> None:
    """Load a bus timetable (a GTFS zip, as the Bus Open Data Service publishes) and the
    OpenStreetMap extract for walking to its stops. The feed is checked first: a broken one
    is refused with the file and line at fault, and nothing is kept. Loading the same name
    again replaces that feed."""
    now = dt.datetime.now(dt.UTC)
    with open_database(ctx).session() as session:
        result = import_feed(session, ctx.obj.instance_path, gtfs, now=now, osm=osm, name=name)
        feed_name = result.feed.name
        warning = dates_warning(result.feed, dt.date.today())
    console = Console()
    verb = {"created": "loaded", "updated": "replaced", "unchanged": "already loaded"}
    console.print(f"timetable {feed_name!r} {verb[result.outcome.value]}")
    console.print(_summary_table(result.summary, osm))
    if warning:
        click.echo(f"warning: {warning}", err=True)


def _summary_table(summary: FeedSummary, osm: Path | None) -> Table:
    box = summary.bbox
    rows = [
        ("operators", ", ".join(summary.agencies)),
        ("routes", f"{summary.routes:,}"),
        ("trips", f"{summary.trips:,}"),
        ("stop times", f"{summary.stop_times:,}"),
        ("stops served", f"{summary.served_stops:,}"),
        ("runs", f"{summary.start_date:%Y-%m-%d} to {summary.end_date:%Y-%m-%d}"),
        (
            "area (served stops)",
            f"{box.min_lat:.4f}, {box.min_lon:.4f} to {box.max_lat:.4f}, {box.max_lon:.4f}",
        ),
        ("step-free stops", _step_free(summary.stops_step_free)),
        ("step-free trips", _step_free(summary.trips_step_free)),
        ("streets", osm.name if osm is not None else "none (no walking legs)"),
    ]
    table = Table("", "", show_header=False)
    for label, value in rows:
        table.add_row(label, value)
    return table


def _step_free(counts: StepFree) -> str:
    return f"{counts.yes:,} yes, {counts.no:,} no, {counts.unknown:,} not known"


@click.command("transit-feeds")
@click.pass_context
@user_errors
def transit_feeds(ctx: click.Context) -> None:
    """List the timetable feeds loaded, with their dates; warns for those not running today."""
    today = dt.date.today()
    with open_database(ctx).sessions() as session:
        feeds = list_feeds(session)
        if not feeds:
            click.echo("no timetable feeds loaded (use `assetmap import-transit`)")
            return
        Console().print(_feeds_table(feeds))
        warnings = [warning for feed in feeds if (warning := dates_warning(feed, today))]
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


def _feeds_table(feeds: list[TransitFeed]) -> Table:
    table = Table("name", "runs", "routes", "trips", "stops", "streets", "loaded")
    for feed in feeds:
        table.add_row(
            feed.name,
            f"{feed.start_date:%Y-%m-%d} to {feed.end_date:%Y-%m-%d}",
            f"{feed.summary.get('routes', 0):,}",
            f"{feed.summary.get('trips', 0):,}",
            f"{feed.summary.get('served_stops', 0):,}",
            "yes" if feed.osm_path else "no",
            f"{feed.imported_at:%Y-%m-%d %H:%M} UTC",
        )
    return table


COMMANDS = (import_transit, transit_feeds)
