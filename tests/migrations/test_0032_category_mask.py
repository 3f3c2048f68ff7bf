"""0032 gives the groups already in the directory their category bits, and its downgrade
takes the column and its triggers away cleanly, on both backends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, inspect, select

from assetmap import schema
from assetmap.db import Database
from assetmap.models import CATEGORY_BITS, Category, Group, GroupCategory
from tests.factories import listing


def test_0032_fills_the_bits_of_existing_groups_and_downgrades_cleanly(
    database: Database, add_groups: Any
) -> None:
    kept, changed, emptied = add_groups(
        listing("Kept", categories=["social", "nature"]),
        listing("Changed", categories=["active"]),
        listing("Emptied", categories=["digital"]),
    )
    schema.downgrade(database, "0031")
    with database.engine.begin() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("groups")}
        assert "category_mask" not in columns
        # Written with no trigger left: 0032 must read the categories as they are.
        categories = GroupCategory.__table__
        connection.execute(insert(categories).values(group_id=changed, category="learning"))
        connection.execute(delete(categories).where(categories.c.group_id == emptied))
    schema.upgrade(database)
    with database.session() as session:
        rows = session.execute(select(Group.id, Group.category_mask)).all()
    masks = {row.id: row.category_mask for row in rows}
    bits = CATEGORY_BITS
    assert masks[kept] == bits[Category.SOCIAL] | bits[Category.NATURE]
    assert masks[changed] == bits[Category.ACTIVE] | bits[Category.LEARNING]
    assert masks[emptied] == 0
