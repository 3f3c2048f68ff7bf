"""`assetmap backup FILE` and `assetmap restore FILE`: the whole database, on either backend.

SQLite: SQLite's online backup API (``Connection.backup``), a consistent copy of the file
taken while the app goes on writing (the copy is made in one step, under one read
transaction), written beside ``FILE`` and renamed into place, so a failed backup never
leaves half a file. A restore copies it back the same way, into the live file.

PostgreSQL: ``pg_dump -Fc`` and ``pg_restore``, of the server's major version (its
``/usr/lib/postgresql/<major>/bin``, else the ones on ``PATH`` if as new). The URL's parts go
to them as libpq's ``PG*`` variables in the child's environment, the password too: never on
a command line (where ``ps`` shows it) nor in an error. A restore clears the database's own
objects first (tables, sequences, functions, text search configurations: never an
extension's), restores the dump but the extensions the database has already (PostGIS stays
the server's), in one transaction, then ANALYZEs (the planner needs statistics to use the
spatial indexes).

Either restore refuses a database that holds any rows unless ``force``, a file that is not
a backup of this backend's kind, and a backup whose migration the code does not know; the
database is left at the backup's migration (older ones are brought up by `assetmap init-db`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlean
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import URL, make_url

from assetmap.db import Backend, Database
from assetmap.errors import AssetmapError
from assetmap.models import Base
from assetmap.schema import alembic_config

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
#: libpq's variables for a URL's query options we pass on (others are refused).
_QUERY_VARIABLES = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
}


class BackupError(AssetmapError):
    """A backup or restore that cannot be done, said in one line."""

    code = "backup"


@dataclass(frozen=True)
class Restored:
    revision: str
    #: The code's newest migration: when it is not ``revision``, run `assetmap init-db`.
    newest: str

    @property
    def behind(self) -> bool:
        return self.revision != self.newest


def backup(database: Database, file: Path) -> None:
    """Write a backup of the whole database to ``file`` (replaced if it exists)."""
    file = Path(file)
    if not file.parent.is_dir():
        raise BackupError(f"{file.parent} is not a folder")
    with _beside(file) as partial:
        if database.backend is Backend.POSTGIS:
            _pg_dump(database, partial)
        else:
            _sqlite_copy(_sqlite_path(database), partial)


def restore(database: Database, file: Path, *, force: bool = False) -> Restored:
    """Replace the database's contents with the backup in ``file``."""
    file = Path(file)
    if not file.is_file():
        raise BackupError(f"{file}: no such file")
    kind = backup_kind(file)
    if kind is None:
        raise BackupError(f"{file} is not an assetmap backup (neither SQLite nor pg_dump -Fc)")
    if kind is not database.backend:
        here = _KIND_WORDS[database.backend]
        raise BackupError(f"{file} is a {_KIND_WORDS[kind]} backup; this database is {here}")
    postgres = database.backend is Backend.POSTGIS
    revision = _pg_backup_revision(database, file) if postgres else _sqlite_backup_revision(file)
    newest = _known_revision(file, revision)
    if not force and (rows := _rows_held(database)):
        raise BackupError(
            f"the database is not empty ({rows}): restoring would replace it. "
            "Use --force to replace it (take a backup of it first)."
        )
    if postgres:
        _pg_restore(database, file)
    else:
        database.dispose()  # no pooled connection keeps a page of the old file
        _sqlite_copy(file, _sqlite_path(database))
    return Restored(revision=revision, newest=newest)


_KIND_WORDS = {Backend.SPATIALITE: "SQLite", Backend.POSTGIS: "PostgreSQL"}


def backup_kind(file: Path) -> Backend | None:
    """Which backend's backup ``file`` is, from its first bytes; None if neither."""
    with open(file, "rb") as handle:
        start = handle.read(len(SQLITE_MAGIC))
    if start == SQLITE_MAGIC:
        return Backend.SPATIALITE
    if start.startswith(PGDUMP_MAGIC):
        return Backend.POSTGIS
    return None


def _known_revision(file: Path, revision: str) -> str:
    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if revision not in known:
        raise BackupError(
            f"{file} is at migration {revision!r}, which this version of assetmap does not "
            "know: restore it with the version that made it"
        )
    return script.get_current_head() or revision


def _rows_held(database: Database) -> str:
    """Which of the app's tables hold rows, in words ('' when none do)."""
    existing = set(inspect(database.engine).get_table_names())
    held = []
    with database.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if (
                table.name in existing
                and connection.execute(
                    select(func.count()).select_from(select(table).limit(1).subquery())
                ).scalar()
            ):
                held.append(table.name)
    if not held:
        return ""
    more = f" and {len(held) - 3} more tables" if len(held) > 3 else ""
    return "rows in " + ", ".join(held[:3]) + more


@contextmanager
def _beside(file: Path) -> Iterator[Path]:
    """A temporary path in ``file``'s folder, renamed to ``file`` if the block succeeds."""
    handle, name = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".partial", dir=file.parent)
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)


# ---- SQLite ----------------------------------------------------------------------------------


