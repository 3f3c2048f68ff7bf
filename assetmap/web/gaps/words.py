"""The gap page's words: whose need, how they travel, and each area's gap in one sentence."""

from __future__ import annotations

import math

from assetmap.gaps.analysis import AreaGap
from assetmap.gaps.profile import NeedProfile, Target
from assetmap.gaps.unmet import SUPPRESS_BELOW
from assetmap.web.wording import MODE_NAMES

TARGET_WORDS = {
    Target.ALL: "people",
    Target.AGE_65_PLUS: "people over 65",
    Target.AGE_75_PLUS: "people over 75",
    Target.DISABLED: "disabled residents",
}
TARGET_CHOICES = {
    Target.ALL: "Everyone",
    Target.AGE_65_PLUS: "People aged 65 and over",
    Target.AGE_75_PLUS: "People aged 75 and over",
    Target.DISABLED: "Disabled residents",
}
WHEN_CHOICES = {
    "any": "Any day or time",
    "weekdays": "Weekdays",
    "weekends": "Weekends",
    "evenings": "Evenings (starting 5pm or later)",
    "evenings_and_weekends": "Weekday evenings and weekends",
}
SUPPORT_CHOICES = {
    "1": "Any group",
    "2": "Groups that give some support",
    "3": "Groups that can support complex needs",
}
#: Gap score classes for the map, low to high, with a colour-blind-safe sequential palette
#: (viridis, reversed so a bigger gap is darker) and the words of the legend.
GAP_CLASSES = (
    (0.0, "#fde725", "No gap"),
    (25.0, "#5ec962", "Up to 25"),
    (50.0, "#21918c", "25 to 50"),
    (75.0, "#3b528b", "50 to 75"),
    (100.0, "#440154", "75 to 100"),
)
NO_FIGURES = ("#bdbdbd", "People not known")


def journey_words(profile: NeedProfile) -> str:
    """'20 minutes by wheelchair or bus'."""
    modes = [MODE_NAMES[m].split(" (")[0].lower() for m in profile.mobility.modes]
    ways = " or ".join(modes)
    return f"{profile.budget_minutes:.0f} minutes by {ways}" if ways else "any way"


def area_reason(area: AreaGap, profile: NeedProfile, target: Target) -> str:
    """One area's gap in plain words, e.g. '600 disabled residents; no fitting group within
    20 minutes by wheelchair or bus; the nearest is 34 minutes away'."""
    who = TARGET_WORDS[target]
    parts = [f"{area.people:,.0f} {who}" if area.people is not None else f"{who}: not known"]
    budget = f"within {journey_words(profile)}"
    if area.groups_in_reach == 0:
        parts.append(f"no fitting group {budget}")
    else:
        groups = f"{area.groups_in_reach} fitting group{'s' * (area.groups_in_reach != 1)}"
        parts.append(f"{groups} {budget}, in reach of {area.coverage:.0%} of them")
        parts.append(f"{_rate(area.places_per_1000)} places per 1,000 {who}")
    if area.not_known_in_reach:
        n = area.not_known_in_reach
        whose = "its" if n == 1 else "their"
        parts.append(f"{n} more in reach that might fit: {whose} answers are not known")
    if area.groups_in_reach == 0:
        if math.isfinite(area.nearest_minutes):
            parts.append(f"the nearest is {area.nearest_minutes:.0f} minutes away")
        else:
            parts.append("none can be reached this way")
    if area.unmet_needs:
        count = area.unmet_needs
        shown = f"fewer than {SUPPRESS_BELOW}" if count < SUPPRESS_BELOW else f"{count}"
        parts.append(f"{shown} unmet need{'s' * (count != 1)} recorded")
    if area.waiting_list:
        parts.append(f"{area.waiting_list} on waiting lists")
    return "; ".join(parts)


def _rate(value: float) -> str:
    """A rate to the precision it is read at: 12, 3.4, 0.07."""
    if value >= 10:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def gap_class(score: float | None) -> tuple[str, str]:
    """The map colour and legend words for a gap score."""
    if score is None:
        return NO_FIGURES
    for upper, colour, words in GAP_CLASSES:
        if score <= upper:
            return colour, words
    return GAP_CLASSES[-1][1], GAP_CLASSES[-1][2]
