"""Listings as served: the stored text patched with places after referrals and the pause."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from assetmap.models import Group, ReferralState
from assetmap.referrals.capacity import Places
from assetmap.referrals.listings import Served, feature_id, served_facts, served_feature
from tests.referrals.conftest import NOW
from tests.referrals.rows import refer


def stored(session, group_id: int) -> str:
    return session.scalar(select(Group.document).where(Group.id == group_id))


def test_the_patched_text_is_the_listing_with_referrals_added(session, two_groups) -> None:
    _, walkers = two_groups
    document = stored(session, walkers)
    served = Served(Places(free=1, held=1, complex_free=1), dt.date(2026, 12, 14))
    text = served_feature(document, served)
    listing = json.loads(text)["properties"]
    original = json.loads(document)["properties"]
    assert listing["capacity"] == {**original["capacity"], "spare_places": 1, "places_held": 1}
    assert listing["referral"] == {**original["referral"], "paused_until": "2026-12-14"}
    assert {k: v for k, v in listing.items() if k not in ("capacity", "referral")} == {
        k: v for k, v in original.items() if k not in ("capacity", "referral")
    }
    assert feature_id(text) == walkers


def test_a_document_of_another_shape_is_parsed_instead(session, two_groups) -> None:
    _, walkers = two_groups
    reordered = json.loads(stored(session, walkers))
    capacity = reordered["properties"]["capacity"]
    reordered["properties"]["capacity"] = dict(reversed(list(capacity.items())))
    served = Served(Places(free=None, held=0, complex_free=None), None)
    listing = json.loads(served_feature(json.dumps(reordered), served))["properties"]
    assert listing["capacity"]["spare_places"] is None
    assert listing["capacity"]["places_held"] == 0
    assert listing["referral"]["paused_until"] is None


def test_facts_for_a_page_come_in_one_query(session, two_groups) -> None:
    shed, walkers = two_groups
    refer(session, walkers, ReferralState.SENT, NOW)
    refer(session, walkers, ReferralState.ACCEPTED, NOW, complex_needs=True)
    session.get(Group, shed).referrals_paused_until = NOW.date()
    facts = served_facts(session, [shed, walkers], NOW, NOW.date())
    assert facts[walkers].places == Places(free=0, held=1, complex_free=0)
    assert facts[shed].paused_until == NOW.date()
    assert (
        served_facts(session, [shed], NOW, NOW.date() + dt.timedelta(days=1))[shed].paused_until
        is None
    )
