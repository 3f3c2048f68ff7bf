"""The `assetmap` command: set up the database, load and export listings, serve the app."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy import func, select

from assetmap import PROJECT_ROOT, schema
from assetmap.accounts.users import create_user
from assetmap.cli.common import err, open_database, progress_bar, user_errors, write_json_list
from assetmap.config import Config
from assetmap.db import Database
from assetmap.directory.importing import PROGRESS_STEPS, import_listings
from assetmap.directory.reads import iter_listings
from assetmap.gaps import export as gap_export
from assetmap.gaps.analysis import AreaGap
from assetmap.gaps.requests import parse_gap_question
from assetmap.gaps.service import answer as answer_gap_question
from assetmap.geo.area_people import import_area_people, read_area_people
from assetmap.geo.areas import KINDS, import_areas, read_areas_geojson
from assetmap.geo.gazetteer import import_postcodes, read_postcode_csv
from assetmap.geo.geocoders import geocoder_for
from assetmap.geo.postcode_files import PostcodeFormat, open_postcode_file
from assetmap.geo.travel import travel_provider_for
from assetmap.interop.options import json_of
from assetmap.models import Area, Group, Postcode, Role
from assetmap.outbox import MAX_ATTEMPTS, deliver_pending, sender_for
from assetmap.verification.policy import FreshnessPolicy

SEED = PROJECT_ROOT / "seed"
# Real open data for the demo (OGL v3; provenance and attribution in its README.md).
CAMDEN = SEED / "camden"
# The day the demo's verification dates were written relative to (seed/make_demo.py's TODAY).
SEED_WRITTEN_ON = dt.date(2026, 11, 23)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database-url",
    metavar="URL",
    help="Database to use (default: ASSETMAP_DATABASE_URL, else instance/assetmap.db).",
)
@click.version_option(package_name="assetmap")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """assetmap: a community asset map for social prescribing."""
    config = Config.from_env()
    if database_url:
        config = config.with_overrides({"database_url": database_url})
    ctx.obj = config


@cli.command("init-db")
@click.pass_context
@user_errors
def init_db(ctx: click.Context) -> None:
    """Create the tables, or bring them up to date (safe to run again)."""
    database = open_database(ctx)
    schema.upgrade(database)
    click.echo(f"database ready ({database.backend.value})")


@cli.command("import-postcodes")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in PostcodeFormat]),
    help="csv (ours), onspd (ONS Postcode Directory) or codepoint (OS Code-Point Open);"
    " default: told from the file.",
)
@click.pass_context
@user_errors
def import_postcodes_command(ctx: click.Context, file: Path, fmt: str | None) -> None:
    """Load postcodes from a CSV (postcode,latitude,longitude), the ONS Postcode Directory
    (CSV or its zip) or OS Code-Point Open (its zip of CSVs in National Grid, or one CSV)."""
    database = open_database(ctx)
    source = open_postcode_file(file, PostcodeFormat(fmt) if fmt else None)
    total = source.count_rows()
    with database.session() as session, progress_bar("postcodes", total) as advance:
        result = import_postcodes(session, source.rows(), advance)
    skipped = "".join(
        f", {n} {why} skipped"
        for n, why in (
            (result.skipped_no_location, "without a location"),
            (result.skipped_terminated, "terminated"),
        )
        if n
    )
    click.echo(f"imported {result.imported} postcodes{skipped}")


@cli.command("import-areas")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--code-field", metavar="F", help="The property holding each area's code.")
@click.option("--name-field", metavar="F", help="The property holding each area's name.")
@click.option(
    "--kind", type=click.Choice(KINDS), help="What the areas are (default: from the code field)."
)
@click.pass_context
@user_errors
def import_areas_command(
    ctx: click.Context,
    file: Path,
    code_field: str | None,
    name_field: str | None,
    kind: str | None,
) -> None:
    """Load areas (LSOAs, MSOAs, wards) from a GeoJSON FeatureCollection of polygons in
    WGS84; all or nothing. Areas already loaded are updated by code, keeping their people.

    ONS property names (LSOA11CD/LSOA11NM, MSOA21CD, WD22CD…) are recognised in any case.
    Postcodes without an area are then placed in the area their point lies in.
    """
    areas = read_areas_geojson(file, code_field, name_field, kind)
    with open_database(ctx).session() as session, progress_bar("areas", len(areas)) as advance:
        result = import_areas(session, areas, advance)
    kinds = ", ".join(sorted({area.kind for area in areas}))
    click.echo(
        f"imported {result.created + result.updated} areas ({kinds}): {result.created} new,"
        f" {result.updated} updated; {result.postcodes_placed} postcodes placed in an area"
    )


@cli.command("import-area-people")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
@user_errors
def import_area_people_command(ctx: click.Context, file: Path) -> None:
    """Load who lives in each area from a CSV: an area code column (lsoa11cd, code…) and any of
    population, age_65_plus, age_75_plus, disabled_share (0-1), imd_decile (or
    imd2019_decile) and lonely_pct (0-100); all or nothing. Blank cells are "not known"."""
    people = read_area_people(file)
    if people.ignored_columns:
        click.echo(f"warning: ignored column(s): {', '.join(people.ignored_columns)}", err=True)
    database = open_database(ctx)
    with database.session() as session, progress_bar("areas", len(people.rows)) as advance:
        result = import_area_people(session, people, advance)
    click.echo(f"updated {result.updated} areas")
    if result.unknown_codes:
        first = ", ".join(result.unknown_codes[:5])
        more = ", …" if len(result.unknown_codes) > 5 else ""
        click.echo(
            f"skipped {len(result.unknown_codes)} row(s) for areas not loaded"
            f" (run import-areas first): {first}{more}",
            err=True,
        )


@cli.command("import-groups")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
@user_errors
def import_groups(ctx: click.Context, file: Path) -> None:
    """Load listings from a JSON list in the listing contract; all or nothing.

    Records with an `id` or `external_id` already in the directory update that group.
    """
    records, problems = json_of(file.read_bytes())
    if problems:  # not UTF-8, not JSON, or nested too deeply: one line, nothing written
        raise click.ClickException(f"{file}: {problems[0].message}")
    created, updated = load_records(open_database(ctx), records)
    click.echo(f"imported {created + updated} groups: {created} new, {updated} updated")


def load_records(database: Database, records: Any) -> tuple[int, int]:
    """Validate and save listings in one transaction, with a progress bar."""
    total = len(records) if isinstance(records, list) else 0
    steps = PROGRESS_STEPS * total  # each record moves it once checked, once written
    with database.session() as session, progress_bar("groups", steps) as advance:
        result = import_listings(session, records, geocoder_for(database.config, session), advance)
    return result.created, result.updated


@cli.command("export-groups")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output).",
)
@click.pass_context
@user_errors
def export_groups(ctx: click.Context, output: Path | None) -> None:
    """Write every listing, closed ones included, as a JSON list in the listing contract."""
    database = open_database(ctx)
    policy = FreshnessPolicy.from_config(ctx.obj)
    with database.session() as session:
        count = write_json_list(iter_listings(session, policy, dt.date.today()), output)
    if output:
        click.echo(f"exported {count} groups to {output}", err=True)


@cli.command()
@click.option("--if-empty", is_flag=True, help="Do nothing if the directory has groups already.")
@click.pass_context
@user_errors
def seed(ctx: click.Context, if_empty: bool) -> None:
    """Load the demo data: Camden's real postcodes, small areas (LSOA 2011) and who lives in
    them (open data, seed/camden/README.md), and about 250 fictional groups there."""
    database = open_database(ctx)
    schema.upgrade(database)
    with database.session() as session:
        existing = session.execute(select(func.count()).select_from(Group)).scalar_one()
        have_areas = session.execute(select(func.count()).select_from(Area)).scalar_one()
    if if_empty and existing:
        if not have_areas:  # a demo seeded before the areas came: add them
            click.echo(f"seeded {seed_camden_geography(database)}")
        click.echo(f"the directory has {existing} groups already; not seeding groups")
        return
    geography = seed_camden_geography(database)
    records = json.loads((SEED / "camden_groups.json").read_text(encoding="utf-8"))
    created, updated = load_records(database, _as_of_today(records))
    click.echo(
        f"seeded {geography} and {created + updated} groups ({created} new, {updated} updated)"
    )


def seed_camden_geography(database: Database) -> str:
    """Camden's real postcodes, LSOAs and people in one transaction, then the demo's
    fictional venue postcodes that are not real ones: those stay in no area, so they can be
    typed and found but never count as people in gap analysis."""
    with database.session() as session:
        postcodes = import_postcodes(session, read_postcode_csv(CAMDEN / "postcodes.csv"))
        # Placed by the ONS lookup already; the demo's made-up postcodes stay in no area.
        areas = import_areas(session, read_areas_geojson(CAMDEN / "lsoa11.geojson"), place=False)
        people = import_area_people(session, read_area_people(CAMDEN / "lsoa11_people.csv"))
        real = set(session.scalars(select(Postcode.postcode)))
        demo = import_postcodes(
            session,
            (
                row
                for row in read_postcode_csv(SEED / "camden_postcodes.csv")
                if isinstance(row, tuple) and row[0] not in real
            ),
        )
    return (
        f"{postcodes.imported} Camden postcodes (+{demo.imported} demo-only),"
        f" {areas.created + areas.updated} areas ({people.updated} with people)"
    )


def _as_of_today(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Move the demo's verification dates forward by the time since it was written, so it
    keeps its mix of fresh, due and stale listings instead of going stale all at once."""
    shift = dt.date.today() - SEED_WRITTEN_ON
    for record in records:
        if record.get("last_verified_at"):
            verified = dt.date.fromisoformat(record["last_verified_at"])
            record["last_verified_at"] = (verified + shift).isoformat()
    return records


