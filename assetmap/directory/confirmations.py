"""An organiser says "still running, nothing changed": the listing is verified as it stands.

No field changes, so the listing's version does not move (an edit someone has open stays
valid); only the verification history, ``last_verified_at`` and the public document do.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from assetmap.accounts.users import Permissions
from assetmap.directory.documents import refresh_documents
from assetmap.errors import Forbidden, NotFound
from assetmap.freshness.policy import settle_flags
from assetmap.models import Group, User, Verification, VerificationMethod

NOTE = "Still running, nothing changed"


def record_verification(
    session: Session,
    group: Group,
    today: dt.date,
    *,
    who: str,
    method: VerificationMethod,
    note: str,
) -> Verification:
    """The one way a successful check is written: a history row, the listing's last verified
    day and who checked, and the reports and bounces it dealt with settled. The caller
    refreshes the listing's document."""
    verification = Verification(
        group_id=group.id, verified_on=today, verified_by=who, method=method, note=note
    )
    session.add(verification)
    group.last_verified_at = today
    group.verified_by = who
    settle_flags(group, today)
    session.flush()
    return verification


def confirm_still_running(
    session: Session, user: User, group_id: int, today: dt.date
) -> Verification:
    """Record that ``user`` confirmed the group on ``today``; Forbidden unless they may edit it."""
    group = session.get(Group, group_id)
    if group is None:
        raise NotFound(f"no group has id {group_id}")
    if not Permissions.of(session, user).may_edit(group):
        raise Forbidden("you may not confirm this group")
    verification = record_verification(
        session,
        group,
        today,
        who=(user.name or user.email)[:200],
        method=VerificationMethod.ORGANISER,
        note=NOTE,
    )
    refresh_documents(session, [group.id])
    return verification


__all__ = ["confirm_still_running", "record_verification"]
