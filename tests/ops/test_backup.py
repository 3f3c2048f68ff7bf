"""Backups taken while the app writes are consistent; a restore refuses the wrong kind of
file; the PostgreSQL password never reaches a command line."""

from __future__ import annotations

import subprocess
import threading
import uuid

import pytest
import sqlean
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from assetmap.db import Backend
from assetmap.models import SchedulerLock
from assetmap.ops import backup as backup_module
from assetmap.ops.backup import BackupError, backup, libpq_environment, restore
from tests.ops.databases import fresh_database


def test_a_backup_taken_while_the_app_writes_is_consistent(database, tmp_path) -> None:
    """Each write adds two rows in one transaction: a backup holding an odd number of them
    caught a transaction half-way."""
    file = tmp_path / "during.backup"
    stop = threading.Event()
    written: list[int] = []

    def writer(live) -> None:
        while not stop.is_set():
            with live.engine.begin() as connection:
                for _ in range(2):
                    connection.execute(
                        text(
                            "INSERT INTO scheduler_locks (name, holder, expires_at)"
                            " VALUES (:n, 'w', CURRENT_TIMESTAMP)"
                        ),
                        {"n": uuid.uuid4().hex},
                    )
            written.append(2)

    with fresh_database(database, tmp_path) as live:
        thread = threading.Thread(target=writer, args=(live,))
        thread.start()
        try:
            while len(written) < 20:  # writing for a while before the backup starts
                stop.wait(0.01)
            backup(live, file)
            backup(live, file)  # a second one replaces the first
        finally:
            stop.set()
            thread.join(30)
        with fresh_database(database, tmp_path) as copy:
            restore(copy, file)
            with copy.engine.connect() as connection:
                rows = connection.execute(select(func.count()).select_from(SchedulerLock)).scalar()
    assert rows is not None and rows >= 40 and rows % 2 == 0
    assert not list(tmp_path.glob(".*.partial"))  # no half-written file left beside it


def test_restore_refuses_the_other_backends_backup(database, tmp_path) -> None:
    other = tmp_path / "other.backup"
    if database.backend is Backend.POSTGIS:
        connection = sqlean.connect(str(other))  # an SQLite file
        connection.execute("CREATE TABLE alembic_version (version_num TEXT)")
        connection.commit()
        connection.close()
        expected = "is a SQLite backup; this database is PostgreSQL"
    else:
        other.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(64))
        expected = "is a PostgreSQL backup; this database is SQLite"
    with pytest.raises(BackupError, match=expected):
        restore(database, other)


@pytest.mark.only_backend("spatialite")
def test_restore_refuses_an_sqlite_file_that_is_not_ours(database, tmp_path) -> None:
    stranger = tmp_path / "stranger.db"
    connection = sqlean.connect(str(stranger))
    connection.execute("CREATE TABLE notes (body TEXT)")
    connection.commit()
    connection.close()
    with pytest.raises(BackupError, match="not an assetmap database"):
        restore(database, stranger)


def test_restore_refuses_a_migration_the_code_does_not_know(database, tmp_path) -> None:
    file = tmp_path / "future.backup"
    with fresh_database(database, tmp_path) as live:
        with live.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        backup(live, file)
    with pytest.raises(BackupError, match="migration '9999', which this version"):
        restore(database, file)


def test_the_url_goes_to_libpq_as_variables() -> None:
    url = make_url("postgresql+psycopg://app:s3cret@db.internal:5433/assetmap?sslmode=require")
    environment = libpq_environment(url, base={"PATH": "/usr/bin"})
    assert environment == {
        "PATH": "/usr/bin",
        "PGHOST": "db.internal",
        "PGPORT": "5433",
        "PGUSER": "app",
        "PGPASSWORD": "s3cret",
        "PGDATABASE": "assetmap",
        "PGSSLMODE": "require",
    }


@pytest.mark.only_backend("postgis")
def test_the_password_is_never_on_a_command_line(database, tmp_path, monkeypatch) -> None:
    """The test server trusts local connections, so any password works: what matters is
    where it travels."""
    url = make_url(database.config.database_url).set(password="pw-for-the-test")
    own = database.config.with_overrides({"database_url": url.render_as_string(False)})
    seen: list[tuple[list[str], dict[str, str] | None]] = []
    real = subprocess.run

    def recording(args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append((list(args), kwargs.get("env")))
        return real(args, **kwargs)

    monkeypatch.setattr(backup_module.subprocess, "run", recording)
    from assetmap.db import Database

    live = Database(own)
    try:
        backup(live, tmp_path / "pw.backup")
    finally:
        live.dispose()
    dumps = [(args, env) for args, env in seen if args[0].endswith("pg_dump")]
    assert len(dumps) == 1
    args, env = dumps[0]
    assert not any("pw-for-the-test" in arg for arg in args)
    assert env is not None and env["PGPASSWORD"] == "pw-for-the-test"
