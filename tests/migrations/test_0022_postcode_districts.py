"""0022 gives the postcodes already loaded their district and sector, so a gazetteer loaded
before it still answers districts and sectors through the new index."""

from __future__ import annotations

from sqlalchemy import select, text

from assetmap import schema
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import Postcode


def test_0022_fills_district_and_sector_of_existing_postcodes(database) -> None:
    schema.downgrade(database, "0021")
    with database.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO postcodes (postcode, lat, lon) VALUES (:p, :lat, :lon)"),
            [
                {"p": "NW5 2AA", "lat": 51.55, "lon": -0.14},
                {"p": "NW5 2AB", "lat": 51.56, "lon": -0.12},
                {"p": "WC1H 9AA", "lat": 51.52, "lon": -0.13},
            ],
        )
    schema.upgrade(database)
    with database.session() as session:
        rows = session.execute(
            select(Postcode.postcode, Postcode.district, Postcode.sector).order_by(
                Postcode.postcode
            )
        ).all()
        assert [tuple(row) for row in rows] == [
            ("NW5 2AA", "NW5", "NW5 2"),
            ("NW5 2AB", "NW5", "NW5 2"),
            ("WC1H 9AA", "WC1H", "WC1H 9"),
        ]
        place = GazetteerGeocoder(session).geocode("NW5 2")
    assert place is not None
    assert (round(place.lat, 6), round(place.lon, 6)) == (51.555, -0.13)
