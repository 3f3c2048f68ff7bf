"""Listings as search, the listing page and the API serve them: with the places referrals take.

A stored listing's ``capacity.spare_places`` is the organiser's own count (total − taken), and
the stored document is rebuilt only when the listing is written; referrals change places
without a write. So what referrals do is added when a listing is served, like freshness:

* ``capacity.spare_places`` becomes the places free once referrals are counted (accepted ones
  take a place until they end, pending ones hold one until their hold runs out), never below
  nought, and null when the organiser has not said how many places there are;
* ``capacity.places_held``: how many of the places not free pending referrals hold;
* ``referral.paused_until``: the last day (ISO) the organiser is not taking referrals, or null
  once that day is past. A paused group is still listed: people can refer themselves.

Exports (``iter_listings``) write the stored listing, without these, so an export imports as
it was; imports and edits accept both fields and ignore them.

One query per page of results, whatever its size: the groups' own counts and pause, joined to
the grouped count of their referrals (``capacity.holds_statement``). The stored Feature texts
are patched in place rather than parsed and written again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assetmap.db import Backend, id_in
from assetmap.directory.my_groups import MyGroups, my_groups
from assetmap.directory.queries import GroupPage, GroupQuery, search_groups
from assetmap.directory.reads import get_feature
from assetmap.models import Group, Referral, Status, User
from assetmap.referrals.capacity import (
    NONE,
    Holds,
    Places,
    holds_for,
    holds_statement,
    places_after_referrals,
)
from assetmap.verification.policy import Freshness, FreshnessFacts, FreshnessPolicy


@dataclass(frozen=True)
class Served:
    """What referrals change in one listing as served."""

    places: Places
    paused_until: dt.date | None  # None: not paused (or the pause is over)


def served_facts(
    session: Session, ids: Sequence[int], now: dt.datetime, today: dt.date
) -> dict[int, Served]:
    """Each listed group's places after referrals and pause, in one query."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    # Each id list is one parameter, so the statement's text is the same for every page.
    holds = holds_statement(
        id_in(session, Referral.group_id, wanted, name="held_ids"), now
    ).subquery("holds")
    rows = session.execute(
        select(
            Group.id,
            Group.total_places,
            Group.places_taken,
            Group.complex_needs_places,
            Group.referrals_paused_until,
            holds.c.taking,
            holds.c.held,
            holds.c.taking_complex,
            holds.c.held_complex,
        )
        .outerjoin(holds, holds.c.group_id == Group.id)
        .where(id_in(session, Group.id, wanted))
    ).all()
    found = {}
    for row in rows:
        counts = Holds(
            int(row.taking or 0),
            int(row.held or 0),
            int(row.taking_complex or 0),
            int(row.held_complex or 0),
        )
        paused = row.referrals_paused_until
        found[row.id] = Served(
            places_after_referrals(
                row.total_places, row.places_taken, row.complex_needs_places, counts
            ),
            paused if paused is not None and paused >= today else None,
        )
    return found


def with_referral_places(
    listing: dict[str, Any], places: Places, paused_until: dt.date | None, today: dt.date
) -> None:
    """Put what referrals change into a listing dict (the match results' listings)."""
    capacity = listing.setdefault("capacity", {})
    capacity["spare_places"] = places.free
    capacity["places_held"] = places.held
    referral = listing.setdefault("referral", {})
    shown = paused_until if paused_until is not None and paused_until >= today else None
    referral["paused_until"] = shown.isoformat() if shown else None


_ID = re.compile(r'^\{"type":"Feature","id":(\d+)')
_SPARE = re.compile(
    r'("capacity":\{"total_places":(?:null|\d+),"places_taken":(?:null|\d+),"spare_places":)'
    r"(?:null|\d+)"
)
_REFERRAL = '"referral":{'


def feature_id(feature: str) -> int:
    found = _ID.match(feature)
    if found is None:
        return int(json.loads(feature)["id"])
    return int(found.group(1))


def served_feature(feature: str, served: Served | None) -> str:
    """A stored Feature text with what referrals change, patched into the text."""
    if served is None:
        return feature
    free = "null" if served.places.free is None else str(served.places.free)
    paused = json.dumps(served.paused_until.isoformat() if served.paused_until else None)
    text, spliced = _SPARE.subn(
        lambda m: f'{m.group(1)}{free},"places_held":{served.places.held}', feature, count=1
    )
    at = text.find(_REFERRAL)
    if spliced != 1 or at < 0:  # not a document this module knows the shape of: parse it
        whole = json.loads(feature)
        with_referral_places(whole["properties"], served.places, served.paused_until, dt.date.min)
        return json.dumps(whole, ensure_ascii=False, separators=(",", ":"))
    at += len(_REFERRAL)
    return f'{text[:at]}"paused_until":{paused},{text[at:]}'


def serve(session: Session, features: list[str], now: dt.datetime, today: dt.date) -> list[str]:
    """Stored Feature texts as served (one query for them all)."""
    ids = [feature_id(feature) for feature in features]
    facts = served_facts(session, ids, now, today)
    return [served_feature(f, facts.get(i)) for f, i in zip(features, ids, strict=True)]


def search_listings(
    session: Session,
    query: GroupQuery,
    backend: Backend,
    policy: FreshnessPolicy,
    now: dt.datetime,
    count_hidden: Sequence[Status] = (),
) -> GroupPage:
    """``directory.queries.search_groups`` with the places referrals take (``now``: aware;
    its date is the search's today)."""
    today = now.date()
    page = search_groups(session, query, backend, policy, today, count_hidden)
    return replace(page, features=serve(session, page.features, now, today))


def listing_feature(
    session: Session, group_id: int, policy: FreshnessPolicy, now: dt.datetime
) -> str:
    """One group's Feature text as served, or NotFound."""
    today = now.date()
    feature = get_feature(session, group_id, policy, today)
    return serve(session, [feature], now, today)[0]


__all__ = [
    "Served",
    "feature_id",
    "listing_feature",
    "search_listings",
    "serve",
    "served_facts",
    "served_feature",
    "with_referral_places",
]


def organiser_groups(
    session: Session,
    user: User,
    now: dt.datetime,
    *,
    classify: Callable[[FreshnessFacts], Freshness],
    limit: int,
    offset: int = 0,
) -> MyGroups:
    """The organiser's dashboard (``directory.my_groups``) with each group's free places after
    referrals, and how many places referrals take and hold on top of the organiser's count."""
    found = my_groups(session, user, classify=classify, limit=limit, offset=offset)
    holds = holds_for(session, [g.id for g in found.groups], now)
    groups = []
    for group in found.groups:
        counts = holds.get(group.id, NONE)
        free = group.spare_places
        groups.append(
            replace(
                group,
                spare_places=None if free is None else max(free - counts.in_use, 0),
                places_referred=counts.taking,
                places_held=counts.held,
            )
        )
    return replace(found, groups=groups)
