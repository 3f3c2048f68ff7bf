"""Referrals and declines for want of places counted as demand, beside the unmet needs."""

from __future__ import annotations

import datetime as dt

from assetmap.accounts.users import create_user
from assetmap.gaps.referral_demand import referral_demand
from assetmap.gaps.unmet import unmet_summary
from assetmap.models import DeclineReason, ReferralState
from assetmap.referrals.reports import COMPLEMENT, SMALL, Cell, referral_report
from tests.gaps.test_analysis import AREAS, borough  # noqa: F401  (the fixture)
from tests.referrals.builders import add_case, add_referral

SENT = dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC)
SINCE, UNTIL = dt.date(2026, 11, 1), dt.date(2026, 11, 30)


def _add(session, n, *, area="E01000001", category="active", full=False) -> None:
    for _ in range(n):
        case = add_case(session, area=area, last_activity=SENT)
        add_referral(
            session,
            case,
            SENT,
            category=category,
            state=ReferralState.DECLINED if full else ReferralState.SENT,
            decline=DeclineReason.FULL if full else None,
        )


def test_referrals_and_declines_for_capacity_by_area_and_category(database) -> None:
    with database.session() as session:
        _add(session, 6, full=True)
        _add(session, 7)
        _add(session, 8, area="E01000002", category="creative")
        case = add_case(session, area="E01000002", last_activity=SENT)
        add_referral(
            session,
            case,
            SENT,
            category="creative",
            state=ReferralState.DECLINED,
            decline=DeclineReason.NOT_SUITABLE,
        )
        # Outside the period: not counted.
        for _ in range(5):
            early = add_case(session, last_activity=SENT)
            add_referral(session, early, SENT - dt.timedelta(days=40), decline=DeclineReason.FULL)
    with database.sessions() as session:
        demand = referral_demand(session, SINCE, UNTIL)
    by_area = {row.key: (row.referrals, row.declined_full) for row in demand.by_area.rows}
    assert by_area == {"E01000001": (Cell(13), Cell(6)), "E01000002": (Cell(9), Cell(0))}
    assert demand.by_area.total.referrals == Cell(22)
    by_category = {row.key: row.declined_full for row in demand.by_category.rows}
    assert by_category == {"active": Cell(6), "creative": Cell(0)}


def test_small_demand_is_suppressed_with_its_complement(database) -> None:
    with database.session() as session:
        _add(session, 9, full=True)
        _add(session, 6, area="E01000002", full=True)
        _add(session, 2, area="E01000003", full=True)
    with database.sessions() as session:
        table = referral_demand(session, SINCE, UNTIL).by_area
    assert [row.declined_full for row in table.rows] == [
        Cell(9),
        Cell(None, COMPLEMENT),
        Cell(None, SMALL),
    ]
    assert table.total.declined_full == Cell(17)


def test_the_unmet_summary_carries_the_referral_demand(database) -> None:
    with database.session() as session:
        _add(session, 5)
    with database.sessions() as session:
        summary = unmet_summary(session, SINCE, UNTIL)
    assert summary.referrals.by_category.total.referrals == Cell(5)


def test_areas_are_named_when_loaded(borough) -> None:  # noqa: F811
    code = next(iter(AREAS))
    with borough.session() as session:
        _add(session, 5, area=code)
    with borough.sessions() as session:
        demand = referral_demand(session, SINCE, UNTIL)
        report = referral_report(session, _admin(session), SINCE, UNTIL)
    assert [row.label for row in demand.by_area.rows] == [f"{code} area ({code})"]
    assert [row.label for row in report.table("area").rows] == [f"{code} area"]


def _admin(session):
    return create_user(session, "admin@example.org", "admin")
