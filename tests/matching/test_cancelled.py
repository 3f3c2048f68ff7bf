"""A group whose next session is cancelled is matched with a warning to check first."""

from __future__ import annotations

import datetime as dt

from assetmap.matching.notes import Note, WarningCode
from tests.factories import TODAY
from tests.matching.test_engine import group, only, run, said


def _next_tuesday(after: dt.date) -> dt.date:
    return after + dt.timedelta(days=(1 - after.weekday()) % 7 or 7)


def test_a_group_whose_next_session_is_cancelled_is_warned_of(database, add_groups) -> None:
    # The factory's group meets on Tuesdays at 10:00; from the start of today, the next one.
    first = TODAY + dt.timedelta(days=(1 - TODAY.weekday()) % 7)
    second = first + dt.timedelta(days=7)
    add_groups(
        group("Cancelled", cancelled_dates=[first.isoformat()]),
        group("Later", cancelled_dates=[_next_tuesday(second).isoformat()]),
        group("As usual"),
    )
    result = run(database)
    warned = only(result, "Cancelled").warnings
    assert (
        Note(WarningCode.SESSION_CANCELLED, date=first.isoformat(), next=second.isoformat())
        in warned
    )
    assert f"not meeting on {first:%a} {first.day} {first:%b} (cancelled)" in said(warned)
    for name in ("Later", "As usual"):
        assert not any(n.code is WarningCode.SESSION_CANCELLED for n in only(result, name).warnings)
