"""Each note code in words: the link worker's (the page, and the API's ``text``) and the
person's (the printed plan). Adding a code without words, or without a line here, fails."""

from __future__ import annotations

import pytest

from assetmap.geo.journeys import Mode
from assetmap.matching.notes import LeftOutCode, Note, ReasonCode, WarningCode
from assetmap.matching.results import RuledOut
from assetmap.web.match.notes import (
    WORDS,
    person_checks,
    ruled_out_text,
    worker_sentence,
    worker_text,
)

R, W, L = ReasonCode, WarningCode, LeftOutCode

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
    (Note(R.PLACES_FREE, places=2, held=1), "2 places free, 1 held"),
    (Note(R.FREE), "free"),
    (Note(R.COST, amount_gbp=2.0), "£2 a session"),
    (Note(R.COST, amount_gbp=3.5), "£3.50 a session"),
    (
        Note(R.SESSION_FITS, day="tue", start="10:00", end="12:30"),
        "Tue 10:00 to 12:30 fits their week",
    ),
    (Note(R.SESSION_FITS, day="wed", start="14:00", end=None), "Wed 14:00 fits their week"),
    (
        Note(R.OUTING_FITS, minutes=70, limit=180, each_way=5, session=60),
        "the whole outing is about 1 h 10 min (5 min each way and a 1 hour session), "
        "within their 3 hours",
    ),
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
    (
        Note(W.OUTING_CLOSE, minutes=175, limit=180, each_way=20, session=135),
        "the whole outing is about 2 h 55 min (20 min each way and a 2 h 15 min session), "
        "close to their 3 hours away from home: a late bus or a long session would take "
        "them over",
        "The whole trip is about 2 h 55 min (20 min each way and a 2 h 15 min session), "
        "close to your 3 hours: plan the journey home",
    ),
    (
        Note(W.SESSION_CANCELLED, date="2026-12-08", next="2026-12-15"),
        "not meeting on Tue 8 Dec (cancelled)",
        "The session on Tue 8 Dec is cancelled: the next is Tue 15 Dec",
    ),
    (
        Note(W.SESSION_CANCELLED, date="2026-12-08", next=None),
        "not meeting on Tue 8 Dec (cancelled)",
        "The session on Tue 8 Dec is cancelled: ask when it meets next",
    ),
    (
        Note(W.OUTING_NOT_KNOWN, each_way=40, limit=180),
        "session length not known: with 40 min each way, check the whole outing fits their 3 hours",
        "Ask about how long the session lasts",
    ),
]

#: (note, the link worker's words): why a near miss was left out.
LEFT_OUT = [
    (
        Note(L.OUTING_TOO_LONG, minutes=230, limit=180, each_way=40, session=150),
        "the whole outing would be about 3 h 50 min (40 min each way and a 2 h 30 min "
        "session), more than their 3 hours away from home",
    ),
    (
        Note(L.TOO_FAR, minutes=45, limit=30, mode="bus", metres=4200.0),
        "too far: about 45 min by bus, more than their 30 min",
    ),
    (
        Note(L.TOO_FAR, minutes=None, limit=30, mode=None, metres=650.0),
        "no way there within how far they can walk or travel (about 650 m away)",
    ),
    (
        Note(L.NO_SESSION, sessions=("mon 10:00", "thu 14:30")),
        "no session when they are free (it meets Mon 10:00, Thu 14:30)",
    ),
    (Note(L.PAUSED), "paused for now: ask the organiser when it starts again"),
    (Note(L.INVITATION_ONLY), "by invitation only: ask the organiser"),
    (Note(L.AUDIENCE, gender="women", min_age=None, max_age=None), "for women only"),
    (Note(L.AUDIENCE, gender=None, min_age=18, max_age=30), "for ages 18 to 30 only"),
    (
        Note(L.AUDIENCE, gender="men", min_age=50, max_age=None),
        "for men only, for ages 50 and over",
    ),
    (
        Note(L.COST, amount_gbp=5.0, limit_gbp=3.5),
        "costs £5 a session, more than the £3.50 they can pay",
    ),
    (Note(L.COMPLEXITY), "cannot give the support they need"),
    (
        Note(L.REFERRALS_PAUSED, until="2026-12-14"),
        "not taking referrals until 14 December: people can still contact the group",
    ),
    (
        Note(L.COMPLEX_PLACES_TAKEN),
        "its places for people with complex needs are all taken by referrals",
    ),
    (
        Note(L.NEEDS_NOT_MET, needs=("step_free", "hearing_loop")),
        "known not to have step-free access and hearing loop",
    ),
]


def test_every_code_has_words_and_a_line_here() -> None:
    assert set(WORDS) == {*ReasonCode, *WarningCode, *LeftOutCode}
    assert {note.code for note, _ in REASONS} == set(ReasonCode)
    assert {note.code for note, _, _ in WARNINGS} == set(WarningCode)
    assert {note.code for note, _ in LEFT_OUT} == set(LeftOutCode)
    # Codes are strings: two kinds sharing a value would be one code.
    values = [code.value for kind in (ReasonCode, WarningCode, LeftOutCode) for code in kind]
    assert len(values) == len(set(values))


@pytest.mark.parametrize(("note", "worker"), LEFT_OUT, ids=lambda v: getattr(v, "code", ""))
def test_why_a_near_miss_was_left_out_in_words(note: Note, worker: str) -> None:
    assert worker_text(note) == worker


def test_a_bus_ruled_out_by_the_walk_says_why_and_what_would_open_it() -> None:
    assumed = RuledOut(
        mode=Mode.BUS,
        stop_m=400,
        stop_known=False,
        walk_m=200,
        opens=168,
        alternatives=(Mode.TAXI,),
    )
    assert ruled_out_text(assumed) == (
        "By bus: ruled out. The nearest stop is about 400 m from home (we assume this: no "
        "listing near their home names a stop) and they can walk 200 m. Being able to walk "
        "400 m would open 168 more groups. A taxi could open more (tick it above to see). "
        "Groups that collect people from home are included already."
    )
    known = RuledOut(mode=Mode.BUS, stop_m=250, stop_known=True, walk_m=100, opens=1)
    assert "(we know of one near their home)" in ruled_out_text(known)
    assert "would open 1 more group. Groups that collect" in ruled_out_text(known)


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
