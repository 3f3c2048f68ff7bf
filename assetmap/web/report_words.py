"""The words of the commissioners' report pages (``/reports/referrals``) and the case admin
pages (``/admin/cases``): headings, column names and what each measure means."""

from __future__ import annotations

import datetime as dt

from assetmap.referrals.reports import STILL_GOING_WEEKS, SUPPRESS_BELOW

TITLE = "Referrals and what came of them"
INTRO = (
    "Referrals link workers made, whether the group took the person in, whether they went "
    f"along and whether they were still going at {STILL_GOING_WEEKS} weeks, with the change "
    "in their personal wellbeing (ONS4). Nothing here is about one person: counts under "
    f"{SUPPRESS_BELOW} are shown as \u201cfewer than {SUPPRESS_BELOW}\u201d, and where the "
    "total would give such a count away, another count is \u201cnot shown\u201d too. People "
    "whose data has been deleted are still counted."
)
TABLES = {
    "category": ("By kind of group", "Kind of group"),
    "area": ("By area (where the person lives)", "Area"),
    "month": ("By month the referral was sent", "Month"),
}
MEASURES = {
    "referrals": "Referrals",
    "accepted": "Accepted",
    "attended": "Went along",
    "still_going": f"Still going at {STILL_GOING_WEEKS} weeks",
}
QUESTIONS = {
    "life_satisfaction": "Life satisfaction",
    "worthwhile": "Worthwhile",
    "happiness": "Happiness",
    "anxiety": "Anxiety (lower is better)",
}
WELLBEING_INTRO = (
    "The mean change on each ONS4 question (scored 0 to 10) from the start of the case to "
    "the latest follow-up, over the people asked that question both times; shown only from "
    f"{SUPPRESS_BELOW} people. A rise is better for life satisfaction, worthwhile and "
    "happiness; for anxiety, lower is better, so a fall is the good news."
)
NOT_KNOWN = "Not known"
TOO_FEW = f"fewer than {SUPPRESS_BELOW} people"
DOWNLOAD = "Download CSV"


def month_words(key: str) -> str:
    """ "2026-11" → "November 2026"."""
    try:
        return dt.date.fromisoformat(f"{key}-01").strftime("%B %Y")
    except ValueError:
        return key


def change_words(mean: float | None) -> str:
    if mean is None:
        return TOO_FEW
    return f"{mean:+.1f}" if mean else "no change"


# ---- the case admin pages ----

CASES_TITLE = "A person's data"
CASES_INTRO = (
    "Find a case by the scheme's reference to see who opened it and when, to download "
    "everything held about the person (a subject access request) or to delete it on their "
    "request. The reference is sent in the form, never in the page's address."
)
ACTIONS = {
    "opened": "Opened",
    "changed": "Changed",
    "exported": "Downloaded their data",
    "erased": "Deleted their data",
}
ERASED_WHY = {"retention": "the retention period ended", "request": "the person asked"}
