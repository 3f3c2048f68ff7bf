"""One scheduler at a time: the leader lock across sessions and processes, on both backends."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import textwrap

from sqlalchemy import select

from assetmap.config import Config
from assetmap.jobs.scheduler import build_scheduler, leadership_lock, send_email_job
from assetmap.locks import LEASE
from assetmap.models import OutboxMessage
from assetmap.outbox.services import queue_email

HOLD = textwrap.dedent(
    """
    import sys
    from assetmap.config import Config
    from assetmap.db import Database
    from assetmap.locks import DatabaseLock
    lock = DatabaseLock(Database(Config(database_url=sys.argv[1])), "scheduler")
    print("held" if lock.acquire() else "refused", flush=True)
    sys.stdin.read()  # hold until killed
    """
)


def test_a_second_scheduler_waits_until_the_first_lets_go(database) -> None:
    first, second = leadership_lock(database), leadership_lock(database)
    assert first.acquire()
    assert first.acquire()  # renewing is still leading
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_a_leader_in_another_process_keeps_the_lead_until_it_dies(database) -> None:
    url = database.config.database_url
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        here = leadership_lock(database)
        assert not here.acquire()
        holder.send_signal(signal.SIGKILL)  # dies without letting go
        holder.wait(10)
        later = dt.datetime.now(dt.UTC) + LEASE + dt.timedelta(seconds=1)
        # PostgreSQL frees the advisory lock with the dead session at once; on SQLite the
        # dead leader's row is taken over once its lease has run out.
        assert here.acquire(now=later)
        here.release()
    finally:
        if holder.poll() is None:
            holder.kill()


def test_jobs_run_only_in_the_leader(database, tmp_path) -> None:
    config = Config(database_url=database.config.database_url, outbox_dir=str(tmp_path))
    with database.session() as session:
        queue_email(session, "jo@example.org", "Hello", "Body")
    leader, follower = leadership_lock(database), leadership_lock(database)
    assert leader.acquire()
    send_email_job(database, config, follower)()
    with database.session() as session:
        assert session.scalar(select(OutboxMessage.sent_at)) is None
    send_email_job(database, config, leader)()
    with database.session() as session:
        assert session.scalar(select(OutboxMessage.sent_at)) is not None
    assert len(list(tmp_path.glob("*.eml"))) == 1
    leader.release()


def test_the_scheduler_scans_daily_and_sends_email_every_minute(database) -> None:
    config = database.config.with_overrides({"freshness_scan_cron": "15 3 * * *"})
    scheduler = build_scheduler(database, config, leadership_lock(database))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert {"freshness-scan", "send-email"} <= set(jobs)
    assert jobs["send-email"].trigger.interval == dt.timedelta(minutes=1)
    fields = {f.name: str(f) for f in jobs["freshness-scan"].trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("3", "15")
