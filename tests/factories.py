"""A small fixture dataset the tests build: listings around Kentish Town with named variants."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

# Real-looking postcodes with centroids a few hundred metres apart, north to south.
POSTCODES: dict[str, tuple[float, float]] = {
    "NW5 1AA": (51.5505, -0.1410),
    "NW5 2AA": (51.5485, -0.1412),
    "NW1 7AA": (51.5390, -0.1426),
    "WC1H 9AA": (51.5246, -0.1340),
    "N6 5AA": (51.5710, -0.1450),
}

TODAY = dt.date.today()

_BASE: dict[str, Any] = {
    "name": "Tuesday Men's Shed",
    "description": "Woodwork, repairs and a cuppa.",
    "organisation": "Kentish Town Community Centre",
    "categories": ["creative", "social"],
    "interests": ["woodwork", "repairs", "men's group"],
    "status": "open",
    "audience": {"min_age": 50, "max_age": None, "gender": "men", "languages": ["en"]},
    "cost": {"free": False, "amount_gbp": 2.0, "notes": "tea included"},
    "online": False,
    "venue": {
        "name": "KTCC",
        "address": "1 Kentish Town Road",
        "postcode": "NW5 2AA",
        "lat": 51.5485,
        "lon": -0.1412,
    },
    "schedule": [{"day": "tue", "start": "10:00", "end": "12:30", "frequency": "weekly"}],
    "capacity": {
        "total_places": 20,
        "places_taken": 14,
        "waiting_list": 0,
        "complex_needs_places": 2,
        "complexity_supported": 2,
    },
    "accessibility": {
        "step_free": True,
        "wheelchair_accessible": True,
        "accessible_toilet": True,
        "hearing_loop": None,
        "blue_badge_parking": False,
        "seating_available": True,
        "dementia_friendly": None,
        "quiet_space": False,
        "notes": "",
    },
    "transport": {
        "bus_stops": [{"name": "Kentish Town Stn", "distance_m": 150, "routes": ["134", "214"]}],
        "rail_station": {"name": "Kentish Town", "distance_m": 300},
        "parking": False,
        "door_to_door": {"available": True, "radius_km": 5.0, "notes": "minibus pickup"},
    },
    "contact": {
        "name": "Jo",
        "phone": "020 7946 0000",
        "email": "jo@example.org",
        "website": None,
    },
    "referral": {"self_referral": True, "link_worker_referral": True, "notes": ""},
    "last_verified_at": (TODAY - dt.timedelta(days=20)).isoformat(),
    "verified_by": "Amira (link worker)",
}


def listing(
    name: str | None = None,
    *,
    stale: bool = False,
    due: bool = False,
    at: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A valid listing in the contract shape; ``at`` puts it at a fixture postcode."""
    data = copy.deepcopy(_BASE)
    if name is not None:
        data["name"] = name
    if stale:
        data["last_verified_at"] = (TODAY - dt.timedelta(days=400)).isoformat()
    if due:
        data["last_verified_at"] = (TODAY - dt.timedelta(days=170)).isoformat()
    if at is not None:
        lat, lon = POSTCODES[at]
        data["venue"] = {
            "name": f"Hall at {at}",
            "address": None,
            "postcode": at,
            "lat": lat,
            "lon": lon,
        }
    for key, value in overrides.items():
        # Parts merge into the defaults, except the venue, which is replaced whole.
        if isinstance(value, dict) and isinstance(data.get(key), dict) and key != "venue":
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data
