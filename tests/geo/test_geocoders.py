"""The local gazetteer places districts, sectors and place names, not only full postcodes
(issue 14, item 8), from the app's own tables, on both backends."""

from __future__ import annotations

import pytest

from assetmap.errors import ValidationError
from assetmap.geo.geocoders import GazetteerGeocoder, locate_place
from assetmap.geo.postcodes import postcode_prefixes
from assetmap.models import Area
from tests.factories import POSTCODES, listing


def _venue(name: str, address: str | None, lat: float, lon: float) -> dict:
    return listing(
        f"Group at {name}",
        venue={"name": name, "address": address, "postcode": None, "lat": lat, "lon": lon},
    )


@pytest.fixture
def places(database, add_groups):
    add_groups(
        _venue("Church hall", "12 Kentish Town Road, London", 51.5460, -0.1420),
        _venue("Library", "262 Kentish Town Road", 51.5480, -0.1410),
        _venue("Highgate Library", "Chester Road", 51.5700, -0.1450),
        _venue("Bloomsbury Hall", "Byng Place Road", 51.5246, -0.1340),
        _venue("Oak Village Hall", None, 51.5530, -0.1480),
    )
    with database.session() as session:
        ring = "-0.15 51.54, -0.13 51.54, -0.13 51.56, -0.15 51.56, -0.15 51.54"
        session.add(
            Area(
                code="E05013660",
                name="Gospel Oak",
                kind="ward",
                geometry=f"SRID=4326;MULTIPOLYGON((({ring})))",
            )
        )
        session.commit()
    return database


@pytest.mark.parametrize(
    ("typed", "prefixes"),
    [
        ("NW5", ["NW5 "]),
        (" nw5  2 ", ["NW5 2"]),
        ("E14", ["E14 ", "E1 4"]),
        ("WC1H", ["WC1H "]),
        ("Kentish Town", []),
        ("NW5 2AB", []),
    ],
)
def test_districts_and_sectors_stand_for_the_starts_of_postcodes(typed, prefixes) -> None:
    assert postcode_prefixes(typed) == prefixes


def test_a_district_or_sector_is_the_centre_of_its_postcodes(places) -> None:
    with places.session() as session:
        geocoder = GazetteerGeocoder(session)
        district = geocoder.geocode("nw5")
        sector = geocoder.geocode("NW5 2")
        unknown = geocoder.geocode("ZZ9")
    (lat1, lon1), (lat2, lon2) = POSTCODES["NW5 1AA"], POSTCODES["NW5 2AA"]
    assert district is not None and district.label == "NW5"
    assert district.lat == pytest.approx((lat1 + lat2) / 2)
    assert district.lon == pytest.approx((lon1 + lon2) / 2)
    assert sector is not None and (sector.lat, sector.lon) == pytest.approx((lat2, lon2))
    assert unknown is None


def test_a_place_name_is_an_area_or_the_venues_that_have_it(places) -> None:
    with places.session() as session:
        geocoder = GazetteerGeocoder(session)
        area = geocoder.geocode("gospel oak")
        street = geocoder.geocode("Kentish Town")
        venue = geocoder.geocode("highgate library")
        vague = geocoder.geocode("Road")  # venues kilometres apart: too vague to place
        nowhere = geocoder.geocode("Atlantis")
        partial = geocoder.geocode("Kentish T")  # not a whole word of any address
    assert area is not None and (area.lat, area.lon) == pytest.approx((51.55, -0.14))
    assert street is not None and (street.lat, street.lon) == pytest.approx((51.547, -0.1415))
    assert venue is not None and (venue.lat, venue.lon) == pytest.approx((51.57, -0.145))
    assert venue.label == "Highgate Library"
    assert vague is None and nowhere is None and partial is None


def test_a_place_nobody_knows_says_what_the_box_accepts(places) -> None:
    with places.session() as session, pytest.raises(ValidationError) as raised:
        locate_place("Atlantis", GazetteerGeocoder(session))
    assert raised.value.field == "place"
    assert "a full postcode like NW5 2AB, a postcode district like NW5" in raised.value.message
    assert "a place in the directory like Kentish Town" in raised.value.message


def test_the_search_pages_place_box_finds_a_district_and_a_place(client, places) -> None:
    # The public search asks the same geocoder (web.context.geocoder) for what is not a
    # full postcode: a district or a place name now finds groups instead of an error.
    for place in ("NW5", "Kentish Town"):
        html = client.get("/", query_string={"place": place, "radius_km": "2"}).get_data(True)
        assert "We could not find" not in html, place
        assert "Group at Church hall" in html, place
