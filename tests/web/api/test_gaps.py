"""GET /api/v1/gaps and /gaps/what-if over the small built borough (tests/gaps/test_analysis):
GeoJSON and CSV answers, bad parameters named, and only community builders and admins."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import update

from assetmap.accounts.users import create_api_token, create_user
from assetmap.gaps.export import COLUMNS
from assetmap.geo.areas import CAMDEN_ATTRIBUTION
from assetmap.models import Area
from assetmap.web.context import gap_answers
from tests.gaps.test_analysis import borough, centre  # noqa: F401  (the fixture)


@pytest.fixture
def tokens(borough) -> dict[str, str]:  # noqa: F811
    """A token for every role, over the borough."""
    made = {}
    with borough.session() as session:
        for role in ("admin", "community_builder", "link_worker", "organiser"):
            organisations = ("Kentish Town Community Centre",) if role == "organiser" else ()
            user = create_user(session, f"{role}@example.org", role, organisations=organisations)
            made[role] = create_api_token(session, user)
        session.commit()
    return made


def get(client, path: str, token: str | None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(path, query_string=params, headers=headers)


def test_the_answer_is_geojson_worst_area_first_with_outlines(client, tokens) -> None:
    response = get(client, "/api/v1/gaps", tokens["community_builder"])
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    assert body["ready_made"] == "step-free-social-weekday-bus"
    assert body["target"] == "disabled" and body["basis"] == "areas"
    assert body["groups_fitting"] == 1 and body["groups_not_known"] == 1
    assert body["people"] == 1500 * 0.10 + 1500 * 0.20 + 2000 * 0.30
    assert "attribution" not in body  # the borough is not the Camden demo's data
    assert [f["properties"]["code"] for f in body["features"]] == ["E", "M", "W"]
    east = body["features"][0]
    assert east["geometry"]["type"] == "MultiPolygon"
    assert set(east["properties"]) == set(COLUMNS)
    assert east["properties"]["gap_score"] == 100.0 and east["properties"]["people"] == 600


def test_parts_of_the_question_replace_the_ready_made_ones(client, tokens) -> None:
    response = get(client, "/api/v1/gaps", tokens["admin"], target="all", needs="", when="any")
    body = response.get_json()
    assert response.status_code == 200
    assert body["target"] == "all" and body["question"] == "Your question"
    # Everyone counts now, and without the step-free need the east's own hall does too.
    east = next(f["properties"] for f in body["features"] if f["properties"]["code"] == "E")
    assert east["people"] == 2000 and east["groups_in_reach"] == 1 and east["gap_score"] == 0


def test_areas_from_the_camden_demo_carry_its_attribution(client, tokens, borough) -> None:  # noqa: F811
    with borough.session() as session:
        session.execute(
            update(Area).where(Area.code == "E").values(kind="lsoa11", name="Camden 011A")
        )
        session.commit()
    body = get(client, "/api/v1/gaps", tokens["admin"]).get_json()
    assert body["attribution"] == list(CAMDEN_ATTRIBUTION)


def test_csv_is_a_file_with_every_column(client, tokens) -> None:
    response = get(client, "/api/v1/gaps", tokens["admin"], format="csv", question="mens-groups")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="gaps-mens-groups.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert tuple(rows[0]) == COLUMNS
    assert {row[0] for row in rows[1:]} == {"E", "M", "W"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"question": "nonsense"}, "question"),
        ({"minutes": "500"}, "minutes"),
        ({"needs": "wings"}, "needs"),
        ({"category": "juggling"}, "category"),
        ({"when": "someday"}, "when"),
        ({"format": "xlsx"}, "format"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, tokens, params, field) -> None:
    response = get(client, "/api/v1/gaps", tokens["community_builder"], **params)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


def test_without_a_token_it_is_401(client, borough) -> None:  # noqa: F811
    # Before any parameter is looked at: a bad one is not a way to probe without a token.
    for path in ("/api/v1/gaps?format=xlsx", "/api/v1/gaps/what-if?lat=north"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorised"
        assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("role", ["link_worker", "organiser"])
def test_other_roles_are_refused_with_403(client, tokens, role) -> None:
    for path in ("/api/v1/gaps", "/api/v1/gaps/what-if"):
        response = get(client, path, tokens[role], lat=51.5, lon=-0.2)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"


def test_what_if_a_group_opens_in_the_worst_area(client, tokens) -> None:
    lat, lon = centre("E")
    response = get(client, "/api/v1/gaps/what-if", tokens["admin"], lat=lat, lon=lon, places=10)
    assert response.status_code == 200
    body = response.get_json()
    assert body["people_reached"] >= 600  # the east's disabled residents, and perhaps more
    assert body["newly_covered"] >= 600
    assert 0 < body["share_reached"] <= 1
    east = next(change for change in body["changes"] if change["code"] == "E")
    assert east["gap_before"] == 100.0 and east["gap_after"] == 0.0
    assert east["coverage_before"] == 0 and east["coverage_after"] == 1.0
    assert body["top_after"][0]["code"] != "E"
    assert set(body["top_after"][0]) == set(COLUMNS)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": "north", "lon": "-0.2"}, "lat"),
        ({"lat": "91", "lon": "-0.2"}, "lat"),
        ({"lat": "nan", "lon": "-0.2"}, "lat"),
        ({"lon": "-0.2"}, "lat"),
        ({"lat": "51.5", "lon": "200"}, "lon"),
        ({"lat": "51.5", "lon": "-0.2", "places": "0"}, "places"),
        ({"lat": "51.5", "lon": "-0.2", "minutes": "0"}, "minutes"),
    ],
)
def test_a_bad_what_if_is_a_400_naming_the_field(client, tokens, params, field) -> None:
    response = get(client, "/api/v1/gaps/what-if", tokens["community_builder"], **params)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


def test_the_same_question_again_is_answered_from_the_apps_cache(app, client, tokens) -> None:
    with app.app_context():
        cache = gap_answers()
    first = get(client, "/api/v1/gaps", tokens["admin"], format="csv")
    hits = cache.hits
    again = get(client, "/api/v1/gaps", tokens["admin"], format="csv")
    assert cache.hits == hits + 1
    assert again.get_data() == first.get_data()
