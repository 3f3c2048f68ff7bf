"""When each postcode and area was last loaded, so kept gap answers know they are stale.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("postcodes", "areas"):
        op.add_column(table, sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN on both (SQLite has it since 3.35): a batch copy of ``areas`` would
    # leave SpatiaLite's R*Tree tables of the temporary copy behind.
    for table in ("areas", "postcodes"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN updated_at")
