"""A text search with a place looks for its short list in a smaller circle first (issue 18):
the short list and its order must be those of measuring every match."""

import random
from collections import Counter

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from assetmap.db import Backend
from assetmap.directory import inner_circles, queries
from assetmap.geo.spatial import Point, circle_bbox
from assetmap.text.index import cell_of, cells_of_box
from tests.factories import listing

CENTRE = (51.5485, -0.1412)
SHORT_LIST = 8


@pytest.fixture
def knitters(add_groups, monkeypatch):
    """40 knitting groups scattered up to ~4 km round the centre (a few sharing one venue,
    for ties) and 20 choirs among them; the short list cut to 8 so 40 matches overflow it."""
    monkeypatch.setattr(queries, "TEXT_CANDIDATES", SHORT_LIST)
    rng = random.Random(18)
    listings = []
    for i in range(60):
        if i % 10 == 0:
            lat, lon = CENTRE[0] + 0.004, CENTRE[1] + 0.004
        else:
            lat = CENTRE[0] + rng.uniform(-0.035, 0.035)
            lon = CENTRE[1] + rng.uniform(-0.055, 0.055)
        venue = {"name": f"Hall {i}", "address": None, "postcode": None, "lat": lat, "lon": lon}
        name = f"Knitting circle {i}" if i % 3 else f"Community choir {i}"
        listings.append(listing(name, venue=venue))
    return add_groups(*listings)


def _features(client, query):
    response = client.get(f"/api/v1/groups?{query}")
    assert response.status_code == 200, response.get_json()
    features = response.get_json()["features"]
    return [(f["id"], f["properties"]["name"], f["properties"]["distance_m"]) for f in features]


@pytest.mark.parametrize("radius_km", [5, 1.5])
@pytest.mark.parametrize("narrow_from_m", [0.0, 5000.0])
@pytest.mark.parametrize("view", ["", "&view=markers"])
def test_text_near_short_list_is_the_nearest_matches(
    client, knitters, monkeypatch, radius_km, view, narrow_from_m
):
    monkeypatch.setattr(inner_circles, "NARROW_FROM_M", narrow_from_m)
    near = f"near={CENTRE[0]},{CENTRE[1]}"
    every = _features(client, f"{near}&radius_km=5&limit=100")
    knitting = sorted(
        (d, i) for i, name, d in every if name.startswith("Knitting") and d <= radius_km * 1000
    )
    wanted = [i for _, i in knitting][:SHORT_LIST]
    found = _features(client, f"q=knitting&{near}&radius_km={radius_km}&limit=100{view}")
    assert [i for i, _, _ in found] == wanted
    assert len(wanted) == SHORT_LIST


def test_text_near_sorted_by_distance_pages_the_short_list(client, knitters):
    near = f"near={CENTRE[0]},{CENTRE[1]}&radius_km=5"
    whole = _features(client, f"q=knitting&{near}&sort=distance&limit=100")
    page = _features(client, f"q=knitting&{near}&sort=distance&limit=3&offset=3")
    assert [i for i, _, _ in page] == [i for i, _, _ in whole][3:6]
    distances = [d for _, _, d in whole]
    assert distances == sorted(distances)


def _short_list_passes(client, query) -> tuple[list[int], int]:
    """The ids found, and how many times the short list's statement ran for them."""
    statements: list[str] = []

    def seen(conn, cursor, statement, *_):
        if "candidates AS MATERIALIZED" in statement:
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        found = [i for i, _, _ in _features(client, query)]
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    return found, len(statements)


def _expected_circles(backend, knitting, radius_km) -> list[float]:
    """The smaller circles the search should try: on PostgreSQL the smallest holding whole
    cells with 1.1 times the short list, counted here from the groups' own places in boxes
    ever wider; on SQLite the fixed fractions of the radius."""
    radius_m = radius_km * 1000
    if backend is Backend.POSTGIS:
        places = Counter(cell_of(lat, lon) for lat, lon, _ in knitting)
        box = circle_bbox(Point(*CENTRE), radius_m)
        whole = cells_of_box(box.min_lon, box.min_lat, box.max_lon, box.max_lat)
        for share in inner_circles.COUNTED_SHARES:  # outwards, until the cells hold the list
            box = circle_bbox(Point(*CENTRE), radius_m * share)
            cells = set(cells_of_box(box.min_lon, box.min_lat, box.max_lon, box.max_lat))
            counts = {cell: n for cell, n in places.items() if cell in cells}
            inner = inner_circles.holding(counts, Point(*CENTRE), SHORT_LIST * 1.1)
            if inner is not None:
                return [inner] if inner < radius_m * 0.8 else []
            density = sum(counts.values()) / len(cells)
            if density * len(whole) < SHORT_LIST * 1.1 * inner_circles.HOPELESS:
                break  # too sparse to be worth counting further
        return []
    return [radius_m * f for f in inner_circles.INNER_FRACTIONS]


@pytest.mark.parametrize("radius_km", [5, 2.5, 0.8])
def test_smaller_circles_of_a_wide_one_are_tried_first(
    client, knitters, backend, monkeypatch, radius_km
):
    """The first smaller circle that holds the short list ends the search, else the whole
    circle is searched; the list is the nearest either way."""
    monkeypatch.setattr(inner_circles, "NARROW_FROM_M", 0.0)
    near = f"near={CENTRE[0]},{CENTRE[1]}"
    every = client.get(f"/api/v1/groups?{near}&radius_km=5&limit=100").get_json()["features"]
    knitting = [
        (*reversed(f["geometry"]["coordinates"]), f["properties"]["distance_m"])
        for f in every
        if f["properties"]["name"].startswith("Knitting")
    ]
    circles = _expected_circles(backend, knitting, radius_km)
    held = [sum(d <= r for _, _, d in knitting) >= SHORT_LIST for r in circles]
    passes = held.index(True) + 1 if True in held else len(circles) + 1
    query = f"q=knitting&{near}&radius_km={radius_km}&limit=100"
    found, ran = _short_list_passes(client, query)
    monkeypatch.setattr(inner_circles, "NARROW_FROM_M", 1e9)
    monkeypatch.setattr(inner_circles, "MOST_OF_RADIUS", 0.0)
    assert found == _short_list_passes(client, query)[0]
    assert ran == passes
    if backend is Backend.POSTGIS and radius_km == 5:
        assert passes == 1  # the cells found a circle that holds the list
