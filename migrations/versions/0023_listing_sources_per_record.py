"""A listing may come from several sources: provenance keyed by the record, not the listing.

Until now a listing had one row of provenance (``group_id`` was the key). When an admin merges
two listings that came from two sources (or two records of one source), the merged one's
record lost its row, so the next import of that source made the listing again. Now each row is
one record of one source, unique by ``(source, source_id)``, and a listing may have several.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_COLUMNS = "group_id, source, source_id, imported_at, last_seen_at"


def _columns() -> list[sa.Column]:
    return [
        sa.Column(
            "group_id",
            sa.Integer(),
            sa.ForeignKey("groups.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("source", sa.String(200), nullable=False, index=True),
        sa.Column("source_id", sa.String(200), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    # Copied aside and back: the old table's constraint names are taken until it is dropped.
    op.execute(f"CREATE TABLE listing_sources_0023 AS SELECT {_COLUMNS} FROM listing_sources")
    op.drop_table("listing_sources")
    op.create_table(
        "listing_sources",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_columns(),
        sa.UniqueConstraint("source", "source_id", name="uq_listing_sources_key"),
    )
    op.execute(
        f"INSERT INTO listing_sources ({_COLUMNS}) SELECT {_COLUMNS} FROM listing_sources_0023"
    )
    op.drop_table("listing_sources_0023")


def downgrade() -> None:
    # One row per listing again: the earliest imported record of each is kept.
    op.execute(
        f"CREATE TABLE listing_sources_0023 AS SELECT {_COLUMNS} FROM listing_sources "
        "WHERE id IN (SELECT min(id) FROM listing_sources GROUP BY group_id)"
    )
    op.drop_table("listing_sources")
    columns = _columns()
    columns[0] = sa.Column(
        "group_id", sa.Integer(), sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    op.create_table(
        "listing_sources",
        *columns,
        sa.UniqueConstraint("source", "source_id", name="uq_listing_sources_key"),
    )
    op.execute(
        f"INSERT INTO listing_sources ({_COLUMNS}) SELECT {_COLUMNS} FROM listing_sources_0023"
    )
    op.drop_table("listing_sources_0023")
