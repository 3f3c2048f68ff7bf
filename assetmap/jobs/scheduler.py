"""`assetmap scheduler`: the background jobs, run by one leader among however many processes.

APScheduler 3 runs each job with coalescing (missed runs collapse into one), one instance at a
time and a grace period for late starts. Before acting, every job checks it still holds the
leader lock (which also renews it), so a second scheduler started by mistake, or on another
machine, only waits. Jobs: the freshness scan daily (``ASSETMAP_FRESHNESS_SCAN_CRON``, UTC),
delivering queued email every minute, and referrals' follow-up daily (``FOLLOW_UP_CRON``, UTC):
referrals unanswered for ``ASSETMAP_REFERRAL_NO_RESPONSE_DAYS`` marked no response, and the
follow-up calls due at ``ASSETMAP_REFERRAL_FOLLOW_UP_WEEKS`` opened; and case-data retention
daily at 03:30 UTC (``referrals.privacy.RETENTION_AT``); and the import feeds due, hourly
(``FEEDS_CRON``: each feed under its own lock, so a pull is never doubled).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from assetmap.config import Config
from assetmap.db import Database
from assetmap.freshness.service import ScanRunning, run_freshness
from assetmap.interop.feeds import pull_due_feeds
from assetmap.locks import DatabaseLock
from assetmap.outbox.senders import sender_for
from assetmap.outbox.services import deliver_pending
from assetmap.referrals.followups import local_date, mark_no_response, open_due_follow_ups
from assetmap.referrals.privacy import RETENTION_AT, apply_retention

log = logging.getLogger("assetmap.scheduler")

#: The lock whose holder is the one scheduler that acts.
LEADERSHIP = "scheduler"
#: Late starts within this many seconds still run (e.g. after the machine was busy).
MISFIRE_GRACE_S = 300
#: When the follow-up job runs (UTC): early, so the day's calls are listed by the morning.
FOLLOW_UP_CRON = "30 5 * * *"
#: When the import feeds due are pulled (UTC): hourly, each at its own interval.
FEEDS_CRON = "20 * * * *"


def send_email_job(database: Database, config: Config, lock: DatabaseLock) -> Callable[[], None]:
    def run() -> None:
        if not lock.acquire():
            log.info("send-email: another scheduler leads; skipped")
            return
        with database.sessions() as session:
            report = deliver_pending(session, sender_for(config))
        if report.sent or report.failed:
            log.info("send-email: sent %d, failed %d", report.sent, report.failed)

    return run


def freshness_scan_job(
    database: Database, config: Config, lock: DatabaseLock
) -> Callable[[], None]:
    def run() -> None:
        if not lock.acquire():
            log.info("freshness-scan: another scheduler leads; skipped")
            return
        try:
            result = run_freshness(database, config)
        except ScanRunning:
            log.warning("freshness-scan: a scan started elsewhere is still running; skipped")
            return
        log.info(
            "freshness-scan: %s; reminder emails written: %d",
            "; ".join(result.report.lines()),
            result.emails_written,
        )

    return run


def follow_up_job(
    database: Database,
    config: Config,
    lock: DatabaseLock,
    clock: Callable[[], dt.datetime] | None = None,
) -> Callable[[], None]:
    """Mark unanswered referrals no response, then open the follow-ups due today (UK date);
    the log line has counts only, never a case."""

    def run() -> None:
        if not lock.acquire():
            log.info("follow-ups: another scheduler leads; skipped")
            return
        now = clock() if clock is not None else dt.datetime.now(dt.UTC)
        with database.session() as session:
            unanswered = mark_no_response(session, now, config.referral_no_response_days)
            opened = open_due_follow_ups(session, local_date(now), config.follow_up_weeks)
        log.info(
            "follow-ups: %d referrals marked no response, %d follow-ups opened", unanswered, opened
        )

    return run


def retention_job(database: Database, config: Config, lock: DatabaseLock) -> Callable[[], None]:
    """Erase the personal fields of cases idle for ``case_retention_months``; logs the count
    only (never a reference)."""

    def run() -> None:
        if not lock.acquire():
            log.info("case-retention: another scheduler leads; skipped")
            return
        with database.session() as session:
            erased = apply_retention(session, dt.datetime.now(dt.UTC), config.case_retention_months)
        log.info("case-retention: %d case(s) had their personal data deleted", erased)

    return run


def import_feeds_job(
    database: Database,
    config: Config,
    lock: DatabaseLock,
    clock: Callable[[], dt.datetime] | None = None,
) -> Callable[[], None]:
    """Pull the import feeds that are due; the log line has counts, each failure is kept on
    its feed for the admin page."""

    def run() -> None:
        if not lock.acquire():
            log.info("import-feeds: another scheduler leads; skipped")
            return
        now = clock() if clock is not None else dt.datetime.now(dt.UTC)
        results = pull_due_feeds(database, now)
        failed = sum(1 for result in results if not result.ok)
        if results:
            log.info("import-feeds: %d feed(s) pulled, %d failed", len(results), failed)

    return run


def leadership_lock(database: Database) -> DatabaseLock:
    return DatabaseLock(database, LEADERSHIP)


def build_scheduler(database: Database, config: Config, lock: DatabaseLock) -> BlockingScheduler:
    scheduler = BlockingScheduler(
        timezone="UTC",
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_S,
        },
    )
    scheduler.add_job(
        freshness_scan_job(database, config, lock),
        CronTrigger.from_crontab(config.freshness_scan_cron, timezone="UTC"),
        id="freshness-scan",
        name="freshness scan",
    )
    scheduler.add_job(
        retention_job(database, config, lock),
        CronTrigger(hour=RETENTION_AT.hour, minute=RETENTION_AT.minute, timezone="UTC"),
        id="case-retention",
        name="case data retention",
    )
    scheduler.add_job(
        send_email_job(database, config, lock),
        IntervalTrigger(minutes=1),
        id="send-email",
        name="deliver queued email",
    )
    scheduler.add_job(
        follow_up_job(database, config, lock),
        CronTrigger.from_crontab(FOLLOW_UP_CRON, timezone="UTC"),
        id="follow-ups",
        name="referrals: no response and follow-ups due",
    )
    scheduler.add_job(
        import_feeds_job(database, config, lock),
        CronTrigger.from_crontab(FEEDS_CRON, timezone="UTC"),
        id="import-feeds",
        name="pull the import feeds due",
    )
    return scheduler
