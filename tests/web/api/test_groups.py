"""GET /api/v1/groups and /groups/<id>: every filter, distance order, paging, errors."""

import datetime as dt

import pytest

from tests.factories import TODAY, listing


@pytest.fixture
def directory(add_groups):
    """Six groups around Camden (north to south) plus one online, named by what they test."""
    ids = add_groups(
        listing("Men's Shed", at="NW5 2AA"),  # fresh, step-free, Tuesdays, £2
        listing(
            "Knit and Natter",
            at="NW5 1AA",
            categories=["creative"],
            interests=["knitting", "crafts"],
            description="Bring your needles.",
            schedule=[{"day": "wed", "start": "14:00", "end": "16:00"}],
            accessibility={"step_free": None},
            cost={"free": True, "amount_gbp": None},
            due=True,
        ),
        listing(
            "Walking for Health",
            at="NW1 7AA",
            categories=["active", "nature"],
            interests=["walking"],
            schedule=[{"day": "sat", "start": "10:00"}],
            accessibility={"step_free": False},
            cost={"free": True, "amount_gbp": None},
            stale=True,
        ),
        listing("Lunch Club", at="WC1H 9AA", categories=["social"], status="closed"),
        listing(
            "Highgate Choir",
            at="N6 5AA",
            categories=["creative"],
            interests=["singing"],
            status="invitation_only",
        ),
        listing(
            "Online Carers Chat",
            categories=["peer_support"],
            online=True,
            venue=None,
            interests=["carers"],
        ),
    )
    return dict(zip(["shed", "knit", "walk", "lunch", "choir", "online"], ids, strict=True))


def names(response):
    assert response.status_code == 200, response.get_json()
    return [f["properties"]["name"] for f in response.get_json()["features"]]


def test_lists_geojson_with_counts(client, directory):
    response = client.get("/api/v1/groups")
    body = response.get_json()
    assert response.mimetype == "application/geo+json"
    assert body["type"] == "FeatureCollection"
    # Closed groups are left out unless asked for.
    assert body["numberMatched"] == body["numberReturned"] == 5
    shed = body["features"][0]
    assert shed["id"] == directory["shed"]
    assert shed["geometry"] == {"type": "Point", "coordinates": [-0.1412, 51.5485]}
    props = shed["properties"]
    assert props["capacity"]["spare_places"] == 6
    assert props["freshness"] == "fresh"
    assert props["transport"]["bus_stops"][0]["routes"] == ["134", "214"]
    online = next(f for f in body["features"] if f["id"] == directory["online"])
    assert online["geometry"] is None


def test_near_a_postcode_returns_nearest_first_with_distances(client, directory):
    response = client.get("/api/v1/groups?postcode=nw51aa&radius_km=2")
    assert names(response) == ["Knit and Natter", "Men's Shed", "Walking for Health"]
    distances = [f["properties"]["distance_m"] for f in response.get_json()["features"]]
    assert distances == sorted(distances)
    assert distances[0] < 5
    assert 200 < distances[1] < 250  # NW5 1AA to NW5 2AA is about 223 m


def test_near_lat_lon_and_radius_cut_off(client, directory):
    assert names(client.get("/api/v1/groups?near=51.5485,-0.1412&radius_km=0.3")) == [
        "Men's Shed",
        "Knit and Natter",
    ]
    assert names(client.get("/api/v1/groups?near=51.5485,-0.1412&radius_km=0.1")) == ["Men's Shed"]


def test_bbox(client, directory):
    # A box around Kentish Town only.
    assert names(client.get("/api/v1/groups?bbox=-0.15,51.545,-0.13,51.555")) == [
        "Men's Shed",
        "Knit and Natter",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=creative", ["Men's Shed", "Knit and Natter", "Highgate Choir"]),
        ("category=active,peer_support", ["Walking for Health", "Online Carers Chat"]),
        ("category=nature&category=social", ["Men's Shed", "Walking for Health"]),
        ("interest=Knitting", ["Knit and Natter"]),
        ("q=NEEDLES", ["Knit and Natter"]),
        ("q=walk", ["Walking for Health"]),
        ("q=carers", ["Online Carers Chat"]),
        ("q=kniting", ["Knit and Natter"]),  # a typo
        ("q=rambling", ["Walking for Health"]),  # a synonym
        ("q=crafts", ["Knit and Natter"]),
        ("q=50%", []),
        ("status=closed", ["Lunch Club"]),
        ("status=invitation_only,closed", ["Lunch Club", "Highgate Choir"]),
        (
            "status=all",
            [
                "Men's Shed",
                "Knit and Natter",
                "Walking for Health",
                "Lunch Club",
                "Highgate Choir",
                "Online Carers Chat",
            ],
        ),
        ("step_free=true", ["Men's Shed", "Highgate Choir", "Online Carers Chat"]),
        ("step_free=false", ["Walking for Health"]),
        ("step_free=true&wheelchair_accessible=true&category=social", ["Men's Shed"]),
        ("day=wed", ["Knit and Natter"]),
        ("day=sat,wed", ["Knit and Natter", "Walking for Health"]),
        ("time=afternoon", ["Knit and Natter"]),
        ("time=morning&day=sat", ["Walking for Health"]),
        ("time=afternoon&day=sat", []),
        ("time=evening", []),
        ("free=true", ["Knit and Natter", "Walking for Health"]),
        ("free=false", ["Men's Shed", "Highgate Choir", "Online Carers Chat"]),
        ("freshness=due", ["Knit and Natter"]),
        ("freshness=stale", ["Walking for Health"]),
        (
            "freshness=fresh,due&category=creative",
            ["Men's Shed", "Knit and Natter", "Highgate Choir"],
        ),
    ],
)
def test_filters(client, directory, query, expected):
    assert names(client.get(f"/api/v1/groups?{query}")) == expected


