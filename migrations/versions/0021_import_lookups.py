"""Indexes for importing at scale: an import finds venues by name and, for records with no
id of their own, groups by name; without these each look-up reads the whole table.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_venues_name", "venues", ["name", "postcode"])
    op.create_index("ix_groups_name", "groups", ["name"])


def downgrade() -> None:
    op.drop_index("ix_groups_name", table_name="groups")
    op.drop_index("ix_venues_name", table_name="venues")
