"""What the match page shows: the form as answered, its errors, and the ranked results as cards
with the engine's notes in the link worker's words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import url_for
from werkzeug.datastructures import MultiDict

from assetmap.geo.journeys import Mode
from assetmap.matching import EXCLUSION_REASONS, MatchResult, Option
from assetmap.matching.requests import MAX_LIMIT
from assetmap.matching.service import Matched
from assetmap.web.match.form import MORE_DEFAULTS, outing_choices
from assetmap.web.match.notes import (
    JOURNEY_CODES,
    MODE_WORDS,
    ruled_out_text,
    worker_sentence,
)
from assetmap.web.match.query import SHOW_STEP, FormError
from assetmap.web.match.transit_words import ESTIMATED, step_free_words, timetable_words
from assetmap.web.referral_places import stats_text

#: Fewer results than this and the page says the gap was noted (matching.unmet.UNMET_BELOW).
FEW_RESULTS = 3
#: Why groups were left out, in plain words: (one group, several groups).
EXCLUDED_WORDS = {
    "closed": ("1 has closed", "{n} have closed"),
    "paused": ("1 is paused", "{n} are paused"),
    "referrals_paused": (
        "1 is not taking referrals for now",
        "{n} are not taking referrals for now",
    ),
    "invitation_only": ("1 is by invitation only", "{n} are by invitation only"),
    "audience": ("1 is for a different age or gender", "{n} are for a different age or gender"),
    "cost": ("1 costs more than they can pay", "{n} cost more than they can pay"),
    "complexity": ("1 cannot give the support they need", "{n} cannot give the support they need"),
    "needs_not_met": ("1 does not meet their access needs", "{n} do not meet their access needs"),
    "too_far": ("1 is too far to get to", "{n} are too far to get to"),
    "no_session": ("1 has no session when they are free", "{n} have no session when they are free"),
    "outing_too_long": (
        "1 would keep them away from home too long",
        "{n} would keep them away from home too long",
    ),
    "interests_not_matched": (
        "1 does not match their interests",
        "{n} do not match their interests",
    ),
}


@dataclass
class Card:
    """One ranked result as the page shows it."""

    rank: int
    option: Option
    url: str
    fit: str
    travel: str
    reasons: list[str]
    warnings: list[str]
    #: "Usually replies within 3 days · accepts 4 in 5 referrals" (None: too few to say).
    learned: str | None = None
    #: The timetable journey to follow ("Bus 1 from Friars Walk 11 at 09:18, 19 min, ...").
    itinerary: str | None = None
    #: Why a step-free bus time is estimated or longer ("By bus: step-free boarding at ...").
    step_free: str | None = None

    @property
    def group(self) -> dict[str, Any]:
        return self.option.listing

    @property
    def score_percent(self) -> int:
        return round(self.option.score * 100)


@dataclass(frozen=True)
class Miss:
    """A group left out that nearly fitted, and what ruled it out, in words."""

    name: str
    url: str
    why: str


@dataclass
class MatchPage:
    args: MultiDict[str, str]
    errors: list[FormError] = field(default_factory=list)
    result: MatchResult | None = None
    cards: list[Card] = field(default_factory=list)
    centre: tuple[float, float] | None = None
    gap_noted: bool = False
    chosen: list[str] = field(default_factory=list)

    def show(self, matched: Matched, *, seen: bool) -> None:
        """Put a match's answer on the page; ``seen``: this search's gap was noted before."""
        result = matched.result
        self.result = result
        self.centre = (matched.location.lat, matched.location.lon)
        self.cards = [card_of(rank, option) for rank, option in enumerate(result.options, 1)]
        self.gap_noted = len(result.options) < FEW_RESULTS and (result.unmet_need_recorded or seen)

    def error_for(self, name: str) -> FormError | None:
        return next((error for error in self.errors if error.field == name), None)

    def anchor(self, error: FormError) -> str:
        """Where the error summary's link goes: the field, or the first group to choose."""
        if error.field == "choose" and self.cards:
            return f"choose-{self.cards[0].option.group_id}"
        return error.anchor

    @property
    def more_open(self) -> bool:
        """Whether a folded-away field is set or wrong, so its section opens to show it."""
        if any(error.field in MORE_DEFAULTS for error in self.errors):
            return True
        return any(
            value and value != MORE_DEFAULTS[name]
            for name in MORE_DEFAULTS
            for value in self.args.getlist(name)
        )

    @property
    def searched(self) -> bool:
        return "postcode" in self.args

    @property
    def fitting(self) -> int:
        """How many groups fit in all, shown or not (what was looked at, less what was left
        out); never fewer than the cards shown."""
        if self.result is None:
            return 0
        return max(self.result.fitting, len(self.cards))

    @property
    def more_url(self) -> str | None:
        """The same search showing ``SHOW_STEP`` more results, while there are more to show
        and the page is under the most it shows (``MAX_LIMIT``)."""
        shown = len(self.cards)
        if self.result is None or shown >= min(self.fitting, MAX_LIMIT):
            return None
        args = [(name, value) for name, value in self.args.items(multi=True) if name != "show"]
        args.append(("show", str(min(shown + SHOW_STEP, MAX_LIMIT))))
        return f"{url_for('match_pages.match_form')}?{urlencode(args)}#result-{shown + 1}"

    @property
    def more_count(self) -> int:
        """How many more "Show more" adds."""
        return min(SHOW_STEP, self.fitting - len(self.cards), MAX_LIMIT - len(self.cards))

    @property
    def near_misses(self) -> list[Miss]:
        if self.result is None:
            return []
        return [
            Miss(
                name=miss.name,
                url=url_for("public.listing_page", group_id=miss.group_id),
                why=worker_sentence(miss.why),
            )
            for miss in self.result.near_misses
        ]

    @property
    def ruled_out(self) -> list[str]:
        """Each way of travelling their limits rule out, why, and what would open it."""
        return [ruled_out_text(r) for r in self.result.ruled_out] if self.result else []

    @property
    def outing_choices(self) -> list[tuple[str, str]]:
        return outing_choices(self.args.get("outing", ""))

    @property
    def excluded_text(self) -> str:
        return excluded_text(self.result.excluded) if self.result else ""

    @property
    def map_points(self) -> list[dict[str, Any]]:
        """What the map's markers show (set as text by match.js, never as HTML)."""
        points = []
        for card in self.cards:
            venue = card.group.get("venue")
            if venue and venue.get("lat") is not None:
                points.append(
                    {
                        "rank": card.rank,
                        "name": card.group["name"],
                        "lat": venue["lat"],
                        "lon": venue["lon"],
                        "travel": card.travel,
                        "url": card.url,
                    }
                )
        return points