def test_filters_combine_with_distance(client, directory):
    response = client.get("/api/v1/groups?postcode=NW5 1AA&radius_km=5&free=true")
    assert names(response) == ["Knit and Natter", "Walking for Health"]


def test_text_search_ranks_by_relevance_or_distance(client, add_groups):
    add_groups(
        listing("Knitting Circle", at="N6 5AA", interests=["knitting"]),
        listing("Crafts Afternoon", at="NW5 1AA", interests=["crafts"]),
    )
    by_relevance = client.get("/api/v1/groups?q=knitting&postcode=NW5 1AA&radius_km=5")
    assert names(by_relevance) == ["Knitting Circle", "Crafts Afternoon"]
    by_distance = client.get("/api/v1/groups?q=knitting&postcode=NW5 1AA&radius_km=5&sort=distance")
    assert names(by_distance) == ["Crafts Afternoon", "Knitting Circle"]
    body = by_distance.get_json()
    assert body["numberMatched"] == 2
    assert body["features"][0]["properties"]["distance_m"] < 5


def test_paging(client, directory):
    first = client.get("/api/v1/groups?limit=2").get_json()
    assert (first["numberMatched"], first["numberReturned"]) == (5, 2)
    rels = {link["rel"]: link["href"] for link in first["links"]}
    assert "offset=2" in rels["next"] and "prev" not in rels
    last = client.get("/api/v1/groups?limit=2&offset=4").get_json()
    assert (last["numberMatched"], last["numberReturned"]) == (5, 1)
    assert "next" not in {link["rel"] for link in last["links"]}
    seen = [
        f["id"]
        for offset in (0, 2, 4)
        for f in client.get(f"/api/v1/groups?limit=2&offset={offset}").get_json()["features"]
    ]
    assert len(set(seen)) == 5
    past_the_end = client.get("/api/v1/groups?limit=2&offset=10").get_json()
    assert (past_the_end["numberMatched"], past_the_end["numberReturned"]) == (5, 0)


def test_paged_near_search_counts_all_matches(client, directory):
    body = client.get("/api/v1/groups?postcode=NW5 1AA&radius_km=2&limit=1").get_json()
    assert (body["numberMatched"], body["numberReturned"]) == (3, 1)


def test_one_group(client, directory):
    response = client.get(f"/api/v1/groups/{directory['knit']}")
    assert response.status_code == 200
    feature = response.get_json()
    assert feature["type"] == "Feature"
    assert feature["properties"]["name"] == "Knit and Natter"
    assert feature["properties"]["freshness"] == "due"
    assert feature["properties"]["accessibility"]["step_free"] is None


def test_missing_group_is_a_json_404(client, directory):
    response = client.get("/api/v1/groups/999999")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("group_id", ["0", "99999999999999999999"])
def test_out_of_range_ids_are_a_json_404(client, directory, group_id):
    response = client.get(f"/api/v1/groups/{group_id}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_unknown_api_path_is_a_json_404(client, database):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_a_json_405(client, database):
    response = client.post("/api/v1/groups")
    assert response.status_code == 405
    assert "error" in response.get_json()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("near=200,-0.14", "near"),
        ("near=51.5,-190", "near"),
        ("near=51.5", "near"),
        ("near=abc,def", "near"),
        ("near=nan,1", "near"),
        ("bbox=-0.2,51.5,-0.1", "bbox"),
        ("bbox=-0.1,51.5,-0.2,51.6", "bbox"),
        ("bbox=-0.2,51.5,-0.1,91", "bbox"),
        ("postcode=NW5 1AA&radius_km=-1", "radius_km"),
        ("postcode=NW5 1AA&radius_km=0", "radius_km"),
        ("postcode=NW5 1AA&radius_km=1000", "radius_km"),
        ("postcode=NW5 1AA&radius_km=far", "radius_km"),
        ("radius_km=2", "radius_km"),
        ("postcode=not a postcode", "postcode"),
        ("postcode=ZE2 9XX", "postcode"),
        ("postcode=NW5 1AA&near=51.5,-0.1", "postcode"),
        ("category=sport", "category"),
        ("status=gone", "status"),
        ("day=someday", "day"),
        ("time=night", "time"),
        ("sort=alphabetical", "sort"),
        ("freshness=mouldy", "freshness"),
        ("step_free=maybe", "step_free"),
        ("free=perhaps", "free"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("catgory=social", "catgory"),
        ("q=" + "x" * 201, "q"),
        ("q=knit%00ting", "q"),
        ("interest=a%00b", "interest"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(client, directory, query, field):
    response = client.get(f"/api/v1/groups?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert error["field"] == field
    assert error["message"]


def test_very_stale_listings_say_so_in_search_and_one_group(client, add_groups):
    eight_months = (TODAY - dt.timedelta(days=250)).isoformat()
    ids = add_groups(
        listing("Checked", at="NW5 1AA"),
        listing("Eight months", at="NW5 1AA", last_verified_at=eight_months),
        listing("Thirteen months", at="NW5 1AA", stale=True),
    )
    body = client.get("/api/v1/groups?postcode=NW5 1AA").get_json()
    flags = {f["properties"]["name"]: f["properties"]["very_stale"] for f in body["features"]}
    assert flags == {"Checked": False, "Eight months": False, "Thirteen months": True}
    one = client.get(f"/api/v1/groups/{ids[2]}").get_json()["properties"]
    assert (one["freshness"], one["very_stale"]) == ("stale", True)
