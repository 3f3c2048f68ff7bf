"""Trusted organisations: their organisers' minor edits (sessions, places, status) go live
without an admin's approval, so who made an organisation trusted, and when, is kept.

Every change of ``Organisation.trusted`` goes through ``set_trusted``, which writes a
``TrustChange`` row in the same transaction: the flag and its trail cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assetmap.errors import Forbidden
from assetmap.models import Group, Organisation, Role, TrustChange, User, utcnow


@dataclass(frozen=True)
class TrustSaved:
    #: How many of the organisations considered are trusted now.
    trusted: int
    considered: int
    #: The organisations whose trust changed, each with a row in the trail.
    changed: list[TrustChange]


def set_trusted(
    session: Session,
    admin: User,
    considered: Iterable[int],
    trusted: Iterable[int],
    *,
    now: dt.datetime | None = None,
) -> TrustSaved:
    """Make the ``considered`` organisations trusted if they are in ``trusted``, else not.

    Only those considered change (one added meanwhile by someone else stays as it is), and
    only those whose trust really changes get a line in the trail. Admins only."""
    if admin.role is not Role.ADMIN or not admin.active:
        raise Forbidden("only admins mark organisations as trusted")
    wanted, considered_ids = set(trusted), set(considered)
    moment = now or utcnow()
    who = (admin.name or admin.email)[:254]
    changed: list[TrustChange] = []
    found = session.scalars(select(Organisation).where(Organisation.id.in_(considered_ids)))
    for organisation in found:
        trust = organisation.id in wanted
        if organisation.trusted is trust:
            continue
        organisation.trusted = trust
        changed.append(
            TrustChange(
                organisation_id=organisation.id,
                trusted=trust,
                user_id=admin.id,
                user_name=who,
                changed_at=moment,
            )
        )
    session.add_all(changed)
    session.flush()
    return TrustSaved(len(wanted & considered_ids), len(considered_ids), changed)


@dataclass(frozen=True)
class OrganisationRow:
    id: int
    name: str
    trusted: bool
    groups: int
    #: The latest change of its trust, if it ever changed.
    last_change: TrustChange | None


def organisations_for_trust(session: Session) -> list[OrganisationRow]:
    """Every organisation by name, with how many groups it runs and its latest trust change."""
    counts = (
        select(Group.organisation_id, func.count().label("groups"))
        .group_by(Group.organisation_id)
        .subquery()
    )
    latest: dict[int, TrustChange] = {}
    for change in session.scalars(select(TrustChange).order_by(TrustChange.id)):
        latest[change.organisation_id] = change
    return [
        OrganisationRow(row.id, row.name, row.trusted, row.groups or 0, latest.get(row.id))
        for row in session.execute(
            select(Organisation.id, Organisation.name, Organisation.trusted, counts.c.groups)
            .outerjoin(counts, counts.c.organisation_id == Organisation.id)
            .order_by(Organisation.name)
        )
    ]


def trust_history(session: Session, organisation_id: int) -> list[TrustChange]:
    """The trail for one organisation, newest first."""
    return list(
        session.scalars(
            select(TrustChange)
            .where(TrustChange.organisation_id == organisation_id)
            .order_by(TrustChange.changed_at.desc(), TrustChange.id.desc())
        )
    )
