"""The words a match card uses for a bus time: estimated, or by the timetable with its worst."""

from __future__ import annotations

#: After an estimated bus time (no timetable covers the journey, or none is loaded).
ESTIMATED = "(estimated)"


def timetable_words(worst_minutes: int | None) -> str:
    """After a bus time routed by the timetable: where it comes from, and the journey to plan
    for over the person's departure window."""
    if worst_minutes is None:
        return "(by the timetable)"
    return f"(by the timetable; up to {worst_minutes} minutes)"


def step_free_words(warnings: tuple[str, ...], estimated: bool) -> str | None:
    """Why a step-free time is what it is: "By bus: step-free boarding at Friars Walk 11 is
    not known, so this time is estimated" (the timetable's bus cannot be vouched for), or
    "..., so the quicker buses are left out" (a step-free journey was found without them).
    None when there is nothing to say."""
    if not warnings:
        return None
    parts = []
    for warning in warnings:
        what, _, state = warning.rpartition(": ")
        parts.append(f"{what} is {state}" if what else warning)
    why = "this time is estimated" if estimated else "the quicker buses are left out"
    return f"By bus: {'; '.join(parts)}, so {why}"
