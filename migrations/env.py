"""Alembic environment: runs on the connection `assetmap init-db` hands over, or its own.

Autogenerate (`alembic revision --autogenerate`, `alembic check`) compares the database with
the models through ``include_object`` below, which leaves out what the spatial extensions
own. tests/migrations/test_schema_agrees.py runs that comparison, with these options, on both
backends.
"""

from collections.abc import Callable
from typing import Any

from alembic import context
from geoalchemy2 import Geometry
from sqlalchemy import Index, MetaData

from assetmap.config import Config
from assetmap.db import Database
from assetmap.models import Base

target_metadata = Base.metadata

# Tables SpatiaLite's InitSpatialMetaData puts into every database (db.make_engine runs it on
# connect): its coordinate systems, licences, logs, and virtual tables behind SQL functions.
# PostGIS's only table in the schema is spatial_ref_sys (topology and tiger, when installed,
# live in schemas of their own, which autogenerate does not read).
SPATIAL_TABLES = frozenset(
    {
        "spatial_ref_sys",
        "spatial_ref_sys_aux",
        "spatialite_history",
        "sql_statements_log",
        "data_licenses",
        "ElementaryGeometries",
        "SpatialIndex",
        "KNN",
        "KNN2",  # KNN's successor in SpatiaLite 5.1
    }
)
# SpatiaLite's registers of geometry columns of tables, views and virtual tables, each with
# _auth, _statistics, _field_infos (and _time for tables) companions.
SPATIAL_TABLE_PREFIXES = ("geometry_columns", "views_geometry_columns", "virts_geometry_columns")
# A SpatiaLite spatial index is an R*Tree virtual table idx_<table>_<column> and its three
# shadow tables.
RTREE_SUFFIXES = ("", "_node", "_parent", "_rowid")

# The text index migration 0024 makes and its triggers keep (FTS5's table, its shadow tables
# and vocabulary on SQLite; the word rows and the word list on PostgreSQL): the
# database's own, written by no model, like the spatial tables above.
TEXT_INDEX_TABLES = frozenset(
    {
        "group_text",
        "group_text_data",
        "group_text_idx",
        "group_text_content",
        "group_text_docsize",
        "group_text_config",
        "group_text_words",
        "group_words",
        "search_words",
    }
)

# The pickup areas migration 0031 makes and its triggers keep (an R*Tree and its shadow tables
# on SQLite, a table of boxes on PostgreSQL): the database's own, as the text index's.
PICKUP_AREA_TABLES = frozenset(
    {"pickup_areas", "pickup_areas_node", "pickup_areas_parent", "pickup_areas_rowid"}
)

IncludeObject = Callable[[Any, str | None, str, bool, Any], bool]


def spatial_index_names(metadata: MetaData) -> frozenset[str]:
    """idx_<table>_<column> for each geometry column: migration 0001 makes these indexes
    itself (a GiST index on PostGIS, an R*Tree on SpatiaLite), so the models declare them
    with spatial_index=False and never see them."""
    return frozenset(
        f"idx_{table.name}_{column.name}"
        for table in metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, Geometry)
    )


def include_object_for(dialect: str, metadata: MetaData = target_metadata) -> IncludeObject:
    """What autogenerate compares on ``dialect``: everything but the spatial extensions' own
    tables and the spatial indexes, and only the model's indexes meant for this dialect."""
    spatial_indexes = spatial_index_names(metadata)
    rtree_tables = {name + suffix for name in spatial_indexes for suffix in RTREE_SUFFIXES}

    def include_object(
        obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        in_database_only = reflected and compare_to is None
        if type_ == "table" and in_database_only and name is not None:
            return not (
                name in SPATIAL_TABLES
                or name in TEXT_INDEX_TABLES
                or name in PICKUP_AREA_TABLES
                or name.startswith(SPATIAL_TABLE_PREFIXES)
                or name in rtree_tables
            )
        if type_ == "index" and in_database_only:
            return name not in spatial_indexes
        if type_ == "index" and not reflected and isinstance(obj, Index):
            # An index the model declares for one backend only (Index.ddl_if(dialect=...),
            # e.g. ix_groups_matching on SQLite): autogenerate does not read ddl_if itself.
            condition = obj._ddl_if
            if condition is not None and condition.dialect is not None:
                wanted = condition.dialect
                return dialect == wanted if isinstance(wanted, str) else dialect in wanted
        return True

    return include_object


def run_migrations(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=include_object_for(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    database = Database(Config.from_env())
    with database.engine.connect() as own_connection:
        run_migrations(own_connection)
        own_connection.commit()
    database.dispose()
