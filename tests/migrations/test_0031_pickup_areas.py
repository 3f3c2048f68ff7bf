"""0031 gives the groups already in the directory their pickup areas, and its downgrade
takes the areas and their triggers away cleanly, on both backends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, update

from assetmap import schema
from assetmap.db import Database
from assetmap.matching.pickup import collecting_at
from assetmap.models import Group
from tests.matching.test_pickup import FAR, PERSON, VENUE, _collector


def test_0031_fills_the_areas_of_existing_groups_and_downgrades_cleanly(
    database: Database, add_groups: Any
) -> None:
    near, short, far, walking = add_groups(
        _collector("Near"),
        _collector("Short", radius_km=5.0),
        _collector("Far", at=FAR),
        _collector("Walking", radius_km=None),
    )
    schema.downgrade(database, "0030")
    with database.engine.begin() as connection:
        assert "pickup_areas" not in inspect(connection).get_table_names()
        # Written with no trigger left (one would fail on the missing table): 0031 must read
        # the tables as they are.
        connection.execute(update(Group).where(Group.id == short).values(door_to_door_radius_km=2))
        connection.execute(
            update(Group)
            .where(Group.id == walking)
            .values(door_to_door_available=True, door_to_door_radius_km=4)
        )
    schema.upgrade(database)
    with database.session() as session:
        assert set(session.scalars(collecting_at(database.backend, PERSON))) == {near, walking}
        assert set(session.scalars(collecting_at(database.backend, VENUE))) == {
            near,
            short,
            walking,
        }
        assert set(session.scalars(collecting_at(database.backend, FAR))) == {far}
