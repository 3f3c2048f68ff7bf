"""Referral rows written straight into the database, for tests of what reads them (places,
figures), without going through the state machine each time."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.orm import Session

from assetmap.models import Case, Referral, ReferralState

_numbers = itertools.count(1)


def a_case(session: Session, now: dt.datetime) -> int:
    case = Case(reference=f"T-{next(_numbers)}", team="North", last_activity_at=now)
    session.add(case)
    session.flush()
    return case.id


def refer(
    session: Session,
    group_id: int,
    state: ReferralState,
    sent_at: dt.datetime,
    *,
    case_id: int | None = None,
    hold_days: int = 5,
    **columns: Any,
) -> Referral:
    """One referral to the group in ``state``, sent at ``sent_at`` and held ``hold_days``."""
    referral = Referral(
        case_id=case_id or a_case(session, sent_at),
        group_id=group_id,
        state=state,
        sent_at=sent_at,
        held_until=sent_at + dt.timedelta(days=hold_days),
        reason_text="",
        **columns,
    )
    session.add(referral)
    session.flush()
    return referral
