"""The card and the API say why a step-free bus time is estimated (real Newport feed, where no
served stop is known step-free)."""

from __future__ import annotations

from dataclasses import replace

from assetmap.geo.journeys import Destinations, Journeys, Mobility
from assetmap.geo.spatial import Point
from assetmap.geo.travel import EstimatedTravel
from assetmap.models import Role
from assetmap.web.api.match import option_json
from assetmap.web.match.results import card_of
from assetmap.web.match.transit_words import step_free_words
from tests.factories import listing
from tests.matching.test_transit_matching import THORNBURY_PARK_SHOPS, at, run, transit
from tests.matching.test_transit_step_free import BOARDING, WHEELCHAIR
from tests.web.match.test_pages import sign_in_as, url

__all__ = ["transit"]  # the module-scoped provider fixture


def test_the_words_name_the_stop_and_say_the_time_is_estimated() -> None:
    assert step_free_words((BOARDING,), estimated=True) == (
        "By bus: step-free boarding at Friars Walk 11 is not known, so this time is estimated"
    )
    assert step_free_words((BOARDING,), estimated=False).endswith(
        "so the quicker buses are left out"
    )
    assert step_free_words((), estimated=True) is None


def test_the_card_and_the_api_say_why(app, database, add_groups, transit) -> None:
    add_groups(at("Thornbury", THORNBURY_PARK_SHOPS))
    (option,) = run(database, transit, WHEELCHAIR).options

    with app.test_request_context():
        card = card_of(1, option)

    assert card.step_free is not None
    assert card.step_free.startswith("By bus: step-free boarding at Friars Walk 11 is not known; ")
    assert card.step_free.endswith("so this time is estimated")
    body = option_json(option)["travel"]
    assert body["estimated"] is True
    assert body["step_free_warnings"][0] == BOARDING


class Warned(EstimatedTravel):
    """The estimate, with a step-free warning at every destination (as the timetable gives
    a wheelchair user in Newport), so the page can be checked on the Camden fixtures."""

    def minutes(self, origin: Point, destinations: Destinations, mobility: Mobility) -> Journeys:
        journeys = super().minutes(origin, destinations, mobility)
        warned = ("step-free boarding at Kentish Town <Station>: not known",)
        return replace(journeys, transit_warnings=(warned,) * len(destinations))


def test_the_match_page_shows_the_warning_escaped(app, client, database, add_groups) -> None:
    add_groups(listing("Kentish Town Knit and Natter", at="NW5 1AA", interests=["knitting"]))
    sign_in_as(client, database, Role.LINK_WORKER)
    app.extensions["assetmap.travel"] = Warned()
    try:
        response = client.get(
            url("/match", ("postcode", "NW5 1AA"), ("interests", "knitting"), ("mode", "walk"))
        )
    finally:
        app.extensions["assetmap.travel"] = None

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Kentish Town &lt;Station&gt; is not known, so this time is estimated" in html
    assert "<Station>" not in html
