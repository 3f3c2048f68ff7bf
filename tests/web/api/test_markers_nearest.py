"""A ``near`` page of markers is bounded by the index's nearest-first order before it is
sorted (issue 18): the pages must be exactly those of the exhaustive sort of the full form."""

import random

import pytest

from tests.factories import listing

CENTRE = (51.5485, -0.1412)


@pytest.fixture
def scattered(add_groups):
    """60 groups scattered up to ~4 km round the centre, a few sharing one venue (ties)."""
    rng = random.Random(18)
    listings = []
    for i in range(60):
        if i % 10 == 0:
            lat, lon = CENTRE[0] + 0.004, CENTRE[1] + 0.004  # same spot: ties broken by id
        else:
            lat = CENTRE[0] + rng.uniform(-0.035, 0.035)
            lon = CENTRE[1] + rng.uniform(-0.055, 0.055)
        venue = {"name": f"Hall {i}", "address": None, "postcode": None, "lat": lat, "lon": lon}
        listings.append(listing(f"Group {i}", venue=venue))
    return add_groups(*listings)


def _features(client, query):
    response = client.get(f"/api/v1/groups?{query}")
    assert response.status_code == 200, response.get_json()
    return [(f["id"], f["properties"]["distance_m"]) for f in response.get_json()["features"]]


@pytest.mark.parametrize(
    "query",
    [
        "radius_km=5&limit=7",
        "radius_km=5&limit=7&offset=7",
        "radius_km=5&limit=10&offset=40",
        "radius_km=5&limit=100",
        "radius_km=1.5&limit=5",
        "radius_km=0.7&limit=3&offset=1",
    ],
)
def test_near_markers_are_the_exhaustive_sorts_page(client, scattered, query):
    near = f"near={CENTRE[0]},{CENTRE[1]}&{query}"
    every = _features(client, f"near={CENTRE[0]},{CENTRE[1]}&radius_km=5&limit=100")
    radius = float(query.split("radius_km=")[1].split("&")[0]) * 1000
    params = dict(part.split("=") for part in query.split("&"))
    offset, limit = int(params.get("offset", 0)), int(params["limit"])
    exhaustive = sorted((d, i) for i, d in every if d <= radius)
    wanted = [i for _, i in exhaustive][offset : offset + limit]
    markers = _features(client, f"{near}&view=markers")
    assert [i for i, _ in markers] == wanted
    assert [i for i, _ in markers] == [i for i, _ in _features(client, near)]
    assert len(wanted) > 0
