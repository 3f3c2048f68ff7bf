import math

import pytest
from geopy.distance import geodesic

from assetmap.geo.spatial import BBox, Point, circle_bbox


def _inside(box: BBox, lat: float, lon: float) -> bool:
    return box.min_lat <= lat <= box.max_lat and box.min_lon <= lon <= box.max_lon


@pytest.mark.parametrize("lat", [0.0, 51.55, 70.0])
@pytest.mark.parametrize("radius_m", [100, 1000, 25_000])
def test_circle_box_holds_every_point_on_the_circle(lat, radius_m):
    centre = Point(lat, -0.14)
    box = circle_bbox(centre, radius_m)
    for bearing in range(0, 360, 15):
        edge = geodesic(meters=radius_m).destination((centre.lat, centre.lon), bearing)
        assert _inside(box, edge.latitude, edge.longitude), bearing


def test_circle_box_is_not_wastefully_large():
    box = circle_bbox(Point(51.55, -0.14), 1000)
    height_m = (box.max_lat - box.min_lat) * math.pi / 180 * 6_371_000
    assert 2000 < height_m < 2100
