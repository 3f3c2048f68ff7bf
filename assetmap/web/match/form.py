"""The match form's choices, in the words a link worker and the person use."""

from __future__ import annotations

from typing import Any

from assetmap.directory.queries import TimeOfDay
from assetmap.geo.geocoders import PLACE_ACCEPTED
from assetmap.geo.journeys import PERSON_MODES, Pace
from assetmap.models import ACCESSIBILITY_FLAGS, Category, Day
from assetmap.web.match.query import MAX_CHOSEN
from assetmap.web.wording import CATEGORY_NAMES, DAY_NAMES, MODE_NAMES

PACE_LABELS = {
    Pace.TYPICAL: "Typical",
    Pace.SLOW: "Slow (for example, uses a stick or frame, or gets out of breath)",
}
WALK_CHOICES = [
    ("", "Any distance"),
    ("100", "100 metres (to the end of the road)"),
    ("200", "200 metres"),
    ("400", "400 metres (about 5 minutes)"),
    ("800", "800 metres (about 10 minutes)"),
]
#: Longest time away from home (the journey both ways and the session), in minutes.
OUTING_CHOICES = [
    ("", "No limit"),
    ("60", "1 hour"),
    ("90", "1½ hours"),
    ("120", "2 hours"),
    ("150", "2½ hours"),
    ("180", "3 hours"),
    ("210", "3½ hours"),
    ("240", "4 hours"),
    ("300", "5 hours"),
    ("360", "6 hours"),
]
SUPPORT_LABELS = {
    "1": "No extra help needed",
    "2": "Some support (for example, someone to welcome them and check in)",
    "3": "Complex needs (the group must be able to support them well)",
}
GENDER_LABELS = {
    "any": "Show all groups",
    "men": "Show mixed groups and groups for men",
    "women": "Show mixed groups and groups for women",
}
TIME_LABELS = {
    TimeOfDay.MORNING: "Morning",
    TimeOfDay.AFTERNOON: "Afternoon",
    TimeOfDay.EVENING: "Evening",
}
#: The fields folded away under "More about them", with their defaults: a field set to
#: anything else (or in error) opens the section, so nothing chosen is hidden.
MORE_DEFAULTS = {
    "category": None,
    "pace": Pace.TYPICAL.value,
    "walk": "",
    "door": None,
    "support": "1",
    "max_cost": "",
    "gender": "any",
    "age": "",
    "invitation": None,
}


def outing_choices(chosen: str) -> list[tuple[str, str]]:
    """The choices for the longest time away, with one for a number of minutes the address
    holds that is not among them (so nothing chosen is hidden)."""
    chosen = chosen.strip()
    if not chosen or any(value == chosen for value, _ in OUTING_CHOICES):
        return OUTING_CHOICES
    return [*OUTING_CHOICES, (chosen, f"{chosen} minutes")]


def form_choices() -> dict[str, Any]:
    """What the form template offers, as (value, label) pairs where it lists them."""
    return {
        "categories": [(c.value, CATEGORY_NAMES[c.value]) for c in Category],
        "modes": [(m.value, MODE_NAMES[m]) for m in PERSON_MODES],
        "paces": [(p.value, label) for p, label in PACE_LABELS.items()],
        "walk_choices": WALK_CHOICES,
        "place_hint": f"Where they will travel from: {PLACE_ACCEPTED}",
        "access_flags": ACCESSIBILITY_FLAGS,
        "days": [(d.value, DAY_NAMES[d.value]) for d in Day],
        "times": [(t.value, label) for t, label in TIME_LABELS.items()],
        "support_labels": SUPPORT_LABELS,
        "gender_labels": GENDER_LABELS,
        "max_chosen": MAX_CHOSEN,
    }
