"""The match card and the API say where a bus time comes from: "estimated", or the
timetable with its worst journey and the itinerary to follow (real Newport feed)."""

from __future__ import annotations

from assetmap.web.api.match import option_json
from assetmap.web.match.results import travel_line
from tests.matching.test_transit_matching import (
    EAST,
    NORTH_OFF_NETWORK,
    THORNBURY_PARK_SHOPS,
    at,
    run,
    transit,
)

__all__ = ["transit"]  # the module-scoped provider fixture


def test_a_timetable_bus_shows_its_worst_and_itinerary_an_estimated_one_says_so(
    database, add_groups, transit
) -> None:
    add_groups(
        at("Thornbury", THORNBURY_PARK_SHOPS),
        at("Eastside", EAST),
        at("Northfield", NORTH_OFF_NETWORK),
    )
    options = {o.listing["name"]: o for o in run(database, transit).options}
    thornbury, northfield = options["Thornbury"], options["Northfield"]
    line = travel_line(thornbury)
    assert line.startswith(f"About {thornbury.travel.minutes} minutes by bus (by the timetable")
    assert f"up to {thornbury.travel.worst_minutes} minutes" in line
    assert "estimated" not in line
    estimated = travel_line(northfield)  # with the routes at the listing's nearest stop
    assert estimated.startswith("About ") and estimated.endswith("(estimated)")
    assert "by bus" in estimated
    assert "estimated" not in travel_line(options["Eastside"])  # a walk: no bus to flag

    body = option_json(thornbury)["travel"]
    assert body["estimated"] is False
    assert body["itinerary"].startswith("Bus 1 from Friars Walk 11 at 09:18")
    assert body["worst_minutes"] >= body["minutes"]
    assert option_json(northfield)["travel"]["estimated"] is True
    assert "itinerary" not in option_json(northfield)["travel"]
