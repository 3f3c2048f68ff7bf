"""The peers bench's own parts (issue 18): the reference server answers the same groups over
real HTTP as assetmap's marker view, and the table states its goals as ratios."""

from __future__ import annotations

import json
import shutil

import pytest

from bench import peers
from tests.factories import listing

pytestmark = pytest.mark.only_backend("postgis")

BOX = "-0.16,51.53,-0.12,51.56"


def test_the_reference_server_serves_the_groups_the_marker_view_does(
    database, add_groups, client, tmp_path
):
    add_groups(
        listing("Knit and Natter", at="NW5 1AA"),
        listing("Men's Shed", at="NW5 2AA"),
        listing("Highgate Choir", at="N6 5AA"),
        listing("Lunch Club", at="WC1H 9AA", status="closed"),
    )
    dsn = peers.libpq(database.config.database_url)
    port = peers.free_port()
    process = peers.start(peers.reference_command(port, dsn), port, f"/groups?bbox={BOX}")
    try:
        elapsed, size = peers.Client(port).get(f"/groups?bbox={BOX}&limit=100")
        assert elapsed > 0 and size > 0
        connection = peers.http.client.HTTPConnection("127.0.0.1", port)
        connection.request("GET", f"/groups?bbox={BOX}&limit=100")
        reference = json.loads(connection.getresponse().read())
        if shutil.which("wrk"):
            rps, errors = peers.wrk(port, [f"/groups?bbox={BOX}&limit=100"], tmp_path, seconds=1)
            assert rps > 0 and errors == 0
    finally:
        peers.stop(process)
    markers = client.get(f"/api/v1/groups?bbox={BOX}&view=markers").get_json()
    assert [f["id"] for f in reference["features"]] == [f["id"] for f in markers["features"]]
    assert {f["properties"]["name"] for f in reference["features"]} == {
        "Knit and Natter",
        "Men's Shed",
    }


def test_the_table_gives_ratios_to_the_floor_and_the_reference_and_the_goals():
    def series(target, p50, rps=None, kb=20):
        one = peers.Series(target, "bbox 2×2 km", 100_000, ms=[p50] * 20, sizes=[kb * 1024])
        one.rps = rps
        return one

    found = [
        series("bare spatial SQL (`&&` + LIMIT, psycopg)", 0.5),
        series("reference server (stdlib threads, one query)", 2.0, rps=800),
        series("assetmap, `view=markers` (the map's)", 3.0, rps=500, kb=21),
        series("assetmap, full listings (gunicorn, 2 workers)", 9.0, rps=100, kb=185),
        series("pygeoapi 0.21 (OGC API Features, gunicorn, 2 workers)", 40.0, rps=50),
    ]
    rows = peers.rows(found)
    assert rows[2].startswith("| 100,000 | **assetmap, `view=markers` (the map's)** |")
    assert "| 3.00 | 3.00 | 6.0 | 1.5 | 21.0 KB | 500 | 0 |" in rows[2]
    goals = "\n".join(peers.goals(found, 100_000))
    assert "p50 ≤ 2× reference p50: 1.50 pass" in goals
    assert "≥ 5× faster than pygeoapi: 13.33 pass" in goals
    assert "p50 ≤ 2× reference p50: 4.50 **miss**" in goals  # the full form
    assert "under 25 KB per 100 features: 21.00 pass" in goals
