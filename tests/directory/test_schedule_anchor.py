"""A schedule entry's ``from_date`` (the date of one session): checked, stored, served and
exported, so a fortnightly or monthly group's next date is known (issue 14, item 13)."""

import json

from assetmap.directory.contract import parse_listing
from assetmap.directory.reads import get_feature, iter_listings
from assetmap.verification.policy import FreshnessPolicy
from tests.factories import TODAY, listing

FORTNIGHTLY = {"day": "tue", "start": "10:00", "end": "12:00", "frequency": "fortnightly"}


def test_the_date_of_one_session_must_fall_on_its_day():
    parsed, found = parse_listing(listing(schedule=[{**FORTNIGHTLY, "from_date": "2026-12-02"}]))
    assert parsed is None
    assert ("schedule[0].from_date", "must be a Tuesday") in found
    parsed, found = parse_listing(listing(schedule=[{**FORTNIGHTLY, "from_date": "2026-12-01"}]))
    assert found == [] and parsed is not None
    parsed, found = parse_listing(listing(schedule=[{**FORTNIGHTLY, "from_date": "soon"}]))
    assert parsed is None and found[0][0] == "schedule[0].from_date"


def test_the_date_is_stored_served_and_exported(database, add_groups):
    (group_id,) = add_groups(
        listing("Dated", at="NW5 1AA", schedule=[{**FORTNIGHTLY, "from_date": "2026-12-01"}]),
    )
    with database.session() as session:
        served = json.loads(get_feature(session, group_id, FreshnessPolicy(), TODAY))
        exported = list(iter_listings(session, FreshnessPolicy(), TODAY))
    assert served["properties"]["schedule"][0]["from_date"] == "2026-12-01"
    assert exported[0]["schedule"][0]["from_date"] == "2026-12-01"
    # An entry without one says so: null, not missing.
    (undated,) = add_groups(listing("Undated", at="NW5 1AA", schedule=[FORTNIGHTLY]))
    with database.session() as session:
        served = json.loads(get_feature(session, undated, FreshnessPolicy(), TODAY))
    assert served["properties"]["schedule"][0]["from_date"] is None


def test_a_save_that_does_not_mention_the_date_keeps_it(database, add_groups):
    """The organiser's form has no field for it: saving the form must not lose it. A save that
    gives it as null clears it; a changed session (another day or time) starts without one."""
    dated = {**FORTNIGHTLY, "from_date": "2026-12-01"}
    (group_id,) = add_groups(listing("Dated", external_id="d-1", at="NW5 1AA", schedule=[dated]))

    def saved_schedule(schedule):
        add_groups(listing("Dated", external_id="d-1", at="NW5 1AA", schedule=schedule))
        with database.session() as session:
            served = json.loads(get_feature(session, group_id, FreshnessPolicy(), TODAY))
        return [entry["from_date"] for entry in served["properties"]["schedule"]]

    assert saved_schedule([FORTNIGHTLY]) == ["2026-12-01"]
    assert saved_schedule([FORTNIGHTLY, {**FORTNIGHTLY, "day": "thu"}]) == ["2026-12-01", None]
    assert saved_schedule([{**FORTNIGHTLY, "start": "11:00"}]) == [None]
    assert saved_schedule([dated]) == ["2026-12-01"]
    assert saved_schedule([{**FORTNIGHTLY, "from_date": None}]) == [None]
