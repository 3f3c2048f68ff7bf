"""/gaps: a community builder asks where provision is missing and reads it in words and on a map."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from assetmap.accounts.users import create_user
from assetmap.db import Database
from assetmap.models import Area, Role
from tests.gaps.test_analysis import borough, centre  # noqa: F401  (the fixture)
from tests.web.conftest import axe_violations, screenshot
from tests.web.signed_in import sign_in_as

PASSWORD = "correct horse battery"
#: Elements that stick out past a 320 px screen (WCAG 1.4.10 reflow), by tag, id and class;
#: the map's own panes are clipped by the map and do not count.
WIDER_THAN_THE_SCREEN = """() => [...document.querySelectorAll('body *')]
  .filter(e => !e.closest('.leaflet-container'))
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 8)"""


def _sign_in(client, database, role: Role = Role.COMMUNITY_BUILDER) -> None:
    with database.session() as session:
        user_id = create_user(session, f"{role.value}@example.org", role).id
    sign_in_as(client, user_id)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_only_community_builders_and_admins_may_ask(client, borough: Database) -> None:  # noqa: F811
    assert client.get("/gaps").status_code == 302
    _sign_in(client, borough, Role.LINK_WORKER)
    assert client.get("/gaps").status_code == 403


def test_the_worst_area_comes_first_with_its_reason_in_words(client, borough: Database) -> None:  # noqa: F811
    _sign_in(client, borough)
    response = client.get("/gaps")
    assert response.status_code == 200
    text = _text(response)
    assert "Step-free social groups within 20 minutes by bus on weekdays" in text
    rows = re.findall(
        r"<tr class=\"nhsuk-table__row\">\s*<th[^>]*scope=\"row\">(.*?)</th>"
        r"\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>",
        response.get_data(as_text=True),
        re.S,
    )
    assert [re.sub(r"<[^>]+>|\s+", " ", r[0]).split()[0] for r in rows] == ["E", "M", "W"]
    east_reason = rows[0][2]
    assert "600 disabled residents" in east_reason
    assert "no fitting group within 20 minutes by wheelchair or bus" in east_reason
    assert "1 more in reach that might fit" not in east_reason
    assert rows[0][1].strip() == "100"
    # The map's data is in the page; these made-up areas carry no attribution.
    assert 'id="gap-data"' in response.get_data(as_text=True)
    assert "Contains OS data" not in text


def test_the_open_datas_attribution_is_shown_with_the_camden_areas(
    client,
    borough: Database,  # noqa: F811
) -> None:
    with borough.session() as session:
        session.query(Area).filter_by(code="E").update({"kind": "lsoa11", "name": "Camden 027C"})
    _sign_in(client, borough)
    text = _text(client.get("/gaps"))
    assert "Contains OS data © Crown copyright and database right 2025" in text
    assert "Open Government Licence" in text


def test_what_if_a_new_group_opened_in_the_worst_area(client, borough: Database) -> None:  # noqa: F811
    _sign_in(client, borough)
    lat, lon = centre("E")
    response = client.get(f"/gaps?at_lat={lat}&at_lon={lon}&places=10")
    assert response.status_code == 200
    text = _text(response)
    assert re.search(r"within 20 minutes by wheelchair or bus of 600 disabled residents", text)
    assert "600 of whom have no fitting group in reach today" in text


def test_bad_answers_are_form_errors_not_failures(client, borough: Database) -> None:  # noqa: F811
    _sign_in(client, borough)
    response = client.get("/gaps?minutes=500")
    assert response.status_code == 400
    assert "minutes must be a whole number from 1 to 120" in _text(response)
    assert 'href="#minutes"' in response.get_data(as_text=True)
    bad_point = client.get("/gaps?at_postcode=ZZ9 9ZZ")
    assert bad_point.status_code == 400 and "was not found" in _text(bad_point)


def test_the_areas_download_as_csv(client, borough: Database) -> None:  # noqa: F811
    _sign_in(client, borough)
    response = client.get("/gaps/areas.csv?minutes=20")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["code"] for r in rows] == ["E", "M", "W"]


def test_area_names_are_escaped(client, borough: Database) -> None:  # noqa: F811
    with borough.session() as session:
        area = session.query(Area).filter_by(code="E").one()
        area.name = "<script>alert(1)</script>"
    _sign_in(client, borough)
    html = client.get("/gaps").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.only_backend("spatialite")
def test_a_community_builder_asks_the_wheelchair_question(page: Page, borough: Database) -> None:  # noqa: F811
    with borough.session() as session:
        create_user(session, "cb@example.org", Role.COMMUNITY_BUILDER, password=PASSWORD)
    page.goto("/login")
    page.fill("#email", "cb@example.org")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Sign in')")
    page.click("text=Gaps")
    page.select_option("#question", "step-free-social-weekday-bus")
    page.fill("#minutes", "20")
    with page.expect_navigation():
        page.click("button:has-text('Show the gaps')")
    expect(page.locator("#worst tbody tr").first).to_contain_text("E area")
    expect(page.locator("#gap-map .leaflet-interactive").first).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "gaps-explore")
    # What if: click the map over the worst area, then ask.
    box = page.locator("#gap-map").bounding_box()
    assert box is not None
    page.locator("#gap-map .leaflet-interactive").first.click()
    expect(page.locator("#at-chosen")).to_contain_text("Point chosen on the map")
    with page.expect_navigation():
        page.click("button:has-text('See what it would reach')")
    expect(page.locator("#what-if-result")).to_contain_text("A new group there would be within")
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.click("#export-csv")
    assert download.value.suggested_filename == "gaps-step-free-social-weekday-bus.csv"
    page.set_viewport_size({"width": 320, "height": 800})
    wide = page.evaluate(WIDER_THAN_THE_SCREEN)
    assert wide == [], wide
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(page, "gaps-explore-320")


def test_when_every_area_is_covered_the_page_says_so(client, borough: Database) -> None:  # noqa: F811
    """A broad question (any social group within an hour) leaves no gap anywhere: the page
    says so, and ranks by places per 1,000 instead of a row of zeros without a word."""
    _sign_in(client, borough)
    response = client.get("/gaps?needs=&minutes=120&modes=walk&modes=bus&modes=car")
    assert response.status_code == 200
    text = _text(response)
    assert "have at least one fitting group within 120 minutes" in text
    assert "places per 1,000 disabled residents" in text


def test_the_areas_download_as_geojson_with_their_outlines(client, borough: Database) -> None:  # noqa: F811
    _sign_in(client, borough)
    response = client.get("/gaps/areas.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    body = response.get_json(force=True)
    assert [f["properties"]["code"] for f in body["features"]] == ["E", "M", "W"]
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert client.get("/gaps/areas.geojson?minutes=0").status_code == 400
