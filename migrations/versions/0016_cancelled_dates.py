"""Dates on which a group's session is cancelled ("cancelled this week"), as a JSON list.

Each group's stored public document gains ``cancelled_dates: []`` too, so the API shows the
field for every group from the start, not only for those written since.

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-02
"""

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0013"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
GROUPS = sa.table("groups", sa.column("id", sa.Integer), sa.column("document", sa.Text))


def _with_field(document: str) -> str | None:
    """The document with an empty ``cancelled_dates`` before ``last_verified_at`` (the
    contract's order), or None if it has one already or cannot be read."""
    try:
        feature = json.loads(document)
    except ValueError:
        return None
    properties = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(properties, dict) or "cancelled_dates" in properties:
        return None
    ordered: dict = {}
    for key, value in properties.items():
        if key == "last_verified_at":
            ordered["cancelled_dates"] = []
        ordered[key] = value
    ordered.setdefault("cancelled_dates", [])
    feature["properties"] = ordered
    return json.dumps(feature, ensure_ascii=False, separators=(",", ":"))


def upgrade() -> None:
    # Plain ADD COLUMN on both backends (no batch mode).
    op.add_column("groups", sa.Column("cancelled_dates", JSON_TYPE, nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(GROUPS.c.id, GROUPS.c.document)).all()
    for group_id, document in rows:
        changed = _with_field(document or "")
        if changed is not None:
            bind.execute(GROUPS.update().where(GROUPS.c.id == group_id).values(document=changed))


def downgrade() -> None:
    op.execute("ALTER TABLE groups DROP COLUMN cancelled_dates")
