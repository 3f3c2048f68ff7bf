"""The words of the case pages (states and reasons are shared: ``web.referral_words``)."""

from __future__ import annotations

PERSONAL = "Personal data: seen only by your team"
NO_NAMES_HINT = (
    "Do not type their name, date of birth or NHS number here: the reference is enough for "
    "your team to find them in your own records."
)
WHAT_A_CASE_IS = (
    "A case is one person you support, kept under your scheme's own reference. It holds the "
    "groups you talked about and the referrals you make for them, and only your team sees it."
)
LABELS = {
    "reference": "Your scheme's reference for them",
    "initials": "Initials (optional)",
    "postcode": "Postcode (optional)",
    "contact_preference": "How they would like to be contacted (optional)",
    "access_needs": "What would help them join in (optional)",
    "notes": "Notes (optional)",
    "shortlist": "Groups you talked about",
    "profile": "What the match was for",
    "group_id": "Group",
    "case_id": "Case",
}
HINTS = {
    "reference": "The reference your scheme uses, like NS-0042. Not an NHS number.",
    "initials": "Letters only, like J.S. The group sees these.",
    "contact_preference": "For example: phone after 2pm, or text first. The group sees this.",
    "access_needs": "For example: uses a walking frame. The group sees this.",
    "notes": "Only you and your team see the notes, never the group.",
}
OPENED = "Case {reference} opened"
SAVED = "Case {reference} saved"
EMAILED = "Referred to {group}: we emailed the organiser"
PHONE = "{group} has no email address: phone them on {phone}"
NO_CONTACT = "{group} has no email address or phone number: contact them another way"
MOVED = "{group}: now {state}"
NO_CASE = "Choose one of your cases"
NO_GROUP = "Choose a group"
BAD_MOVE = "Choose one of the moves offered"
