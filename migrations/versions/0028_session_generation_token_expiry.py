"""Sessions that end, tokens that expire: a session generation and deactivation time on each
account, an expiry on each API token.

Every signed-in session carries its account's ``session_generation``; signing out, a new
password and deactivation bump it, which ends every session of that account. Tokens made
before this revision expire 90 days after it runs (they never expired before, so the clock
starts now rather than at their making, which would cut off working integrations at once).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

#: How long the tokens that exist already keep working (the default for new ones too).
EXISTING_TOKEN_DAYS = 90


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True)))
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime(timezone=True)))
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=EXISTING_TOKEN_DAYS)
    if op.get_bind().dialect.name == "sqlite":
        until = until.replace(tzinfo=None)  # stored as naive UTC text, as the models write it
    op.execute(tokens.update().values(expires_at=until))
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("deactivated_at")
        batch.drop_column("session_generation")