def _sqlite_path(database: Database) -> Path:
    path = make_url(database.config.database_url).database
    if not path or path == ":memory:":
        raise BackupError("an in-memory database cannot be backed up or restored")
    return Path(path)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy the SQLite database ``source`` into ``target`` with the online backup API: a
    consistent snapshot of ``source`` even while others write to it, and ``target``
    replaced whole (others connected to it see the new contents)."""
    if not source.is_file():
        raise BackupError(f"{source}: no such database file")
    origin = sqlean.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        destination = sqlean.connect(str(target), timeout=30)
        try:
            origin.backup(destination)  # all pages in one step: one read transaction
        except sqlean.DatabaseError as error:
            raise BackupError(f"{source}: {error}") from None
        finally:
            destination.close()
    finally:
        origin.close()


def _sqlite_backup_revision(file: Path) -> str:
    try:
        connection = sqlean.connect(f"file:{file}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlean.DatabaseError:
        row = None
    if row is None:
        raise BackupError(f"{file} is an SQLite file but not an assetmap database")
    return str(row[0])


# ---- PostgreSQL ------------------------------------------------------------------------------


def libpq_environment(url: URL, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The child's environment: ``base`` (this process's) with the URL as ``PG*`` variables."""
    environment = dict(os.environ if base is None else base)
    parts = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    for name, value in url.query.items():
        variable = _QUERY_VARIABLES.get(name)
        if variable is None:
            raise BackupError(f"the database URL's option {name!r} is not passed to pg_dump")
        parts[variable] = value if isinstance(value, str) else value[-1]
    environment.update({name: str(value) for name, value in parts.items() if value})
    return environment


def _pg_url(database: Database) -> URL:
    return make_url(database.config.database_url)


def server_major(database: Database) -> int:
    with database.engine.connect() as connection:
        number = int(connection.execute(text("SHOW server_version_num")).scalar_one())
    return number // 10000


def pg_program(name: str, major: int) -> str:
    """``pg_dump`` or ``pg_restore`` for a server of version ``major``: older ones cannot
    read a newer server."""
    own = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if own.is_file():
        return str(own)
    found = shutil.which(name)
    if found:
        version = subprocess.run([found, "--version"], capture_output=True, text=True).stdout
        match = re.search(r"(\d+)(?:\.\d+)*", version)
        if match and int(match.group(1)) >= major:
            return found
    raise BackupError(
        f"{name} for PostgreSQL {major} not found (Debian: apt install postgresql-client-{major})"
    )


def _run(program: list[str], environment: dict[str, str], what: str) -> str:
    done = subprocess.run(program, env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        detail = "; ".join(lines[:3]) or f"exit status {done.returncode}"
        raise BackupError(f"{what} failed: {detail}")
    return done.stdout


def _pg_dump(database: Database, file: Path) -> None:
    program = pg_program("pg_dump", server_major(database))
    environment = libpq_environment(_pg_url(database))
    _run([program, "--format=custom", "--no-password", f"--file={file}"], environment, "pg_dump")


def _pg_toc(database: Database, file: Path) -> str:
    program = pg_program("pg_restore", server_major(database))
    done = subprocess.run([program, "--list", str(file)], capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{file} is not a readable pg_dump -Fc archive")
    return done.stdout


def _pg_backup_revision(database: Database, file: Path) -> str:
    """The migration the backup's ``alembic_version`` row names."""
    if not re.search(r" TABLE DATA public alembic_version ", _pg_toc(database, file)):
        raise BackupError(f"{file} is a pg_dump archive but not of an assetmap database")
    program = pg_program("pg_restore", server_major(database))
    script = subprocess.run(
        [program, "--data-only", "--table=alembic_version", "--file=-", str(file)],
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"^COPY public\.alembic_version .*? FROM stdin;\n([^\n]+)\n", script, re.M)
    if match is None:
        raise BackupError(f"{file} holds no migration revision")
    return match.group(1).strip()


#: Every object of the public schema the database itself made (not an extension's), with
#: what drops it: tables and views first (their indexes, triggers and sequences go with them).
_OWN_OBJECTS = text(
    """
    SELECT 'DROP ' || CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                       WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END
           || ' IF EXISTS ' || c.oid::regclass::text || ' CASCADE'
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                        AND d.deptype = 'e')
    UNION ALL
    SELECT 'DROP FUNCTION IF EXISTS ' || p.oid::regprocedure::text || ' CASCADE'
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p', 'a', 'w')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                        AND d.deptype = 'e')
    UNION ALL
    SELECT 'DROP TEXT SEARCH CONFIGURATION IF EXISTS public.' || quote_ident(t.cfgname)
           || ' CASCADE'
    FROM pg_ts_config t JOIN pg_namespace n ON n.oid = t.cfgnamespace
    WHERE n.nspname = 'public'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_ts_config'::regclass AND d.objid = t.oid
                        AND d.deptype = 'e')
    """
)


def _pg_restore(database: Database, file: Path) -> None:
    toc = _pg_toc(database, file)
    with database.engine.connect() as connection:
        extensions = set(connection.execute(text("SELECT extname FROM pg_extension")).scalars())
    # Leave out the extensions the database has already (creating them again needs a
    # superuser, and dropping PostGIS would drop every spatial column); keep the rest.
    kept = [
        line
        for line in toc.splitlines()
        if not any(
            re.search(rf" (EXTENSION|COMMENT - EXTENSION) - {re.escape(name)} ", line)
            for name in extensions
        )
    ]
    database.dispose()
    with database.engine.begin() as connection:
        connection.execute(text("SET LOCAL lock_timeout = '10s'"))
        for statement in connection.execute(_OWN_OBJECTS).scalars().all():
            connection.execute(text(statement))
    database.dispose()
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as listing:
        listing.write("\n".join(kept) + "\n")
    try:
        program = pg_program("pg_restore", server_major(database))
        environment = libpq_environment(_pg_url(database))
        _run(
            [
                program,
                "--no-password",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--use-list={listing.name}",
                f"--dbname={_pg_url(database).database}",
                str(file),
            ],
            environment,
            "pg_restore",
        )
    finally:
        os.unlink(listing.name)
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


__all__ = ["BackupError", "Restored", "backup", "backup_kind", "libpq_environment", "restore"]