@contextmanager
def spinner(description: str) -> Iterator[None]:
    """A spinner with the time taken on stderr, for work with no count to show (silent when
    not a terminal)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        progress.add_task(description, total=None)
        yield


#: The files `assetmap gaps --out` writes, by extension.
GAP_FORMATS = {".geojson": "geojson", ".json": "geojson", ".csv": "csv"}
#: How many of the worst areas `assetmap gaps` prints.
GAP_ROWS = 10


def _gap_file(_ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None and value.suffix.lower() not in GAP_FORMATS:
        raise click.BadParameter(
            f"{value.name}: the file must end in {', '.join(GAP_FORMATS)}", param_hint="--out"
        )
    return value


@cli.command("gaps")
@click.option("--question", metavar="Q", help="A ready-made question to start from.")
@click.option("--target", metavar="T", help="Whose need: all, age_65_plus, age_75_plus, disabled.")
@click.option("--minutes", metavar="N", help="The most minutes of travel to a group.")
@click.option("--when", metavar="W", help="When groups meet: any, weekdays, weekends, evenings…")
@click.option("--needs", metavar="F", multiple=True, help="An access need (repeat for more).")
@click.option("--category", metavar="C", multiple=True, help="A kind of group (repeat for more).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=_gap_file,
    help="Also write every area to FILE.geojson or FILE.csv.",
)
@click.pass_context
@user_errors
def gaps_command(
    ctx: click.Context,
    question: str | None,
    target: str | None,
    minutes: str | None,
    when: str | None,
    needs: tuple[str, ...],
    category: tuple[str, ...],
    out: Path | None,
) -> None:
    """Gap analysis: the small areas whose people can least reach groups that fit a question
    (step-free social groups on weekdays by default). Prints the ten biggest gaps."""
    given = {"question": question, "target": target, "minutes": minutes, "when": when}
    args = {name: [value] for name, value in given.items() if value is not None}
    args |= {name: list(values) for name, values in (("needs", needs), ("category", category))}
    asked = parse_gap_question({name: values for name, values in args.items() if values})
    database = open_database(ctx)
    with database.session() as session:
        with spinner("analysing gaps"):
            result = answer_gap_question(
                session, asked, travel_provider_for(ctx.obj), dt.date.today()
            )
        if out is not None:  # written first: the file is what is kept
            if GAP_FORMATS[out.suffix.lower()] == "csv":
                out.write_text(gap_export.result_csv(result), encoding="utf-8")
            else:
                document = gap_export.answer_geojson(session, asked, result)
                out.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        attribution = gap_export.attribution(session)
    click.echo(result.profile.name)
    click.echo(
        f"target: {result.target.value} · {len(result.areas)} areas ({result.basis}) ·"
        f" groups fitting {result.groups_fitting}, not known {result.groups_not_known} ·"
        f" {result.people:,.0f} people"
    )
    Console().print(_gap_table(result.areas[:GAP_ROWS]))
    for line in attribution:
        click.echo(line)
    if out is not None:
        click.echo(f"wrote {len(result.areas)} areas to {out}")


def _gap_table(areas: list[AreaGap]) -> Table:
    table = Table("code", "name")
    for heading in ("gap score", "people", "groups in reach", "nearest minutes"):
        table.add_column(heading, justify="right")
    for area in areas:
        row = gap_export.area_row(area)
        table.add_row(
            area.code,
            area.name,
            "—" if row["gap_score"] is None else f"{row['gap_score']:.1f}",
            "not known" if row["people"] is None else f"{row['people']:,.0f}",
            str(area.groups_in_reach),
            "none" if row["nearest_minutes"] is None else f"{row['nearest_minutes']:.0f}",
        )
    return table


@cli.command("send-email")
@click.option(
    "--limit",
    default=100,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Most messages to send in this run.",
)
@click.pass_context
@user_errors
def send_email(ctx: click.Context, limit: int) -> None:
    """Deliver queued email: over SMTP if ASSETMAP_SMTP_URL is set, else as .eml files into
    ASSETMAP_OUTBOX_DIR. Run it from cron; safe to run twice at once.

    Exits 1 if any message failed (each is retried on later runs, up to a limit).
    """
    database = open_database(ctx)
    sender = sender_for(ctx.obj)
    with database.sessions() as session:
        report = deliver_pending(session, sender, limit=limit)
    for line in report.errors:
        click.echo(f"  {line}", err=True)
    gave_up = f", gave up on {report.gave_up} after {MAX_ATTEMPTS} tries" if report.gave_up else ""
    click.echo(f"sent {report.sent}, failed {report.failed}{gave_up} ({sender.name})")
    if report.failed:
        ctx.exit(1)


@cli.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="What they may do.",
)
@click.option(
    "--organisation",
    "organisations",
    multiple=True,
    metavar="NAME",
    help="An organisation whose groups an organiser manages (repeat for more).",
)
@click.option("--name", default="", help="Their name, as others will see it.")
@click.option("--team", default=None, help="A link worker's team: they share its cases.")
@click.password_option(help="Their password (asked for when not given).")
@click.pass_context
@user_errors
def create_user_command(
    ctx: click.Context,
    email: str,
    role: str,
    organisations: tuple[str, ...],
    name: str,
    team: str | None,
    password: str,
) -> None:
    """Create an account that signs in with EMAIL."""
    database = open_database(ctx)
    with database.sessions() as session:
        user = create_user(
            session,
            email,
            role,
            name=name,
            password=password,
            organisations=organisations,
            team=team,
        )
        session.commit()
        click.echo(f"created {user.role.value} {user.email} (id {user.id})")


@cli.command("freshness-scan")
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Scan as of this day (default: today), e.g. to see what tomorrow's scan will do.",
)
@click.pass_context
@user_errors
def freshness_scan(ctx: click.Context, on: dt.datetime | None) -> None:
    """Run the freshness scan once: recompute freshness, open re-verification tasks, queue
    organiser reminders (sent by `assetmap send-email` or the scheduler), and print counts."""
    from assetmap.freshness.service import ScanRunning, run_freshness

    database = open_database(ctx)
    try:
        run = run_freshness(database, ctx.obj, on.date() if on else None)
    except ScanRunning as running:
        raise click.ClickException(str(running)) from None
    click.echo(f"freshness scan for {run.report.today:%-d %B %Y}")
    for line in run.report.lines():
        click.echo(f"  {line}")
    click.echo(f"  reminder emails written: {run.emails_written}")


@cli.command("scheduler")
@click.pass_context
@user_errors
def scheduler_command(ctx: click.Context) -> None:
    """Run the background jobs (the daily freshness scan, delivering email every minute)
    until stopped. Only one
    scheduler acts at a time: others started by mistake wait for the leader lock."""
    import logging

    from assetmap.jobs.scheduler import build_scheduler, leadership_lock

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    database = open_database(ctx)
    lock = leadership_lock(database)
    scheduler = build_scheduler(database, ctx.obj, lock)
    # Take the lead at once (each job renews it), so a second scheduler knows straight away.
    leading = lock.acquire()
    click.echo(
        "scheduler running, "
        + ("leading" if leading else "waiting: another scheduler leads")
        + " (Ctrl+C to stop)"
    )
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        lock.release()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="assetmap")


def _register() -> None:
    from assetmap.cli import accounts, backup, cases, duplicates, feeds, interop, serving, transit

    commands = (accounts, cases, transit, interop, feeds, duplicates, serving, backup)
    for command in (c for module in commands for c in module.COMMANDS):
        cli.add_command(command)


_register()
