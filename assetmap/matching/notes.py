"""What the engine says about an option, as data: a code and the values behind it.

The engine decides which notes apply (``explain``); the words are the web layer's, so a page,
the printed plan and the API can each say the same thing their own way, and a change of
wording never changes what the engine decides. Values are JSON-ready (dates as ISO strings,
times as HH:MM, enums as their values) so the API can pass them on as they are.
"""

from __future__ import annotations

import enum
from typing import Any

#: What a note's values may hold: all of it serialises to JSON as it is.
NoteValue = str | int | float | tuple[str, ...] | None


class ReasonCode(enum.StrEnum):
    """A fact in a group's favour."""

    INTEREST_MATCHED = "interest_matched"  # word
    CATEGORY_MATCHED = "category_matched"  # category
    JOURNEY = "journey"  # minutes, mode, routes
    COLLECTED_FROM_HOME = "collected_from_home"  # minutes, transport
    PICKUP_AVAILABLE = "pickup_available"  # transport
    ACCESS_MET = "access_met"  # need
    GENDER_MATCHED = "gender_matched"  # gender
    EXTRA_HELP_SUPPORTED = "extra_help_supported"
    PLACES_FREE = "places_free"  # places, held (only when referrals hold some)
    FREE = "free"
    COST = "cost"  # amount_gbp
    SESSION_FITS = "session_fits"  # day, start, end
    OUTING_FITS = "outing_fits"  # minutes, limit, each_way, session


class WarningCode(enum.StrEnum):
    """Something uncertain or in the way: to check before referring."""

    ACCESS_NOT_KNOWN = "access_not_known"  # need
    INVITATION_ONLY = "invitation_only"
    WAITING_LIST = "waiting_list"  # waiting
    FULL = "full"  # held (only when referrals hold places)
    PLACES_NOT_KNOWN = "places_not_known"
    NEVER_VERIFIED = "never_verified"
    MAY_HAVE_STOPPED = "may_have_stopped"  # months
    NOT_VERIFIED = "not_verified"  # months
    PROBLEM_REPORTED = "problem_reported"  # date
    EMAIL_BOUNCED = "email_bounced"  # date
    NO_STOP_LISTED = "no_stop_listed"
    TRANSPORT_TO_BOOK = "transport_to_book"
    SUPPORT_NOT_KNOWN = "support_not_known"
    COST_NOT_KNOWN = "cost_not_known"
    SESSIONS_NOT_KNOWN = "sessions_not_known"
    SINGLE_GENDER = "single_gender"  # gender
    AGE_RANGE = "age_range"  # min_age, max_age
    OUTING_CLOSE = "outing_close"  # minutes, limit, each_way, session
    OUTING_NOT_KNOWN = "outing_not_known"  # each_way, limit
    SESSION_CANCELLED = "session_cancelled"  # date, next (the session after; None: not known)


class LeftOutCode(enum.StrEnum):
    """Why a group that is otherwise in reach was left out (a near miss)."""

    TOO_FAR = "too_far"  # minutes (None: no way within their limits), limit, mode, metres
    NO_SESSION = "no_session"  # sessions ("mon 10:00", ...)
    OUTING_TOO_LONG = "outing_too_long"  # minutes, limit, each_way, session
    # Values differ from every reason's and warning's (equal values would be equal codes).
    PAUSED = "paused"
    REFERRALS_PAUSED = "referrals_paused"  # until (the last day, ISO)
    COMPLEX_PLACES_TAKEN = "complex_places_taken"  # referrals fill its complex-needs places
    INVITATION_ONLY = "by_invitation"
    AUDIENCE = "for_others"  # gender (None: any), min_age, max_age
    COST = "costs_too_much"  # amount_gbp, limit_gbp
    COMPLEXITY = "support_not_given"
    NEEDS_NOT_MET = "needs_not_met"  # needs (the person's needs it is known not to meet)


NoteCode = ReasonCode | WarningCode | LeftOutCode


class Note:
    """One reason or warning, e.g. ``Note(WarningCode.NOT_VERIFIED, months=9)``.

    Immutable and hashable, and equal when code and values are: the engine drops repeated
    notes by equality, as it once dropped repeated sentences."""

    __slots__ = ("_values", "code")

    code: NoteCode
    _values: tuple[tuple[str, NoteValue], ...]

    def __init__(self, code: NoteCode, /, **values: NoteValue) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "_values", tuple(sorted(values.items())))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Note cannot be changed")

    @property
    def values(self) -> dict[str, NoteValue]:
        return dict(self._values)

    def __getitem__(self, name: str) -> NoteValue:
        return self.values[name]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Note):
            return NotImplemented
        return (self.code, self._values) == (other.code, other._values)

    def __hash__(self) -> int:
        return hash((self.code, self._values))

    def __repr__(self) -> str:
        shown = "".join(f", {name}={value!r}" for name, value in self._values)
        return f"Note({self.code.value!r}{shown})"


__all__ = ["LeftOutCode", "Note", "NoteCode", "NoteValue", "ReasonCode", "WarningCode"]
