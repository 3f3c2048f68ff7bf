"""The urgent part of an organiser's change (places, status) goes live at once; the change
keeps it, so an admin can review it after.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "pending_changes",
        sa.Column("applied", sa.Text(), nullable=False, server_default="{}"),
    )


def downgrade() -> None:
    # A plain DROP COLUMN on both (SQLite has it since 3.35), as in 0010.
    op.execute("ALTER TABLE pending_changes DROP COLUMN applied")
