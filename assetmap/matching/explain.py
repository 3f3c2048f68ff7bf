"""Which notes an option carries: why it fits, and what to check first, as codes and values.

Reasons are facts in the group's favour (an interest matched, a journey of 14 minutes by bus
134, 6 places free). Warnings are everything uncertain or in the way, so nothing unknown is
passed off as fine (step-free access not known, not verified for 9 months). The words for
each code are the web layer's (``assetmap.web.match.notes``): nothing here is English.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assetmap.directory.sessions import (
    LOCAL_TIME,
    Certainty,
    cancelled_set,
    next_session,
    upcoming_dates,
)
from assetmap.geo.journeys import Mode
from assetmap.matching.notes import Note, ReasonCode, WarningCode
from assetmap.matching.outing import Outing
from assetmap.matching.profile import Profile, Window
from assetmap.models import Gender, Status
from assetmap.referrals.capacity import NONE, Holds, Places, places_after_referrals
from assetmap.verification.policy import Freshness

R, W = ReasonCode, WarningCode


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
    """The places the organiser's own counts leave free, before referrals."""
    if row.total_places is None or row.places_taken is None:
        return None
    return max(row.total_places - row.places_taken, 0)


def places_of(row: Any, holds: Holds = NONE) -> Places:
    """The group's places once referrals that take or hold one are counted."""
    return places_after_referrals(
        row.total_places, row.places_taken, row.complex_needs_places, holds
    )


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


def _transport_words(row_text: str | None) -> str | None:
    """The group's own words about its transport, or None when it gave none."""
    return (row_text or "").strip() or None


def journey_note(journey: Journey, door_to_door_notes: str | None = None) -> Note:
    """How the person gets there: by their own means, or collected by the group."""
    minutes = max(1, round(journey.minutes))
    if journey.mode is Mode.DOOR_TO_DOOR:
        return Note(
            R.COLLECTED_FROM_HOME, minutes=minutes, transport=_transport_words(door_to_door_notes)
        )
    routes = journey.routes if journey.mode is Mode.BUS else ()
    return Note(R.JOURNEY, minutes=minutes, mode=journey.mode.value, routes=routes)


# ---- the two lists ---------------------------------------------------------------------------


def reasons(
    row: Any,
    profile: Profile,
    journey: Journey,
    matched_words: Sequence[str],
    category_hits: Sequence[str],
    sessions: Sequence[tuple[Any, ...]],
    places: Places | None = None,
) -> tuple[Note, ...]:
    """``places``: the group's places after referrals (None: the organiser's counts alone)."""
    places = places or places_of(row)
    said = [Note(R.INTEREST_MATCHED, word=word) for word in matched_words]
    said += [Note(R.CATEGORY_MATCHED, category=category) for category in category_hits]
    said.append(journey_note(journey, row.door_to_door_notes))
    if journey.pickup_covers and journey.mode is not Mode.DOOR_TO_DOOR:
        said.append(Note(R.PICKUP_AVAILABLE, transport=_transport_words(row.door_to_door_notes)))
    said += [
        Note(R.ACCESS_MET, need=need)
        for need in profile.mobility.needs
        if getattr(row, need) is True
    ]
    if profile.gender is not None and row.gender == profile.gender:
        said.append(Note(R.GENDER_MATCHED, gender=profile.gender.value))
    if profile.complexity > 1 and row.complexity_supported is not None:
        said.append(Note(R.EXTRA_HELP_SUPPORTED))
    if places.free and row.status is not Status.WAITING_LIST:
        held = {"held": places.held} if places.held else {}
        said.append(Note(R.PLACES_FREE, places=places.free, **held))
    if row.cost_free:
        said.append(Note(R.FREE))
    elif profile.max_cost_gbp is not None and row.cost_amount_gbp is not None:
        said.append(Note(R.COST, amount_gbp=float(row.cost_amount_gbp)))
    if profile.availability:
        fit = _fitting_session(sessions, profile.availability)
        if fit is not None:
            day, start, end = fit
            said.append(
                Note(R.SESSION_FITS, day=day.value, start=_hhmm(start), end=_hhmm(end) or None)
            )
    return tuple(dict.fromkeys(said))


