"""PostgreSQL: a GiST index on each venue's location as geography, for ``near`` pages.

A ``near`` page of markers takes its first candidates nearest first and lets the farthest of
them bound the circle the exact sort measures (``directory/markers.py``). Walked through the
geometry index, "nearest" is in plane degrees, where London's east-west is 0.62 of its
north-south: the bound came out a third wider than the page needed and its box held twice the
page (201 groups measured for 100 at 100,000 listings). On geography the index walks venues
by distance on the sphere, within 0.6% of the spheroid's, so the bound is tight and the
circle holds about the page (103). SpatiaLite has no such index and keeps its box.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_venues_geography",
            "venues",
            [sa.text("geography(location)")],
            postgresql_using="gist",
        )
        op.execute("ANALYZE venues")  # an expression index has no statistics until analysed


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_venues_geography", "venues")
