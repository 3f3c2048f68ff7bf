"""Small areas with their outlines and people, and the area each postcode lies in.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "areas",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(20), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("population", sa.Integer()),
        sa.Column("age_65_plus", sa.Integer()),
        sa.Column("age_75_plus", sa.Integer()),
        sa.Column("disabled_share", sa.Float()),
        sa.Column("imd_decile", sa.Integer()),
        sa.Column("lonely_pct", sa.Float()),
    )
    if op.get_bind().dialect.name == "sqlite":
        # As venues.location in 0001: registered with SpatiaLite, its R*Tree kept by trigger.
        op.execute("SELECT AddGeometryColumn('areas', 'geometry', 4326, 'MULTIPOLYGON', 'XY', 1)")
        op.execute("SELECT CreateSpatialIndex('areas', 'geometry')")
    else:
        op.execute("ALTER TABLE areas ADD COLUMN geometry geometry(MultiPolygon, 4326) NOT NULL")
        op.execute("CREATE INDEX idx_areas_geometry ON areas USING gist (geometry)")

    # A nullable column: SQLite adds it in place, no table copy.
    op.add_column("postcodes", sa.Column("area_code", sa.String(20)))
    op.create_index("ix_postcodes_area_code", "postcodes", ["area_code"])


def downgrade() -> None:
    op.drop_index("ix_postcodes_area_code", table_name="postcodes")
    with op.batch_alter_table("postcodes") as batch:
        batch.drop_column("area_code")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("SELECT DisableSpatialIndex('areas', 'geometry')")
        op.execute("DROP TABLE IF EXISTS idx_areas_geometry")
        op.execute("SELECT DiscardGeometryColumn('areas', 'geometry')")
    op.drop_table("areas")
