"""Telling the link worker what the group said: one email when an organiser answers a referral.

The email goes through the outbox in the answer's own transaction, so an answer that fails
sends nothing. It carries no personal data: not the case reference, the initials, how the
person likes to be contacted, nor the organiser's note (which may name them). It says which
group, when the referral was made and what the group answered, and links to the case's page,
where the link worker signs in to read the rest. Case ids in a URL are not personal.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from assetmap.models import DeclineReason, Group, OutboxMessage, Referral, ReferralState, User
from assetmap.outbox.services import queue_email
from assetmap.referrals.states import ANSWERS

S = ReferralState
#: One fixed line: a long group name could not break the subject, nor the answer with it.
SUBJECT = "A group has answered your referral"

#: What the email says the group did.
ANSWER_WORDS = {
    S.ACCEPTED: "has accepted your referral. They will get in touch with the person",
    S.WAITING_LIST: "has put the person on its waiting list. They will get in touch when a place "
    "is free",
    S.DECLINED: "cannot take the person",
}

#: Why, for a decline (the organiser's own words stay on the case's page).
DECLINE_WORDS = {
    DeclineReason.FULL: "the group is full",
    DeclineReason.NEEDS_NOT_MET: "the group cannot support their needs",
    DeclineReason.NOT_SUITABLE: "the group is not right for them",
    DeclineReason.NOT_RUNNING: "the group is not running now",
    DeclineReason.OTHER: "another reason",
}


def referrer_of(session: Session, referral: Referral) -> User | None:
    """Who to tell: the link worker who made the referral, else the case's owner, if their
    account is still open."""
    for user_id in (referral.created_by_id, referral.case.owner_id):
        user = session.get(User, user_id) if user_id is not None else None
        if user is not None and user.active and user.email:
            return user
    return None


def tell_link_worker(session: Session, referral: Referral, public_url: str) -> OutboxMessage | None:
    """Queue the email that tells the referring link worker the group's answer; None when the
    referral's state is not an answer or nobody can be told."""
    if referral.state not in ANSWERS:
        return None
    to = referrer_of(session, referral)
    if to is None:
        return None
    group = session.get(Group, referral.group_id) if referral.group_id is not None else None
    name = group.name if group is not None else "a group no longer listed"
    made = referral.sent_at.strftime("%-d %B %Y")
    what = ANSWER_WORDS[referral.state]
    if referral.state is S.DECLINED and referral.decline_reason is not None:
        what += f": {DECLINE_WORDS[referral.decline_reason]}"
    link = f"{public_url.rstrip('/')}/cases/{referral.case_id}"
    body = (
        f"Hello,\n\n{name} {what}.\n\n"
        f"This is about your referral to {name} made on {made}. Sign in to see the case and "
        f"what to do next:\n\n{link}\n\nassetmap\n"
    )
    return queue_email(session, to.email, SUBJECT, body)
