"""The words a link worker reads on each option: why it fits, and what to check first.

Reasons are facts in the group's favour ("matches 'woodwork'", "14 min by bus (134)",
"6 places free"). Warnings are everything uncertain or in the way, so nothing unknown is
passed off as fine ("step-free access: not known", "not verified for 9 months: ring first").
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assetmap.geo.journeys import Mode
from assetmap.matching.profile import Profile, Window
from assetmap.models import ACCESSIBILITY_NAMES, Day, Gender, Status
from assetmap.verification.policy import Freshness

DAY_SHORT = {day: day.value.capitalize() for day in Day}
MODE_WORDS = {
    Mode.WALK: "walk",
    Mode.WHEELCHAIR: "by wheelchair",
    Mode.SCOOTER: "by mobility scooter",
    Mode.CAR: "by car",
    Mode.TAXI: "by taxi",
}


@dataclass(frozen=True)
class Journey:
    """One group's journey, as the travel provider worked it out."""

    minutes: float
    mode: Mode
    distance_m: float
    pickup_covers: bool
    stop_assumed: bool
    routes: tuple[str, ...]


# ---- facts read off a group's row ------------------------------------------------------------


def spare_places(row: Any) -> int | None:
    if row.total_places is None or row.places_taken is None:
        return None
    return max(row.total_places - row.places_taken, 0)


def _nearest_stop(bus_stops: Sequence[dict[str, Any]] | None) -> dict[str, Any] | None:
    known = [
        s
        for s in bus_stops or ()
        if isinstance(s, dict) and isinstance(s.get("distance_m"), int | float)
    ]
    return min(known, key=lambda s: s["distance_m"]) if known else None


_STOP_DISTANCE = re.compile(r'"distance_m":\s*(\d+(?:\.\d+)?)')


def nearest_stop_m(bus_stops_json: str | None) -> float:
    """Metres from the venue to its nearest listed stop; NaN when none is listed. Read from
    the stored JSON text without parsing it: this runs for every candidate."""
    found = _STOP_DISTANCE.findall(bus_stops_json or "")
    return min(float(metres) for metres in found) if found else math.nan


def nearest_stop_routes(bus_stops_json: str | None) -> tuple[str, ...]:
    stops = json.loads(bus_stops_json) if bus_stops_json else []
    stop = _nearest_stop(stops if isinstance(stops, list) else [])
    return tuple(str(route) for route in (stop or {}).get("routes") or ())


def session_fits(sessions: Sequence[tuple[Any, ...]], windows: Sequence[Window]) -> bool:
    """A group with no session times listed is kept (with a warning): not known is not no."""
    if not sessions:
        return True
    return any(w.holds(day, start, end) for day, start, end in sessions for w in windows)


def _fitting_session(
    sessions: Sequence[tuple[Any, ...]], windows: Sequence[Window]
) -> tuple[Any, ...] | None:
    for day, start, end in sessions:
        if any(w.holds(day, start, end) for w in windows):
            return (day, start, end)
    return None


