"""The migrations, the models and every way of reaching head agree, on both backends.

- Upgrading one revision at a time from the first ends with exactly the schema of a fresh
  upgrade to head in one go (tables, columns, indexes with partial predicates, unique,
  foreign key and check constraints, primary keys, sequences, views, geometry columns).
- Alembic's autogenerate finds no difference between the migrated database and the models,
  with the options migrations/env.py gives it (so `alembic check` agrees too).
- A database made by an earlier version of 0006_freshness (it was edited after it was first
  committed) ends, after 0007, with the fresh schema. fixtures/0006_freshness-<commit>.py.txt
  are those versions as committed (`git show <commit>:migrations/versions/0006_freshness.py`),
  test data kept out of ruff's way by their suffix.
"""

from __future__ import annotations

import dataclasses
import importlib.machinery
import importlib.util
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from assetmap import schema
from assetmap.config import Config
from assetmap.db import Backend, Database, backend_of
from assetmap.models import Base
from tests.conftest import _postgres_database

FIXTURES = Path(__file__).parent / "fixtures"

#: (table, kind, name) -> a description of that part of the schema, comparable with ==.
Snapshot = dict[tuple[str, str, str], Any]

# ---------------------------------------------------------------------------------------------
# Fixtures: blank databases on the backend under test.


@pytest.fixture(scope="module")
def blank_database(
    config: Config, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], Database]]:
    """Makes empty databases on the backend under test (the session's own is left alone);
    all of them are dropped at the end of the module."""
    with ExitStack() as cleanup:

        def make() -> Database:
            if backend_of(database_url) is Backend.POSTGIS:
                url = cleanup.enter_context(contextmanager(_postgres_database)())
            else:
                url = f"sqlite:///{tmp_path_factory.mktemp('migrations') / 'blank.db'}"
            database = Database(dataclasses.replace(config, database_url=url))
            cleanup.callback(database.dispose)
            return database

        yield make


@pytest.fixture(scope="module")
def fresh(blank_database: Callable[[], Database]) -> Snapshot:
    """The schema of a blank database upgraded to head in one go."""
    database = blank_database()
    schema.upgrade(database)
    return snapshot(database)


# ---------------------------------------------------------------------------------------------
# Reading a schema and comparing two.


