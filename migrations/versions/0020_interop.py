"""Open Referral UK interop: listings' provenance, saved column mappings, scheduled import
feeds, the duplicate queue and merges.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
FORMATS = ("oruk", "outpost", "csv", "xlsx", "ics", "contract")
DUPLICATE_STATUSES = ("open", "merged", "kept_apart")


def _enum(name: str, values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(v) for v in values),
    )


def _when(name: str, *, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _group(name: str, *, primary_key: bool = False) -> sa.Column:
    return sa.Column(
        name,
        sa.Integer(),
        sa.ForeignKey("groups.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def _user(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"))


def upgrade() -> None:
    op.create_table(
        "listing_sources",
        _group("group_id", primary_key=True),
        sa.Column("source", sa.String(200), nullable=False, index=True),
        sa.Column("source_id", sa.String(200), nullable=True),
        _when("imported_at", nullable=False),
        _when("last_seen_at", nullable=False),
        sa.UniqueConstraint("source", "source_id", name="uq_listing_sources_key"),
    )
    op.create_table(
        "column_mappings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("format", _enum("mapping_format", FORMATS), nullable=False),
        sa.Column("columns", JSON_TYPE, nullable=False),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
    )
    op.create_table(
        "import_feeds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("format", _enum("feed_format", FORMATS), nullable=False),
        sa.Column(
            "mapping_id",
            sa.Integer(),
            sa.ForeignKey("column_mappings.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("every_hours", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _when("last_attempt_at"),
        _when("last_success_at"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("rows_seen", sa.Integer(), nullable=False),
        sa.Column("rows_created", sa.Integer(), nullable=False),
        sa.Column("rows_updated", sa.Integer(), nullable=False),
        sa.Column("rows_unchanged", sa.Integer(), nullable=False),
        _when("created_at", nullable=False),
    )
    op.create_table(
        "duplicate_pairs",
        sa.Column("id", sa.Integer(), primary_key=True),
        _group("first_id"),
        _group("second_id"),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", JSON_TYPE, nullable=False),
        sa.Column("status", _enum("duplicate_status", DUPLICATE_STATUSES), nullable=False),
        _when("found_at", nullable=False),
        _when("decided_at"),
        _user("decided_by_id"),
        sa.UniqueConstraint("first_id", "second_id", name="uq_duplicate_pairs_pair"),
    )
    op.create_index("ix_duplicate_pairs_status", "duplicate_pairs", ["status"])
    op.create_table(
        "group_merges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("merged_id", sa.Integer(), nullable=False, unique=True),
        sa.Column(
            "kept_id",
            sa.Integer(),
            sa.ForeignKey("groups.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("merged_name", sa.String(200), nullable=False),
        sa.Column("merged_listing", JSON_TYPE, nullable=False),
        _when("merged_at", nullable=False),
        _user("merged_by_id"),
    )


def downgrade() -> None:
    op.drop_table("group_merges")
    op.drop_index("ix_duplicate_pairs_status", table_name="duplicate_pairs")
    op.drop_table("duplicate_pairs")
    op.drop_table("import_feeds")
    op.drop_table("column_mappings")
    op.drop_table("listing_sources")
