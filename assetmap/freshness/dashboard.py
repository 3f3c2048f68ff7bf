"""The staff freshness dashboard's figures: how much of the directory can be trusted, where
it cannot, and how the checking is going. Every figure is one aggregate query over live
listings (closed and paused ones are not checked, so they are not counted)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from assetmap.db import Backend, session_backend
from assetmap.freshness.scan import last_scan
from assetmap.freshness.tasks import task_counts
from assetmap.models import FreshnessScan, Group, GroupCategory, Organisation, Venue
from assetmap.verification.policy import LIVE, Freshness, FreshnessPolicy

#: Areas shown, most listings first.
AREAS_SHOWN = 20
OLDEST_SHOWN = 10


@dataclass(frozen=True)
class Shares:
    """How many live listings are in each state (very stale ones are also stale)."""

    label: str
    fresh: int
    due: int
    stale: int
    very_stale: int

    @property
    def total(self) -> int:
        return self.fresh + self.due + self.stale

    def percent(self, state: str) -> int:
        return round(100 * getattr(self, state) / self.total) if self.total else 0


@dataclass(frozen=True)
class OldListing:
    id: int
    name: str
    organisation: str | None
    postcode: str | None
    last_verified_at: dt.date | None


@dataclass
class Dashboard:
    today: dt.date
    overall: Shares
    by_category: list[Shares] = field(default_factory=list)
    by_area: list[Shares] = field(default_factory=list)
    oldest: list[OldListing] = field(default_factory=list)
    tasks: dict[str, Any] = field(default_factory=dict)
    last_scan: FreshnessScan | None = None


def _share_columns(policy: FreshnessPolicy) -> list[Any]:
    def count_of(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return [
        count_of(policy.condition(Freshness.FRESH)).label("fresh"),
        count_of(policy.condition(Freshness.DUE)).label("due"),
        count_of(policy.condition(Freshness.STALE)).label("stale"),
        count_of(policy.very_stale_condition()).label("very_stale"),
    ]


def _shares(label: str, row: Any) -> Shares:
    return Shares(label, int(row.fresh), int(row.due), int(row.stale), int(row.very_stale))


def _district(session: Session) -> Any:
    """The postcode district ("NW5" of "NW5 1AA"), in the backend's own string functions."""
    if session_backend(session) is Backend.POSTGIS:
        return func.split_part(Venue.postcode, " ", 1)
    return func.substr(Venue.postcode, 1, func.instr(Venue.postcode, " ") - 1)


def build_dashboard(session: Session, policy: FreshnessPolicy, today: dt.date) -> Dashboard:
    values = policy.parameters(today)
    live = Group.status.in_([s.value for s in LIVE])
    shares = _share_columns(policy)

    overall = session.execute(select(*shares).where(live), values).one()
    dashboard = Dashboard(today=today, overall=_shares("All live listings", overall))

    by_category = session.execute(
        select(GroupCategory.category, *shares)
        .join(Group, Group.id == GroupCategory.group_id)
        .where(live)
        .group_by(GroupCategory.category)
        .order_by(GroupCategory.category),
        values,
    ).all()
    dashboard.by_category = [_shares(row.category.value, row) for row in by_category]

    district = _district(session).label("district")
    by_area = session.execute(
        select(district, *shares)
        .join(Venue, Venue.id == Group.venue_id)
        .where(live, Venue.postcode.is_not(None))
        .group_by(district)
        .order_by(func.count().desc(), district)
        .limit(AREAS_SHOWN),
        values,
    ).all()
    dashboard.by_area = [_shares(row.district or "?", row) for row in by_area]

    oldest = session.execute(
        select(
            Group.id,
            Group.name,
            Organisation.name.label("organisation"),
            Venue.postcode,
            Group.last_verified_at,
        )
        .outerjoin(Organisation, Organisation.id == Group.organisation_id)
        .outerjoin(Venue, Venue.id == Group.venue_id)
        .where(live)
        .order_by(Group.last_verified_at.asc().nulls_first(), Group.id)
        .limit(OLDEST_SHOWN)
    ).all()
    dashboard.oldest = [OldListing(**row._mapping) for row in oldest]
    dashboard.tasks = task_counts(session, today.replace(day=1))
    dashboard.last_scan = last_scan(session)
    return dashboard


__all__ = ["Dashboard", "OldListing", "Shares", "build_dashboard"]
