"""What the JSON API needs of cases beyond the pages: a page of them, and a partial change.

``case_page`` is ``cases.cases_for`` with an offset and a total; ``patch_case`` is a JSON merge
patch of a case's fields: the fields sent replace the case's own (``null`` clears one), the
result is checked as a whole by ``parse_case`` and saved by ``update_case``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from assetmap.errors import Forbidden, ValidationError
from assetmap.models import Case, Role, User
from assetmap.referrals.cases import (
    CASE_FIELDS,
    case_for,
    parse_case,
    update_case,
    works_with_cases,
)

#: The fields a case is made of, as ``parse_case`` reads them.
FIELDS = CASE_FIELDS


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    total: int


def case_page(session: Session, user: User, *, offset: int, limit: int) -> CasePage:
    """The cases ``user`` may see, most recently active first, ``limit`` from ``offset``."""
    if not works_with_cases(user):
        raise Forbidden("Only link workers and admins see cases")
    statement = select(Case).where(Case.erased_at.is_(None))
    if user.role is not Role.ADMIN:
        mine = Case.owner_id == user.id
        statement = statement.where(or_(mine, Case.team == user.team) if user.team else mine)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    cases = session.scalars(
        statement.options(selectinload(Case.referrals))
        .order_by(Case.last_activity_at.desc(), Case.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return CasePage(list(cases), total)


def check_fields(data: Mapping[str, Any]) -> None:
    """ValidationError naming the first field that is not a case's."""
    for name in data:
        if name not in FIELDS:
            raise ValidationError(
                f"a case has no field {name!r}: it has {', '.join(FIELDS)}", field=name
            )


def patch_case(
    session: Session, user: User, case_id: int, changes: Mapping[str, Any], now: dt.datetime
) -> Case:
    """Apply a merge patch to the case (NotFound for one ``user`` may not see)."""
    check_fields(changes)
    case = case_for(session, user, case_id, now, record=False)
    current: dict[str, Any] = {name: getattr(case, name) for name in FIELDS}
    merged = {**current, **changes}
    return update_case(session, user, case.id, parse_case(merged), now)
