"""PostgreSQL: a covering index of what the matcher judges of each group near a person.

The matcher judges every group at the venues near a person (status, audience, cost, support,
access needs, pickup, referrals paused, the text its interest net reads) in one SQL pass. On
PostgreSQL each of those groups' rows was read from the table, a wide row that holds the
stored document: 44,000 rows for 45 minutes by car at 100,000 listings. ``ix_groups_judging``
(venue, then those columns as INCLUDE, 8 MB at 100,000 listings) lets a search without
interests be an index-only scan, as SQLite's ``ix_groups_matching`` (migrations 0003, 0026)
already is: that statement took 0.6 of its time. SQLite is left as it is.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03
"""

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

#: What the judging reads of a group besides its venue (``matching.candidates``), but its name
#: and description: they would make the index three times the size, and a search that reads
#: them (a word of the interests) judges few enough groups that the table's rows do as well.
JUDGED = [
    "id",
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
    "step_free",
    "wheelchair_accessible",
    "accessible_toilet",
    "hearing_loop",
    "blue_badge_parking",
    "seating_available",
    "dementia_friendly",
    "quiet_space",
    "referrals_paused_until",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_groups_judging", "groups", ["venue_id"], postgresql_include=JUDGED)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_groups_judging", "groups")
