"""The Alembic migrations go up, down and up again on both backends."""

from sqlalchemy import inspect

from assetmap import schema

TABLES = {
    "organisations",
    "venues",
    "groups",
    "group_categories",
    "group_interests",
    "schedule_entries",
    "verifications",
    "postcodes",
}


def test_migrations_round_trip(database):
    assert set(inspect(database.engine).get_table_names()) >= TABLES
    schema.downgrade(database, "base")
    assert not TABLES & set(inspect(database.engine).get_table_names())
    schema.upgrade(database)
    assert set(inspect(database.engine).get_table_names()) >= TABLES
    schema.upgrade(database)  # applying again is harmless
