"""The words for referrals that every page shares: states, and the reasons for a no or a stop.

Keyed by the enums' values so templates and views never spell a state themselves.
"""

from __future__ import annotations

from assetmap.models import DeclineReason, ReferralState, StopReason

#: What each state is called on a page ("Accepted", "On the waiting list").
STATE = {
    ReferralState.SENT: "Sent, waiting for an answer",
    ReferralState.ACCEPTED: "Accepted",
    ReferralState.WAITING_LIST: "On the waiting list",
    ReferralState.DECLINED: "Declined",
    ReferralState.NO_RESPONSE: "No answer yet",
    ReferralState.ATTENDED: "Went along",
    ReferralState.DID_NOT_ATTEND: "Did not go",
    ReferralState.STILL_GOING: "Still going",
    ReferralState.STOPPED: "Stopped going",
    ReferralState.WITHDRAWN: "Withdrawn",
    ReferralState.CANCELLED: "Cancelled",
}

#: The button that makes each move ("Accept", "Mark as went along").
MOVE = {
    ReferralState.ACCEPTED: "Accept",
    ReferralState.WAITING_LIST: "Put on the waiting list",
    ReferralState.DECLINED: "Decline",
    ReferralState.ATTENDED: "They went along",
    ReferralState.DID_NOT_ATTEND: "They did not go",
    ReferralState.STILL_GOING: "They are still going",
    ReferralState.STOPPED: "They stopped going",
    ReferralState.WITHDRAWN: "Withdraw (they no longer want it)",
    ReferralState.CANCELLED: "Cancel (made by mistake)",
}

DECLINE_REASON = {
    DeclineReason.FULL: "We are full",
    DeclineReason.NEEDS_NOT_MET: "We cannot support their needs",
    DeclineReason.NOT_SUITABLE: "The group is not right for them",
    DeclineReason.NOT_RUNNING: "The group is not running now",
    DeclineReason.OTHER: "Another reason",
}

STOP_REASON = {
    StopReason.NOT_FOR_THEM: "It was not for them",
    StopReason.HEALTH: "Their health",
    StopReason.TRANSPORT: "Getting there",
    StopReason.MOVED: "They moved away",
    StopReason.GROUP_ENDED: "The group ended",
    StopReason.OTHER: "Another reason",
}

#: A tag colour (NHS.UK frontend) per state, so a list reads at a glance.
TAG = {
    ReferralState.SENT: "nhsuk-tag--blue",
    ReferralState.NO_RESPONSE: "nhsuk-tag--orange",
    ReferralState.WAITING_LIST: "nhsuk-tag--yellow",
    ReferralState.ACCEPTED: "nhsuk-tag--green",
    ReferralState.ATTENDED: "nhsuk-tag--green",
    ReferralState.STILL_GOING: "nhsuk-tag--green",
    ReferralState.DECLINED: "nhsuk-tag--red",
    ReferralState.DID_NOT_ATTEND: "nhsuk-tag--orange",
    ReferralState.STOPPED: "nhsuk-tag--grey",
    ReferralState.WITHDRAWN: "nhsuk-tag--grey",
    ReferralState.CANCELLED: "nhsuk-tag--grey",
}
