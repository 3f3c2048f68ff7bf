"""Need profiles: what a question asks, checked when it is made."""

from __future__ import annotations

import datetime as dt

import pytest

from assetmap.gaps.profile import READY_MADE, WEEKDAYS, NeedProfile, Times
from assetmap.geo.journeys import Mobility
from assetmap.models import Day


def test_an_unknown_access_need_or_support_level_is_refused() -> None:
    with pytest.raises(ValueError, match="lift"):
        NeedProfile(name="x", mobility=Mobility(), needs=("lift",))
    with pytest.raises(ValueError, match="support"):
        NeedProfile(name="x", mobility=Mobility(), support=4)


def test_times_hold_sessions_starting_in_a_window() -> None:
    evenings = READY_MADE["evenings-and-weekends"]
    assert evenings.fits_times([(Day.TUE, dt.time(18, 30))])
    assert evenings.fits_times([(Day.TUE, dt.time(10)), (Day.SUN, dt.time(11))])
    assert not evenings.fits_times([(Day.TUE, dt.time(10)), (Day.FRI, dt.time(16, 59))])
    assert Times(WEEKDAYS).holds(Day.MON, dt.time(0, 0))
    assert NeedProfile(name="any", mobility=Mobility()).fits_times([])


def test_the_ready_made_questions() -> None:
    step_free = READY_MADE["step-free-social-weekday-bus"]
    assert step_free.budget_minutes == 20 and step_free.needs == ("step_free",)
    assert {m.value for m in step_free.mobility.modes} == {"wheelchair", "bus"}
    assert READY_MADE["complex-needs"].support == 3
    assert READY_MADE["mens-groups"].audience == "men"
