"""The daily case-retention job: only in the leader, the count logged and nothing personal."""

from __future__ import annotations

import datetime as dt
import logging

from assetmap.jobs.scheduler import build_scheduler, leadership_lock, retention_job
from assetmap.models import Case
from tests.referrals.builders import add_case

OLD = dt.datetime.now(dt.UTC) - dt.timedelta(days=800)


def test_the_job_erases_old_cases_and_logs_the_count_only(database, caplog) -> None:
    with database.session() as session:
        old = add_case(session, last_activity=OLD, reference="SECRET-1").id
        recent = add_case(session, last_activity=dt.datetime.now(dt.UTC)).id
    leader, follower = leadership_lock(database), leadership_lock(database)
    assert leader.acquire()
    with caplog.at_level(logging.INFO, logger="assetmap.scheduler"):
        retention_job(database, database.config, follower)()
        with database.sessions() as session:
            assert session.get(Case, old).erased_at is None
        retention_job(database, database.config, leader)()
    leader.release()
    with database.sessions() as session:
        assert session.get(Case, old).erased_why == "retention"
        assert session.get(Case, recent).erased_at is None
    assert "case-retention: 1 case(s) had their personal data deleted" in caplog.text
    assert "SECRET" not in caplog.text


def test_the_scheduler_runs_retention_daily(database) -> None:
    scheduler = build_scheduler(database, database.config, leadership_lock(database))
    job = {job.id: job for job in scheduler.get_jobs()}["case-retention"]
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"], fields["day"]) == ("3", "30", "*")
