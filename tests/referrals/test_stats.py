"""What link workers learn from past referrals: shown from 5 referrals up, never below."""

from __future__ import annotations

import datetime as dt

from assetmap.models import ReferralState
from assetmap.referrals.stats import group_stats
from assetmap.web.referral_places import stats_text
from tests.referrals.conftest import NOW
from tests.referrals.rows import refer

S = ReferralState
DAY = dt.timedelta(days=1)
LONG_AGO = NOW - dt.timedelta(weeks=12)


def answered(session, group_id: int, days: float, state=S.ACCEPTED, **more) -> None:
    accepted = LONG_AGO + days * DAY if state is not S.DECLINED else None
    refer(
        session,
        group_id,
        state,
        LONG_AGO,
        responded_at=LONG_AGO + days * DAY,
        accepted_at=more.pop("accepted_at", accepted),
        **more,
    )


def test_below_five_referrals_nothing_is_shown(session, two_groups) -> None:
    shed, _ = two_groups
    for days in (1, 2, 3, 4):
        answered(session, shed, days, S.STILL_GOING)
    stats = group_stats(session, [shed], NOW)[shed]
    assert stats.answered == 4
    assert stats.median_reply_days is None
    assert stats.accepted_share is None and stats.still_going_share is None
    assert not stats.shown and stats_text(stats) is None


def test_from_five_the_median_reply_and_the_shares_show(session, two_groups) -> None:
    shed, walkers = two_groups
    answered(session, shed, 1, S.STILL_GOING)
    answered(session, shed, 2, S.ATTENDED)  # attended, no end: still going at six weeks
    answered(session, shed, 3, S.STOPPED, ended_at=LONG_AGO + 60 * DAY)  # stopped after 6 weeks
    answered(session, shed, 4, S.STOPPED, ended_at=LONG_AGO + 10 * DAY)  # stopped within them
    answered(session, shed, 9, S.DECLINED)
    # Lapsed unanswered: decided (counts against acceptance) but not a reply.
    refer(session, shed, S.NO_RESPONSE, LONG_AGO)
    # Still waiting for an answer: counts for nothing yet.
    refer(session, shed, S.SENT, NOW - DAY)

    stats = group_stats(session, [shed, walkers], NOW)
    assert walkers not in stats  # no referrals at all
    shown = stats[shed]
    assert shown.answered == 5
    assert shown.median_reply_days == 3.0
    assert (shown.decided, shown.accepted, shown.accepted_share) == (6, 4, 0.667)
    # Four accepted 12 weeks ago, but only four: fewer than five, so not shown.
    assert shown.followed == 4 and shown.still_going_share is None
    assert stats_text(shown) == "Usually replies within 3 days · accepts 3 in 5 referrals"


def test_still_going_counts_only_referrals_accepted_six_weeks_ago(session, two_groups) -> None:
    shed, _ = two_groups
    for _ in range(4):
        answered(session, shed, 0.5, S.STILL_GOING)
    answered(session, shed, 0.5, S.DID_NOT_ATTEND, ended_at=LONG_AGO + 7 * DAY)
    # Accepted five weeks ago: too soon to say.
    recent = NOW - dt.timedelta(weeks=5)
    refer(session, shed, S.STILL_GOING, recent, responded_at=recent, accepted_at=recent)

    stats = group_stats(session, [shed], NOW)[shed]
    assert stats.followed == 5 and stats.still_going == 4
    assert stats.still_going_share == 0.8
    assert stats.accepted_share == 1.0
    assert stats_text(stats) == (
        "Usually replies within a day · accepts 5 in 5 referrals · 4 in 5 still going at six weeks"
    )


def test_no_groups_asked_about_means_no_query(session) -> None:
    assert group_stats(session, [], NOW) == {}
