"""One freshness scan at a time, across processes, on both backends; and `assetmap
freshness-scan`, which runs one and prints what it did."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import textwrap

import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import func, select

from assetmap.cli import cli
from assetmap.freshness.service import SCAN_LOCK, ScanRunning, run_freshness
from assetmap.jobs.scheduler import leadership_lock
from assetmap.locks import DatabaseLock
from assetmap.models import FreshnessReminder, Group, OutboxMessage, VerificationTask
from tests.factories import listing

DAY = dt.date(2026, 3, 2)

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


def verified(days_ago: int) -> str:
    return (DAY - dt.timedelta(days=days_ago)).isoformat()


def directory(add_groups) -> None:
    """Two listings due for a check: one organiser to remind, one for link workers."""
    add_groups(
        listing("Choir", last_verified_at=verified(170), categories=["peer_support"]),
        listing("Shed", last_verified_at=verified(400), contact={"email": None}),
        listing("Walk", last_verified_at=verified(10)),
    )


def written(database) -> dict[str, int]:
    """How many rows the scan writes to, and how many listings have an expiry written."""
    with database.sessions() as session:
        counts = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (VerificationTask, FreshnessReminder, OutboxMessage)
        }
        counts["expiry written"] = session.scalar(
            select(func.count()).where(Group.expiry_days.is_not(None))
        )
    return counts


NOTHING = {"verification_tasks": 0, "freshness_reminders": 0, "outbox": 0, "expiry written": 0}


@pytest.fixture
def scan_config(database):
    return database.config.with_overrides({"freshness_category_expiry": "peer_support=90"})


@pytest.fixture
def holder(database):
    """Another process holding the scan's lock until killed (without letting go)."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, database.config.database_url, SCAN_LOCK],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "held"
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def test_a_scan_running_in_another_process_stops_a_second_one(
    database, add_groups, scan_config, holder
) -> None:
    directory(add_groups)

    with pytest.raises(ScanRunning):
        run_freshness(database, scan_config, DAY)

    assert written(database) == NOTHING


def test_the_scan_runs_once_the_other_process_is_gone(
    database, add_groups, scan_config, holder
) -> None:
    directory(add_groups)
    holder.send_signal(signal.SIGKILL)  # dies without letting go
    holder.wait(10)
    # The server frees an advisory lock with the dead session; SQLite's lock row names a
    # process of this machine that no longer exists: both at once, not after the lease.
    run = run_freshness(database, scan_config, DAY)

    assert (run.report.tasks_opened, run.emails_written, run.report.expiry_updated) == (2, 1, 1)
    assert written(database) == {
        "verification_tasks": 2,
        "freshness_reminders": 1,
        "outbox": 1,
        "expiry written": 1,
    }


def test_a_scan_lets_go_of_its_lock_when_done(database, add_groups, scan_config) -> None:
    directory(add_groups)
    run_freshness(database, scan_config, DAY)
    assert run_freshness(database, scan_config, DAY).report.changed == 0
    other = DatabaseLock(database, SCAN_LOCK)
    assert other.acquire()
    other.release()


def test_the_scan_lock_is_not_the_schedulers(database, add_groups, scan_config) -> None:
    directory(add_groups)
    scheduler = leadership_lock(database)  # the scheduler leads, and runs the scan under it
    assert scheduler.acquire()
    try:
        assert run_freshness(database, scan_config, DAY).report.tasks_opened == 2
    finally:
        scheduler.release()


# ---- the command ---------------------------------------------------------------------------


@pytest.fixture
def run(database, tmp_path):
    runner = CliRunner()
    env = {
        "ASSETMAP_SECRET_KEY": "test-secret",
        "ASSETMAP_INSTANCE_PATH": str(tmp_path),
        "ASSETMAP_FRESHNESS_CATEGORY_EXPIRY": "",
    }

    def invoke(*args: str):
        return runner.invoke(cli, ["--database-url", database.config.database_url, *args], env=env)

    return invoke


def test_the_command_prints_counts_and_a_second_run_opens_nothing(run, add_groups) -> None:
    directory(add_groups)
    with time_machine.travel(dt.datetime(2026, 3, 2, 2, 30, tzinfo=dt.UTC), tick=False):
        first = run("freshness-scan")
        second = run("freshness-scan")

    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [
        "freshness scan for 2 March 2026",
        "  listings: 3 live — 1 fresh, 1 due, 1 stale (1 very stale)",
        "  expiry periods rewritten: 0",
        "  tasks opened: 2, closed (no longer needed): 0",
        "  handed to link workers: 0",
        "  reminders queued: 1 (1 #1)",
        "  reminder emails written: 1",
    ]
    assert second.exit_code == 0, second.output
    assert "  tasks opened: 0, closed (no longer needed): 0" in second.output.splitlines()
    assert "  reminders queued: 0" in second.output.splitlines()
    assert "  reminder emails written: 0" in second.output.splitlines()


def test_the_command_scans_as_of_a_given_day(run, add_groups) -> None:
    directory(add_groups)
    result = run("freshness-scan", "--date", "2026-03-22")  # "Walk" is still fresh then
    assert result.exit_code == 0, result.output
    assert "freshness scan for 22 March 2026" in result.output
    assert "  listings: 3 live — 1 fresh, 0 due, 2 stale (1 very stale)" in result.output


def test_the_command_refuses_while_another_scan_runs(run, database, add_groups, holder) -> None:
    directory(add_groups)
    result = run("freshness-scan", "--date", "2026-03-02")
    assert result.exit_code == 1
    assert "another freshness scan is running; this one did nothing" in result.output
    assert "Traceback" not in result.output
    assert written(database) == NOTHING
