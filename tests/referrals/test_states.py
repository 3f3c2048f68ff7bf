"""The state machine on its own: every move it has, every one it refuses, and who may make it."""

from __future__ import annotations

import pytest

from assetmap.errors import Conflict, Forbidden
from assetmap.models import ReferralState as S
from assetmap.referrals.states import ActorKind, allowed_moves, check_move

LW, ORG, SYS = ActorKind.LINK_WORKER, ActorKind.ORGANISER, ActorKind.SYSTEM

GOOD = [
    (S.SENT, S.ACCEPTED),
    (S.SENT, S.WAITING_LIST),
    (S.SENT, S.DECLINED),
    (S.NO_RESPONSE, S.ACCEPTED),
    (S.WAITING_LIST, S.ACCEPTED),
    (S.ACCEPTED, S.ATTENDED),
    (S.ACCEPTED, S.DID_NOT_ATTEND),
    (S.DID_NOT_ATTEND, S.ATTENDED),
    (S.ATTENDED, S.STILL_GOING),
    (S.ATTENDED, S.STOPPED),
    (S.STILL_GOING, S.STOPPED),
    (S.SENT, S.WITHDRAWN),
    (S.STILL_GOING, S.WITHDRAWN),
    (S.ACCEPTED, S.CANCELLED),
]


@pytest.mark.parametrize(("state", "to"), GOOD)
def test_the_link_worker_can_make_every_move_of_the_machine(state: S, to: S) -> None:
    check_move(state, to, LW)
    assert to in allowed_moves(state, LW)


@pytest.mark.parametrize(
    ("state", "to"),
    [
        (S.WITHDRAWN, S.ACCEPTED),
        (S.CANCELLED, S.WITHDRAWN),
        (S.DECLINED, S.ACCEPTED),
        (S.STOPPED, S.STILL_GOING),
        (S.SENT, S.ATTENDED),
        (S.SENT, S.STILL_GOING),
        (S.ACCEPTED, S.STILL_GOING),
        (S.ACCEPTED, S.DECLINED),
        (S.ATTENDED, S.ACCEPTED),
        (S.WAITING_LIST, S.NO_RESPONSE),
    ],
)
def test_moves_the_machine_has_not_got_are_conflicts(state: S, to: S) -> None:
    with pytest.raises(Conflict):
        check_move(state, to, LW)
    assert to not in allowed_moves(state, LW)


def test_accepting_a_withdrawn_referral_says_it_is_over() -> None:
    with pytest.raises(Conflict, match="withdrawn: nothing more can change"):
        check_move(S.WITHDRAWN, S.ACCEPTED, ORG)


def test_organisers_answer_and_say_who_came_but_never_withdraw_or_follow_up() -> None:
    assert allowed_moves(S.SENT, ORG) == [S.ACCEPTED, S.WAITING_LIST, S.DECLINED]
    assert allowed_moves(S.ACCEPTED, ORG) == [S.ATTENDED, S.DID_NOT_ATTEND]
    assert allowed_moves(S.ATTENDED, ORG) == []
    with pytest.raises(Forbidden, match="Only the link worker"):
        check_move(S.SENT, S.WITHDRAWN, ORG)


def test_only_the_scheduler_marks_no_response_and_it_does_nothing_else() -> None:
    assert allowed_moves(S.SENT, SYS) == [S.NO_RESPONSE]
    assert allowed_moves(S.ACCEPTED, SYS) == []
    with pytest.raises(Forbidden, match="marks a referral no response itself"):
        check_move(S.SENT, S.NO_RESPONSE, LW)
