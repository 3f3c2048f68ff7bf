"""The date of one session on each schedule entry, so fortnightly and monthly groups have a
next date that is known, not guessed.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("schedule_entries", sa.Column("from_date", sa.Date(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN on both (SQLite has it since 3.35), as in 0010.
    op.execute("ALTER TABLE schedule_entries DROP COLUMN from_date")
