"""The staff searches counted today, so each person's same search counts once a day.

Unmet needs and how often listings come up are counted only for signed-in link workers'
searches, and a reload, a page of more results or the same search sent twice at once must
not count again: each counted search leaves a keyed hash of (account, search, day), and its
primary key refuses a second.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_tallies",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
    )
    # Past days' keys are deleted by their day.
    op.create_index("ix_search_tallies_day", "search_tallies", ["day"])


def downgrade() -> None:
    op.drop_index("ix_search_tallies_day", "search_tallies")
    op.drop_table("search_tallies")
