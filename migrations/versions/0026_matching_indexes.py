"""Matching reads its candidates from indexes again.

- SQLite: ``ix_groups_matching`` covers what the matcher judges of each group near a person,
  so it never reads the rows (which hold the stored document). Referrals paused by the
  organiser (``referrals_paused_until``) came later and were not in it, so every candidate's
  row was read again; the index is made anew with that column.
- PostgreSQL: ``ix_groups_pickup``, a partial index of the groups that collect people from
  home (venue, radius, id), so finding whose transport reaches a person probes it per venue
  near them (index only) instead of reading every such group's row in the directory.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

_ACCESSIBILITY = [
    "step_free",
    "wheelchair_accessible",
    "accessible_toilet",
    "hearing_loop",
    "blue_badge_parking",
    "seating_available",
    "dementia_friendly",
    "quiet_space",
]
_BEFORE = [
    "venue_id",
    "status",
    "gender",
    "min_age",
    "max_age",
    "cost_free",
    "cost_amount_gbp",
    "complexity_supported",
    "complex_needs_places",
    "door_to_door_available",
    "door_to_door_radius_km",
    *_ACCESSIBILITY,
]
_TEXT = ["name", "description"]
_PICKUP_WHERE = sa.text("door_to_door_available IS true")


def _analyse() -> None:
    """SQLite plans by the statistics ANALYZE keeps per index: a new index has none, and
    without them the planner was seen scanning it whole rather than probing by venue."""
    op.execute("ANALYZE groups")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_groups_matching", "groups")
        op.create_index(
            "ix_groups_matching", "groups", [*_BEFORE, "referrals_paused_until", *_TEXT]
        )
        _analyse()
    else:
        op.create_index(
            "ix_groups_pickup",
            "groups",
            ["venue_id", "door_to_door_radius_km", "id"],
            postgresql_where=_PICKUP_WHERE,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_groups_matching", "groups")
        op.create_index("ix_groups_matching", "groups", [*_BEFORE, *_TEXT])
        _analyse()
    else:
        op.drop_index("ix_groups_pickup", "groups")
