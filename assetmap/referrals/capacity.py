"""Places that referrals take or hold, so a group's free places tell the truth.

An organiser's ``places_taken`` is their own count of the people who come; people referred
through assetmap are counted here on top of it, from the day the group accepts them until the
referral ends (did not attend, stopped, withdrawn, cancelled). A referral nobody has answered
yet holds a place until its ``held_until``; after that, or once it is on the waiting list or
declined, it holds nothing. Referrals for a person who needs more support than the group
ordinarily gives (``complex_needs``) are counted against its complex-needs places too.

Read in one grouped query for the groups a page or a match shows, never per group.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from assetmap.db import id_in
from assetmap.models import Referral, ReferralState
from assetmap.referrals.states import TAKING_A_PLACE


@dataclass(frozen=True)
class Holds:
    """What referrals take and hold at one group right now."""

    taking: int = 0  # accepted and not ended
    held: int = 0  # sent, not answered, still within the hold
    taking_complex: int = 0
    held_complex: int = 0

    @property
    def in_use(self) -> int:
        return self.taking + self.held

    @property
    def complex_in_use(self) -> int:
        return self.taking_complex + self.held_complex


NONE = Holds()


@dataclass(frozen=True)
class Places:
    """A group's places after referrals: what matching, search and pages show."""

    free: int | None  # None: the group has not said how many places it has
    held: int  # of the places not free, how many pending referrals hold
    complex_free: int | None

    @property
    def full(self) -> bool:
        return self.free == 0


def holds_for(session: Session, group_ids: Iterable[int], now: dt.datetime) -> dict[int, Holds]:
    """Each listed group's referral places (groups without any are left out: use ``NONE``)."""
    ids = sorted(set(group_ids))
    if not ids:
        return {}
    # The ids as one parameter: a match asks for two thousand, and as many bound values
    # cost more to render and plan than the query takes.
    rows = session.execute(holds_statement(id_in(session, Referral.group_id, ids), now)).all()
    return {
        int(gid or 0): Holds(int(a or 0), int(b or 0), int(c or 0), int(d or 0))
        for gid, a, b, c, d in rows
    }


def holds_statement(
    ids: list[int] | ColumnElement[bool], now: dt.datetime
) -> Select[int | None, int, int, int, int]:
    """(group_id, taking, held, taking_complex, held_complex) per group of ``ids`` with any:
    the grouped query ``holds_for`` runs, to join into another query as a subquery.
    ``ids`` may be a ready condition on ``Referral.group_id`` (``db.id_in``)."""
    taking = Referral.state.in_(TAKING_A_PLACE)
    held = and_(Referral.state == ReferralState.SENT, Referral.held_until > now)
    complex_ = Referral.complex_needs.is_(True)
    return (
        select(
            Referral.group_id,
            _count(taking).label("taking"),
            _count(held).label("held"),
            _count(and_(taking, complex_)).label("taking_complex"),
            _count(and_(held, complex_)).label("held_complex"),
        )
        .where(
            ids if isinstance(ids, ColumnElement) else Referral.group_id.in_(ids),
            or_(taking, held),
        )
        .group_by(Referral.group_id)
    )


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def places_after_referrals(
    total_places: int | None,
    places_taken: int | None,
    complex_needs_places: int | None,
    holds: Holds,
) -> Places:
    """Free places once referrals are counted (never below nought)."""
    free = None
    if total_places is not None and places_taken is not None:
        free = max(total_places - places_taken - holds.in_use, 0)
    complex_free = None
    if complex_needs_places is not None:
        complex_free = max(complex_needs_places - holds.complex_in_use, 0)
    return Places(free=free, held=holds.held, complex_free=complex_free)
