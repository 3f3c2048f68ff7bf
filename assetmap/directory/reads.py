"""Reads of listings that are not a search: one listing's document, every listing for an
export, and small lookups (names by id, the interests groups offer most)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assetmap.directory.contract import MAX_ID
from assetmap.directory.documents import feature_text
from assetmap.errors import NotFound
from assetmap.models import Group, GroupInterest, Status
from assetmap.verification.policy import FACT_COLUMNS, FreshnessPolicy


def get_feature(session: Session, group_id: int, policy: FreshnessPolicy, today: dt.date) -> str:
    """One group's GeoJSON Feature text, or NotFound."""
    if not 1 <= group_id <= MAX_ID:
        raise NotFound(f"there is no group {group_id}", field="id")
    row = session.execute(select(Group.document, *FACT_COLUMNS).where(Group.id == group_id)).first()
    if row is None:
        raise NotFound(f"there is no group {group_id}", field="id")
    return feature_text(
        row.document,
        policy.freshness_of(row, today),
        very_stale=policy.very_stale_test(today)(row),
    )


def iter_listings(
    session: Session, policy: FreshnessPolicy, today: dt.date, batch: int = 1000
) -> Iterable[dict[str, Any]]:
    """Every listing, closed ones included, in id order: what an export writes."""
    classify = policy.classifier(today)
    last_id = 0
    while True:
        rows = session.execute(
            select(Group.id, Group.document, *FACT_COLUMNS)
            .where(Group.id > last_id)
            .order_by(Group.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            text = feature_text(row.document, classify(row))
            yield json.loads(text)["properties"]
        last_id = rows[-1].id


def common_interests(session: Session, limit: int) -> list[str]:
    """The interests most groups that have not closed offer, most common first (ties by name):
    suggestions for a box where a link worker types what a person enjoys."""
    count = func.count(GroupInterest.group_id)
    rows = session.execute(
        select(GroupInterest.interest)
        .join(Group, Group.id == GroupInterest.group_id)
        .where(Group.status != Status.CLOSED)
        .group_by(GroupInterest.interest)
        .order_by(count.desc(), GroupInterest.interest)
        .limit(limit)
    )
    return [interest for (interest,) in rows]


def group_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """The names of those of ``ids`` that are listed, by id (closed groups included)."""
    if not ids:
        return {}
    rows = session.execute(select(Group.id, Group.name).where(Group.id.in_(list(ids))))
    return {group_id: name for group_id, name in rows}
