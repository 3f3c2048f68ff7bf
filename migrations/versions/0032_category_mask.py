"""Each group's categories as bits of one integer on its row, for the matcher's judging.

A match that asks for a kind of group (``categories``) tested each candidate's categories by
probing ``group_categories`` for it: about 2,350 probes for a walk and bus search at 100,000
listings, 5 ms of its judging on PostgreSQL, and again for each of the groups read in full.
``groups.category_mask`` holds a bit per category (``models.enums.CATEGORY_BITS``, frozen
here: a new category takes the next bit, with a migration for these triggers) and is in the
judging's covering indexes, so the test is a bitwise AND of a column the index already gives.

Triggers on ``group_categories`` keep it true on every write: SQLite per row, PostgreSQL per
statement with transition tables (a COPY of a batch of categories is one update of their
groups), rewriting a group's row only when its mask changes. An import writes the mask with
the group, so its categories' rows change nothing further. The backfill runs with the groups'
own triggers off on PostgreSQL (only the mask changes: neither the text index nor the pickup
areas read it).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

#: The bit of each category, as ``models.enums.CATEGORY_BITS`` has them.
BITS = {
    "creative": 1,
    "social": 2,
    "active": 4,
    "practical": 8,
    "learning": 16,
    "nature": 32,
    "volunteering": 64,
    "peer_support": 128,
    "faith_culture": 256,
    "digital": 512,
}
_WHENS = " ".join(f"WHEN '{category}' THEN {bit}" for category, bit in BITS.items())
_BIT = f"CASE c.category {_WHENS} ELSE 0 END"


def _mask(group_id: str) -> str:
    """The mask of group ``group_id`` (SQL) from its rows: the key is (group, category), so
    each bit is summed once."""
    rows = f"FROM group_categories AS c WHERE c.group_id = {group_id}"
    return f"(SELECT coalesce(sum({_BIT}), 0) {rows})"


_MASK = _mask("groups.id")

#: The judging's covering indexes before (0026 on SQLite, 0030 on PostgreSQL) and after.
_JUDGED = [
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
_SQLITE_BEFORE = ["venue_id", *_JUDGED, "name", "description"]
_SQLITE_AFTER = ["venue_id", *_JUDGED, "category_mask", "name", "description"]
_POSTGRES_BEFORE = ["id", *_JUDGED]
_POSTGRES_AFTER = ["id", *_JUDGED, "category_mask"]

# A row is rewritten only when its mask changes: an import writes the mask with the group
# (``directory.importing``), and rewriting 100,000 wide rows and their indexes cost 11 s.
_SQLITE_SET = f"UPDATE groups SET category_mask = {_MASK} WHERE category_mask <> {_MASK} AND id"
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER group_category_mask_insert AFTER INSERT ON group_categories BEGIN"
    f" {_SQLITE_SET} = new.group_id; END",
    "CREATE TRIGGER group_category_mask_delete AFTER DELETE ON group_categories BEGIN"
    f" {_SQLITE_SET} = old.group_id; END",
    "CREATE TRIGGER group_category_mask_update AFTER UPDATE ON group_categories BEGIN"
    f" {_SQLITE_SET} IN (old.group_id, new.group_id); END",
]
_SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS group_category_mask_{event}"
    for event in ("insert", "delete", "update")
]


def _postgres_function(name: str, changed: str) -> str:
    """A trigger function setting the masks of the groups ``changed`` (SQL: their ids) where
    they differ."""
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN UPDATE groups AS g SET category_mask = m.mask"
        f" FROM (SELECT x.group_id, {_mask('x.group_id')} AS mask"
        f" FROM ({changed}) AS x) AS m"
        " WHERE g.id = m.group_id AND g.category_mask IS DISTINCT FROM m.mask;"
        " RETURN NULL; END $$"
    )


_POSTGRES_TRIGGERS = [
    _postgres_function("group_category_masks_new", "SELECT DISTINCT group_id FROM new_rows"),
    _postgres_function("group_category_masks_old", "SELECT DISTINCT group_id FROM old_rows"),
    _postgres_function(
        "group_category_masks_both",
        "SELECT group_id FROM new_rows UNION SELECT group_id FROM old_rows",
    ),
    "CREATE TRIGGER group_category_masks_insert AFTER INSERT ON group_categories"
    " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION group_category_masks_new()",
    "CREATE TRIGGER group_category_masks_delete AFTER DELETE ON group_categories"
    " REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION group_category_masks_old()",
    "CREATE TRIGGER group_category_masks_update AFTER UPDATE ON group_categories"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION group_category_masks_both()",
]
_POSTGRES_DROP = [
    *(
        f"DROP TRIGGER IF EXISTS group_category_masks_{event} ON group_categories"
        for event in ("insert", "delete", "update")
    ),
    *(
        f"DROP FUNCTION IF EXISTS group_category_masks_{which}()"
        for which in ("new", "old", "both")
    ),
]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column(
        "groups",
        sa.Column("category_mask", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    if postgres:
        op.execute("ALTER TABLE groups DISABLE TRIGGER USER")
        op.execute(f"UPDATE groups SET category_mask = {_MASK}")
        op.execute("ALTER TABLE groups ENABLE TRIGGER USER")
        op.drop_index("ix_groups_judging", "groups")
        op.create_index(
            "ix_groups_judging", "groups", ["venue_id"], postgresql_include=_POSTGRES_AFTER
        )
        op.execute("ANALYZE groups")  # every row was rewritten
        statements = _POSTGRES_TRIGGERS
    else:
        op.execute(f"UPDATE groups SET category_mask = {_MASK}")
        op.drop_index("ix_groups_matching", "groups")
        op.create_index("ix_groups_matching", "groups", _SQLITE_AFTER)
        _sqlite_statistics()
        statements = _SQLITE_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRES_DROP if postgres else _SQLITE_DROP:
        op.execute(statement)
    if postgres:
        op.drop_index("ix_groups_judging", "groups")
        op.create_index(
            "ix_groups_judging", "groups", ["venue_id"], postgresql_include=_POSTGRES_BEFORE
        )
    else:
        op.drop_index("ix_groups_matching", "groups")
        op.create_index("ix_groups_matching", "groups", _SQLITE_BEFORE)
        _sqlite_statistics()
    op.drop_column("groups", "category_mask")


def _sqlite_statistics() -> None:
    """The recreated index's statistics, where the database keeps them: without a row of its
    own in ``sqlite_stat1`` among indexes that have one, SQLite judged the groups through
    ``ix_groups_venue_id`` and each group's row instead of this covering index (22 → 25 ms
    for a walk and bus search at 100,000 listings). A database never analysed is left so."""
    bind = op.get_bind()
    analysed = bind.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
    ).first()
    if analysed:
        op.execute("ANALYZE ix_groups_matching")
