"""Dates on which a group's session is cancelled ("cancelled this week"), as a JSON list.

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0013"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Plain ADD COLUMN: groups has no geometry, but batch mode is not needed either.
    op.add_column("groups", sa.Column("cancelled_dates", JSON_TYPE, nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE groups DROP COLUMN cancelled_dates")
