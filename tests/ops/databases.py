"""Fresh databases of the backend under test, and a fingerprint of everything one holds: the
rows of every table the database has (the app's, Alembic's, the spatial extension's and the
text index's), and its definitions (tables, indexes, triggers, views)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from assetmap import schema
from assetmap.db import Backend, Database


@contextmanager
def fresh_database(
    database: Database, tmp_path: Path, *, migrated: bool = True
) -> Iterator[Database]:
    """A new, empty database on ``database``'s backend (migrated unless told not to)."""
    if database.backend is Backend.SPATIALITE:
        url = f"sqlite:///{tmp_path / f'{uuid.uuid4().hex[:8]}.db'}"
        admin = None
    else:
        name = f"assetmap_ops_{uuid.uuid4().hex[:10]}"
        server = make_url(database.config.database_url)
        admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)
    own = Database(database.config.with_overrides({"database_url": url}))
    try:
        if migrated:
            schema.upgrade(own)
        yield own
    finally:
        own.dispose()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def _tables(connection: Connection, backend: Backend) -> list[str]:
    if backend is Backend.SPATIALITE:
        query = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    else:
        query = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    return list(connection.execute(text(query)).scalars())


def _definitions(connection: Connection, backend: Backend) -> list[tuple[object, ...]]:
    if backend is Backend.SPATIALITE:
        query = "SELECT type, name, tbl_name, sql FROM sqlite_master"
    else:
        query = """
            SELECT 'index', indexname, tablename, indexdef FROM pg_indexes
            WHERE schemaname = 'public'
            UNION ALL
            SELECT 'trigger', t.tgname, c.relname, pg_get_triggerdef(t.oid)
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE NOT t.tgisinternal
            UNION ALL
            SELECT 'column', table_name || '.' || column_name, udt_name,
                   coalesce(column_default, '') || ' ' || is_nullable
            FROM information_schema.columns WHERE table_schema = 'public'
            UNION ALL
            SELECT 'geometry', f_table_name || '.' || f_geometry_column, type, srid::text
            FROM geometry_columns
        """
    return sorted(tuple(row) for row in connection.execute(text(query)))


def fingerprint(database: Database) -> dict[str, tuple[int, str]]:
    """Per table, its row count and a hash of its rows in order; and the definitions'."""
    prints: dict[str, tuple[int, str]] = {}
    with database.engine.connect() as connection:
        definitions = _definitions(connection, database.backend)
        prints["(definitions)"] = (len(definitions), _digest(definitions))
        for table in _tables(connection, database.backend):
            try:
                rows = sorted(
                    repr(tuple(row)) for row in connection.execute(text(f'SELECT * FROM "{table}"'))
                )
            except Exception as error:  # a virtual table that cannot be listed (SpatiaLite's KNN)
                connection.rollback()
                prints[table] = (-1, type(error).__name__)
                continue
            prints[table] = (len(rows), _digest(rows))
    return prints


def _digest(items: list) -> str:
    return hashlib.sha256("\n".join(map(repr, items)).encode()).hexdigest()
