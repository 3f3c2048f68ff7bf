"""Access from the command line: API tokens made with an expiry, listed and revoked;
accounts deactivated and reactivated (their sessions end and tokens stop working)."""

from __future__ import annotations

import datetime as dt

import click

from assetmap.accounts.access import account_by_email, deactivate, reactivate
from assetmap.accounts.tokens import DEFAULT_DAYS, MAX_DAYS, create_api_token, revoke_token
from assetmap.accounts.tokens import tokens_of as list_tokens
from assetmap.cli.common import open_database, user_errors
from assetmap.errors import ValidationError


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="", help="What the token is for, to recognise it later.")
@click.option(
    "--days",
    type=click.IntRange(1, MAX_DAYS),
    default=DEFAULT_DAYS,
    show_default=True,
    help="How many days the token works before it expires.",
)
@click.pass_context
@user_errors
def create_token_command(ctx: click.Context, email: str, name: str, days: int) -> None:
    """Make an API token for EMAIL's account and print it (shown this once only)."""
    database = open_database(ctx)
    with database.sessions() as session:
        user = account_by_email(session, email)
        token = create_api_token(session, user, name, days=days)
        session.commit()
    click.echo(token)


@click.command("tokens")
@click.argument("email", required=False)
@click.pass_context
@user_errors
def tokens_command(ctx: click.Context, email: str | None) -> None:
    """List API tokens (never the tokens themselves): EMAIL's, or everyone's."""
    database = open_database(ctx)
    now = dt.datetime.now(dt.UTC)
    with database.sessions() as session:
        user_id = account_by_email(session, email).id if email else None
        rows = list_tokens(session, user_id)
    if not rows:
        click.echo("no API tokens")
    for row in rows:
        if row.revoked_at is not None:
            state = f"revoked {row.revoked_at:%Y-%m-%d}"
        elif row.expires_at <= now:
            state = f"expired {row.expires_at:%Y-%m-%d}"
        else:
            state = f"expires {row.expires_at:%Y-%m-%d}"
        used = f"last used {row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never used"
        click.echo(
            f"{row.id}\t{row.user_email}\t{row.name or '(no name)'}\t"
            f"made {row.created_at:%Y-%m-%d}\t{state}\t{used}"
        )


@click.command("revoke-token")
@click.argument("token_id", metavar="ID")
@click.pass_context
@user_errors
def revoke_token_command(ctx: click.Context, token_id: str) -> None:
    """Revoke the API token numbered ID (see `assetmap tokens`): it stops working at once."""
    if not (token_id.isascii() and token_id.isdigit() and len(token_id) <= 18):
        raise ValidationError(f"{token_id!r} is not a token number: see `assetmap tokens`")
    database = open_database(ctx)
    with database.sessions() as session:
        row = revoke_token(session, None, int(token_id))
        session.commit()
        click.echo(f"revoked token {row.id}{f' ({row.name})' if row.name else ''}")


@click.command("deactivate-user")
@click.argument("email")
@click.pass_context
@user_errors
def deactivate_user_command(ctx: click.Context, email: str) -> None:
    """Deactivate EMAIL's account: it can no longer sign in, every session of it ends and
    its API tokens are revoked."""
    database = open_database(ctx)
    with database.sessions() as session:
        user = account_by_email(session, email)
        was_active = user.active
        revoked = deactivate(session, None, user)
        session.commit()
        if not was_active:
            click.echo(f"{user.email} was already deactivated")
        else:
            click.echo(f"deactivated {user.email}; {revoked} API token(s) revoked")


@click.command("reactivate-user")
@click.argument("email")
@click.pass_context
@user_errors
def reactivate_user_command(ctx: click.Context, email: str) -> None:
    """Let EMAIL's account sign in again with its password (old tokens stay revoked)."""
    database = open_database(ctx)
    with database.sessions() as session:
        user = account_by_email(session, email)
        reactivate(session, None, user)
        session.commit()
        click.echo(f"reactivated {user.email}")


COMMANDS = [
    create_token_command,
    tokens_command,
    revoke_token_command,
    deactivate_user_command,
    reactivate_user_command,
]
