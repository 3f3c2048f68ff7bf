"""`assetmap backup` and `assetmap restore`: a round trip on each backend gives back every
table's rows, the spatial columns and their indexes, the text index and the migration."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from assetmap.cli import cli
from assetmap.db import Backend
from assetmap.models import Base
from tests.ops.databases import fingerprint, fresh_database


@pytest.fixture
def run(tmp_path):
    runner = CliRunner()
    env = {"ASSETMAP_SECRET_KEY": "test-secret", "ASSETMAP_INSTANCE_PATH": str(tmp_path)}

    def invoke(database, *args: str):
        url = database.config.database_url
        return runner.invoke(cli, ["--database-url", url, *args], env=env)

    return invoke


def _ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_a_backup_restores_every_table_as_it_was(run, database, tmp_path) -> None:
    file = tmp_path / "assetmap.backup"
    with fresh_database(database, tmp_path) as live:
        _ok(run(live, "seed"))
        _ok(
            run(
                live,
                "create-user",
                "jo@example.org",
                "--role",
                "admin",
                "--password",
                "a-long-pass-1",
            )
        )
        _ok(run(live, "create-token", "jo@example.org", "--name", "sync"))
        before = fingerprint(live)
        assert before["groups"][0] > 200 and before["users"][0] == 1
        assert all(before[t.name][0] >= 0 for t in Base.metadata.sorted_tables)
        # The text index and the spatial index are in the comparison, with rows.
        postgres = database.backend is Backend.POSTGIS
        for table in ("group_words", "search_words") if postgres else ("group_text_idx",):
            assert before[table][0] > 0, table
        if not postgres:
            assert before["idx_venues_location_rowid"][0] > 0
            assert before["spatial_ref_sys"][0] > 0

        assert "backed up" in _ok(run(live, "backup", str(file)))

        with live.engine.begin() as connection:  # a mistake to recover from
            connection.execute(text("DELETE FROM groups"))
            connection.execute(text("DELETE FROM api_tokens"))
        assert fingerprint(live) != before

        refused = run(live, "restore", str(file))
        assert refused.exit_code == 1
        assert "the database is not empty" in refused.output and "--force" in refused.output
        assert "Traceback" not in refused.output

        restored = _ok(run(live, "restore", str(file), "--force"))
        assert "restored" in restored and "init-db" not in restored
        assert fingerprint(live) == before

        # Into a database just made by init-db (empty): no --force needed.
        with fresh_database(database, tmp_path) as other:
            _ok(run(other, "restore", str(file)))
            assert fingerprint(other) == before
            if postgres:
                with other.engine.connect() as connection:
                    gist = connection.execute(
                        text(
                            "SELECT count(*) FROM pg_indexes WHERE tablename = 'venues'"
                            " AND indexdef LIKE '%USING gist (location)%'"
                        )
                    ).scalar()
                    assert gist == 1
                    near = connection.execute(
                        text(
                            "SELECT count(*) FROM venues WHERE ST_DWithin(location::geography,"
                            " ST_MakePoint(-0.1426, 51.5390)::geography, 2000)"
                        )
                    ).scalar()
                assert near and near > 0  # PostGIS answers on the restored columns


def test_restore_refuses_a_file_that_is_not_a_backup(run, database, tmp_path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    result = run(database, "restore", str(junk))
    assert result.exit_code == 1
    assert "is not an assetmap backup" in result.output
    assert "Traceback" not in result.output
