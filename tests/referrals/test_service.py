"""Referring, moving a referral on, the organiser's emailed link, and the places held."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from assetmap.errors import Conflict, Forbidden, NotFound, ValidationError
from assetmap.models import (
    Case,
    CaseAccess,
    DeclineReason,
    Group,
    OutboxMessage,
    ReferralEvent,
    StopReason,
)
from assetmap.models import ReferralState as S
from assetmap.referrals.capacity import NONE, holds_for, places_after_referrals
from assetmap.referrals.cases import case_for, cases_for, open_case, parse_case
from assetmap.referrals.service import (
    answer_by_link,
    move_as,
    refer,
    referrals_for_organiser,
    view_by_link,
)
from tests.referrals.conftest import NOW


def _token(outbox: OutboxMessage) -> str:
    return outbox.body.split("/referral/")[1].split()[0]


def test_a_referral_is_sent_recorded_held_and_emailed_without_personal_data(
    session, people, case_id, two_groups, settings
) -> None:
    shed, _ = two_groups
    made = refer(session, people.link_worker, case_id, shed, NOW, settings)
    referral = made.referral
    assert made.emailed and referral.state is S.SENT
    assert referral.held_until == NOW + dt.timedelta(days=7)
    event = session.scalars(select(ReferralEvent)).one()
    assert (event.from_state, event.to_state, event.actor) == (None, S.SENT, "Sam (link worker)")
    email = session.scalars(select(OutboxMessage)).one()
    assert email.to_address == "jo@example.org"
    assert "/referral/" in email.body
    for personal in ("J.S.", "walking frame", "husband", "2pm", "NS-0042"):
        assert personal not in email.body


def test_the_organiser_sees_what_they_need_by_the_link_and_never_the_notes(
    session, people, case_id, two_groups, settings
) -> None:
    refer(session, people.link_worker, case_id, two_groups[0], NOW, settings)
    token = _token(session.scalars(select(OutboxMessage)).one())
    view = view_by_link(session, token, settings, NOW + dt.timedelta(hours=2))
    assert (view.initials, view.contact_preference, view.access_needs) == (
        "J.S.",
        "phone after 2pm",
        "uses a walking frame",
    )
    assert "husband" not in repr(view) and "NS-0042" not in repr(view)


def test_the_link_works_once_and_is_refused_forged_or_expired(
    session, people, case_id, two_groups, settings
) -> None:
    refer(session, people.link_worker, case_id, two_groups[0], NOW, settings)
    token = _token(session.scalars(select(OutboxMessage)).one())
    with pytest.raises(ValidationError, match="not right"):
        view_by_link(session, token[:-3] + "abc", settings, NOW)
    with pytest.raises(ValidationError, match="expired"):
        view_by_link(session, token, settings, NOW + dt.timedelta(days=22))
    answered = answer_by_link(session, token, S.ACCEPTED, settings, NOW + dt.timedelta(days=1))
    assert answered.state is S.ACCEPTED
    with pytest.raises(ValidationError, match="used already"):
        answer_by_link(session, token, S.DECLINED, settings, NOW + dt.timedelta(days=1))


def test_declining_needs_a_reason_and_records_it(
    session, people, case_id, two_groups, settings
) -> None:
    refer(session, people.link_worker, case_id, two_groups[0], NOW, settings)
    token = _token(session.scalars(select(OutboxMessage)).one())
    with pytest.raises(ValidationError, match="Say why"):
        answer_by_link(session, token, S.DECLINED, settings, NOW)
    view = answer_by_link(
        session,
        token,
        S.DECLINED,
        settings,
        NOW,
        decline_reason=DeclineReason.FULL,
        reason_text="We are full until spring",
    )
    assert view.state is S.DECLINED


def test_the_whole_path_to_still_going_and_stopped(
    session, people, case_id, two_groups, settings
) -> None:
    referral = refer(session, people.link_worker, case_id, two_groups[0], NOW, settings).referral
    later = NOW + dt.timedelta(days=2)
    move_as(session, people.organiser, referral.id, S.ACCEPTED, later)
    assert referral.responded_at == later and referral.accepted_at == later
    move_as(session, people.organiser, referral.id, S.ATTENDED, later)
    move_as(session, people.teammate, referral.id, S.STILL_GOING, later)
    with pytest.raises(ValidationError, match="why they stopped"):
        move_as(session, people.link_worker, referral.id, S.STOPPED, later)
    move_as(
        session, people.link_worker, referral.id, S.STOPPED, later, stop_reason=StopReason.HEALTH
    )
    assert referral.ended_at == later
    states = [e.to_state for e in referral.events]
    assert states == [S.SENT, S.ACCEPTED, S.ATTENDED, S.STILL_GOING, S.STOPPED]
    with pytest.raises(Conflict, match="nothing more can change"):
        move_as(session, people.link_worker, referral.id, S.WITHDRAWN, later)


def test_accepting_a_withdrawn_referral_is_refused_and_writes_nothing(
    session, people, case_id, two_groups, settings
) -> None:
    referral = refer(session, people.link_worker, case_id, two_groups[0], NOW, settings).referral
    move_as(session, people.link_worker, referral.id, S.WITHDRAWN, NOW)
    events = session.scalar(select(func.count()).select_from(ReferralEvent))
    with pytest.raises(Conflict, match="withdrawn"):
        move_as(session, people.organiser, referral.id, S.ACCEPTED, NOW)
    assert referral.state is S.WITHDRAWN
    assert session.scalar(select(func.count()).select_from(ReferralEvent)) == events


def test_a_stale_version_is_refused(session, people, case_id, two_groups, settings) -> None:
    referral = refer(session, people.link_worker, case_id, two_groups[0], NOW, settings).referral
    version = referral.version
    move_as(session, people.organiser, referral.id, S.ACCEPTED, NOW, version=version)
    with pytest.raises(Conflict, match="first"):
        move_as(session, people.link_worker, referral.id, S.WITHDRAWN, NOW, version=version)


def test_who_may_see_and_move(session, people, case_id, two_groups, settings) -> None:
    shed, _ = two_groups
    referral = refer(session, people.link_worker, case_id, shed, NOW, settings).referral
    for outsider in (people.other_team, people.other_organiser, people.builder):
        with pytest.raises(NotFound):
            move_as(session, outsider, referral.id, S.ACCEPTED, NOW)
    for outsider in (people.other_team, people.organiser, people.builder):
        with pytest.raises(NotFound):
            case_for(session, outsider, case_id, NOW)
    assert case_for(session, people.teammate, case_id, NOW).id == case_id
    assert case_for(session, people.admin, case_id, NOW).id == case_id
    assert [c.id for c in cases_for(session, people.other_team)] == []
    assert cases_for(session, people.organiser) == []
    with pytest.raises(Forbidden):
        open_case(session, people.organiser, parse_case({"reference": "X1"}), NOW)
    seen = referrals_for_organiser(session, people.organiser)
    assert [v.referral_id for v in seen] == [referral.id]
    assert referrals_for_organiser(session, people.other_organiser) == []
    opened = session.scalars(select(CaseAccess.user_name).where(CaseAccess.action == "opened"))
    assert sorted(opened) == ["Admin", "Ali"]


def test_one_live_referral_per_group_and_paused_or_closed_groups_refuse(
    session, people, case_id, two_groups, settings
) -> None:
    shed, walkers = two_groups
    refer(session, people.link_worker, case_id, shed, NOW, settings)
    with pytest.raises(Conflict, match="already has a referral"):
        refer(session, people.link_worker, case_id, shed, NOW, settings)
    session.get(Group, walkers).referrals_paused_until = dt.date(2026, 12, 14)
    with pytest.raises(Conflict, match="paused referrals until 14 December 2026"):
        refer(session, people.link_worker, case_id, walkers, NOW, settings)
    after = NOW + dt.timedelta(days=14)
    assert refer(session, people.link_worker, case_id, walkers, after, settings).referral


def test_places_are_held_then_released_and_taken_on_acceptance(
    session, people, case_id, two_groups, settings
) -> None:
    _, walkers = two_groups
    referral = refer(session, people.link_worker, case_id, walkers, NOW, settings).referral
    holds = holds_for(session, [walkers], NOW + dt.timedelta(days=1))[walkers]
    assert (holds.held, holds.taking) == (1, 0)
    assert places_after_referrals(10, 8, 1, holds).free == 1
    assert holds_for(session, [walkers], NOW + dt.timedelta(days=8)) == {}
    move_as(session, people.other_organiser, referral.id, S.ACCEPTED, NOW + dt.timedelta(days=1))
    holds = holds_for(session, [walkers], NOW + dt.timedelta(days=30))[walkers]
    assert (holds.held, holds.taking) == (0, 1)
    move_as(session, people.link_worker, referral.id, S.DID_NOT_ATTEND, NOW + dt.timedelta(days=9))
    assert holds_for(session, [walkers], NOW + dt.timedelta(days=30)) == {}


def test_complex_needs_places_are_counted_apart(session, people, two_groups, settings) -> None:
    _, walkers = two_groups
    case = open_case(
        session,
        people.link_worker,
        parse_case({"reference": "NS-7", "profile": {"complexity": 3}}),
        NOW,
    )
    referral = refer(session, people.link_worker, case.id, walkers, NOW, settings).referral
    assert referral.complex_needs
    holds = holds_for(session, [walkers], NOW)[walkers]
    places = places_after_referrals(10, 8, 1, holds)
    assert (places.free, places.held, places.complex_free) == (1, 1, 0)
    assert places_after_referrals(None, None, None, NONE).free is None


def test_case_input_is_checked(session, people) -> None:
    with pytest.raises(ValidationError, match="NHS number") as error:
        parse_case({"reference": "943 476 5919"})
    assert error.value.field == "reference"
    with pytest.raises(ValidationError, match="reference"):
        parse_case({"reference": " "})
    with pytest.raises(ValidationError) as error:
        parse_case({"reference": "A1", "postcode": "nowhere"})
    assert error.value.field == "postcode"
    open_case(session, people.link_worker, parse_case({"reference": "A1"}), NOW)
    with pytest.raises(ValidationError, match="already has a case"):
        open_case(session, people.teammate, parse_case({"reference": "A1"}), NOW)
    assert open_case(session, people.other_team, parse_case({"reference": "A1"}), NOW)
    assert session.scalar(select(func.count()).select_from(Case)) == 2