def _hhmm(value: dt.time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def _pounds(amount: float) -> str:
    return f"£{amount:.2f}".replace(".00", "")


def travel_text(journey: Journey, door_to_door_notes: str = "") -> str:
    minutes = max(1, round(journey.minutes))
    if journey.mode is Mode.BUS:
        routes = f" ({', '.join(journey.routes)})" if journey.routes else ""
        return f"{minutes} min by bus{routes}"
    if journey.mode is Mode.DOOR_TO_DOOR:
        how = door_to_door_notes.strip() or "door-to-door transport"
        return f"collected from home ({how}), about {minutes} min"
    return f"{minutes} min {MODE_WORDS[journey.mode]}"


# ---- the two lists ---------------------------------------------------------------------------


def reasons(
    row: Any,
    profile: Profile,
    journey: Journey,
    matched_words: Sequence[str],
    category_hits: Sequence[str],
    sessions: Sequence[tuple[Any, ...]],
) -> tuple[str, ...]:
    said = [f"matches '{word}'" for word in matched_words]
    said += [f"a {category.replace('_', ' ')} group" for category in category_hits]
    said.append(travel_text(journey, row.door_to_door_notes))
    if journey.pickup_covers and journey.mode is not Mode.DOOR_TO_DOOR:
        notes = (row.door_to_door_notes or "").strip()
        said.append(f"{notes} available" if notes else "door-to-door transport available")
    said += [
        ACCESSIBILITY_NAMES[need].lower()
        for need in profile.mobility.needs
        if getattr(row, need) is True
    ]
    if profile.gender is not None and row.gender == profile.gender:
        said.append(f"a group for {profile.gender.value}")
    if profile.complexity > 1 and row.complexity_supported is not None:
        said.append("can support people who need extra help")
    spare = spare_places(row)
    if spare and row.status is not Status.WAITING_LIST:
        said.append(f"{spare} place{'s' if spare != 1 else ''} free")
    if row.cost_free:
        said.append("free")
    elif profile.max_cost_gbp is not None and row.cost_amount_gbp is not None:
        said.append(f"{_pounds(row.cost_amount_gbp)} a session")
    if profile.availability:
        fit = _fitting_session(sessions, profile.availability)
        if fit is not None:
            day, start, end = fit
            until = f" to {_hhmm(end)}" if end else ""
            said.append(f"{DAY_SHORT[day]} {_hhmm(start)}{until} fits their week")
    return tuple(dict.fromkeys(said))


def warnings(
    row: Any,
    profile: Profile,
    journey: Journey,
    freshness: Freshness,
    sessions: Sequence[tuple[Any, ...]],
    today: dt.date,
    very_stale: bool = False,
) -> tuple[str, ...]:
    said = [
        f"{ACCESSIBILITY_NAMES[need].lower()}: not known"
        for need in profile.mobility.needs
        if getattr(row, need) is None
    ]
    if row.status is Status.INVITATION_ONLY:
        said.append("invitation only: ask the organiser")
    said += _capacity_warnings(row)
    said += _freshness_warnings(row, freshness, today, very_stale)
    if journey.stop_assumed:
        said.append("no bus stop listed near the venue: the bus time is a rough guide")
    if journey.mode is Mode.DOOR_TO_DOOR:
        said.append("transport must be booked with the group: ask how")
    if profile.complexity > 1 and row.complexity_supported is None:
        said.append("support for complex needs: not known, ask the organiser")
    if profile.max_cost_gbp is not None and row.cost_free is None and row.cost_amount_gbp is None:
        said.append("cost: not known")
    if profile.availability and not sessions:
        said.append("session times: not known")
    if profile.gender is None and row.gender is not Gender.ANY:
        said.append(f"for {row.gender.value} only")
    if profile.age is None and (row.min_age is not None or row.max_age is not None):
        said.append(_ages(row.min_age, row.max_age))
    return tuple(dict.fromkeys(said))


def _capacity_warnings(row: Any) -> list[str]:
    spare = spare_places(row)
    waiting = row.waiting_list or 0
    if row.status is Status.WAITING_LIST or spare == 0:
        if waiting:
            return [f"waiting list of {waiting}"]
        return ["full at the moment: ask about a waiting list"]
    if spare is None:
        return ["spare places: not known"]
    return []


def _freshness_warnings(
    row: Any, freshness: Freshness, today: dt.date, very_stale: bool = False
) -> list[str]:
    said = []
    verified = row.last_verified_at
    if verified is None:
        said.append("never verified: ring first")
    elif very_stale:
        months = (today - verified).days // 30
        said.append(
            f"not verified for {months} months: it may have stopped; ring before suggesting it"
        )
    elif freshness is not Freshness.FRESH and (today - verified).days >= 60:
        months = (today - verified).days // 30
        said.append(f"not verified for {months} months: ring first")
    if row.reported_on is not None and (verified is None or row.reported_on >= verified):
        said.append(f"a problem was reported on {row.reported_on:%-d %b %Y}: ring first")
    bounced = getattr(row, "bounced_on", None)
    if bounced is not None and (verified is None or bounced >= verified):
        said.append(f"our email to the group bounced on {bounced:%-d %b %Y}: ring first")
    return said


def _ages(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"for ages {low} to {high}"
    if low is not None:
        return f"for ages {low} and over"
    return f"for ages up to {high}"
