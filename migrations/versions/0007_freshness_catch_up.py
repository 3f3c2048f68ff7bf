"""Catch up databases made by an early 0006: add what later edits of that migration added.

0006_freshness was edited after it was first committed (cb0f5c5): 81e9661 added the column
revisions.via, d039743 the partial index ix_groups_reported_on, b1bb4f4 the index
ix_groups_updated_at and the table freshness_scans. A database upgraded with an earlier
0006 is stamped 0006 all the same, so Alembic never adds them. This adds whichever is
missing, exactly as today's 0006 creates it; on a database made by today's 0006 it changes
nothing. tests/migrations/test_schema_agrees.py builds each earlier state and checks.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE revisions ADD COLUMN IF NOT EXISTS via VARCHAR(100) DEFAULT '' NOT NULL"
        )
    elif "via" not in {column["name"] for column in sa.inspect(bind).get_columns("revisions")}:
        with op.batch_alter_table("revisions") as batch:
            batch.add_column(sa.Column("via", sa.String(100), nullable=False, server_default=""))

    # CREATE INDEX IF NOT EXISTS: both backends have it.
    op.create_index(
        "ix_groups_reported_on",
        "groups",
        ["reported_on"],
        sqlite_where=sa.text("reported_on IS NOT NULL"),
        postgresql_where=sa.text("reported_on IS NOT NULL"),
        if_not_exists=True,
    )
    op.create_index("ix_groups_updated_at", "groups", ["updated_at"], if_not_exists=True)

    if not sa.inspect(bind).has_table("freshness_scans"):
        op.create_table(
            "freshness_scans",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("seconds", sa.Float(), nullable=False),
            sa.Column("scan_day", sa.Date(), nullable=False),
            sa.Column("policy", sa.String(500), nullable=False),
            sa.Column("counts", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        )


def downgrade() -> None:
    # Nothing to undo: what this adds belongs to 0006, whose downgrade removes it.
    pass
