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
