"""The freshness policy's boundaries, day by day, judged in Python (the SQL conditions are
checked against the same days in tests/freshness/test_scan.py)."""

import datetime as dt
from types import SimpleNamespace

import pytest

from assetmap.errors import ConfigError
from assetmap.verification.policy import Freshness, FreshnessPolicy, parse_category_expiry

TODAY = dt.date(2026, 11, 23)


def facts(days_ago: int | None, **more) -> SimpleNamespace:
    verified = None if days_ago is None else TODAY - dt.timedelta(days=days_ago)
    values = {"expiry_days": None, "reported_on": None, "bounced_on": None, **more}
    return SimpleNamespace(last_verified_at=verified, **values)


@pytest.mark.parametrize(
    ("days_ago", "expected"),
    [
        (0, Freshness.FRESH),
        (149, Freshness.FRESH),
        (150, Freshness.DUE),  # 30 days before the 180-day expiry
        (179, Freshness.DUE),
        (180, Freshness.STALE),
        (900, Freshness.STALE),
    ],
)
def test_freshness_boundaries(days_ago, expected):
    policy = FreshnessPolicy(expiry_days=180, due_days=30)
    assert policy.freshness_of(facts(days_ago), TODAY) is expected


def test_never_verified_is_stale_and_very_stale():
    policy = FreshnessPolicy()
    assert policy.freshness_of(facts(None), TODAY) is Freshness.STALE
    assert policy.very_stale_test(TODAY)(facts(None))


@pytest.mark.parametrize(("days_ago", "very"), [(180, False), (359, False), (360, True)])
def test_very_stale_at_twice_the_expiry(days_ago, very):
    assert FreshnessPolicy().very_stale_test(TODAY)(facts(days_ago)) is very


def test_very_stale_factor_is_configurable():
    policy = FreshnessPolicy(very_stale_factor=1.5)
    assert policy.very_stale_test(TODAY)(facts(270))
    assert not policy.very_stale_test(TODAY)(facts(269))


def test_policy_numbers_are_configurable():
    policy = FreshnessPolicy(expiry_days=90, due_days=10)
    assert policy.freshness_of(facts(79), TODAY) is Freshness.FRESH
    assert policy.freshness_of(facts(80), TODAY) is Freshness.DUE
    assert policy.freshness_of(facts(90), TODAY) is Freshness.STALE


def test_a_shorter_category_expiry_applies_to_listings_carrying_it():
    policy = FreshnessPolicy(category_expiry=(("peer_support", 90), ("practical", 120)))
    assert policy.expiry_for(["creative"]) is None
    assert policy.expiry_for(["practical", "peer_support"]) == 90
    classify = policy.classifier(TODAY)
    assert classify(facts(60, expiry_days=90)) is Freshness.DUE
    assert classify(facts(90, expiry_days=90)) is Freshness.STALE
    assert classify(facts(90)) is Freshness.FRESH  # the default 180 days
    assert policy.very_stale_test(TODAY)(facts(180, expiry_days=90))
    # A period the policy no longer has falls back to the default.
    assert classify(facts(100, expiry_days=45)) is Freshness.FRESH


@pytest.mark.parametrize("flag", ["reported_on", "bounced_on"])
def test_a_report_or_a_bounce_since_the_last_check_makes_it_due_at_once(flag):
    policy = FreshnessPolicy()
    assert policy.freshness_of(facts(10, **{flag: TODAY}), TODAY) is Freshness.DUE
    # Reported before the last verification: that check dealt with it.
    earlier = TODAY - dt.timedelta(days=20)
    assert policy.freshness_of(facts(10, **{flag: earlier}), TODAY) is Freshness.FRESH


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"due_days": 180}, "due period"),
        ({"very_stale_factor": 1.0}, "very stale"),
        ({"category_expiry": (("knitting", 90),)}, "not a category"),
        ({"category_expiry": (("social", 200),)}, "shorter than the expiry"),
        ({"category_expiry": (("social", 20),)}, "longer than the due period"),
    ],
)
def test_a_policy_that_makes_no_sense_is_refused(kwargs, words):
    with pytest.raises(ConfigError, match=words):
        FreshnessPolicy(**kwargs)


def test_category_expiry_is_read_from_text():
    assert parse_category_expiry(" peer_support=90, practical=120 ,") == (
        ("peer_support", 90),
        ("practical", 120),
    )
    with pytest.raises(ConfigError, match="peer_support"):
        parse_category_expiry("peer_support:90")
