"""Matching: anonymous unmet-need rows, and an index to find door-to-door transport.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_index("ix_groups_door_to_door_available", "groups", ["door_to_door_available"])
    op.create_table(
        "unmet_needs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("recorded_on", sa.Date(), nullable=False, index=True),
        sa.Column("interests", _json(), nullable=False),
        sa.Column("categories", _json(), nullable=False),
        sa.Column("cell_lat", sa.Float(), nullable=False),
        sa.Column("cell_lon", sa.Float(), nullable=False),
        sa.Column("modes", _json(), nullable=False),
        sa.Column("max_travel_minutes", sa.Integer(), nullable=False),
        sa.Column("max_walk_metres", sa.Integer()),
        sa.Column("access_needs", _json(), nullable=False),
        sa.Column("door_to_door_needed", sa.Boolean(), nullable=False),
        sa.Column("complexity", sa.Integer(), nullable=False),
        sa.Column("results", sa.Integer(), nullable=False),
    )
    op.create_index("ix_unmet_needs_cell", "unmet_needs", ["cell_lat", "cell_lon"])


def downgrade() -> None:
    op.drop_table("unmet_needs")
    op.drop_index("ix_groups_door_to_door_available", "groups")
