"""The referral's state machine: which moves exist, who may make each, and what they mean.

``sent → accepted | waiting_list | declined | no_response``, then
``accepted → attended | did_not_attend``, ``attended → still_going | stopped`` and
``still_going → stopped``; a referral that is not over can be ``withdrawn`` (the person no
longer wants it) or ``cancelled`` (made by mistake). A group that answers late is still heard:
``no_response`` and ``waiting_list`` can move on to an answer. ``did_not_attend`` can still
become ``attended`` (they went the week after).

Organisers answer (accept, waiting list, decline) and may say whether the person came; the
link worker records everything but ``no_response``, which only the scheduler sets, after the
configured days without an answer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from assetmap.errors import Conflict, Forbidden
from assetmap.models import ReferralState

S = ReferralState


class ActorKind(enum.StrEnum):
    LINK_WORKER = "link_worker"  # link workers and admins, on the case's side
    ORGANISER = "organiser"  # signed in, or through the emailed link
    SYSTEM = "system"  # the scheduler


@dataclass(frozen=True)
class Actor:
    """Who moves a referral, in words that stay true after their account is gone."""

    kind: ActorKind
    label: str
    user_id: int | None = None


SYSTEM = Actor(ActorKind.SYSTEM, "assetmap (no answer in time)")

#: Moves each state allows.
MOVES: dict[ReferralState, frozenset[ReferralState]] = {
    S.SENT: frozenset({S.ACCEPTED, S.WAITING_LIST, S.DECLINED, S.NO_RESPONSE}),
    S.NO_RESPONSE: frozenset({S.ACCEPTED, S.WAITING_LIST, S.DECLINED}),
    S.WAITING_LIST: frozenset({S.ACCEPTED, S.DECLINED}),
    S.ACCEPTED: frozenset({S.ATTENDED, S.DID_NOT_ATTEND}),
    S.DID_NOT_ATTEND: frozenset({S.ATTENDED}),
    S.ATTENDED: frozenset({S.STILL_GOING, S.STOPPED}),
    S.STILL_GOING: frozenset({S.STOPPED}),
    S.DECLINED: frozenset(),
    S.STOPPED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.CANCELLED: frozenset(),
}
#: Over: nothing more happens (withdrawn and cancelled reach here from any other state).
FINAL = frozenset({S.DECLINED, S.STOPPED, S.WITHDRAWN, S.CANCELLED})
#: Waiting for the group to answer.
PENDING = frozenset({S.SENT, S.NO_RESPONSE, S.WAITING_LIST})
#: The group has taken the person in: a place is theirs until the referral ends.
TAKING_A_PLACE = frozenset({S.ACCEPTED, S.ATTENDED, S.STILL_GOING})
#: The group's answer, for how quickly and how often groups say yes.
ANSWERS = frozenset({S.ACCEPTED, S.WAITING_LIST, S.DECLINED})
#: A referral in one of these has ended: its place, if it had one, is free again.
ENDED = FINAL | {S.DID_NOT_ATTEND}
#: What the organiser may do.
ORGANISER_MOVES = ANSWERS | {S.ATTENDED, S.DID_NOT_ATTEND}
#: Moves that need a reason.
NEEDS_REASON = frozenset({S.DECLINED, S.STOPPED})


def allowed_moves(state: ReferralState, kind: ActorKind) -> list[ReferralState]:
    """The moves ``kind`` may make from ``state``, in the machine's order."""
    moves = set(MOVES[state])
    if state not in FINAL:
        moves |= {S.WITHDRAWN, S.CANCELLED}
    if kind is ActorKind.ORGANISER:
        moves &= ORGANISER_MOVES
    elif kind is ActorKind.LINK_WORKER:
        moves.discard(S.NO_RESPONSE)
    else:
        moves &= {S.NO_RESPONSE}
    return [s for s in ReferralState if s in moves]


def check_move(state: ReferralState, to: ReferralState, kind: ActorKind) -> None:
    """Raise Conflict (409) for a move the machine has not got, Forbidden (403) for one this
    kind of actor may not make; the message says what the referral is and what it could do."""
    if to not in MOVES[state] and not (to in (S.WITHDRAWN, S.CANCELLED) and state not in FINAL):
        if state in FINAL:
            raise Conflict(
                f"This referral is {_words(state)}: nothing more can change", field="state"
            )
        raise Conflict(
            f"A referral that is {_words(state)} cannot be marked {_words(to)}", field="state"
        )
    if to not in allowed_moves(state, kind):
        if to is S.NO_RESPONSE:
            raise Forbidden(
                "assetmap marks a referral no response itself, when the days to answer are up",
                field="state",
            )
        raise Forbidden(f"Only the link worker can mark a referral {_words(to)}", field="state")


def _words(state: ReferralState) -> str:
    return state.value.replace("_", " ")
