"""A listing as an ORUK 3.0 service: ids that hold, schedules as RRULE parts, what is unknown
left out rather than guessed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assetmap.interop.oruk_out import number_of, oruk_id, service_of, service_summary
from tests.factories import listing


def served(**overrides: Any) -> dict[str, Any]:
    data = listing("Knit and Natter", at="NW5 1AA", **overrides)
    data["id"] = 7
    data["capacity"]["spare_places"] = None
    return data


def test_ids_are_stable_and_numbered_ones_reverse() -> None:
    assert oruk_id("service", 7) == oruk_id("service", 7) != oruk_id("service", 8)
    assert number_of("service", oruk_id("service", 7)) == 7
    assert number_of("service", oruk_id("location", 7)) is None
    assert number_of("service", "00000001-a55e-8d0f-8a70-0000000000zz") is None
    assert oruk_id("schedule", "7:0") == oruk_id("schedule", "7:0")


def test_fortnightly_and_irregular_sessions() -> None:
    service = service_of(
        served(
            schedule=[
                {
                    "day": "tue",
                    "start": "10:00",
                    "end": None,
                    "frequency": "fortnightly",
                    "from_date": "2026-12-08",
                },
                {
                    "day": "fri",
                    "start": "18:30",
                    "end": "20:00",
                    "frequency": "other",
                    "from_date": None,
                },
            ]
        )
    )
    fortnightly, irregular = service["schedules"]
    assert (fortnightly["freq"], fortnightly["interval"], fortnightly["byday"]) == (
        "WEEKLY",
        2,
        "TU",
    )
    assert fortnightly["dtstart"] == "2026-12-08" and "closes_at" not in fortnightly
    assert "freq" not in irregular and "Fridays" in irregular["description"]


def test_unknowns_are_left_out_not_guessed() -> None:
    service = service_of(
        served(
            accessibility={"step_free": None, "hearing_loop": False, "notes": ""},
            cost={"free": None, "amount_gbp": None, "notes": ""},
            capacity={"total_places": None, "places_taken": None, "waiting_list": None},
            last_verified_at=None,
            organisation=None,
        ),
        assurer_email="team@example.org",
    )
    (link,) = service["service_at_locations"]
    words = [a["description"] for a in link["location"]["accessibility"]]
    assert "Hearing loop: no" in words and not any(w.startswith("Step-free") for w in words)
    assert service["cost_options"] == [] and service["capacities"] == []
    assert "assured_date" not in service and "assurer_email" not in service
    assert "organization" not in service and "organization_id" not in service


def test_capacity_in_the_hsds_31_shape_and_the_list_form() -> None:
    data = served(capacity={"total_places": 10, "places_taken": 10, "waiting_list": 4})
    data["capacity"]["spare_places"] = 0
    modified = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    service = service_of(data, last_modified=modified)
    places, waiting = service["capacities"]
    assert (places["available"], places["maximum"], places["unit"]["name"]) == (0, 10, "places")
    assert (waiting["available"], waiting["unit"]["name"]) == (4, "people waiting")
    assert places["updated"] == service["last_modified"] == "2026-11-30T09:00:00+00:00"
    summary = service_summary(service)
    assert "capacities" not in summary and summary["organization"]["name"] == data["organisation"]
