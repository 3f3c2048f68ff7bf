"""Retention, the subject access export, erasure on request and the audit of a case."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from assetmap.errors import Forbidden, NotFound, ValidationError
from assetmap.models import (
    Case,
    CaseAccess,
    CaseAction,
    Referral,
    ReferralEvent,
    ReferralState,
    Wellbeing,
    WellbeingStage,
)
from assetmap.referrals.cases import case_for
from assetmap.referrals.privacy import (
    PERSONAL,
    apply_retention,
    case_audit,
    erase_case,
    export_case,
    find_case,
    next_retention_run,
    retention_cutoff,
    retention_due,
    retention_outlook,
)
from assetmap.referrals.reports import referral_report
from assetmap.referrals.service import move_as, refer
from tests.referrals.builders import add_case, add_referral, add_wellbeing
from tests.referrals.conftest import NOW

OLD = NOW - dt.timedelta(days=2 * 365 + 10)
RECENT = NOW - dt.timedelta(days=300)


def test_the_cutoff_is_calendar_months_back() -> None:
    assert retention_cutoff(NOW, 24) == dt.datetime(2024, 12, 1, 10, tzinfo=dt.UTC)
    march = dt.datetime(2026, 3, 31, 9, tzinfo=dt.UTC)
    assert retention_cutoff(march, 1) == dt.datetime(2026, 2, 28, 9, tzinfo=dt.UTC)


def test_retention_blanks_old_cases_and_keeps_the_counts(session, people) -> None:
    old = [add_case(session, last_activity=OLD) for _ in range(5)]
    recent = add_case(session, last_activity=RECENT)
    for case in [*old, recent]:
        add_referral(
            session,
            case,
            case.last_activity_at,
            state=ReferralState.STOPPED,
            accepted=True,
            attended=True,
            reason_text="she had a fall",
        )
        add_wellbeing(session, case, WellbeingStage.START, case.last_activity_at, 5, 5, 5, 5)
    assert retention_due(session, NOW, 24) == 5

    assert apply_retention(session, NOW, 24) == 5

    for case in old:
        session.refresh(case)
        assert all(getattr(case, name) is None for name in PERSONAL)
        assert (case.erased_why, case.erased_at) == ("retention", NOW)
        assert case.area_code == "E01000001" and case.team == "North"
    session.refresh(recent)
    assert recent.reference and recent.notes and recent.erased_at is None
    # The referrals, their events and the scores stay, without the free text.
    assert session.scalar(select(func.count(Referral.id))) == 6
    assert session.scalar(select(func.count(Wellbeing.id))) == 6
    texts = session.scalars(
        select(Referral.reason_text).where(Referral.case_id.in_([c.id for c in old]))
    ).all()
    assert texts == [""] * 5
    kept = session.scalars(
        select(ReferralEvent.reason_text).join(Referral).where(Referral.case_id == recent.id)
    ).all()
    assert "she had a fall" in kept
    audit = session.scalars(select(CaseAccess).where(CaseAccess.action == CaseAction.ERASED)).all()
    assert sorted(a.case_id for a in audit) == sorted(c.id for c in old)
    assert {(a.user_name, a.user_id, a.at) for a in audit} == {("assetmap", None, NOW)}
    # Run again: nothing more to do.
    assert apply_retention(session, NOW, 24) == 0
    report = referral_report(session, people.admin, (OLD - dt.timedelta(days=1)).date(), NOW.date())
    assert report.table("area").total.referrals.value == 6


def test_an_erased_case_can_no_longer_be_opened(session, people, case_id) -> None:
    session.get(Case, case_id).last_activity_at = OLD
    apply_retention(session, NOW, 24)
    with pytest.raises(NotFound):
        case_for(session, people.link_worker, case_id, NOW)


def test_the_export_holds_everything_and_is_audited(
    session, people, case_id, two_groups, settings
) -> None:
    case_for(session, people.teammate, case_id, NOW)  # opened by a teammate
    made = refer(session, people.link_worker, case_id, two_groups[0], NOW, settings)
    move_as(session, people.organiser, made.referral.id, ReferralState.ACCEPTED, NOW)
    add_wellbeing(session, session.get(Case, case_id), WellbeingStage.START, NOW, 6, 7, 5, 4)
    later = NOW + dt.timedelta(hours=1)

    data = export_case(session, people.admin, case_id, later)

    json.dumps(data)  # JSON-ready
    assert data["case"]["reference"] == "NS-0042"
    assert data["case"]["notes"] == "lost her husband in the spring"
    assert data["case"]["access_needs"] == "uses a walking frame"
    (referral,) = data["referrals"]
    assert referral["group"] == "Tuesday Men's Shed"
    assert [e["to"] for e in referral["events"]] == ["sent", "accepted"]
    assert data["wellbeing"][0]["life_satisfaction"] == 6
    assert ("Ali", "opened") in {(a["by"], a["action"]) for a in data["audit"]}
    last = session.scalars(select(CaseAccess).order_by(CaseAccess.id.desc())).first()
    assert (last.action, last.user_name, last.at) == (CaseAction.EXPORTED, "Admin", later)


def test_erasure_on_request_ends_live_referrals(
    session, people, case_id, two_groups, settings
) -> None:
    first = refer(session, people.link_worker, case_id, two_groups[0], NOW, settings).referral
    second = refer(session, people.link_worker, case_id, two_groups[1], NOW, settings).referral
    move_as(session, people.organiser, first.id, ReferralState.ACCEPTED, NOW)

    assert erase_case(session, people.admin, case_id, NOW + dt.timedelta(days=1)) == 2

    case = session.get(Case, case_id)
    assert case.erased_why == "request" and case.reference is None and case.notes is None
    for referral in (first, second):
        session.refresh(referral)
        assert referral.state is ReferralState.WITHDRAWN
        assert referral.held_until is None and referral.ended_at is not None
    event = session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == second.id)
        .order_by(ReferralEvent.id.desc())
    ).first()
    assert event.user_id is None and event.actor.startswith("assetmap")
    entries = case_audit(session, people.admin, case_id).entries
    assert entries[-1].action is CaseAction.ERASED and entries[-1].who == "Admin"
    with pytest.raises(ValidationError):
        erase_case(session, people.admin, case_id, NOW)


def test_non_admins_are_refused(session, people, case_id) -> None:
    for user in (people.link_worker, people.organiser, people.builder):
        with pytest.raises(Forbidden):
            export_case(session, user, case_id, NOW)
        with pytest.raises(Forbidden):
            erase_case(session, user, case_id, NOW)
        with pytest.raises(Forbidden):
            case_audit(session, user, case_id)
        with pytest.raises(Forbidden):
            find_case(session, user, "NS-0042")
    assert session.get(Case, case_id).erased_at is None


def test_the_command_line_acts_as_assetmap(session, case_id) -> None:
    export_case(session, None, case_id, NOW)
    entry = session.scalars(select(CaseAccess).order_by(CaseAccess.id.desc())).first()
    assert (entry.user_name, entry.action) == ("assetmap", CaseAction.EXPORTED)


def test_finding_a_case_by_reference(session, people, case_id) -> None:
    assert find_case(session, people.admin, " NS-0042 ").id == case_id
    add_case(session, team="South", last_activity=NOW, reference="NS-0042")
    with pytest.raises(ValidationError) as error:
        find_case(session, people.admin, "NS-0042")
    assert error.value.field == "team"
    assert find_case(session, people.admin, "NS-0042", "North").id == case_id
    with pytest.raises(NotFound):
        find_case(session, people.admin, "NS-9999")


def test_the_retention_outlook(session, people) -> None:
    add_case(session, last_activity=OLD)
    add_case(session, last_activity=RECENT)
    outlook = retention_outlook(session, people.admin, NOW, 24)
    assert outlook.next_run == dt.datetime(2026, 12, 2, 3, 30, tzinfo=dt.UTC)
    assert outlook.due == 1
    assert next_retention_run(dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC)).day == 1
    with pytest.raises(Forbidden):
        retention_outlook(session, people.link_worker, NOW, 24)
