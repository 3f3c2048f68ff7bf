"""A lock whose holder died (``kill -9``) is free at once on both backends: PostgreSQL ends
the advisory lock with the dead session, and SQLite's lock row names a process of this
machine that no longer exists (issue 19: scans were refused for the lease's 5 minutes)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from assetmap.cli import cli
from assetmap.freshness.service import SCAN_LOCK
from assetmap.jobs.scheduler import leadership_lock
from assetmap.locks import DatabaseLock

HOLD = textwrap.dedent(
    """
    import sys
    from assetmap.config import Config
    from assetmap.db import Database
    from assetmap.locks import DatabaseLock
    lock = DatabaseLock(Database(Config(database_url=sys.argv[1])), sys.argv[2])
    print("held" if lock.acquire() else "refused", flush=True)
    sys.stdin.read()  # hold until killed
    """
)


def _environment(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ASSETMAP_SECRET_KEY": "test-secret",
        "ASSETMAP_INSTANCE_PATH": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }


def _scheduler(url: str, tmp_path: Path) -> subprocess.Popen[str]:
    """A real `assetmap scheduler` process (its first line says whether it leads)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "assetmap.cli", "--database-url", url, "scheduler"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_environment(tmp_path),
    )
    return process


def _first_line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    return process.stdout.readline().strip()


def _kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)  # dies without letting go
    process.wait(10)


def test_a_scheduler_killed_hard_leaves_the_lead_free_at_once(database, tmp_path) -> None:
    url = database.config.database_url
    first = _scheduler(url, tmp_path)
    second = None
    try:
        assert _first_line(first) == "scheduler running, leading (Ctrl+C to stop)"
        assert not leadership_lock(database).acquire()  # alive: it keeps the lead
        _kill(first)
        # A restarted scheduler leads straight away, not after the 5-minute lease.
        second = _scheduler(url, tmp_path)
        assert _first_line(second) == "scheduler running, leading (Ctrl+C to stop)"
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                _kill(process)


def test_a_scan_lock_left_by_a_killed_process_does_not_refuse_the_next_scan(
    database, tmp_path
) -> None:
    url = database.config.database_url
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, url, SCAN_LOCK],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert _first_line(holder) == "held"
        runner = CliRunner()
        env = {"ASSETMAP_SECRET_KEY": "test-secret", "ASSETMAP_INSTANCE_PATH": str(tmp_path)}
        refused = runner.invoke(cli, ["--database-url", url, "freshness-scan"], env=env)
        assert refused.exit_code == 1
        assert "another freshness scan is running" in refused.output
        _kill(holder)
        result = runner.invoke(cli, ["--database-url", url, "freshness-scan"], env=env)
        assert result.exit_code == 0, result.output
        assert "freshness scan for" in result.output
    finally:
        if holder.poll() is None:
            _kill(holder)


@pytest.mark.only_backend("spatialite")
def test_a_live_holder_on_this_machine_or_one_elsewhere_keeps_its_row(database) -> None:
    from sqlalchemy import update

    from assetmap.models import SchedulerLock, table_of

    here = DatabaseLock(database, "job")
    assert here.acquire()
    table = table_of(SchedulerLock)
    # A process on another machine, with a pid that does not run here: only its lease frees it.
    with database.engine.begin() as connection:
        connection.execute(
            update(table).where(table.c.name == "job").values(holder="elsewhere:999999:ab")
        )
    assert not DatabaseLock(database, "job").acquire()
    # A process of this machine that runs (the test's parent, whoever owns it) keeps it.
    with database.engine.begin() as connection:
        connection.execute(
            update(table)
            .where(table.c.name == "job")
            .values(holder=f"{socket.gethostname()}:{os.getppid()}:ab")
        )
    assert not DatabaseLock(database, "job").acquire()
