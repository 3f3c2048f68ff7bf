"""The directory: organisations, venues (with a spatial index), groups, schedules, postcodes.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(
        *values,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(v) for v in values),
    )


def _timestamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)]


def _flag(name: str) -> sa.Column:
    return sa.Column(name, sa.Boolean(), nullable=True)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name

    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        *_timestamps(),
    )

    op.create_table(
        "venues",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300)),
        sa.Column("postcode", sa.String(8), index=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
    )
    if dialect == "sqlite":
        # SpatiaLite registers the column and keeps its R*Tree (idx_venues_location) by trigger.
        op.execute("SELECT AddGeometryColumn('venues', 'location', 4326, 'POINT', 'XY', 1)")
        op.execute("SELECT CreateSpatialIndex('venues', 'location')")
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        op.execute("ALTER TABLE venues ADD COLUMN location geometry(Point, 4326) NOT NULL")
        op.execute("CREATE INDEX idx_venues_location ON venues USING gist (location)")

    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("external_id", sa.String(100), unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisations.id", ondelete="SET NULL"),
            index=True,
        ),
        sa.Column(
            "venue_id", sa.Integer(), sa.ForeignKey("venues.id", ondelete="SET NULL"), index=True
        ),
        sa.Column(
            "status",
            _enum("status", "open", "invitation_only", "waiting_list", "paused", "closed"),
            nullable=False,
            index=True,
        ),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("min_age", sa.Integer()),
        sa.Column("max_age", sa.Integer()),
        sa.Column("gender", _enum("gender", "any", "men", "women"), nullable=False),
        sa.Column("languages", JSON_TYPE, nullable=False),
        sa.Column("cost_free", sa.Boolean(), index=True),
        sa.Column("cost_amount_gbp", sa.Float()),
        sa.Column("cost_notes", sa.String(500), nullable=False),
        sa.Column("total_places", sa.Integer()),
        sa.Column("places_taken", sa.Integer()),
        sa.Column("waiting_list", sa.Integer()),
        sa.Column("complex_needs_places", sa.Integer()),
        sa.Column("complexity_supported", sa.Integer()),
        *[
            _flag(name)
            for name in (
                "step_free",
                "wheelchair_accessible",
                "accessible_toilet",
                "hearing_loop",
                "blue_badge_parking",
                "seating_available",
                "dementia_friendly",
                "quiet_space",
            )
        ],
        sa.Column("access_notes", sa.Text(), nullable=False),
        sa.Column("bus_stops", JSON_TYPE, nullable=False),
        sa.Column("rail_station_name", sa.String(200)),
        sa.Column("rail_station_distance_m", sa.Integer()),
        _flag("parking"),
        _flag("door_to_door_available"),
        sa.Column("door_to_door_radius_km", sa.Float()),
        sa.Column("door_to_door_notes", sa.String(500), nullable=False),
        sa.Column("contact_name", sa.String(200)),
        sa.Column("contact_phone", sa.String(50)),
        sa.Column("contact_email", sa.String(254)),
        sa.Column("contact_website", sa.String(500)),
        _flag("self_referral"),
        _flag("link_worker_referral"),
        sa.Column("referral_notes", sa.Text(), nullable=False),
        sa.Column("last_verified_at", sa.Date(), index=True),
        sa.Column("verified_by", sa.String(200)),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )

    op.create_table(
        "group_categories",
        sa.Column(
            "group_id",
            sa.Integer(),
            sa.ForeignKey("groups.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "category",
            _enum(
                "category",
                "creative",
                "social",
                "active",
                "practical",
                "learning",
                "nature",
                "volunteering",
                "peer_support",
                "faith_culture",
                "digital",
            ),
            primary_key=True,
        ),
    )
    op.create_index("ix_group_categories_category", "group_categories", ["category", "group_id"])

    op.create_table(
        "group_interests",
        sa.Column(
            "group_id",
            sa.Integer(),
            sa.ForeignKey("groups.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("interest", sa.String(100), primary_key=True),
    )
    op.create_index("ix_group_interests_interest", "group_interests", ["interest", "group_id"])

    op.create_table(
        "schedule_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "group_id",
            sa.Integer(),
            sa.ForeignKey("groups.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "day",
            _enum("day", "mon", "tue", "wed", "thu", "fri", "sat", "sun"),
            nullable=False,
        ),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("end", sa.Time()),
        sa.Column(
            "frequency",
            _enum("frequency", "weekly", "fortnightly", "monthly", "other"),
            nullable=False,
        ),
    )
    op.create_index("ix_schedule_entries_group_id", "schedule_entries", ["group_id"])
    op.create_index("ix_schedule_entries_day", "schedule_entries", ["day", "group_id"])

    op.create_table(
        "verifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "group_id",
            sa.Integer(),
            sa.ForeignKey("groups.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("verified_on", sa.Date(), nullable=False),
        sa.Column("verified_by", sa.String(200)),
        sa.Column(
            "method",
            _enum("method", "phone", "email", "visit", "organiser", "import"),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )

    op.create_table(
        "postcodes",
        sa.Column("postcode", sa.String(8), primary_key=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "postcodes",
        "verifications",
        "schedule_entries",
        "group_interests",
        "group_categories",
        "groups",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("SELECT DisableSpatialIndex('venues', 'location')")
        op.execute("DROP TABLE IF EXISTS idx_venues_location")
        op.execute("SELECT DiscardGeometryColumn('venues', 'location')")
    op.drop_table("venues")
    op.drop_table("organisations")
