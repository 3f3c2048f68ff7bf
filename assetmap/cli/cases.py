"""`assetmap case-export`, `case-erase` and `apply-retention`: a person's data from the
command line, on the server. The operator acts as "assetmap" in the case's audit; a case is
found by the scheme's reference (and team, when several teams use it). The reference is
never echoed back: the output names the case by its id."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from assetmap.cli.common import open_database, user_errors
from assetmap.referrals.privacy import (
    apply_retention,
    erase_case,
    export_case,
    find_case,
    retention_due,
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@click.command("case-export")
@click.option("--reference", required=True, metavar="R", help="The scheme's reference.")
@click.option("--team", metavar="T", help="The case's team, if several use the reference.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the JSON here (default: standard output).",
)
@click.pass_context
@user_errors
def case_export(ctx: click.Context, reference: str, team: str | None, out: Path | None) -> None:
    """Everything held about one person, as JSON (a subject access request); audited."""
    with open_database(ctx).session() as session:
        case = find_case(session, None, reference, team)
        data = export_case(session, None, case.id, _now())
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        click.echo(f"case {data['case']['id']}: written to {out}", err=True)


@click.command("case-erase")
@click.option("--reference", required=True, metavar="R", help="The scheme's reference.")
@click.option("--team", metavar="T", help="The case's team, if several use the reference.")
@click.option("--yes", is_flag=True, help="Delete without asking first.")
@click.pass_context
@user_errors
def case_erase(ctx: click.Context, reference: str, team: str | None, yes: bool) -> None:
    """Delete one person's data on their request: the personal fields are blanked, their
    open referrals withdrawn; the anonymous counts stay. Audited."""
    with open_database(ctx).session() as session:
        case = find_case(session, None, reference, team)
        if not yes:
            click.confirm(
                f"Delete the personal data of case {case.id}? This cannot be undone",
                abort=True,
                err=True,
            )
        withdrawn = erase_case(session, None, case.id, _now())
        case_id = case.id
    click.echo(f"case {case_id}: personal data deleted; {withdrawn} open referral(s) withdrawn")


@click.command("apply-retention")
@click.option("--dry-run", is_flag=True, help="Only count the cases it would delete.")
@click.pass_context
@user_errors
def apply_retention_command(ctx: click.Context, dry_run: bool) -> None:
    """Delete the personal data of every case with no activity for the retention period
    (ASSETMAP_CASE_RETENTION_MONTHS); the scheduler does this daily."""
    months = ctx.obj.case_retention_months
    with open_database(ctx).session() as session:
        if dry_run:
            count = retention_due(session, _now(), months)
            click.echo(f"{count} case(s) would have their personal data deleted ({months} months)")
            return
        count = apply_retention(session, _now(), months)
    click.echo(f"{count} case(s) had their personal data deleted ({months} months)")


COMMANDS = (case_export, case_erase, apply_retention_command)
