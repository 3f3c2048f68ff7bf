"""Supply: which groups fit a profile, which fit only as far as is known, and their places."""

from __future__ import annotations

from assetmap.db import Database
from assetmap.gaps.profile import READY_MADE, NeedProfile
from assetmap.gaps.supply import load_supply, places_of
from tests.factories import listing

STEP_FREE = READY_MADE["step-free-social-weekday-bus"]


def test_places_are_spare_places_and_one_where_capacity_is_not_known() -> None:
    assert places_of(20, 14) == 6
    assert places_of(10, 12) == 0
    assert places_of(None, 3) == places_of(20, None) == 1


def test_status_category_access_and_times_decide_fit(database: Database, add_groups) -> None:
    social = {"categories": ["social"]}
    weekday = [{"day": "mon", "start": "10:00", "end": "11:00", "frequency": "weekly"}]
    ids = add_groups(
        listing("fits", **social, schedule=weekday),
        listing("paused", **social, schedule=weekday, status="paused"),
        listing("not social", categories=["active"], schedule=weekday),
        listing("steps", **social, schedule=weekday, accessibility={"step_free": False}),
        listing("access not known", **social, schedule=weekday, accessibility={"step_free": None}),
        listing("no times listed", **social, schedule=[]),
        listing("saturdays", **social, schedule=[{"day": "sat", "start": "10:00"}]),
    )
    with database.session() as session:
        supply = load_supply(session, STEP_FREE)
    fits = dict(zip(supply.group_id.tolist(), supply.fits.tolist(), strict=True))
    assert fits == {ids[0]: True, ids[4]: False, ids[5]: False}
    assert supply.places[supply.group_id == ids[0]].tolist() == [6.0]
    # The factory's bus stop is 150 m from the venue; its minibus is not asked about here.
    assert supply.stop_m.tolist() == [150.0] * 3


def test_audience_and_support(database: Database, add_groups) -> None:
    ids = add_groups(
        listing("men", audience={"gender": "men"}),
        listing(
            "anyone",
            audience={"gender": "any", "min_age": None},
            capacity={"complexity_supported": 3},
        ),
    )
    with database.session() as session:
        men = load_supply(session, READY_MADE["mens-groups"])
        complex_needs = load_supply(session, READY_MADE["complex-needs"])
        anything = load_supply(
            session, NeedProfile(name="all", mobility=STEP_FREE.mobility, age=30)
        )
    assert men.group_id.tolist() == [ids[0]]
    assert complex_needs.group_id.tolist() == [ids[1]]
    assert anything.group_id.tolist() == [ids[1]]  # the men's shed is for over-50s
