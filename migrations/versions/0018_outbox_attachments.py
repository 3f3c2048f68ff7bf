"""The outbox learns attachments, and messages erased once sent (a person's plan by email).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("attachment", sa.LargeBinary(), nullable=True))
    op.add_column("outbox", sa.Column("attachment_name", sa.String(100), nullable=True))
    op.add_column("outbox", sa.Column("attachment_type", sa.String(100), nullable=True))
    # Existing messages are all to groups and staff: none of them is erased after sending.
    op.add_column(
        "outbox",
        sa.Column("erase_after_send", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    for column in ("erase_after_send", "attachment_type", "attachment_name", "attachment"):
        op.execute(f"ALTER TABLE outbox DROP COLUMN {column}")
