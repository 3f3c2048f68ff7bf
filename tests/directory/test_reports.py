"""Report a problem: stored, anonymous, rate-limited, and the listing is due for a check."""

import datetime as dt
import json

import pytest

from assetmap.directory.reads import get_feature
from assetmap.directory.reports import REPORTS_PER_SENDER_PER_HOUR, report_problem
from assetmap.errors import NotFound, TooManyRequests, ValidationError
from assetmap.models import ProblemReport
from assetmap.verification.policy import FreshnessPolicy
from tests.factories import TODAY, listing

NOW = dt.datetime.combine(TODAY, dt.time(10, 0), tzinfo=dt.UTC)


def freshness(database, group_id):
    with database.session() as session:
        feature = json.loads(get_feature(session, group_id, FreshnessPolicy(), TODAY))
    return feature["properties"]["freshness"]


def report(database, group_id, kind="phone", details="", sender="s1", now=NOW):
    with database.session() as session:
        return report_problem(session, group_id, kind, details, sender, now).id


def test_a_report_makes_a_fresh_listing_due_until_it_is_verified_again(database, add_groups):
    (group_id,) = add_groups(listing("Choir", external_id="c"))
    assert freshness(database, group_id) == "fresh"
    report(database, group_id, details="number not recognised")
    assert freshness(database, group_id) == "due"
    with database.session() as session:
        stored = session.query(ProblemReport).one()
        assert (stored.kind.value, stored.details) == ("phone", "number not recognised")
        assert stored.sender_hash == "s1"  # only the caller's stand-in: no address kept
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    add_groups(listing("Choir", external_id="c", last_verified_at=tomorrow))
    assert freshness(database, group_id) == "fresh"


def test_reports_are_rate_limited_per_sender(database, add_groups):
    (group_id,) = add_groups(listing("Choir"))
    for _ in range(REPORTS_PER_SENDER_PER_HOUR):
        report(database, group_id)
    with pytest.raises(TooManyRequests):
        report(database, group_id)
    report(database, group_id, sender="someone else")
    report(database, group_id, now=NOW + dt.timedelta(hours=2))


@pytest.mark.parametrize(
    ("kind", "details", "field"),
    [
        ("", "", "kind"),
        ("broken", "", "kind"),
        ("other", "  ", "details"),
        ("phone", "x" * 1001, "details"),
    ],
)
def test_bad_reports_name_the_field_and_store_nothing(database, add_groups, kind, details, field):
    (group_id,) = add_groups(listing("Choir"))
    with pytest.raises(ValidationError) as raised:
        report(database, group_id, kind=kind, details=details)
    assert raised.value.field == field
    assert freshness(database, group_id) == "fresh"


def test_a_report_on_a_missing_group_is_not_found(database):
    with pytest.raises(NotFound):
        report(database, 4242)
