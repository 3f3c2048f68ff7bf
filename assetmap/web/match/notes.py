"""The words for the engine's notes: one place that turns each code and its values into English.

Every code has the link worker's sentence (the match page shows it, the API sends it as
``text``). Where the person's printed plan says it differently, the code has the person's
sentence too; and what nobody knows yet ("step-free access: not known") names the thing to ask
about, so the plan gathers those into one line. A code without words here fails the tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assetmap.geo.journeys import Mode
from assetmap.matching.notes import LeftOutCode, Note, NoteCode, ReasonCode, WarningCode
from assetmap.matching.results import RuledOut
from assetmap.web.wording import ACCESS_NAMES, DAY_NAMES, MODE_NAMES

R, W, L = ReasonCode, WarningCode, LeftOutCode

#: How a journey goes, after the minutes ("14 min by car"); the bus and being collected from
#: home are worded with their routes and the group's transport.
MODE_WORDS = {
    Mode.WALK: "walk",
    Mode.WHEELCHAIR: "by wheelchair",
    Mode.SCOOTER: "by mobility scooter",
    Mode.CAR: "by car",
    Mode.TAXI: "by taxi",
}

Say = Callable[[Note], str]


@dataclass(frozen=True)
class Words:
    """How one code is said."""

    #: The link worker's words, lower case, as the engine once wrote them.
    worker: Say
    #: The person's sentence on the plan, when it is not the link worker's.
    person: Say | None = None
    #: For a fact nobody knows yet: the thing to ask about ("step-free access").
    ask_about: Say | None = None


def _not_known(thing: Say) -> Words:
    return Words(worker=lambda note: f"{thing(note)}: not known", ask_about=thing)


def _need(note: Note) -> str:
    return ACCESS_NAMES[str(note["need"])].lower()


def _date(note: Note) -> str:
    return f"{dt.date.fromisoformat(str(note['date'])):%-d %b %Y}"


def _day(value: object) -> str:
    day = dt.date.fromisoformat(str(value))
    return f"{day:%a} {day.day} {day:%b}"


def _cancelled_for_person(note: Note) -> str:
    again = f": the next is {_day(note['next'])}" if note["next"] else ": ask when it meets next"
    return f"The session on {_day(note['date'])} is cancelled{again}"


def _pounds(amount: object) -> str:
    assert isinstance(amount, int | float)
    return f"£{amount:.2f}".replace(".00", "")


def _cost(note: Note) -> str:
    return _pounds(note["amount_gbp"]) + " a session"


def _needs_not_met(note: Note) -> str:
    needs = note["needs"]
    named = [ACCESS_NAMES[need].lower() for need in needs] if isinstance(needs, tuple) else []
    if not named:
        return "does not meet their access needs"
    return f"known not to have {and_list(named)}"


def _journey(note: Note) -> str:
    minutes, mode = note["minutes"], Mode(str(note["mode"]))
    if mode is Mode.BUS:
        routes = note["routes"]
        listed = f" ({', '.join(routes)})" if isinstance(routes, tuple) and routes else ""
        return f"{minutes} min by bus{listed}"
    return f"{minutes} min {MODE_WORDS[mode]}"


def _session(note: Note) -> str:
    day = DAY_NAMES[str(note["day"])][:3]
    until = f" to {note['end']}" if note["end"] else ""
    return f"{day} {note['start']}{until} fits their week"


def _ages(note: Note) -> str:
    low, high = note["min_age"], note["max_age"]
    if low is not None and high is not None:
        return f"for ages {low} to {high}"
    if low is not None:
        return f"for ages {low} and over"
    return f"for ages up to {high}"


def _audience(note: Note) -> str:
    """'for men only', 'for ages 18 to 65', 'for women aged 60 and over'."""
    gender = note["gender"]
    if note["min_age"] is None and note["max_age"] is None:
        return f"for {gender} only"
    ages = _ages(note)
    return f"{ages} only" if gender is None else f"for {gender} only, {ages}"


def _places(note: Note) -> str:
    """'2 places free', or '2 places free, 1 held' when referrals hold places."""
    places, held = note["places"], note.values.get("held")
    free = f"{places} place{'s' if places != 1 else ''} free"
    return f"{free}, {held} held" if held else free


def _places_for_person(note: Note) -> str:
    places = note["places"]
    return f"{places} place{'s' if places != 1 else ''} free at the moment"


def _full(note: Note) -> str:
    held = note.values.get("held")
    if held:
        return f"full at the moment ({held} held for referrals waiting an answer): ask again soon"
    return "full at the moment: ask about a waiting list"


def _paused_until(note: Note) -> str:
    until = note["until"]
    if not until:
        return "not taking referrals for now"
    day = dt.date.fromisoformat(str(until))
    return f"not taking referrals until {day:%-d %B}: people can still contact the group"


def duration(minutes: object) -> str:
    """'50 min', '1 hour', '3 hours', '2 h 30 min'."""
    assert isinstance(minutes, int | float)
    hours, rest = divmod(round(minutes), 60)
    if not hours:
        return f"{rest} min"
    if not rest:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{hours} h {rest} min"


def _outing(note: Note) -> str:
    """'about 3 h 50 min (40 min each way and a 2 h 30 min session)'."""
    return (
        f"about {duration(note['minutes'])} ({note['each_way']} min each way "
        f"and a {duration(note['session'])} session)"
    )


def _too_far(note: Note) -> str:
    metres = note["metres"]
    assert isinstance(metres, int | float)
    away = f"{metres / 1000:.1f} km" if metres >= 1000 else f"{round(metres)} m"
    if note["minutes"] is None:
        return f"no way there within how far they can walk or travel (about {away} away)"
    mode = Mode(str(note["mode"]))
    how = "by bus" if mode is Mode.BUS else MODE_WORDS.get(mode, "")
    return f"too far: about {note['minutes']} min {how}, more than their {note['limit']} min"


def _no_session(note: Note) -> str:
    sessions = note["sessions"]
    listed = []
    for session in sessions if isinstance(sessions, tuple) else ():
        day, _, start = session.partition(" ")
        if day in DAY_NAMES:
            listed.append(f"{DAY_NAMES[day][:3]} {start}")
    meets = f" (it meets {', '.join(listed)})" if listed else ""
    return f"no session when they are free{meets}"


_RING = "Ring before you go"

WORDS: dict[NoteCode, Words] = {
    R.INTEREST_MATCHED: Words(lambda n: f"matches '{n['word']}'"),
    R.CATEGORY_MATCHED: Words(lambda n: f"a {str(n['category']).replace('_', ' ')} group"),
    R.JOURNEY: Words(_journey),
    R.COLLECTED_FROM_HOME: Words(
        lambda n: (
            f"collected from home ({n['transport'] or 'door-to-door transport'}), "
            f"about {n['minutes']} min"
        )
    ),
    R.PICKUP_AVAILABLE: Words(lambda n: f"{n['transport'] or 'door-to-door transport'} available"),
    R.ACCESS_MET: Words(_need),
    R.GENDER_MATCHED: Words(lambda n: f"a group for {n['gender']}"),
    R.EXTRA_HELP_SUPPORTED: Words(lambda n: "can support people who need extra help"),
    R.PLACES_FREE: Words(_places, person=_places_for_person),
    R.FREE: Words(lambda n: "free"),
    R.COST: Words(_cost),
    R.SESSION_FITS: Words(_session),
    W.ACCESS_NOT_KNOWN: _not_known(_need),
    W.INVITATION_ONLY: Words(lambda n: "invitation only: ask the organiser"),
    W.WAITING_LIST: Words(
        lambda n: f"waiting list of {n['waiting']}",
        person=lambda n: f"There is a waiting list ({n['waiting']} people)",
    ),
    W.FULL: Words(_full, person=lambda n: "Full at the moment: ask about a waiting list"),
    W.PLACES_NOT_KNOWN: _not_known(lambda n: "spare places"),
    W.NEVER_VERIFIED: Words(
        lambda n: "never verified: ring first", person=lambda n: f"{_RING}: not checked yet"
    ),
    W.MAY_HAVE_STOPPED: Words(
        lambda n: (
            f"not verified for {n['months']} months: it may have stopped; ring before suggesting it"
        ),
        person=lambda n: f"{_RING}: last checked {n['months']} months ago, it may have stopped",
    ),
    W.NOT_VERIFIED: Words(
        lambda n: f"not verified for {n['months']} months: ring first",
        person=lambda n: f"{_RING}: last checked {n['months']} months ago",
    ),
    W.PROBLEM_REPORTED: Words(
        lambda n: f"a problem was reported on {_date(n)}: ring first",
        person=lambda n: f"{_RING}: something may have changed ({_date(n)})",
    ),
    W.EMAIL_BOUNCED: Words(
        lambda n: f"our email to the group bounced on {_date(n)}: ring first",
        person=lambda n: f"{_RING}: the group's details may have changed",
    ),
    W.NO_STOP_LISTED: Words(
        lambda n: "no bus stop listed near the venue: the bus time is a rough guide"
    ),
    W.TRANSPORT_TO_BOOK: Words(lambda n: "transport must be booked with the group: ask how"),
    W.SUPPORT_NOT_KNOWN: Words(lambda n: "support for complex needs: not known, ask the organiser"),
    W.COST_NOT_KNOWN: _not_known(lambda n: "cost"),
    W.SESSIONS_NOT_KNOWN: _not_known(lambda n: "session times"),
    W.SESSION_CANCELLED: Words(
        lambda n: f"not meeting on {_day(n['date'])} (cancelled)", person=_cancelled_for_person
    ),
    W.SINGLE_GENDER: Words(lambda n: f"for {n['gender']} only"),
    W.AGE_RANGE: Words(_ages),
    R.OUTING_FITS: Words(
        lambda n: f"the whole outing is {_outing(n)}, within their {duration(n['limit'])}",
        person=lambda n: f"The whole trip is {_outing(n)}",
    ),
    W.OUTING_CLOSE: Words(
        lambda n: (
            f"the whole outing is {_outing(n)}, close to their {duration(n['limit'])} away "
            "from home: a late bus or a long session would take them over"
        ),
        person=lambda n: (
            f"The whole trip is {_outing(n)}, close to your {duration(n['limit'])}: "
            "plan the journey home"
        ),
    ),
    W.OUTING_NOT_KNOWN: Words(
        lambda n: (
            f"session length not known: with {n['each_way']} min each way, check the whole "
            f"outing fits their {duration(n['limit'])}"
        ),
        ask_about=lambda n: "how long the session lasts",
    ),
    L.TOO_FAR: Words(_too_far),
    L.PAUSED: Words(lambda n: "paused for now: ask the organiser when it starts again"),
    L.INVITATION_ONLY: Words(lambda n: "by invitation only: ask the organiser"),
    L.AUDIENCE: Words(_audience),
    L.COST: Words(
        lambda n: f"costs {_cost(n)}, more than the {_pounds(n['limit_gbp'])} they can pay"
    ),
    L.COMPLEXITY: Words(lambda n: "cannot give the support they need"),
    L.REFERRALS_PAUSED: Words(_paused_until),
    L.COMPLEX_PLACES_TAKEN: Words(
        lambda n: "its places for people with complex needs are all taken by referrals"
    ),
    L.NEEDS_NOT_MET: Words(_needs_not_met),
    L.NO_SESSION: Words(_no_session),
    L.OUTING_TOO_LONG: Words(
        lambda n: (
            f"the whole outing would be {_outing(n)}, more than their "
            f"{duration(n['limit'])} away from home"
        )
    ),
}

#: The notes that say how the person gets there (a card shows them as its travel line).
JOURNEY_CODES = frozenset({R.JOURNEY, R.COLLECTED_FROM_HOME})


#: How a ruled-out way of travelling is named at the start of its line.
RULED_OUT_NAMES = {Mode.BUS: "By bus"}


def ruled_out_text(ruled: RuledOut) -> str:
    """'By bus: ruled out. The nearest stop is about 400 m from home (...) and they can walk
    200 m. Being able to walk 400 m would open 168 more groups. ...'."""
    where = (
        "we know of one near their home"
        if ruled.stop_known
        else "we assume this: no listing near their home names a stop"
    )
    opens = f"{ruled.opens} more group{'s' if ruled.opens != 1 else ''}"
    name = RULED_OUT_NAMES.get(ruled.mode, MODE_NAMES[ruled.mode])
    said = (
        f"{name}: ruled out. The nearest stop is about {ruled.stop_m} m from home ({where}) "
        f"and they can walk {ruled.walk_m} m. Being able to walk {ruled.stop_m} m would open "
        f"{opens}."
    )
    others = [MODE_NAMES[mode].lower() for mode in ruled.alternatives]
    if others:
        said += f" A {and_list(others)} could open more (tick it above to see)."
    return f"{said} Groups that collect people from home are included already."


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def worker_text(note: Note) -> str:
    """The link worker's words, as the API's ``text`` gives them ("step-free access: not
    known")."""
    return WORDS[note.code].worker(note)


def worker_sentence(note: Note) -> str:
    """The link worker's words as a card lists them ("Step-free access: not known")."""
    return sentence(worker_text(note))


def person_sentence(note: Note) -> str:
    """What the plan tells the person: their own words where there are some, else the link
    worker's."""
    words = WORDS[note.code]
    return sentence(words.person(note) if words.person else words.worker(note))


def person_checks(warnings: Sequence[Note]) -> list[str]:
    """What to check, for the person: the things nobody knows yet asked about in one line
    first ("Ask about step-free access, hearing loop and quiet space"), then the rest."""
    unknown = [ask(note) for note in warnings if (ask := WORDS[note.code].ask_about)]
    said = [person_sentence(note) for note in warnings if not WORDS[note.code].ask_about]
    if unknown:
        said.insert(0, f"Ask about {and_list(unknown)}")
    return said


def and_list(things: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return things[0] if len(things) == 1 else f"{', '.join(things[:-1])} and {things[-1]}"


__all__ = [
    "JOURNEY_CODES",
    "MODE_WORDS",
    "WORDS",
    "Words",
    "duration",
    "person_checks",
    "person_sentence",
    "ruled_out_text",
    "worker_sentence",
    "worker_text",
]
