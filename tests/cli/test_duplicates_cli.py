"""`assetmap find-duplicates`: every listing looked through, pairs queued, none merged."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from assetmap.cli import cli
from assetmap.models import DuplicatePair, DuplicateStatus, Group
from tests.interop.dupes_data import records


@pytest.fixture
def run(database):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--database-url", database.config.database_url, *args])

    return invoke


def test_find_duplicates_queues_pairs_and_merges_nothing(run, database, add_groups) -> None:
    # Loaded without an import's own check, as listings entered before it existed.
    add_groups(*(r["listing"] for r in records()))
    first = run("find-duplicates")
    assert first.exit_code == 0, first.output
    assert "8 new pair(s) queued, 0 open pair(s) refreshed" in first.stdout
    again = run("find-duplicates")
    assert "0 new pair(s) queued, 8 open pair(s) refreshed" in again.stdout
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Group)) == len(records())
        statuses = set(session.scalars(select(DuplicatePair.status)))
    assert statuses == {DuplicateStatus.OPEN}
