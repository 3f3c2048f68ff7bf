"""Follow-up: opened at 2 and 6 weeks after acceptance, no response after the days, and what
a link worker records on the call."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from assetmap.errors import Conflict, NotFound, ValidationError
from assetmap.models import (
    Case,
    FollowUp,
    Referral,
    ReferralEvent,
    StopReason,
    Wellbeing,
    WellbeingStage,
)
from assetmap.models import ReferralState as S
from assetmap.referrals.followups import (
    Ask,
    Outcome,
    count_due,
    follow_up_detail,
    follow_ups_for,
    mark_no_response,
    open_due_follow_ups,
    parse_outcome,
    record_follow_up,
)
from assetmap.referrals.service import move_as, refer
from assetmap.referrals.wellbeing import Scores, record_start
from tests.referrals.conftest import NOW

ACCEPTED = NOW + dt.timedelta(days=1)  # Wednesday 2 December 2026
TWO_WEEKS = ACCEPTED.date() + dt.timedelta(weeks=2)
SIX_WEEKS = ACCEPTED.date() + dt.timedelta(weeks=6)

ANSWERS = {
    "attended": "yes",
    "still_going": "yes",
    "life_satisfaction": "7",
    "worthwhile": "not_asked",
    "happiness": "8",
    "anxiety": "3",
}


@pytest.fixture
def accepted(session, people, case_id, two_groups, settings) -> Referral:
    referral = refer(session, people.link_worker, case_id, two_groups[0], NOW, settings).referral
    move_as(session, people.organiser, referral.id, S.ACCEPTED, ACCEPTED)
    return referral


def _follow_ups(session) -> list[tuple[int, dt.date, int | None]]:
    rows = session.execute(
        select(FollowUp.weeks, FollowUp.due_on, FollowUp.owner_id).order_by(FollowUp.weeks)
    )
    return [tuple(row) for row in rows]


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_follow_ups_open_at_two_and_six_weeks_and_not_before(session, people, accepted) -> None:
    assert open_due_follow_ups(session, TWO_WEEKS - dt.timedelta(days=1)) == 0
    assert _follow_ups(session) == []
    assert open_due_follow_ups(session, TWO_WEEKS) == 1
    assert _follow_ups(session) == [(2, TWO_WEEKS, people.link_worker.id)]
    assert open_due_follow_ups(session, SIX_WEEKS - dt.timedelta(days=1)) == 0
    assert open_due_follow_ups(session, SIX_WEEKS) == 1
    assert _follow_ups(session) == [
        (2, TWO_WEEKS, people.link_worker.id),
        (6, SIX_WEEKS, people.link_worker.id),
    ]


def test_opening_is_idempotent_and_a_late_run_opens_both(session, accepted) -> None:
    late = SIX_WEEKS + dt.timedelta(days=3)
    assert open_due_follow_ups(session, late) == 2
    assert open_due_follow_ups(session, late) == 0
    assert [weeks for weeks, _, _ in _follow_ups(session)] == [2, 6]


def test_the_weeks_are_configurable(session, accepted) -> None:
    assert open_due_follow_ups(session, SIX_WEEKS, weeks=(4,)) == 1
    assert [(w, d) for w, d, _ in _follow_ups(session)] == [
        (4, ACCEPTED.date() + dt.timedelta(weeks=4))
    ]


def test_ended_referrals_and_erased_cases_get_no_follow_up(
    session, people, accepted, case_id
) -> None:
    move_as(session, people.link_worker, accepted.id, S.WITHDRAWN, ACCEPTED)
    assert open_due_follow_ups(session, SIX_WEEKS) == 0
    case = session.get(Case, case_id)
    case.erased_at = NOW
    assert open_due_follow_ups(session, SIX_WEEKS) == 0


def test_a_referral_unanswered_for_the_days_becomes_no_response_by_assetmap(
    session, people, case_id, two_groups, settings
) -> None:
    referral = refer(session, people.link_worker, case_id, two_groups[0], NOW, settings).referral
    assert mark_no_response(session, NOW + dt.timedelta(days=10, seconds=-1), 10) == 0
    assert referral.state is S.SENT
    later = NOW + dt.timedelta(days=10)
    assert mark_no_response(session, later, 10) == 1
    assert referral.state is S.NO_RESPONSE
    event = session.scalars(select(ReferralEvent).order_by(ReferralEvent.id.desc())).first()
    assert (event.from_state, event.to_state, event.user_id, event.at) == (
        S.SENT,
        S.NO_RESPONSE,
        None,
        later,
    )
    assert event.actor.startswith("assetmap")
    assert mark_no_response(session, later, 10) == 0  # once only
    # A late answer is still heard.
    move_as(session, people.organiser, referral.id, S.ACCEPTED, later)
    assert referral.state is S.ACCEPTED


def test_my_follow_ups_are_mine_due_first_with_what_to_ask(
    session, people, accepted, case_id, two_groups, settings
) -> None:
    open_due_follow_ups(session, SIX_WEEKS)
    items = follow_ups_for(session, people.link_worker, SIX_WEEKS)
    assert [(i.weeks, i.due_on, i.overdue) for i in items] == [
        (2, TWO_WEEKS, True),
        (6, SIX_WEEKS, False),
    ]
    first = items[0]
    assert (first.group_name, first.reference, first.initials) == (
        "Tuesday Men's Shed",
        "NS-0042",
        "J.S.",
    )
    assert first.asks == (Ask.ATTENDED, Ask.STILL_GOING, Ask.WELLBEING)
    assert count_due(session, people.link_worker) == 2
    assert follow_ups_for(session, people.teammate, SIX_WEEKS) == []
    assert follow_ups_for(session, people.other_team, SIX_WEEKS) == []
    assert follow_ups_for(session, people.organiser, SIX_WEEKS) == []
    assert len(follow_ups_for(session, people.admin, SIX_WEEKS)) == 2


def test_recording_moves_the_referral_and_stores_the_scores(session, people, accepted) -> None:
    open_due_follow_ups(session, TWO_WEEKS)
    follow_up = session.scalars(select(FollowUp)).one()
    at = NOW + dt.timedelta(weeks=2, days=2)
    record_follow_up(session, people.teammate, follow_up.id, parse_outcome(ANSWERS), at)
    assert accepted.state is S.STILL_GOING
    assert [e.to_state for e in accepted.events][-2:] == [S.ATTENDED, S.STILL_GOING]
    assert accepted.events[-1].actor == "Ali (link worker)"
    assert (follow_up.attended, follow_up.still_going, follow_up.done_at) == (True, True, at)
    row = session.scalars(select(Wellbeing)).one()
    assert (row.stage, row.follow_up_id, row.case_id) == (
        WellbeingStage.FOLLOW_UP,
        follow_up.id,
        accepted.case_id,
    )
    assert (row.life_satisfaction, row.worthwhile, row.happiness, row.anxiety) == (7, None, 8, 3)
    assert (row.ucla_companionship, row.ucla_left_out, row.ucla_isolated) == (None, None, None)
    assert follow_ups_for(session, people.link_worker, TWO_WEEKS) == []
    with pytest.raises(Conflict, match="recorded already"):
        record_follow_up(session, people.link_worker, follow_up.id, parse_outcome(ANSWERS), at)


def test_they_did_not_go_and_they_stopped(session, people, accepted) -> None:
    open_due_follow_ups(session, SIX_WEEKS)
    two, six = session.scalars(select(FollowUp).order_by(FollowUp.weeks)).all()
    record_follow_up(
        session,
        people.link_worker,
        two.id,
        parse_outcome({**ANSWERS, "attended": "no", "still_going": "not_asked"}),
        NOW,
    )
    assert accepted.state is S.DID_NOT_ATTEND
    stopped = {**ANSWERS, "still_going": "no", "stop_reason": "transport"}
    record_follow_up(session, people.link_worker, six.id, parse_outcome(stopped), NOW)
    assert accepted.state is S.STOPPED and accepted.stop_reason is StopReason.TRANSPORT
    assert [e.to_state for e in accepted.events][-3:] == [
        S.DID_NOT_ATTEND,
        S.ATTENDED,
        S.STOPPED,
    ]


def test_not_asked_moves_nothing_and_is_stored_as_null(session, people, accepted) -> None:
    open_due_follow_ups(session, TWO_WEEKS)
    follow_up = session.scalars(select(FollowUp)).one()
    nothing = {name: "not_asked" for name in ANSWERS}
    record_follow_up(session, people.link_worker, follow_up.id, parse_outcome(nothing), NOW)
    assert accepted.state is S.ACCEPTED
    assert (follow_up.attended, follow_up.still_going) == (None, None)
    row = session.scalars(select(Wellbeing)).one()
    assert Scores.of(row) == Scores()


def test_another_team_and_organisers_are_refused(session, people, accepted) -> None:
    open_due_follow_ups(session, TWO_WEEKS)
    follow_up = session.scalars(select(FollowUp)).one()
    for outsider in (people.other_team, people.organiser, people.builder):
        with pytest.raises(NotFound):
            record_follow_up(session, outsider, follow_up.id, parse_outcome(ANSWERS), NOW)
        with pytest.raises(NotFound):
            follow_up_detail(session, outsider, follow_up.id, NOW)
    with pytest.raises(NotFound):
        record_follow_up(session, people.link_worker, 999_999, parse_outcome(ANSWERS), NOW)
    assert follow_up.done_at is None and accepted.state is S.ACCEPTED


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"anxiety": "11"}, "anxiety"),
        ({"happiness": ""}, "happiness"),
        ({"life_satisfaction": "seven"}, "life_satisfaction"),
        ({"ucla_left_out": "4"}, "ucla_left_out"),
        ({"attended": "maybe"}, "attended"),
        ({"still_going": "no"}, "stop_reason"),
        ({"still_going": "no", "stop_reason": "bored"}, "stop_reason"),
    ],
)
def test_bad_answers_name_the_field(changes, field) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_outcome({**ANSWERS, **changes})
    assert raised.value.field == field


def test_a_contradiction_is_refused_and_nothing_is_written(session, people, accepted) -> None:
    open_due_follow_ups(session, TWO_WEEKS)
    follow_up = session.scalars(select(FollowUp)).one()
    events = _count(session, ReferralEvent)
    contradiction = Outcome(attended=None, still_going=True)
    with pytest.raises(ValidationError) as raised:
        record_follow_up(session, people.link_worker, follow_up.id, contradiction, NOW)
    assert raised.value.field == "still_going"
    assert _count(session, ReferralEvent) == events
    assert _count(session, Wellbeing) == 0
    assert follow_up.done_at is None and accepted.state is S.ACCEPTED


def test_the_page_shows_the_start_scores_beside(session, people, accepted) -> None:
    record_start(session, people.link_worker, accepted.case_id, Scores(life_satisfaction=4), NOW)
    open_due_follow_ups(session, TWO_WEEKS)
    follow_up = session.scalars(select(FollowUp)).one()
    detail = follow_up_detail(session, people.teammate, follow_up.id, NOW)
    assert detail.start == Scores(life_satisfaction=4)
    assert detail.item.weeks == 2
