"""The hourly import-feeds job: only in the leader, the due feeds pulled once, counts logged."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select

from assetmap.interop.feeds import add_feed, get_feed
from assetmap.jobs.scheduler import build_scheduler, import_feeds_job, leadership_lock
from assetmap.models import Group
from tests.factories import listing
from tests.interop.feed_server import feed_server

NOW = dt.datetime(2026, 12, 1, 6, 20, tzinfo=dt.UTC)


def test_the_job_pulls_due_feeds_in_the_leader_only(database, caplog) -> None:
    with feed_server() as server:
        url = server.serve_json(
            "/groups.json", [listing("Knit and Natter", external_id="k-1", at="NW5 1AA")]
        )
        broken = server.serve("/broken.json", "", 503)
        with database.session() as session:
            add_feed(session, "Council", url, every_hours=6)
            add_feed(session, "Broken", broken)
        leader, follower = leadership_lock(database), leadership_lock(database)
        assert leader.acquire()
        clock = iter([NOW, NOW + dt.timedelta(hours=1), NOW + dt.timedelta(hours=6)])
        try:
            with caplog.at_level(logging.INFO, logger="assetmap.scheduler"):
                import_feeds_job(database, database.config, follower, lambda: NOW)()
                assert server.requests == []  # the follower does nothing
                job = import_feeds_job(database, database.config, leader, lambda: next(clock))
                job()  # both due: never pulled
                job()  # an hour on: neither due
                job()  # six hours on: the council's feed again
        finally:
            leader.release()
        assert [path for path, _ in server.requests].count("/groups.json") == 2
        assert [path for path, _ in server.requests].count("/broken.json") == 1
    assert "import-feeds: 2 feed(s) pulled, 1 failed" in caplog.text
    assert "import-feeds: 1 feed(s) pulled, 0 failed" in caplog.text
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Group)) == 1
        council = get_feed(session, "Council")
        assert council.last_success_at == NOW + dt.timedelta(hours=6)
        assert council.rows_unchanged == 1
        broken_feed = get_feed(session, "Broken")
        assert broken_feed.last_error == "the server answered 503 Service Unavailable"


def test_the_scheduler_pulls_feeds_hourly(database) -> None:
    scheduler = build_scheduler(database, database.config, leadership_lock(database))
    job = {job.id: job for job in scheduler.get_jobs()}["import-feeds"]
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("*", "20")
