"""Login-throttling counters in the app's own database, shared by every worker process.

With several worker processes (``assetmap serve --workers N``) each one counting in memory
would let a client try N times the limit; one table that all of them update keeps one count.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
    )
    # Expired windows are deleted by their expiry now and then.
    op.create_index("ix_rate_limit_counters_expires_at", "rate_limit_counters", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limit_counters_expires_at", "rate_limit_counters")
    op.drop_table("rate_limit_counters")
