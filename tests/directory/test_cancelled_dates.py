"""'Cancelled this week': the listing's cancelled dates, validated, and skipped as next."""

import datetime as dt
import json

import pytest

from assetmap.directory.contract import parse_listing
from assetmap.directory.queries import GroupQuery, search_groups
from assetmap.directory.sessions import cancelled_soon, next_session, on_within, upcoming_dates
from assetmap.verification.policy import FreshnessPolicy
from tests.factories import listing

#: Monday 30 November 2026, 12:00 in London; the factory's group meets on Tuesdays at 10:00.
NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
WEEKLY = [{"day": "tue", "start": "10:00", "frequency": "weekly"}]


def test_cancelled_dates_are_read_sorted_and_kept():
    parsed, found = parse_listing(listing(cancelled_dates=["2026-12-15", "2026-12-08"]))
    assert found == []
    assert parsed is not None
    assert parsed.cancelled_dates == [dt.date(2026, 12, 15), dt.date(2026, 12, 8)]


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        (["8 December"], "cancelled_dates[0]", "must be a date like 2026-09-01"),
        (["2026-02-30"], "cancelled_dates[0]", "must be a date like 2026-09-01"),
        (
            ["2026-12-08", "2026-12-09"],
            "cancelled_dates[1]",
            "must be a day the group meets: Tuesday",
        ),
        ("2026-12-08", "cancelled_dates", "must be a list"),
        (
            [f"2027-{m:02d}-05" for m in range(1, 13)] * 3,
            "cancelled_dates",
            "must have at most 26 entries",
        ),
    ],
)
def test_bad_cancelled_dates_are_named_by_their_field(dates, field, message):
    parsed, found = parse_listing(listing(cancelled_dates=dates))
    assert parsed is None
    assert dict(found)[field].startswith(message)


def test_a_cancelled_date_needs_a_schedule_to_fall_on():
    parsed, found = parse_listing(listing(schedule=[], cancelled_dates=["2026-12-08"]))
    assert parsed is None
    assert dict(found) == {"cancelled_dates[0]": "can only be given with the days the group meets"}


def test_the_next_session_skips_a_cancelled_date():
    assert next_session(WEEKLY, NOON).starts.date() == dt.date(2026, 12, 1)
    found = next_session(WEEKLY, NOON, ["2026-12-01", "2026-12-08"])
    assert found is not None and found.starts.date() == dt.date(2026, 12, 15)


def test_a_fortnightly_anchored_session_skips_to_the_one_after():
    schedule = [
        {"day": "tue", "start": "10:00", "frequency": "fortnightly", "from_date": "2026-12-01"}
    ]
    found = next_session(schedule, NOON, ["2026-12-01"])
    assert found is not None and found.starts.date() == dt.date(2026, 12, 15)


def test_upcoming_dates_and_cancellations_soon_with_the_date_it_meets_again():
    assert upcoming_dates(WEEKLY, NOON, 3) == [
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 8),
        dt.date(2026, 12, 15),
    ]
    soon = cancelled_soon(WEEKLY, ["2026-12-08", "2027-01-05", "2026-11-24"], NOON, 14)
    assert [(day, after.starts.date()) for day, after in soon] == [
        (dt.date(2026, 12, 8), dt.date(2026, 12, 15))
    ]


def test_on_this_week_leaves_out_a_group_whose_only_session_this_week_is_cancelled(
    database, add_groups
):
    twice = [*WEEKLY, {"day": "thu", "start": "10:00", "frequency": "weekly"}]
    add_groups(
        listing("Cancelled Tuesday", at="NW5 1AA", schedule=WEEKLY, cancelled_dates=["2026-12-01"]),
        listing("Cancelled later", at="NW5 1AA", schedule=WEEKLY, cancelled_dates=["2026-12-08"]),
        listing("Thursday too", at="NW5 1AA", schedule=twice, cancelled_dates=["2026-12-01"]),
        listing("As usual", at="NW5 1AA", schedule=WEEKLY),
    )
    expected = {"Cancelled later", "Thursday too", "As usual"}
    assert not on_within(WEEKLY, NOON, 7, ["2026-12-01"])
    assert on_within(twice, NOON, 7, ["2026-12-01"])
    with database.session() as session:
        page = search_groups(
            session,
            GroupQuery(meets_from=NOON, limit=100),
            database.backend,
            FreshnessPolicy(),
            NOON.date(),
        )
    found = {json.loads(text)["properties"]["name"] for text in page.features}
    assert found == expected
    assert page.number_matched == len(expected)
