"""One freshness run, as the CLI and the scheduler do it: the scan under its own lock, then
the reminder emails it queued."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assetmap.config import Config, resolve_secret
from assetmap.db import Database
from assetmap.freshness.reminders import ReminderLinks, write_reminder_emails
from assetmap.freshness.scan import ReminderPolicy, ScanReport, run_scan
from assetmap.locks import DatabaseLock
from assetmap.verification.policy import FreshnessPolicy

#: The lock a scan holds while it runs, whoever started it (scheduler or command line).
SCAN_LOCK = "freshness-scan"


class ScanRunning(Exception):
    """Another scan holds the lock: this one did nothing."""


@dataclass(frozen=True)
class FreshnessRun:
    report: ScanReport
    emails_written: int


def reminder_policy(config: Config) -> ReminderPolicy:
    return ReminderPolicy(config.freshness_reminder_days, config.freshness_reminders)


def reminder_links(config: Config) -> ReminderLinks:
    return ReminderLinks(resolve_secret(config), config.freshness_link_days)


def run_freshness(database: Database, config: Config, today: dt.date | None = None) -> FreshnessRun:
    """Scan and write reminder emails; ScanRunning if another scan is under way."""
    today = today or dt.date.today()
    lock = DatabaseLock(database, SCAN_LOCK)
    if not lock.acquire():
        raise ScanRunning("another freshness scan is running; this one did nothing")
    try:
        with database.session() as session:
            report = run_scan(
                session, FreshnessPolicy.from_config(config), reminder_policy(config), today
            )
        with database.session() as session:
            written = write_reminder_emails(
                session, reminder_links(config), config.public_url, today
            )
    finally:
        lock.release()
    return FreshnessRun(report=report, emails_written=written)


__all__ = ["SCAN_LOCK", "FreshnessRun", "ScanRunning", "run_freshness"]
