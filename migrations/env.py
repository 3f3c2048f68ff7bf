"""Alembic environment: runs on the connection `assetmap init-db` hands over, or its own."""

from alembic import context

from assetmap.config import Config
from assetmap.db import Database
from assetmap.models import Base

target_metadata = Base.metadata


def run_migrations(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
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
