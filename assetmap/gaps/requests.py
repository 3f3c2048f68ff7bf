"""A gap question from a query string, shared by the /gaps page, the API and the command line.

A question starts from one of the ready-made profiles (``question``, the step-free weekday
one by default) and any part given replaces that part of it, so a link such as
``?question=mens-groups&minutes=20&target=age_65_plus`` reads as it is meant. Every problem is
a ValidationError naming the parameter, so the page can show it beside its field and the API
can answer 400 with ``field``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from assetmap.errors import ValidationError
from assetmap.gaps.profile import (
    EVENING_FROM,
    READY_MADE,
    WEEKDAYS,
    WEEKEND,
    NeedProfile,
    Target,
    Times,
)
from assetmap.geo.journeys import PERSON_MODES, Mode
from assetmap.models import ACCESSIBILITY_FLAGS, Category, Gender

E = TypeVar("E", Category, Mode, Gender, Target)

DEFAULT_QUESTION = "step-free-social-weekday-bus"
MAX_MINUTES = 120
#: When groups must meet, as the form offers it.
WHEN = ("any", "weekdays", "weekends", "evenings", "evenings_and_weekends")
#: The query parameters a gap question reads (anything else is ignored, e.g. ``format``).
PARAMETERS = (
    "question",
    "category",
    "interests",
    "needs",
    "modes",
    "minutes",
    "when",
    "support",
    "audience",
    "target",
)


@dataclass(frozen=True)
class GapQuestion:
    """The question as asked: its ready-made starting point and the profile it came to."""

    question: str
    profile: NeedProfile

    @property
    def key(self) -> tuple[object, ...]:
        """What identifies the question's answer (for the results cache)."""
        return dataclasses.astuple(self.profile)


def parse_gap_question(args: Mapping[str, Sequence[str]]) -> GapQuestion:
    """``args`` maps each parameter to its values (a query string's ``getlist``)."""

    def values(name: str) -> list[str]:
        return [v.strip() for v in args.get(name, []) if v.strip()]

    def one(name: str) -> str | None:
        found = values(name)
        return found[-1] if found else None

    question = one("question") or DEFAULT_QUESTION
    if question not in READY_MADE:
        raise ValidationError(f"question must be one of {', '.join(READY_MADE)}", field="question")
    profile = READY_MADE[question]
    changes: dict[str, Any] = {}
    if "category" in args:
        changes["categories"] = _enums(values("category"), Category, "category")
    if "interests" in args:
        typed = (part.strip().lower() for v in values("interests") for part in v.split(","))
        changes["interests"] = tuple(interest for interest in dict.fromkeys(typed) if interest)
    if "needs" in args:
        needs = values("needs")
        unknown = [n for n in needs if n not in ACCESSIBILITY_FLAGS]
        if unknown:
            raise ValidationError(
                f"needs: {unknown[0]!r} is not an access need; "
                f"use {', '.join(ACCESSIBILITY_FLAGS)}",
                field="needs",
            )
        changes["needs"] = tuple(dict.fromkeys(needs))
    mobility = profile.mobility
    if "modes" in args:
        modes = _enums(values("modes"), Mode, "modes")
        if not modes or any(m not in PERSON_MODES for m in modes):
            raise ValidationError(
                f"modes: choose from {', '.join(m.value for m in PERSON_MODES)}", field="modes"
            )
        mobility = dataclasses.replace(mobility, modes=modes)
    if (minutes := one("minutes")) is not None:
        if not minutes.isdigit() or not 1 <= int(minutes) <= MAX_MINUTES:
            raise ValidationError(
                f"minutes must be a whole number from 1 to {MAX_MINUTES}", field="minutes"
            )
        mobility = dataclasses.replace(mobility, max_travel_minutes=float(minutes))
    if mobility is not profile.mobility:
        changes["mobility"] = mobility
    if (when := one("when")) is not None:
        changes["times"] = _times(when)
    if (support := one("support")) is not None:
        if support not in {"1", "2", "3"}:
            raise ValidationError("support must be 1, 2 or 3", field="support")
        changes["support"] = int(support)
    if (audience := one("audience")) is not None:
        changes["audience"] = None if audience == "any" else _enum(audience, Gender, "audience")
    if (target := one("target")) is not None:
        changes["target"] = _enum(target, Target, "target")
    if changes:
        changed = dataclasses.replace(profile, **changes)
        # The form sends every field: only a real change makes it a question of one's own.
        if changed != profile:
            profile = dataclasses.replace(changed, name="Your question")
    return GapQuestion(question=question, profile=profile)


def question_args(args: Any) -> dict[str, list[str]]:
    """The question's parameters from a query string (anything with ``getlist``), each with
    every value given, and only those present: a part not given keeps the ready-made one."""
    return {name: args.getlist(name) for name in PARAMETERS if name in args}


def when_of(profile: NeedProfile) -> str:
    """The form's ``when`` answer that gives the profile's session times (or "any")."""
    for when in WHEN:
        if _times(when) == profile.times:
            return when
    return "any"


def _times(when: str) -> tuple[Times, ...]:
    evenings = Times(WEEKDAYS, earliest=EVENING_FROM)
    windows = {
        "any": (),
        "weekdays": (Times(WEEKDAYS),),
        "weekends": (Times(WEEKEND),),
        "evenings": (Times(WEEKDAYS | WEEKEND, earliest=EVENING_FROM),),
        "evenings_and_weekends": (evenings, Times(WEEKEND)),
    }
    if when not in windows:
        raise ValidationError(f"when must be one of {', '.join(WHEN)}", field="when")
    return windows[when]


def _enum(value: str, kind: type[E], field: str) -> E:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise ValidationError(f"{field}: {value!r} is not one of {choices}", field=field) from None


def _enums(found: list[str], kind: type[E], field: str) -> tuple[E, ...]:
    return tuple(dict.fromkeys(_enum(value, kind, field) for value in found))


__all__ = [
    "DEFAULT_QUESTION",
    "PARAMETERS",
    "WHEN",
    "GapQuestion",
    "parse_gap_question",
    "question_args",
    "when_of",
]
