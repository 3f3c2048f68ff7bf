"""The matching service without Flask: locate, match, record and commit in one call."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

from assetmap.db import Database
from assetmap.errors import ValidationError
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.geo.travel import EstimatedTravel
from assetmap.matching.requests import parse_match_request
from assetmap.matching.service import MatchDeps, Searcher, run_match, run_plan
from assetmap.models import ListingActivity, SearchTally, UnmetNeed
from assetmap.verification.policy import FreshnessPolicy
from tests.factories import POSTCODES, TODAY, listing


def group(name: str, **parts: Any) -> dict[str, Any]:
    audience = {"gender": "any", "min_age": None}
    return listing(name, description=f"{name}.", audience=audience, **parts)


def deps(database: Database, session: Any) -> MatchDeps:
    return MatchDeps(
        backend=database.backend,
        policy=FreshnessPolicy(),
        travel=EstimatedTravel(),
        geocoder=GazetteerGeocoder(session),
    )


#: A link worker whose searches count (the web layer decides whose do).
WORKER = Searcher(user_id=7, secret="test-secret")


def request(**parts: Any):
    return parse_match_request({"location": {"postcode": "NW5 1AA"}, **parts})


def counts(database: Database) -> tuple[int, dict[int, tuple[int, int]]]:
    """Unmet-need rows, and each group's (matched, planned) today, as committed."""
    with database.sessions() as session:
        unmet = session.scalar(select(func.count()).select_from(UnmetNeed)) or 0
        rows = session.execute(
            select(ListingActivity.group_id, ListingActivity.matched, ListingActivity.planned)
        ).all()
    return unmet, {row.group_id: (row.matched, row.planned) for row in rows}


@pytest.fixture
def knitting(add_groups) -> list[int]:
    return add_groups(
        group("Knit and Natter", at="NW5 1AA", interests=["knitting"]),
        group("Yarn Club", at="NW5 2AA", interests=["knitting"]),
        group("Woodwork", at="NW5 2AA", interests=["woodwork"]),
    )


def test_a_match_is_located_recorded_and_committed(database, knitting) -> None:
    natter, yarn, _ = knitting
    with database.sessions() as session:
        matched = run_match(
            session,
            request(interests=["knitting"]),
            deps(database, session),
            TODAY,
            counted_for=WORKER,
        )
    assert [o.group_id for o in matched.result.options] == [natter, yarn]
    assert (matched.location.lat, matched.location.lon) == POSTCODES["NW5 1AA"]
    assert matched.result.unmet_need_recorded
    # Committed: another session sees the unmet need and the two groups offered.
    assert counts(database) == (1, {natter: (1, 0), yarn: (1, 0)})


def test_the_same_search_again_today_counts_nothing_more(database, knitting) -> None:
    natter, yarn, _ = knitting
    for limit in (10, 10, 20):  # a reload, then more results of the same search
        with database.sessions() as session:
            matched = run_match(
                session,
                request(interests=["knitting"], limit=limit),
                deps(database, session),
                TODAY,
                counted_for=WORKER,
            )
    assert matched.counted_before
    assert not matched.result.unmet_need_recorded
    assert counts(database) == (1, {natter: (1, 0), yarn: (1, 0)})
    # The same postcode typed another way is the same search; another day counts again.
    with database.sessions() as session:
        again = request(interests=["knitting"], location={"postcode": "nw51aa"})
        assert run_match(session, again, deps(database, session), TODAY, counted_for=WORKER)
        run_match(
            session,
            again,
            deps(database, session),
            TODAY + dt.timedelta(days=1),
            counted_for=WORKER,
        )
    assert counts(database)[0] == 2
    # Yesterday's keys are gone: only the day's are kept.
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SearchTally)) == 1


def test_two_at_once_count_once(database, knitting) -> None:
    """The tally's key is unique: concurrent requests of one search never both count."""

    def search() -> None:
        with database.sessions() as session:
            run_match(
                session,
                request(interests=["knitting"]),
                deps(database, session),
                TODAY,
                counted_for=WORKER,
            )

    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(search) for _ in range(8)]:
            future.result()
    assert counts(database)[0] == 1


def test_lat_lon_needs_no_geocoder_lookup(database, knitting) -> None:
    lat, lon = POSTCODES["NW5 2AA"]
    body = {"location": {"lat": lat, "lon": lon}, "interests": ["woodwork"]}
    with database.sessions() as session:
        matched = run_match(session, parse_match_request(body), deps(database, session), TODAY)
    assert [o.listing["name"] for o in matched.result.options] == ["Woodwork"]
    assert (matched.location.lat, matched.location.lon) == (lat, lon)


def test_an_unknown_postcode_names_the_field_and_writes_nothing(database, knitting) -> None:
    with database.sessions() as session, pytest.raises(ValidationError) as refused:
        run_match(
            session, request(location={"postcode": "NW5 9ZZ"}), deps(database, session), TODAY
        )
    assert refused.value.field == "location.postcode"
    assert "NW5 9ZZ" in refused.value.message
    assert counts(database) == (0, {})


def test_a_plan_keeps_the_order_chosen_and_names_what_is_gone(database, knitting) -> None:
    natter, yarn, woodwork = knitting
    chosen = [yarn, woodwork, natter, 99999]
    with database.sessions() as session:
        planned = run_plan(
            session,
            request(interests=["knitting"]),
            deps(database, session),
            TODAY,
            chosen,
            counted_for=WORKER,
        )
    assert [o.group_id for o in planned.options] == [yarn, natter]
    # Woodwork does not fit knitting; 99999 was never listed.
    assert planned.missing == [(woodwork, "Woodwork"), (99999, None)]
    # Only the planned groups count, as planned; a plan never records an unmet need.
    assert counts(database) == (0, {yarn: (0, 1), natter: (0, 1)})


def test_a_match_records_no_unmet_need_unless_asked(database, knitting) -> None:
    """Only a signed-in link worker's search is demand: the caller says so."""
    with database.sessions() as session:
        matched = run_match(
            session, request(interests=["knitting"]), deps(database, session), TODAY
        )
    assert not matched.result.unmet_need_recorded
    assert counts(database)[0] == 0


def test_an_unmet_need_keeps_only_interests_the_directory_knows(database, knitting) -> None:
    """Free text typed into the interests box never reaches the gap data as typed."""
    typed = [
        "Knitting",
        "walking",
        "boat building",
        "Mrs Patel",
        "ring 07700 900123",
        "jo@example.org",
        "knitting",
    ]
    with database.sessions() as session:
        run_match(
            session, request(interests=typed), deps(database, session), TODAY, counted_for=WORKER
        )
    with database.sessions() as session:
        (need,) = session.scalars(select(UnmetNeed))
        # knitting: a listing's interest; walking: in the synonym table; boat building reads
        # as an activity nobody offers (the signal gap analysis wants); the rest: "other".
        assert need.interests == ["knitting", "walking", "boat building", "other"]
