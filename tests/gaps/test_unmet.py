"""Unmet needs counted for community builders: small numbers hidden, rare interests unnamed."""

from __future__ import annotations

import datetime as dt

from assetmap.gaps.unmet import OUTSIDE, SUPPRESS_BELOW, Tally, unmet_summary
from assetmap.models import UnmetNeed
from tests.gaps.test_analysis import borough, centre  # noqa: F401  (the fixture)

MONDAY = dt.date(2026, 11, 30)


def need(day: dt.date = MONDAY, interests=(), needs=(), categories=(), **extra) -> UnmetNeed:
    return UnmetNeed(
        recorded_on=day,
        interests=list(interests),
        categories=list(categories),
        cell_lat=51.55,
        cell_lon=-0.15,
        modes=["walk"],
        max_travel_minutes=20,
        max_walk_metres=None,
        access_needs=list(needs),
        door_to_door_needed=extra.get("door", False),
        complexity=extra.get("complexity", 1),
        results=0,
    )


def test_counts_by_interest_need_category_and_day(database) -> None:
    tuesday = MONDAY + dt.timedelta(days=1)
    rows = [
        *(
            need(interests=["knitting"], needs=["step_free"], categories=["creative"])
            for _ in range(6)
        ),
        *(need(tuesday, interests=["walking"], needs=["step_free"]) for _ in range(5)),
        *(need(interests=["boat building"], door=True, complexity=3) for _ in range(2)),
        need(interests=["other"]),
    ]
    with database.session() as session:
        session.add_all(rows)
    with database.sessions() as session:
        summary = unmet_summary(session, MONDAY, MONDAY + dt.timedelta(days=6))
    assert summary.total == Tally("all", 14)
    # Interests named five times or more are shown; boat building (2) and "other" (1) are
    # counted together under "other", last, so the rare one is never named.
    assert summary.by_interest == [
        Tally("knitting", 6),
        Tally("walking", 5),
        Tally("other", 3),
    ]
    assert summary.by_need == [Tally("step_free", 11)]
    assert summary.by_category == [Tally("creative", 6)]
    assert summary.by_weekday[:3] == [Tally("mon", 9), Tally("tue", 5), Tally("wed", 0)]
    assert summary.door_to_door == Tally("door_to_door", 2)
    assert summary.door_to_door.suppressed and summary.complex_needs.suppressed
    assert not summary.by_interest[0].suppressed
    # No postcodes are loaded: every search is counted outside the areas.
    assert summary.by_area == [Tally(OUTSIDE, 14)]


def test_searches_are_counted_in_the_area_they_were_made_from(borough) -> None:  # noqa: F811
    """A search's ~1 km cell is placed at its centre's nearest postcode's area."""
    lat, lon = centre("E")
    cell_lat, cell_lon = round(lat - 0.005, 2), round(lon - 0.005, 2)
    with borough.session() as session:
        for _ in range(6):
            row = need(interests=["walking"])
            row.cell_lat, row.cell_lon = cell_lat, cell_lon
            session.add(row)
    with borough.sessions() as session:
        summary = unmet_summary(session, MONDAY, MONDAY)
    assert summary.by_area == [Tally("E area (E)", 6)]


def test_only_the_period_asked_for_is_counted(database) -> None:
    with database.session() as session:
        session.add_all([need(MONDAY - dt.timedelta(days=1)), need(MONDAY), need(MONDAY)])
    with database.sessions() as session:
        summary = unmet_summary(session, MONDAY, MONDAY)
    assert summary.total.count == 2
    assert summary.total.suppressed  # fewer than SUPPRESS_BELOW
    assert SUPPRESS_BELOW == 5
