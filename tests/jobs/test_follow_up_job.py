"""The daily follow-up job: no response after the days, follow-ups opened when due, only in
the leader, and a log line of counts with nothing personal in it."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from assetmap.accounts.users import create_user
from assetmap.config import Config
from assetmap.jobs.scheduler import FOLLOW_UP_CRON, build_scheduler, follow_up_job, leadership_lock
from assetmap.models import FollowUp, Referral
from assetmap.models import ReferralState as S
from assetmap.referrals.cases import open_case, parse_case
from assetmap.referrals.service import ReferralSettings, move_as, refer
from tests.factories import listing

SENT = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


def _two_referrals(database, add_groups) -> tuple[int, int]:
    """One referral the group accepted the next day, one never answered."""
    shed, walkers = add_groups(listing(), listing(name="Gospel Oak Walkers"))
    settings = ReferralSettings.of(Config(), "test-secret")
    with database.session() as session:
        worker = create_user(session, "sam@scheme.example", "link_worker", team="North")
        admin = create_user(session, "admin@scheme.example", "admin")
        case = open_case(
            session, worker, parse_case({"reference": "NS-0042", "initials": "J.S."}), SENT
        )
        accepted = refer(session, worker, case.id, shed, SENT, settings).referral
        unanswered = refer(session, worker, case.id, walkers, SENT, settings).referral
        move_as(session, admin, accepted.id, S.ACCEPTED, SENT + dt.timedelta(days=1))
        return accepted.id, unanswered.id


def test_the_job_marks_no_response_and_opens_follow_ups_when_due(
    database, add_groups, caplog
) -> None:
    accepted, unanswered = _two_referrals(database, add_groups)
    config = database.config
    lock = leadership_lock(database)
    try:
        _run_twice_then_again(database, config, lock, accepted, unanswered, caplog)
    finally:
        lock.release()


def _run_twice_then_again(database, config, lock, accepted, unanswered, caplog) -> None:
    moment = [SENT + dt.timedelta(days=9)]
    job = follow_up_job(database, config, lock, clock=lambda: moment[0])
    with caplog.at_level(logging.INFO, logger="assetmap.scheduler"):
        job()
        with database.session() as session:
            assert session.get(Referral, unanswered).state is S.SENT
            assert session.scalars(select(FollowUp)).all() == []
        moment[0] = SENT + dt.timedelta(days=15)  # two weeks after acceptance, and 10 days on
        job()
        job()  # a second run the same day changes nothing
    with database.session() as session:
        assert session.get(Referral, unanswered).state is S.NO_RESPONSE
        opened = session.execute(select(FollowUp.referral_id, FollowUp.weeks)).all()
        assert [tuple(row) for row in opened] == [(accepted, 2)]
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("follow-ups")]
    assert lines == [
        "follow-ups: 0 referrals marked no response, 0 follow-ups opened",
        "follow-ups: 1 referrals marked no response, 1 follow-ups opened",
        "follow-ups: 0 referrals marked no response, 0 follow-ups opened",
    ]
    assert not any("NS-0042" in line or "J.S." in line for line in caplog.messages)


def test_the_job_runs_only_in_the_leader(database, add_groups) -> None:
    _, unanswered = _two_referrals(database, add_groups)
    leader, follower = leadership_lock(database), leadership_lock(database)
    assert leader.acquire()
    try:
        later = SENT + dt.timedelta(days=30)
        follow_up_job(database, database.config, follower, clock=lambda: later)()
        with database.session() as session:
            assert session.get(Referral, unanswered).state is S.SENT
            assert session.scalars(select(FollowUp)).all() == []
    finally:
        leader.release()


def test_the_scheduler_runs_it_daily(database) -> None:
    scheduler = build_scheduler(database, database.config, leadership_lock(database))
    job = scheduler.get_job("follow-ups")
    assert job is not None
    fields = {f.name: str(f) for f in job.trigger.fields}
    minute, hour = FOLLOW_UP_CRON.split()[:2]
    assert (fields["hour"], fields["minute"], fields["day"]) == (hour, minute, "*")
