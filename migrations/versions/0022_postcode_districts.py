"""Each postcode's district and sector ("NW5", "NW5 2"), indexed, so a national gazetteer
(1.7 million postcodes) answers a district or sector from an index instead of a full scan.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# Postcodes are stored canonical ("NW5 2AB"): the district is before the space, the sector
# adds the inward code's digit. A code without a space (none in a real file) is all district.
_FILL = """
UPDATE postcodes SET
  district = CASE WHEN {space} > 0 THEN substr(postcode, 1, {space} - 1) ELSE postcode END,
  sector = CASE WHEN {space} > 0 THEN substr(postcode, 1, {space} + 1) END
"""


def upgrade() -> None:
    op.add_column("postcodes", sa.Column("district", sa.String(4), nullable=True))
    op.add_column("postcodes", sa.Column("sector", sa.String(6), nullable=True))
    space = (
        "strpos(postcode, ' ')"
        if op.get_bind().dialect.name == "postgresql"
        else "instr(postcode, ' ')"
    )
    op.execute(_FILL.format(space=space))
    op.create_index("ix_postcodes_district_sector", "postcodes", ["district", "sector"])


def downgrade() -> None:
    op.drop_index("ix_postcodes_district_sector", table_name="postcodes")
    # A plain DROP COLUMN on both (SQLite has it since 3.35), as 0010 does.
    for column in ("sector", "district"):
        op.execute(f"ALTER TABLE postcodes DROP COLUMN {column}")
