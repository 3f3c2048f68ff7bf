"""Each note code in words: the link worker's (the page, and the API's ``text``) and the
person's (the printed plan). Adding a code without words, or without a line here, fails."""

from __future__ import annotations

import pytest

from assetmap.matching.notes import Note, ReasonCode, WarningCode
from assetmap.web.match.notes import (
    WORDS,
    person_checks,
    worker_sentence,
    worker_text,
)

R, W = ReasonCode, WarningCode

#: (note, the link worker's words): the engine's English from before codes, unchanged.
REASONS = [
    (Note(R.INTEREST_MATCHED, word="woodwork"), "matches 'woodwork'"),
    (Note(R.CATEGORY_MATCHED, category="peer_support"), "a peer support group"),
    (Note(R.JOURNEY, minutes=14, mode="bus", routes=("134", "C11")), "14 min by bus (134, C11)"),
    (Note(R.JOURNEY, minutes=33, mode="bus", routes=()), "33 min by bus"),
    (Note(R.JOURNEY, minutes=3, mode="walk", routes=()), "3 min walk"),
    (Note(R.JOURNEY, minutes=5, mode="wheelchair", routes=()), "5 min by wheelchair"),
    (Note(R.JOURNEY, minutes=1, mode="scooter", routes=()), "1 min by mobility scooter"),
    (Note(R.JOURNEY, minutes=6, mode="car", routes=()), "6 min by car"),
    (Note(R.JOURNEY, minutes=10, mode="taxi", routes=()), "10 min by taxi"),
    (
        Note(R.COLLECTED_FROM_HOME, minutes=24, transport="minibus pickup"),
        "collected from home (minibus pickup), about 24 min",
    ),
    (
        Note(R.COLLECTED_FROM_HOME, minutes=16, transport=None),
        "collected from home (door-to-door transport), about 16 min",
    ),
    (Note(R.PICKUP_AVAILABLE, transport="minibus pickup"), "minibus pickup available"),
    (Note(R.PICKUP_AVAILABLE, transport=None), "door-to-door transport available"),
    (Note(R.ACCESS_MET, need="step_free"), "step-free access"),
    (Note(R.ACCESS_MET, need="blue_badge_parking"), "blue badge parking"),
    (Note(R.GENDER_MATCHED, gender="men"), "a group for men"),
    (Note(R.EXTRA_HELP_SUPPORTED), "can support people who need extra help"),
    (Note(R.PLACES_FREE, places=1), "1 place free"),
    (Note(R.PLACES_FREE, places=6), "6 places free"),
    (Note(R.FREE), "free"),
    (Note(R.COST, amount_gbp=2.0), "£2 a session"),
    (Note(R.COST, amount_gbp=3.5), "£3.50 a session"),
    (
        Note(R.SESSION_FITS, day="tue", start="10:00", end="12:30"),
        "Tue 10:00 to 12:30 fits their week",
    ),
    (Note(R.SESSION_FITS, day="wed", start="14:00", end=None), "Wed 14:00 fits their week"),
]

#: (note, the link worker's words, what the plan tells the person).
WARNINGS = [
    (
        Note(W.ACCESS_NOT_KNOWN, need="hearing_loop"),
        "hearing loop: not known",
        "Ask about hearing loop",
    ),
    (
        Note(W.INVITATION_ONLY),
        "invitation only: ask the organiser",
        "Invitation only: ask the organiser",
    ),
    (Note(W.WAITING_LIST, waiting=4), "waiting list of 4", "There is a waiting list (4 people)"),
    (
        Note(W.FULL),
        "full at the moment: ask about a waiting list",
        "Full at the moment: ask about a waiting list",
    ),
    (Note(W.PLACES_NOT_KNOWN), "spare places: not known", "Ask about spare places"),
    (Note(W.NEVER_VERIFIED), "never verified: ring first", "Ring before you go: not checked yet"),
    (
        Note(W.MAY_HAVE_STOPPED, months=13),
        "not verified for 13 months: it may have stopped; ring before suggesting it",
        "Ring before you go: last checked 13 months ago, it may have stopped",
    ),
    (
        Note(W.NOT_VERIFIED, months=8),
        "not verified for 8 months: ring first",
        "Ring before you go: last checked 8 months ago",
    ),
    (
        Note(W.PROBLEM_REPORTED, date="2026-11-28"),
        "a problem was reported on 28 Nov 2026: ring first",
        "Ring before you go: something may have changed (28 Nov 2026)",
    ),
    (
        Note(W.EMAIL_BOUNCED, date="2026-12-01"),
        "our email to the group bounced on 1 Dec 2026: ring first",
        "Ring before you go: the group's details may have changed",
    ),
    (
        Note(W.NO_STOP_LISTED),
        "no bus stop listed near the venue: the bus time is a rough guide",
        "No bus stop listed near the venue: the bus time is a rough guide",
    ),
    (
        Note(W.TRANSPORT_TO_BOOK),
        "transport must be booked with the group: ask how",
        "Transport must be booked with the group: ask how",
    ),
    (
        Note(W.SUPPORT_NOT_KNOWN),
        "support for complex needs: not known, ask the organiser",
        "Support for complex needs: not known, ask the organiser",
    ),
    (Note(W.COST_NOT_KNOWN), "cost: not known", "Ask about cost"),
    (Note(W.SESSIONS_NOT_KNOWN), "session times: not known", "Ask about session times"),
    (Note(W.SINGLE_GENDER, gender="women"), "for women only", "For women only"),
    (Note(W.AGE_RANGE, min_age=18, max_age=65), "for ages 18 to 65", "For ages 18 to 65"),
    (Note(W.AGE_RANGE, min_age=60, max_age=None), "for ages 60 and over", "For ages 60 and over"),
    (Note(W.AGE_RANGE, min_age=None, max_age=30), "for ages up to 30", "For ages up to 30"),
]


def test_every_code_has_words_and_a_line_here() -> None:
    assert set(WORDS) == {*ReasonCode, *WarningCode}
    assert {note.code for note, _ in REASONS} == set(ReasonCode)
    assert {note.code for note, _, _ in WARNINGS} == set(WarningCode)


@pytest.mark.parametrize(("note", "worker"), REASONS, ids=lambda v: getattr(v, "code", ""))
def test_reasons_in_the_link_workers_words(note: Note, worker: str) -> None:
    assert worker_text(note) == worker
    assert worker_sentence(note) == worker[:1].upper() + worker[1:]


@pytest.mark.parametrize(
    ("note", "worker", "person"), WARNINGS, ids=lambda v: getattr(v, "code", "")
)
def test_warnings_for_the_link_worker_and_the_person(note: Note, worker: str, person: str) -> None:
    assert worker_text(note) == worker
    assert worker_sentence(note) == worker[:1].upper() + worker[1:]
    assert person_checks([note]) == [person]


def test_the_plan_asks_about_everything_not_known_in_one_line_first() -> None:
    warnings = [
        Note(W.PROBLEM_REPORTED, date="2026-11-28"),
        Note(W.ACCESS_NOT_KNOWN, need="step_free"),
        Note(W.ACCESS_NOT_KNOWN, need="hearing_loop"),
        Note(W.WAITING_LIST, waiting=4),
        Note(W.PLACES_NOT_KNOWN),
        Note(W.SUPPORT_NOT_KNOWN),
    ]
    assert person_checks(warnings) == [
        "Ask about step-free access, hearing loop and spare places",
        "Ring before you go: something may have changed (28 Nov 2026)",
        "There is a waiting list (4 people)",
        "Support for complex needs: not known, ask the organiser",
    ]
    assert person_checks([]) == []
