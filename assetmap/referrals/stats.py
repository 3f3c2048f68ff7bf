"""What link workers learn from past referrals: how fast a group replies, how many it takes in,
and how many people are still going six weeks on.

Per group, from every referral made to it:

* **Reply time**: the median of days from ``sent_at`` to the organiser's first answer
  (``responded_at``: accepted, waiting list or declined), over the referrals it has answered.
* **Share accepted**: of the referrals the group has *decided* (answered, or left to lapse as
  ``no_response``), those it accepted (``accepted_at`` set, whatever happened next).
* **Still going at six weeks**: of the referrals accepted at least six weeks (42 days) before
  ``now``, those where the person was still going six weeks after acceptance: the state is
  ``attended``, ``still_going`` or ``stopped``, and the referral has no end (``ended_at``)
  earlier than six weeks after ``accepted_at``. An accepted referral nobody has followed up
  (still ``accepted``), one that did not attend, was withdrawn or cancelled, or one that
  stopped within the six weeks counts against it.

Each figure is given only when it rests on at least ``MIN_REFERRALS`` (5) referrals; below
that it is None, so a page says nothing rather than "0 %" from two referrals.

One query reads the few columns of every referral of the groups asked about; the figures are
worked out here because a median has no portable SQL (SQLite has no percentile function).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from assetmap.models import Referral, ReferralState

S = ReferralState
#: A figure is shown only from this many referrals up.
MIN_REFERRALS = 5
SIX_WEEKS = dt.timedelta(weeks=6)
#: States of a referral whose person went to the group at least once.
_WENT = frozenset({S.ATTENDED, S.STILL_GOING, S.STOPPED})
#: (state, sent, responded, accepted, ended) of one referral.
_Row = tuple[ReferralState, dt.datetime, dt.datetime | None, dt.datetime | None, dt.datetime | None]


@dataclass(frozen=True)
class GroupStats:
    """One group's figures; a figure resting on fewer than 5 referrals is None."""

    answered: int  # referrals the group answered
    decided: int  # answered, or lapsed without an answer
    accepted: int  # of those decided, accepted
    followed: int  # accepted at least six weeks ago
    still_going: int  # of those, still going at six weeks
    median_reply_days: float | None
    accepted_share: float | None
    still_going_share: float | None

    @property
    def shown(self) -> bool:
        """Whether any figure is known well enough to show."""
        return any(
            value is not None
            for value in (self.median_reply_days, self.accepted_share, self.still_going_share)
        )


def group_stats(
    session: Session, group_ids: Iterable[int], now: dt.datetime
) -> dict[int, GroupStats]:
    """The figures of each listed group that has had a referral (others are left out)."""
    ids = sorted(set(group_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(
            Referral.group_id,
            Referral.state,
            Referral.sent_at,
            Referral.responded_at,
            Referral.accepted_at,
            Referral.ended_at,
        ).where(Referral.group_id.in_(ids))
    ).all()
    by_group: dict[int, list[_Row]] = defaultdict(list)
    for group_id, state, sent, responded, accepted, ended in rows:
        by_group[int(group_id or 0)].append((state, sent, responded, accepted, ended))
    return {group_id: _figures(found, now) for group_id, found in by_group.items()}


def _figures(referrals: list[_Row], now: dt.datetime) -> GroupStats:
    replies = [
        (responded - sent).total_seconds() / 86400
        for _, sent, responded, _, _ in referrals
        if responded is not None
    ]
    decided = [
        accepted is not None
        for state, _, responded, accepted, _ in referrals
        if responded is not None or state is S.NO_RESPONSE
    ]
    followed = [
        state in _WENT and (ended is None or ended >= accepted + SIX_WEEKS)
        for state, _, _, accepted, ended in referrals
        if accepted is not None and accepted <= now - SIX_WEEKS
    ]
    return GroupStats(
        answered=len(replies),
        decided=len(decided),
        accepted=sum(decided),
        followed=len(followed),
        still_going=sum(followed),
        median_reply_days=(
            round(statistics.median(replies), 2) if len(replies) >= MIN_REFERRALS else None
        ),
        accepted_share=_share(decided),
        still_going_share=_share(followed),
    )


def _share(outcomes: list[bool]) -> float | None:
    if len(outcomes) < MIN_REFERRALS:
        return None
    return round(sum(outcomes) / len(outcomes), 3)


__all__ = ["MIN_REFERRALS", "SIX_WEEKS", "GroupStats", "group_stats"]