def _options(options: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Dialect options as text: SQLite hands back a partial index's predicate as a clause."""
    return tuple(sorted((key, str(getattr(v, "text", v))) for key, v in options.items()))


def snapshot(database: Database) -> Snapshot:
    """Everything SQLAlchemy's inspector reports about the database's schema, plus the
    spatial extension's register of geometry columns."""
    found: Snapshot = {}
    with database.engine.connect() as connection:
        inspector = inspect(connection)
        if connection.dialect.supports_sequences:  # PostgreSQL: the SERIAL columns' own
            for name in inspector.get_sequence_names():
                found["", "sequence", name] = True
        for name in inspector.get_view_names():
            found["", "view", name] = True
        for table in inspector.get_table_names():
            found[table, "table", ""] = True
            for column in inspector.get_columns(table):
                found[table, "column", column["name"]] = (
                    repr(column["type"]),
                    "null" if column["nullable"] else "not null",
                    f"default {column['default']}",
                )
            pk = inspector.get_pk_constraint(table)
            found[table, "primary key", pk.get("name") or ""] = tuple(pk["constrained_columns"])
            for index in inspector.get_indexes(table):
                found[table, "index", index["name"] or ""] = (
                    tuple(index["column_names"]),
                    tuple(index.get("expressions", ())),
                    "unique" if index["unique"] else "",
                    _options(index.get("dialect_options", {})),
                )
            for unique in inspector.get_unique_constraints(table):
                found[table, "unique", unique["name"] or ""] = tuple(unique["column_names"])
            for fk in inspector.get_foreign_keys(table):
                key = fk["name"] or ",".join(fk["constrained_columns"])
                found[table, "foreign key", key] = (
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    _options(fk.get("options", {})),
                )
            for check in inspector.get_check_constraints(table):
                found[table, "check", check["name"] or check["sqltext"]] = check["sqltext"]
        found["alembic_version", "row", "version_num"] = connection.execute(
            text("SELECT version_num FROM alembic_version")
        ).scalar_one_or_none()
        for row in connection.execute(text(_GEOMETRY_COLUMNS[database.backend])):
            found[row[0], "geometry column", row[1]] = tuple(row[2:])
    return found


_GEOMETRY_COLUMNS = {
    # The type, dimensions, SRID and (SpatiaLite) whether the R*Tree index is on.
    Backend.SPATIALITE: "SELECT f_table_name, f_geometry_column, geometry_type,"
    " coord_dimension, srid, spatial_index_enabled FROM geometry_columns",
    Backend.POSTGIS: "SELECT f_table_name, f_geometry_column, type, coord_dimension, srid"
    " FROM geometry_columns WHERE f_table_schema = current_schema()",
}


def differences(expected: Snapshot, actual: Snapshot) -> list[str]:
    """What ``actual`` lacks, has extra or has otherwise, one line each ([] when equal)."""
    lines = []
    for key in sorted(expected.keys() | actual.keys()):
        label = " ".join(part for part in (key[0], key[1], key[2]) if part)
        if key not in actual:
            lines.append(f"missing {label}: {expected[key]}")
        elif key not in expected:
            lines.append(f"unexpected {label}: {actual[key]}")
        elif expected[key] != actual[key]:
            lines.append(f"{label}: {actual[key]}, expected {expected[key]}")
    return lines


# ---------------------------------------------------------------------------------------------
# Alembic helpers: the same configuration and connection hand-over as assetmap.schema.


def revisions() -> list[str]:
    """Every revision, the first one first."""
    script = ScriptDirectory.from_config(schema.alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def stamp(database: Database, revision: str) -> None:
    config = schema.alembic_config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.stamp(config, revision)


def env_options(connection: Connection) -> dict[str, Any]:
    """The options migrations/env.py configures Alembic with on this connection, read by
    running env.py with a migration function that records them and migrates nothing."""
    config = schema.alembic_config()
    config.attributes["connection"] = connection
    script = ScriptDirectory.from_config(config)
    seen: dict[str, Any] = {}

    def record(_heads: Any, context: MigrationContext) -> list[Any]:
        seen.update(context.opts)
        return []

    with EnvironmentContext(config, script, fn=record):
        script.run_env()
    return seen


def load_historic(commit: str) -> ModuleType:
    """The 0006 migration as it was at ``commit``, as a module."""
    path = FIXTURES / f"0006_freshness-{commit}.py.txt"
    name = f"historic_0006_{commit}"
    loader = importlib.machinery.SourceFileLoader(name, str(path))
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def run_upgrade(database: Database, migration: ModuleType) -> None:
    """Run a migration module's upgrade() on the database as Alembic would: with the models'
    metadata as env.py gives it (its naming convention names the constraints)."""
    with database.engine.begin() as connection:
        context = MigrationContext.configure(connection, opts={"target_metadata": Base.metadata})
        with Operations.context(context):
            migration.upgrade()


# ---------------------------------------------------------------------------------------------
# a. One revision at a time ends where head in one go does.


def test_upgrading_one_revision_at_a_time_ends_with_the_fresh_schema(
    blank_database: Callable[[], Database], fresh: Snapshot
) -> None:
    database = blank_database()
    steps = revisions()
    assert steps[0] == "0001" and len(steps) >= 7
    for revision in steps:
        schema.upgrade(database, revision)
    assert differences(fresh, snapshot(database)) == []


def test_the_comparison_sees_the_whole_schema(fresh: Snapshot, database_url: str) -> None:
    """What the comparisons rely on is really in a snapshot: a partial index's predicate, a
    partial unique index, ON DELETE, an enum's CHECK, a server default, the geometry column
    and its spatial index."""
    assert fresh["alembic_version", "row", "version_num"] == revisions()[-1]
    partial = dict(fresh["groups", "index", "ix_groups_reported_on"][3])
    assert "reported_on IS NOT NULL" in str(partial)
    assert fresh["verification_tasks", "index", "uq_verification_tasks_open"][2] == "unique"
    task = fresh[
        "freshness_reminders", "foreign key", "fk_freshness_reminders_task_id_verification_tasks"
    ]
    assert ("ondelete", "CASCADE") in task[3]
    assert "waiting_list" in fresh["groups", "check", "ck_groups_status"]
    assert "''" in fresh["revisions", "column", "via"][2]
    geometry = fresh["venues", "geometry column", "location"]
    assert geometry[2] == 4326
    if backend_of(database_url) is Backend.SPATIALITE:
        assert geometry[3] == 1  # the R*Tree index is on
    else:
        assert ("postgresql_using", "gist") in fresh["venues", "index", "idx_venues_location"][3]


def test_0007_changes_nothing_on_a_database_made_by_todays_0006(
    blank_database: Callable[[], Database],
) -> None:
    database = blank_database()
    schema.upgrade(database, "0006")
    before = snapshot(database)
    schema.upgrade(database, "0007")
    after = snapshot(database)
    assert differences(before, after) == ["alembic_version row version_num: 0007, expected 0006"]


def test_0009_downgrades_to_0008_and_upgrades_again(
    blank_database: Callable[[], Database], fresh: Snapshot
) -> None:
    """The areas table, its geometry column and spatial index, and postcodes.area_code go
    away cleanly (SpatiaLite's register and R*Tree included) and come back the same."""
    database = blank_database()
    schema.upgrade(database, "0008")
    at_0008 = snapshot(database)
    schema.upgrade(database, "0009")
    geometry = snapshot(database)["areas", "geometry column", "geometry"]
    assert geometry[0] in (6, "MULTIPOLYGON") and geometry[2] == 4326  # SpatiaLite: 6
    schema.downgrade(database, "0008")
    assert differences(at_0008, snapshot(database)) == []
    schema.upgrade(database)
    assert differences(fresh, snapshot(database)) == []


# ---------------------------------------------------------------------------------------------
# b. The models and the migrated database agree.


def test_autogenerate_finds_no_difference_between_models_and_migrations(database: Database) -> None:
    with database.engine.connect() as connection:
        options = env_options(connection)
        context = MigrationContext.configure(
            connection,
            opts={
                key: options[key]
                for key in ("target_metadata", "include_object", "include_name", "compare_type")
                if key in options
            },
        )
        assert compare_metadata(context, Base.metadata) == []


def test_alembic_check_agrees(database: Database) -> None:
    config = schema.alembic_config()
    with database.engine.connect() as connection:
        config.attributes["connection"] = connection
        command.check(config)  # raises AutogenerateDiffsDetected on any difference


# ---------------------------------------------------------------------------------------------
# c. Databases made by earlier versions of 0006 catch up.

#: What each earlier 0006 left out, compared with today's (3cafc99 only reformatted cb0f5c5).
EARLIER_0006 = {
    "cb0f5c5": {
        ("revisions", "column", "via"),
        ("groups", "index", "ix_groups_reported_on"),
        ("groups", "index", "ix_groups_updated_at"),
        ("freshness_scans", "table", ""),
    },
    "81e9661": {
        ("groups", "index", "ix_groups_reported_on"),
        ("groups", "index", "ix_groups_updated_at"),
        ("freshness_scans", "table", ""),
    },
    "d039743": {
        ("groups", "index", "ix_groups_updated_at"),
        ("freshness_scans", "table", ""),
    },
}


@pytest.mark.parametrize("commit", sorted(EARLIER_0006))
def test_a_database_made_by_an_earlier_0006_ends_with_the_fresh_schema(
    commit: str, blank_database: Callable[[], Database], fresh: Snapshot
) -> None:
    # What 0007 has to add is measured against a fresh database at 0007, not at head: later
    # migrations add tables of their own that no version of 0006 ever had.
    caught_up = blank_database()
    schema.upgrade(caught_up, "0007")
    at_0007 = snapshot(caught_up)

    database = blank_database()
    schema.upgrade(database, "0005")
    run_upgrade(database, load_historic(commit))
    stamp(database, "0006")

    early = snapshot(database)
    assert early.keys() - at_0007.keys() == set()
    gaps = {
        key
        for key in at_0007.keys() - early.keys()
        if key[1] == "table" or (key[0], "table", "") in early
    }
    assert gaps == EARLIER_0006[commit]

    schema.upgrade(database)
    assert differences(fresh, snapshot(database)) == []
