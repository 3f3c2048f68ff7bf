"""Each group's categories as bits on its own row (migration 0032) are kept true by the
database on every write to ``group_categories``, on both backends: imports, the ORM's edits,
multi-row inserts, deletes and updates; and each category has the bit the app reads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from assetmap.db import Database
from assetmap.models import CATEGORY_BITS, Category, Group, GroupCategory, category_mask
from tests.factories import listing


def _masks(session: Session) -> dict[int, int]:
    rows = session.execute(select(Group.id, Group.category_mask))
    return {row.id: row.category_mask for row in rows}


def _from_rows(session: Session) -> dict[int, int]:
    """Each group's mask worked out from its ``group_categories`` rows, in Python."""
    expected = dict.fromkeys(session.scalars(select(Group.id)), 0)
    for group_id, category in session.execute(
        select(GroupCategory.group_id, GroupCategory.category)
    ):
        expected[group_id] |= CATEGORY_BITS[Category(category)]
    return expected


def test_each_category_sets_its_own_bit(database: Database, add_groups: Any) -> None:
    ids = add_groups(
        *(listing(f"Only {c.value}", categories=[c.value]) for c in Category),
        listing("Three kinds", categories=["social", "creative", "digital"]),
    )
    with database.session() as session:
        masks = _masks(session)
    for group_id, category in zip(ids, Category, strict=False):
        assert masks[group_id] == CATEGORY_BITS[category]
    assert masks[ids[-1]] == category_mask([Category.SOCIAL, Category.CREATIVE, Category.DIGITAL])
    assert len(set(CATEGORY_BITS.values())) == len(Category)


def test_the_mask_follows_every_write_to_the_categories(
    database: Database, add_groups: Any
) -> None:
    a, b, c = add_groups(
        listing("A", categories=["social"]),
        listing("B", categories=["active", "nature"]),
        listing("C", categories=["learning"]),
    )
    with database.session() as session:
        # The ORM's edit of a listing's categories: its rows replaced.
        group = session.get(Group, a)
        assert group is not None
        group.categories = [GroupCategory(category=Category.PEER_SUPPORT)]
        session.flush()
        assert _masks(session)[a] == CATEGORY_BITS[Category.PEER_SUPPORT]

        # Several rows in one statement, for several groups.
        session.execute(
            insert(GroupCategory),
            [
                {"group_id": a, "category": Category.DIGITAL},
                {"group_id": c, "category": Category.DIGITAL},
                {"group_id": c, "category": Category.VOLUNTEERING},
            ],
        )
        assert _masks(session) == _from_rows(session)
        # A category changed in place, and one moved to another group.
        session.execute(
            update(GroupCategory)
            .where(GroupCategory.group_id == b, GroupCategory.category == Category.NATURE)
            .values(category=Category.FAITH_CULTURE)
        )
        session.execute(
            update(GroupCategory)
            .where(GroupCategory.group_id == c, GroupCategory.category == Category.LEARNING)
            .values(group_id=b)
        )
        assert _masks(session) == _from_rows(session)
        assert _masks(session)[b] == category_mask(
            [Category.ACTIVE, Category.FAITH_CULTURE, Category.LEARNING]
        )
        # Deleted, one and many.
        session.execute(delete(GroupCategory).where(GroupCategory.group_id == b))
        session.execute(delete(GroupCategory).where(GroupCategory.category == Category.DIGITAL))
        session.flush()
        masks = _masks(session)
        assert masks == _from_rows(session)
        assert masks[b] == 0
        assert masks[a] == CATEGORY_BITS[Category.PEER_SUPPORT]
        assert masks[c] == CATEGORY_BITS[Category.VOLUNTEERING]
