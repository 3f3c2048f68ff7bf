"""The organiser's words for referrals: their list, the moves they make, pausing referrals.

The states' names and the reasons are the shared ones (``web/referral_words``); these are the
sentences around them on the organiser's pages and on the emailed link's page.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from assetmap.models import ReferralState

S = ReferralState
UK = ZoneInfo("Europe/London")

#: What the organiser is told after each answer: what happens next.
NEXT_STEPS = {
    S.ACCEPTED: (
        "Thank you for accepting this referral",
        "Please get in touch with the person the way they asked, to welcome them to the "
        "group. We have told the link worker who referred them. Once they have been (or if "
        "they do not come), you can say so on your referrals page if you have an account.",
    ),
    S.WAITING_LIST: (
        "The person is on your waiting list",
        "We have told the link worker who referred them. When a place is free, get in touch "
        "with the person the way they asked. Their place is no longer held for them.",
    ),
    S.DECLINED: (
        "You have declined this referral",
        "We have told the link worker who referred them, with your reason, so they can find "
        "the person another group. You do not need to do anything else.",
    ),
    S.ATTENDED: ("Thank you: they went along", "The link worker will follow up with them."),
    S.DID_NOT_ATTEND: (
        "Thank you: they did not go",
        "The link worker will follow up with them. If they come later, say so here.",
    ),
}

PAUSE_EXPLAINED = (
    "Link workers won't be offered your group until then, and cannot refer anyone to it; "
    "people already referred are not affected. Referrals start again by themselves the day "
    "after the date you choose."
)
PAUSED_FLASH = (
    "Link workers won't be offered it until then; people already referred are not affected."
)
PAUSE_HINT = "A date after today and at most a year ahead, for example 31 January 2027."
NOTE_HINT = (
    "Optional. The link worker who referred them will see it. Please do not write the "
    "person's name or health details."
)
NOTES_NEVER = (
    "You see only what you need to get in touch. The link worker's notes about the person "
    "stay with them."
)


def paused_words(until: dt.date | None, today: dt.date) -> str:
    """ "Referrals paused until 14 December 2026", or "" when the group takes referrals."""
    if until is None or until < today:
        return ""
    return f"Referrals paused until {until:%-d %B %Y}"


def sent_words(at: dt.datetime) -> str:
    """The day a referral was sent, in UK time: "1 December 2026"."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(UK).strftime("%-d %B %Y")
