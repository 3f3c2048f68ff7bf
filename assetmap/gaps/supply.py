"""Supply: the live groups that fit a need profile, at their venues, with the places they offer.

A group is in one of three states for a profile:

* **fits**: live, at a venue, passes every part of the profile that is known, and every
  access need asked for is known to be met;
* **not known**: passes everything that is known, but at least one access need has no answer
  (or times were asked and it lists no sessions). It is counted apart, never as meeting the
  need: "not known is not no", but it is not yes either;
* **out**: anything else, including a venue known *not* to meet a need.

Places: spare places (``directory.contract.spare_places``); where capacity is not known a
group counts as one place, so it adds supply without pretending to a size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from assetmap.directory.contract import spare_places
from assetmap.gaps.profile import NeedProfile
from assetmap.geo.journeys import Destinations
from assetmap.models import Group, GroupCategory, GroupInterest, ScheduleEntry, Venue
from assetmap.verification.policy import LIVE

#: The places a group of unknown capacity counts for.
UNKNOWN_CAPACITY_PLACES = 1.0


@dataclass(frozen=True)
class Supply:
    """Fitting and not-known groups as parallel arrays, one element per group."""

    group_id: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    #: Spare places, or UNKNOWN_CAPACITY_PLACES where capacity is not known.
    places: np.ndarray
    #: True: known to fit. False: fits as far as is known, but something asked is not known.
    fits: np.ndarray
    waiting_list: np.ndarray
    stop_m: np.ndarray
    pickup_radius_m: np.ndarray

    def __len__(self) -> int:
        return int(self.group_id.shape[0])

    def destinations(self) -> Destinations:
        return Destinations.of(self.lat, self.lon, self.stop_m, self.pickup_radius_m)

    def with_group(self, lat: float, lon: float, places: float) -> Supply:
        """This supply plus one hypothetical fitting group (id -1) at a point: the what-if.
        It has no listed bus stop, so the bus egress walk is assumed, as for any such venue."""
        return Supply(
            group_id=np.append(self.group_id, -1),
            lat=np.append(self.lat, lat),
            lon=np.append(self.lon, lon),
            places=np.append(self.places, places),
            fits=np.append(self.fits, True),
            waiting_list=np.append(self.waiting_list, 0),
            stop_m=np.append(self.stop_m, math.nan),
            pickup_radius_m=np.append(self.pickup_radius_m, 0.0),
        )


def places_of(total_places: int | None, places_taken: int | None) -> float:
    """Spare places, never below nought; one place where capacity is not known."""
    spare = spare_places(total_places, places_taken)
    return UNKNOWN_CAPACITY_PLACES if spare is None else float(spare)


def _conditions(profile: NeedProfile) -> list[Any]:
    """The profile's hard parts as SQL: status, audience, support, category, interest, and no
    access need known unmet. Unknown (NULL) passes every one of them here."""
    conditions: list[Any] = [Group.status.in_(LIVE), Group.venue_id.is_not(None)]
    for need in profile.needs:
        column = getattr(Group, need)
        conditions.append(or_(column.is_(None), column.is_(True)))
    if profile.categories:
        conditions.append(
            exists().where(
                GroupCategory.group_id == Group.id,
                GroupCategory.category.in_(profile.categories),
            )
        )
    if profile.interests:
        wanted = [i.strip().lower() for i in profile.interests]
        conditions.append(
            exists().where(GroupInterest.group_id == Group.id, GroupInterest.interest.in_(wanted))
        )
    if profile.audience is not None:
        conditions.append(Group.gender == profile.audience)
    if profile.age is not None:
        conditions.append(or_(Group.min_age.is_(None), Group.min_age <= profile.age))
        conditions.append(or_(Group.max_age.is_(None), Group.max_age >= profile.age))
    if profile.support > 1:
        conditions.append(
            or_(Group.complexity_supported.is_(None), Group.complexity_supported >= profile.support)
        )
        conditions.append(
            or_(Group.complex_needs_places.is_(None), Group.complex_needs_places != 0)
        )
    return conditions


def _nearest_stop_m(stops: Any) -> float:
    found = [
        float(s["distance_m"])
        for s in stops or []
        if isinstance(s, dict) and isinstance(s.get("distance_m"), int | float)
    ]
    return min(found) if found else math.nan


def load_supply(session: Session, profile: NeedProfile) -> Supply:
    """The groups that fit ``profile``, or fit as far as is known, read in two queries (the
    groups, then their sessions when times are asked)."""
    need_columns = [getattr(Group, n) for n in profile.needs]
    rows = session.execute(
        select(
            Group.id,
            Venue.lat,
            Venue.lon,
            Group.total_places,
            Group.places_taken,
            Group.waiting_list,
            Group.bus_stops,
            Group.door_to_door_available,
            Group.door_to_door_radius_km,
            *need_columns,
        )
        .join(Venue, Venue.id == Group.venue_id)
        .where(and_(*_conditions(profile)))
        .order_by(Group.id)
    ).all()
    sessions: dict[int, list[Any]] = {}
    if profile.times and rows:
        for gid, day, start in session.execute(
            select(ScheduleEntry.group_id, ScheduleEntry.day, ScheduleEntry.start).where(
                ScheduleEntry.group_id.in_([r[0] for r in rows])
            )
        ):
            sessions.setdefault(gid, []).append((day, start))

    kept: list[tuple[Any, bool]] = []
    for row in rows:
        flags = row[9:]
        known = all(flag is True for flag in flags)
        if profile.times:
            listed = sessions.get(row[0], [])
            if listed and not profile.fits_times(listed):
                continue
            known = known and bool(listed)
        kept.append((row, known))
    return Supply(
        group_id=np.array([r[0] for r, _ in kept], dtype=np.int64),
        lat=np.array([r[1] for r, _ in kept], dtype=float),
        lon=np.array([r[2] for r, _ in kept], dtype=float),
        places=np.array([places_of(r[3], r[4]) for r, _ in kept], dtype=float),
        fits=np.array([k for _, k in kept], dtype=bool),
        waiting_list=np.array([r[5] or 0 for r, _ in kept], dtype=np.int64),
        stop_m=np.array([_nearest_stop_m(r[6]) for r, _ in kept], dtype=float),
        pickup_radius_m=np.array(
            [(r[8] or 0) * 1000 if r[7] else 0.0 for r, _ in kept], dtype=float
        ),
    )
