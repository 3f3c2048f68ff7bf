"""Distance and bbox searches go through the spatial index, and measure distance correctly."""

import datetime as dt
import json

import pytest
from geopy.distance import geodesic
from sqlalchemy import select, text

from assetmap.directory.queries import GroupQuery, search_groups
from assetmap.freshness.policy import FreshnessPolicy
from assetmap.geo.spatial import BBox, Point, spatial_dialect
from assetmap.models import Venue
from tests.factories import listing


def _grid(n: int):
    """n listings on a regular grid over north London, each at its own venue."""
    side = int(n**0.5) + 1
    return [
        listing(
            f"Group {i}",
            external_id=f"grid-{i}",
            venue={
                "name": f"Venue {i}",
                "postcode": None,
                "lat": 51.45 + 0.2 * (i // side) / side,
                "lon": -0.30 + 0.3 * (i % side) / side,
            },
        )
        for i in range(n)
    ]


@pytest.mark.only_backend("spatialite")
def test_spatialite_filters_through_the_rtree(database):
    dialect = spatial_dialect(database.backend)
    query = select(Venue.id).where(dialect.venues_in_box(BBox(-0.2, 51.5, -0.1, 51.6)))
    with database.engine.connect() as connection:
        compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
        plan = connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    details = " | ".join(row[-1] for row in plan)
    assert "idx_venues_location" in details
    assert "VIRTUAL TABLE INDEX" in details


def test_distances_are_geodesic_metres(database, add_groups):
    add_groups(*_grid(100))
    centre = Point(51.55, -0.14)
    with database.session() as session:
        page = search_groups(
            session,
            GroupQuery(near=centre, radius_m=3000, limit=100),
            spatial_dialect(database.backend),
            FreshnessPolicy(),
            dt.date.today(),
        )
    features = [json.loads(text) for text in page.features]
    assert features
    for feature in features:
        venue = feature["properties"]["venue"]
        expected = geodesic((centre.lat, centre.lon), (venue["lat"], venue["lon"])).meters
        assert feature["properties"]["distance_m"] == pytest.approx(expected, abs=1.0)
        assert expected <= 3000
    # Nothing within the radius was missed by the index prefilter.
    all_within = [
        v
        for v in _grid(100)
        if geodesic((centre.lat, centre.lon), (v["venue"]["lat"], v["venue"]["lon"])).meters <= 3000
    ]
    assert page.number_matched == len(all_within)
