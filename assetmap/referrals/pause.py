"""An organiser pauses referrals when the group is overwhelmed, until a date they choose.

``Group.referrals_paused_until`` is the last day of the pause: ``refer`` refuses the group up
to and including that day and matching leaves it out with a reason; the day after, referrals
come again without anyone having to remember. People already referred are not affected.

The pause is not part of the listing contract, so it is not written to the listing's history
(``Revision`` rows are restored through the contract, which knows nothing of it), and it does
not move the listing's version: an organiser half-way through an edit can still save.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session

from assetmap.accounts.users import Permissions
from assetmap.errors import Forbidden, NotFound, ValidationError
from assetmap.models import Group, Role, User

log = logging.getLogger(__name__)


def latest_pause(today: dt.date) -> dt.date:
    """The furthest day a pause may run to: a year from today (28 February for 29th)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def pausable_group(session: Session, user: User, group_id: int) -> Group:
    """The group, if ``user`` may pause its referrals: NotFound or Forbidden otherwise."""
    group = session.get(Group, group_id)
    if group is None:
        raise NotFound("There is no such group")
    if user.role not in (Role.ORGANISER, Role.ADMIN) or not Permissions.of(session, user).may_edit(
        group
    ):
        raise Forbidden("Only the group's organisers and admins can pause its referrals")
    return group


def pause_referrals(
    session: Session, user: User, group_id: int, until: dt.date | None, today: dt.date
) -> Group:
    """Pause the group's referrals to the end of ``until`` (after today, at most a year
    ahead), or take them again with None. For the group's organisers and admins: NotFound for
    no such group, Forbidden for anyone else, ValidationError (field ``until``) for a bad
    date. Nothing is written when it raises; the caller commits."""
    group = pausable_group(session, user, group_id)
    if until is not None:
        if until <= today:
            raise ValidationError("The date must be after today", field="until")
        latest = latest_pause(today)
        if until > latest:
            raise ValidationError(
                f"The date must be at most a year ahead (by {latest:%-d %B %Y})", field="until"
            )
    group.referrals_paused_until = until
    session.flush()
    log.info(
        "referrals for group %s %s by user %s",
        group.id,
        f"paused until {until.isoformat()}" if until else "taken again",
        user.id,
    )
    return group


def paused_until(group: Group, today: dt.date) -> dt.date | None:
    """The last day of the group's pause, or None when it takes referrals today."""
    until = group.referrals_paused_until
    return until if until is not None and until >= today else None
