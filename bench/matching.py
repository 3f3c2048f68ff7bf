"""Time what POST /api/v1/match does for conversations a link worker really has, from real
venues.

Each profile is matched from ``rounds`` places (venue locations picked at random, so the
density varies from town centres to the edges) through the matching service the endpoint
calls, and turned into the endpoint's JSON: validation, the spatial candidate search,
constraints, travel times, fuzzy interest fit, scoring, explanations, recording, JSON. Only
Flask's routing is left out.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import time
from typing import Any

from sqlalchemy import delete, select

from assetmap.config import Config
from assetmap.db import Database
from assetmap.geo.geocoders import geocoder_for
from assetmap.geo.travel import travel_provider_for
from assetmap.matching.requests import parse_match_request
from assetmap.matching.service import MatchDeps, run_match
from assetmap.models import UnmetNeed, Venue
from assetmap.verification.policy import FreshnessPolicy
from assetmap.web.api.match import result_json

#: (label, profile without location): from the common case to the widest search.
PROFILES: list[tuple[str, dict[str, Any]]] = [
    (
        "walk 20 min, 'walking'",
        {"interests": ["walking"], "mobility": {"modes": ["walk"], "max_travel_minutes": 20}},
    ),
    (
        "walk+bus 30 min, 2 interests, social, step-free",
        {
            "interests": ["woodwork", "company"],
            "categories": ["social"],
            "mobility": {
                "modes": ["walk", "bus"],
                "max_travel_minutes": 30,
                "max_walk_metres": 600,
                "needs": ["step_free"],
            },
        },
    ),
    (
        "wheelchair+taxi 30 min, 2 needs, Tue/Thu mornings",
        {
            "interests": ["singing", "art"],
            "mobility": {
                "modes": ["wheelchair", "taxi"],
                "max_travel_minutes": 30,
                "needs": ["wheelchair_accessible", "accessible_toilet"],
            },
            "availability": [
                {"day": "tue", "from": "09:00", "to": "12:30"},
                {"day": "thu", "from": "09:00", "to": "12:30"},
            ],
            "complexity": 2,
        },
    ),
    (
        "Mr P: 200 m walk, 20 min, men's group",
        {
            "interests": ["men's group"],
            "gender": "men",
            "mobility": {"modes": ["walk"], "max_travel_minutes": 20, "max_walk_metres": 200},
        },
    ),
    (
        "car 45 min, no interests (widest)",
        {"mobility": {"modes": ["car"], "max_travel_minutes": 45}},
    ),
]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def bench_match(url: str, backend: str, rounds: int) -> list[str]:
    """One table row per profile: p50/p95 of a match as the API answers it, with how many
    groups it weighed."""
    config = Config(database_url=url, secret_key="bench", tile_url="")
    database = Database(config)
    # Built once, as the app builds them (the geocoder is never asked: places are lat/lon).
    policy, travel = FreshnessPolicy.from_config(config), travel_provider_for(config)
    with database.engine.connect() as connection:
        venues = connection.execute(select(Venue.lat, Venue.lon)).all()
    places = [(v.lat, v.lon) for v in random.Random(11).sample(venues, rounds)]

    rows = []
    for label, profile in PROFILES:

        def ask(lat: float, lon: float, profile: dict[str, Any] = profile) -> dict[str, Any]:
            body = {**profile, "location": {"lat": lat, "lon": lon}, "limit": 10}
            with database.sessions() as session:
                deps = MatchDeps(
                    backend=database.backend,
                    policy=policy,
                    travel=travel,
                    geocoder=geocoder_for(config, session),
                    max_pickup_radius_km=config.max_pickup_radius_km,
                )
                matched = run_match(session, parse_match_request(body), deps, dt.date.today())
                answer = result_json(matched.result)
                json.dumps(answer)  # the endpoint's serialisation, timed with the rest
                return answer

        first = []
        for lat, lon in places:
            start = time.perf_counter_ns()
            ask(lat, lon)
            first.append((time.perf_counter_ns() - start) / 1e6)
        times, considered, returned = [], [], []
        for lat, lon in places:
            start = time.perf_counter_ns()
            answer = ask(lat, lon)
            times.append((time.perf_counter_ns() - start) / 1e6)
            considered.append(answer["considered"])
            returned.append(len(answer["results"]))
        rows.append(
            f"| {backend} | {label} | {statistics.median(considered):.0f} | "
            f"{statistics.median(returned):.0f} | {_pct(times, 0.5):.1f} | "
            f"{_pct(times, 0.95):.1f} | {max(times):.1f} | {_pct(first, 0.5):.1f} |"
        )
    # The benchmark's searches are not demand: leave no unmet-need rows behind.
    with database.engine.begin() as connection:
        connection.execute(delete(UnmetNeed))
    database.dispose()
    return rows


HEADER = [
    "| backend | profile | considered (median) | results (median) | p50 | p95 | max "
    "| first pass p50 |",
    "|---|---|---|---|---|---|---|---|",
]
