"""Cases, referrals and follow-up; users' teams; groups that pause referrals.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
STATES = (
    "sent",
    "accepted",
    "waiting_list",
    "declined",
    "no_response",
    "attended",
    "did_not_attend",
    "still_going",
    "stopped",
    "withdrawn",
    "cancelled",
)
DECLINE_REASONS = ("full", "needs_not_met", "not_suitable", "not_running", "other")
STOP_REASONS = ("not_for_them", "health", "transport", "moved", "group_ended", "other")


def _enum(name: str, values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(v) for v in values),
    )


def _when(name: str, *, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _user(name: str, *, index: bool = False) -> sa.Column:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), index=index
    )


def upgrade() -> None:
    op.add_column("users", sa.Column("team", sa.String(100), nullable=True))
    op.add_column("groups", sa.Column("referrals_paused_until", sa.Date(), nullable=True))
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(40)),
        sa.Column("initials", sa.String(5)),
        sa.Column("postcode", sa.String(8)),
        sa.Column("contact_preference", sa.String(300)),
        sa.Column("access_needs", sa.String(500)),
        sa.Column("notes", sa.Text()),
        sa.Column("profile", JSON_TYPE),
        sa.Column("shortlist", JSON_TYPE),
        sa.Column("area_code", sa.String(20), index=True),
        _user("owner_id", index=True),
        sa.Column("team", sa.String(100), index=True),
        _when("created_at", nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False, index=True),
        _when("erased_at"),
        sa.Column("erased_why", sa.String(20)),
    )
    op.create_index("uq_cases_team_reference", "cases", ["team", "reference"], unique=True)
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id",
            sa.Integer(),
            sa.ForeignKey("cases.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "group_id", sa.Integer(), sa.ForeignKey("groups.id", ondelete="SET NULL"), index=True
        ),
        sa.Column("state", _enum("referral_state", STATES), nullable=False),
        sa.Column("complex_needs", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(20)),
        _when("sent_at", nullable=False),
        _when("held_until"),
        _when("responded_at"),
        _when("accepted_at"),
        _when("ended_at"),
        sa.Column("decline_reason", _enum("decline_reason", DECLINE_REASONS)),
        sa.Column("stop_reason", _enum("stop_reason", STOP_REASONS)),
        sa.Column("reason_text", sa.String(500), nullable=False),
        _user("created_by_id"),
        _when("link_used_at"),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_referrals_group_state", "referrals", ["group_id", "state"])
    op.create_table(
        "referral_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "referral_id",
            sa.Integer(),
            sa.ForeignKey("referrals.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("from_state", _enum("from_state", STATES)),
        sa.Column("to_state", _enum("to_state", STATES), nullable=False),
        _user("user_id"),
        sa.Column("actor", sa.String(254), nullable=False),
        _when("at", nullable=False),
        sa.Column("reason_text", sa.String(500), nullable=False),
    )
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "referral_id",
            sa.Integer(),
            sa.ForeignKey("referrals.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False, index=True),
        _user("owner_id", index=True),
        _when("done_at"),
        sa.Column("attended", sa.Boolean()),
        sa.Column("still_going", sa.Boolean()),
    )
    op.create_index(
        "uq_follow_ups_referral_weeks", "follow_ups", ["referral_id", "weeks"], unique=True
    )
    op.create_table(
        "wellbeing",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id",
            sa.Integer(),
            sa.ForeignKey("cases.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "follow_up_id", sa.Integer(), sa.ForeignKey("follow_ups.id", ondelete="SET NULL")
        ),
        sa.Column("stage", _enum("wellbeing_stage", ("start", "follow_up")), nullable=False),
        _when("recorded_at", nullable=False),
        *(
            sa.Column(name, sa.Integer())
            for name in (
                "life_satisfaction",
                "worthwhile",
                "happiness",
                "anxiety",
                "ucla_companionship",
                "ucla_left_out",
                "ucla_isolated",
            )
        ),
    )
    op.create_table(
        "case_access",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False, index=True),
        _user("user_id"),
        sa.Column("user_name", sa.String(254), nullable=False),
        sa.Column(
            "action",
            _enum("case_action", ("opened", "changed", "exported", "erased")),
            nullable=False,
        ),
        _when("at", nullable=False),
    )


def downgrade() -> None:
    for table in ("case_access", "wellbeing", "follow_ups", "referral_events", "referrals"):
        op.drop_table(table)
    op.drop_index("uq_cases_team_reference", table_name="cases")
    op.drop_table("cases")
    op.execute("ALTER TABLE groups DROP COLUMN referrals_paused_until")
    op.execute("ALTER TABLE users DROP COLUMN team")