def fit_words(score: float) -> str:
    if score >= 0.75:
        return "Strong fit"
    if score >= 0.55:
        return "Good fit"
    return "Possible fit"


def travel_line(option: Option) -> str:
    """'About 14 minutes by bus (134)', 'Collected from home (minibus pickup), about 40
    minutes', 'About 6 minutes' walk'."""
    minutes = option.travel.minutes
    unit = f"{minutes} minute{'s' if minutes != 1 else ''}"
    mode = option.travel.mode
    if mode is Mode.BUS:
        if not option.travel.estimated:
            return f"About {unit} by bus {timetable_words(option.travel.worst_minutes)}"
        routes = option.travel.routes
        how = f"by bus {', '.join(routes)}" if routes else "by bus"
        return f"About {unit} {how} {ESTIMATED}"
    if mode is Mode.DOOR_TO_DOOR:
        notes = door_to_door(option.listing).get("notes") or "the group's own transport"
        return f"Collected from home ({notes.strip()}), about {unit}"
    if mode is Mode.WALK:
        return f"About {unit}' walk" if minutes != 1 else "About 1 minute's walk"
    return f"About {unit} {MODE_WORDS.get(mode, '')}".rstrip()


def door_to_door(listing: dict[str, Any]) -> dict[str, Any]:
    return (listing.get("transport") or {}).get("door_to_door") or {}


def card_of(rank: int, option: Option) -> Card:
    """The card for one result. How they get there is its own line, so the engine's journey
    note is left out of the reasons under it."""
    return Card(
        rank=rank,
        option=option,
        url=url_for("public.listing_page", group_id=option.group_id),
        fit=fit_words(option.score),
        travel=travel_line(option),
        itinerary=option.travel.itinerary,
        step_free=step_free_words(option.travel.transit_warnings, option.travel.estimated),
        reasons=[worker_sentence(r) for r in option.reasons if r.code not in JOURNEY_CODES],
        warnings=[worker_sentence(w) for w in option.warnings],
        learned=stats_text(option.referral_stats),
    )


def excluded_text(excluded: dict[str, int]) -> str:
    """'5 are too far to get to, 2 have closed and 1 does not meet their access needs'."""
    parts = []
    reasons = [*EXCLUSION_REASONS, *(why for why in excluded if why not in EXCLUSION_REASONS)]
    for why in reasons:
        n = excluded.get(why, 0)
        if n:
            fallback = why.replace("_", " ")
            one, many = EXCLUDED_WORDS.get(why, (f"1 ({fallback})", f"{{n}} ({fallback})"))
            parts.append(one if n == 1 else many.format(n=n))
    if len(parts) > 1:
        return f"{', '.join(parts[:-1])} and {parts[-1]}"
    return parts[0] if parts else ""
