"""Freshness: per-listing expiry and bounce date, re-verification tasks, organiser reminders,
and how often listings come up for link workers.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(
        *values,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(v) for v in values),
    )


def upgrade() -> None:
    with op.batch_alter_table("groups") as batch:
        batch.add_column(sa.Column("bounced_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("expiry_days", sa.Integer(), nullable=True))
    # The scan finds the few listings with a problem report through this, not a table scan.
    op.create_index(
        "ix_groups_reported_on",
        "groups",
        ["reported_on"],
        sqlite_where=sa.text("reported_on IS NOT NULL"),
        postgresql_where=sa.text("reported_on IS NOT NULL"),
    )
    op.create_index("ix_groups_updated_at", "groups", ["updated_at"])
    with op.batch_alter_table("verifications") as batch:
        batch.add_column(
            sa.Column("reached", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("revisions") as batch:
        batch.add_column(sa.Column("via", sa.String(100), nullable=False, server_default=""))

    op.create_table(
        "verification_tasks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "group_id",
            sa.Integer(),
            sa.ForeignKey("groups.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column(
            "reason",
            _enum(
                "task_reason",
                "due",
                "stale",
                "problem",
                "bounced",
                "no_reply",
                "no_contact",
                "changes",
            ),
            nullable=False,
        ),
        sa.Column("stage", _enum("task_stage", "organiser", "link_worker"), nullable=False),
        sa.Column("claimed_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_on", sa.Date()),
        sa.Column("closed_on", sa.Date()),
        sa.Column(
            "outcome",
            _enum(
                "task_outcome",
                "confirmed",
                "updated",
                "closed",
                "paused",
                "organiser",
                "verified_elsewhere",
            ),
        ),
        sa.Column("closed_by", sa.String(200)),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_verification_tasks_group_id", "verification_tasks", ["group_id"])
    op.create_index("ix_verification_tasks_closed_on", "verification_tasks", ["closed_on"])
    op.create_index(
        "uq_verification_tasks_open",
        "verification_tasks",
        ["group_id"],
        unique=True,
        sqlite_where=sa.text("closed_on IS NULL"),
        postgresql_where=sa.text("closed_on IS NULL"),
    )

    op.create_table(
        "freshness_reminders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "task_id",
            sa.Integer(),
            sa.ForeignKey("verification_tasks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "group_id",
            sa.Integer(),
            sa.ForeignKey("groups.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("queued_on", sa.Date(), nullable=False),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("outbox_id", sa.Integer(), sa.ForeignKey("outbox.id", ondelete="SET NULL")),
        sa.Column("undeliverable", sa.Boolean(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("used_for", sa.String(20)),
    )
    op.create_index("ix_freshness_reminders_group_id", "freshness_reminders", ["group_id"])
    op.create_index(
        "uq_freshness_reminders_round", "freshness_reminders", ["task_id", "round"], unique=True
    )

    op.create_table(
        "freshness_scans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("scan_day", sa.Date(), nullable=False),
        sa.Column("policy", sa.String(500), nullable=False),
        sa.Column("counts", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
    )

    op.create_table(
        "listing_activity",
        sa.Column(
            "group_id",
            sa.Integer(),
            sa.ForeignKey("groups.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("listing_activity")
    op.drop_table("freshness_scans")
    op.drop_table("freshness_reminders")
    op.drop_table("verification_tasks")
    with op.batch_alter_table("revisions") as batch:
        batch.drop_column("via")
    with op.batch_alter_table("verifications") as batch:
        batch.drop_column("reached")
    op.drop_index("ix_groups_updated_at", "groups")
    op.drop_index("ix_groups_reported_on", "groups")
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("expiry_days")
        batch.drop_column("bounced_on")
