import datetime as dt

import pytest

from assetmap.freshness.policy import Freshness, FreshnessPolicy

TODAY = dt.date(2026, 11, 23)


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
    assert policy.freshness_of(TODAY - dt.timedelta(days=days_ago), TODAY) is expected


def test_never_verified_is_stale():
    assert FreshnessPolicy().freshness_of(None, TODAY) is Freshness.STALE


def test_policy_numbers_are_configurable():
    policy = FreshnessPolicy(expiry_days=90, due_days=10)
    assert policy.freshness_of(TODAY - dt.timedelta(days=85), TODAY) is Freshness.DUE
    assert policy.freshness_of(TODAY - dt.timedelta(days=90), TODAY) is Freshness.STALE
