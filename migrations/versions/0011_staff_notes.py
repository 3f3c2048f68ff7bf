"""Staff notes on listings (word of mouth, for link workers and admins) and their history.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ACTIONS = ("added", "edited", "deleted")


def _group_id() -> sa.Column:
    return sa.Column(
        "group_id",
        sa.Integer(),
        sa.ForeignKey("groups.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


def _user_id(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"))


def upgrade() -> None:
    op.create_table(
        "staff_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        _group_id(),
        _user_id("author_id"),
        # Kept as well as the id: the note stays signed after the account is removed.
        sa.Column("author_name", sa.String(254), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "staff_note_revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _group_id(),
        # No foreign key: the trail outlives the note it tells of.
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                *ACTIONS, name="note_action", native_enum=False, create_constraint=True, length=7
            ),
            nullable=False,
        ),
        _user_id("user_id"),
        sa.Column("user_name", sa.String(254), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("old_body", sa.Text(), nullable=False),
        sa.Column("new_body", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("staff_note_revisions")
    op.drop_table("staff_notes")