def warnings(
    row: Any,
    profile: Profile,
    journey: Journey,
    freshness: Freshness,
    sessions: Sequence[tuple[Any, ...]],
    today: dt.date,
    very_stale: bool = False,
    places: Places | None = None,
) -> tuple[Note, ...]:
    said = [
        Note(W.ACCESS_NOT_KNOWN, need=need)
        for need in profile.mobility.needs
        if getattr(row, need) is None
    ]
    if row.status is Status.INVITATION_ONLY:
        said.append(Note(W.INVITATION_ONLY))
    said += _capacity_warnings(row, places or places_of(row))
    said += _freshness_warnings(row, freshness, today, very_stale)
    if journey.stop_assumed:
        said.append(Note(W.NO_STOP_LISTED))
    if journey.mode is Mode.DOOR_TO_DOOR:
        said.append(Note(W.TRANSPORT_TO_BOOK))
    if profile.complexity > 1 and row.complexity_supported is None:
        said.append(Note(W.SUPPORT_NOT_KNOWN))
    if profile.max_cost_gbp is not None and row.cost_free is None and row.cost_amount_gbp is None:
        said.append(Note(W.COST_NOT_KNOWN))
    if profile.availability and not sessions:
        said.append(Note(W.SESSIONS_NOT_KNOWN))
    if profile.gender is None and row.gender is not Gender.ANY:
        said.append(Note(W.SINGLE_GENDER, gender=row.gender.value))
    if profile.age is None and (row.min_age is not None or row.max_age is not None):
        said.append(Note(W.AGE_RANGE, min_age=row.min_age, max_age=row.max_age))
    return tuple(dict.fromkeys(said))


def cancelled_warnings(listing: Mapping[str, Any], today: dt.date) -> tuple[Note, ...]:
    """'Not meeting on Tue 8 Dec (cancelled)': the group's next session, from the start of
    ``today``, is one of its cancelled dates (a paused or closed group is warned of otherwise)."""
    cancelled = cancelled_set(listing.get("cancelled_dates"))
    if not cancelled or listing.get("status") in (Status.PAUSED.value, Status.CLOSED.value):
        return ()
    schedule = listing.get("schedule") or []
    start = dt.datetime.combine(today, dt.time(0), tzinfo=LOCAL_TIME)
    natural = upcoming_dates(schedule, start, 1)
    if not natural or natural[0] not in cancelled:
        return ()
    after = next_session(schedule, start, cancelled)
    known = after is not None and after.certainty is Certainty.KNOWN
    again = after.starts.date().isoformat() if after is not None and known else None
    return (Note(W.SESSION_CANCELLED, date=natural[0].isoformat(), next=again),)


def _capacity_warnings(row: Any, places: Places) -> list[Note]:
    spare = places.free
    waiting = row.waiting_list or 0
    if row.status is Status.WAITING_LIST or spare == 0:
        if waiting:
            return [Note(W.WAITING_LIST, waiting=waiting)]
        return [Note(W.FULL, held=places.held) if places.held else Note(W.FULL)]
    if spare is None:
        return [Note(W.PLACES_NOT_KNOWN)]
    return []


def _freshness_warnings(
    row: Any, freshness: Freshness, today: dt.date, very_stale: bool = False
) -> list[Note]:
    said = []
    verified = row.last_verified_at
    if verified is None:
        said.append(Note(W.NEVER_VERIFIED))
    elif very_stale:
        said.append(Note(W.MAY_HAVE_STOPPED, months=(today - verified).days // 30))
    elif freshness is not Freshness.FRESH and (today - verified).days >= 60:
        said.append(Note(W.NOT_VERIFIED, months=(today - verified).days // 30))
    if row.reported_on is not None and (verified is None or row.reported_on >= verified):
        said.append(Note(W.PROBLEM_REPORTED, date=row.reported_on.isoformat()))
    bounced = getattr(row, "bounced_on", None)
    if bounced is not None and (verified is None or bounced >= verified):
        said.append(Note(W.EMAIL_BOUNCED, date=bounced.isoformat()))
    return said


def outing_reasons(profile: Profile, outing: Outing | None) -> tuple[Note, ...]:
    """The whole outing within their longest time away from home, with room to spare."""
    limit = profile.max_outing_minutes
    if limit is None or outing is None or outing.total is None or outing.close(limit):
        return ()
    return (
        Note(
            R.OUTING_FITS,
            minutes=outing.total,
            limit=round(limit),
            each_way=outing.travel_each_way,
            session=outing.session_minutes,
        ),
    )


def outing_warnings(profile: Profile, outing: Outing | None) -> tuple[Note, ...]:
    """The outing close to their limit, or of a length nobody can tell (no session end time):
    never passed off as fine."""
    limit = profile.max_outing_minutes
    if limit is None or outing is None:
        return ()
    if outing.total is None:
        return (Note(W.OUTING_NOT_KNOWN, each_way=outing.travel_each_way, limit=round(limit)),)
    if outing.close(limit):
        return (
            Note(
                W.OUTING_CLOSE,
                minutes=outing.total,
                limit=round(limit),
                each_way=outing.travel_each_way,
                session=outing.session_minutes,
            ),
        )
    return ()
