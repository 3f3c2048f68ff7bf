"""Gap analysis over a small built borough, on both backends.

Three square areas along one parallel, each 0.02° of longitude (about 1.4 km) by 0.01° of
latitude and as far from the next, with nine postcodes on a grid inside each. The question is
the ready-made one: a step-free social group, meeting on a weekday, within 20 minutes by
wheelchair and bus, for disabled residents. 20 minutes of wheeling at 1 m/s is 1.2 km of
pavement, about 960 m as the crow flies; by bus the wait and the walks to and from the stops
leave under 3 minutes of ride, so every postcode reaches roughly what lies within a kilometre.

* West: a step-free group at its centre (every postcode reaches it).
* Middle: a group whose step-free answer is not known.
* East: a group known not to be step-free, and the most disabled residents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assetmap.db import Database
from assetmap.gaps.analysis import GapResult, analyse, what_if
from assetmap.gaps.demand import HEX_RESOLUTION
from assetmap.gaps.profile import READY_MADE, NeedProfile, Target
from assetmap.geo.travel import EstimatedTravel
from assetmap.models import Area, Postcode, UnmetNeed
from tests.factories import listing

TODAY = dt.date(2026, 12, 1)
LAT = 51.50
#: West edge of each area, and its people: (population, disabled share).
AREAS: dict[str, tuple[float, int, float]] = {
    "W": (-0.30, 1500, 0.10),
    "M": (-0.26, 1500, 0.20),
    "E": (-0.22, 2000, 0.30),
}
WIDTH, HEIGHT = 0.02, 0.01
PROFILE = READY_MADE["step-free-social-weekday-bus"]


def centre(code: str) -> tuple[float, float]:
    return LAT + HEIGHT / 2, AREAS[code][0] + WIDTH / 2


def _square(west: float) -> str:
    east, north = west + WIDTH, LAT + HEIGHT
    ring = f"{west} {LAT}, {east} {LAT}, {east} {north}, {west} {north}, {west} {LAT}"
    return f"SRID=4326;MULTIPOLYGON((({ring})))"


def _group(name: str, code: str, step_free: bool | None, **overrides: Any) -> dict[str, Any]:
    lat, lon = centre(code)
    return listing(
        name,
        categories=["social"],
        venue={"name": f"Hall {name}", "address": None, "postcode": None, "lat": lat, "lon": lon},
        schedule=[{"day": "wed", "start": "14:00", "end": "16:00", "frequency": "weekly"}],
        accessibility={"step_free": step_free},
        transport={"door_to_door": {"available": False, "radius_km": None, "notes": ""}},
        **overrides,
    )


@pytest.fixture
def borough(database: Database, add_groups) -> Database:
    with database.session() as session:
        for code, (west, population, disabled) in AREAS.items():
            session.add(
                Area(
                    code=code,
                    name=f"{code} area",
                    kind="other",
                    geometry=_square(west),
                    population=population,
                    age_65_plus=population // 5,
                    age_75_plus=population // 10,
                    disabled_share=disabled,
                    imd_decile=3,
                )
            )
            for i in range(3):
                for j in range(3):
                    session.add(
                        Postcode(
                            postcode=f"Z{code}{i}{j}",
                            lat=LAT + HEIGHT * (i + 0.5) / 3,
                            lon=west + WIDTH * (j + 0.5) / 3,
                            area_code=code,
                        )
                    )
        session.commit()
    add_groups(
        _group("West step-free", "W", True, capacity={"total_places": 10, "places_taken": 4}),
        _group("Middle not known", "M", None),
        _group("East has steps", "E", False, capacity={"waiting_list": 6}),
    )
    return database


def _analyse(database: Database, profile: NeedProfile = PROFILE, **kw: Any) -> GapResult:
    with database.session() as session:
        return analyse(session, profile, EstimatedTravel(), TODAY, **kw)


def test_the_area_with_no_step_free_group_in_reach_tops_the_ranking(borough: Database) -> None:
    result = _analyse(borough)
    by_code = {a.code: a for a in result.areas}
    assert result.basis == "areas"
    assert result.target is Target.DISABLED
    assert [a.code for a in result.areas] == ["E", "M", "W"]
    east = by_code["E"]
    assert east.people == pytest.approx(600)  # 2000 people, 30% disabled
    assert east.gap_score == pytest.approx(100)
    assert east.coverage == 0 and east.groups_in_reach == 0 and east.places_per_1000 == 0
    # West reaches its own group: full coverage, no gap, six spare places among 150 people.
    west = by_code["W"]
    assert west.coverage == 1 and west.groups_in_reach == 1 and west.gap_score == 0
    assert west.nearest_minutes < 20 and west.nearest_minutes_worst < 20
    assert west.places_per_1000 > 0


def test_a_venue_whose_step_free_answer_is_not_known_is_counted_apart(borough: Database) -> None:
    result = _analyse(borough)
    middle = next(a for a in result.areas if a.code == "M")
    assert middle.groups_in_reach == 0  # never passed off as meeting the need
    assert middle.not_known_in_reach == 1 and middle.not_known_share == 1.0
    assert middle.coverage == 0
    assert result.groups_fitting == 1 and result.groups_not_known == 1


def test_a_venue_known_not_to_be_step_free_is_out(borough: Database) -> None:
    result = _analyse(borough)
    east = next(a for a in result.areas if a.code == "E")
    assert east.not_known_in_reach == 0  # its own hall has steps: not a candidate at all
    assert east.waiting_list == 0  # nor are its waiting list's people counted as this need
    # Without the access need the same hall counts, and the east is covered.
    anyone = NeedProfile(name="social", mobility=PROFILE.mobility, categories=PROFILE.categories)
    east_any = next(a for a in _analyse(borough, anyone).areas if a.code == "E")
    assert east_any.groups_in_reach == 1 and east_any.coverage == 1
    assert east_any.waiting_list == 6


def test_adding_a_step_free_group_in_the_worst_area_removes_its_gap(
    borough: Database, add_groups
) -> None:
    add_groups(_group("East new step-free", "E", True))
    result = _analyse(borough)
    east = next(a for a in result.areas if a.code == "E")
    assert east.gap_score == 0 and east.coverage == 1
    assert result.areas[0].code == "M"


def test_what_if_at_a_point_in_the_worst_area_reaches_its_people(borough: Database) -> None:
    result = _analyse(borough)
    change = what_if(result, *centre("E"), places=12)
    east_people = 600.0
    assert change.people_reached == pytest.approx(east_people)
    assert change.newly_covered == pytest.approx(east_people)
    assert change.share_reached == pytest.approx(east_people / result.people)
    east = next(c for c in change.changes if c.code == "E")
    assert east.gap_before == pytest.approx(100) and east.gap_after == 0
    assert east.coverage_after == 1
    assert change.areas[0].code == "M"  # the middle is now the biggest gap


def test_other_targets_weigh_the_same_postcodes_by_other_people(borough: Database) -> None:
    result = _analyse(borough, target=Target.AGE_75_PLUS)
    assert {a.code: a.people for a in result.areas} == {"W": 150, "M": 150, "E": 200}
    assert result.people == pytest.approx(500)


def test_unmet_needs_of_the_last_year_that_speak_to_the_profile_count_in_their_area(
    borough: Database,
) -> None:
    lat, lon = centre("E")
    cell = (round(lat - 0.004, 2), round(lon - 0.004, 2))
    with borough.session() as session:
        for recorded, needs in [
            (TODAY, ["step_free"]),
            (TODAY - dt.timedelta(days=30), ["step_free", "hearing_loop"]),
            (TODAY, ["hearing_loop"]),  # another need: not this question
            (TODAY - dt.timedelta(days=400), ["step_free"]),  # too long ago
        ]:
            session.add(
                UnmetNeed(
                    recorded_on=recorded,
                    categories=["social"],
                    cell_lat=cell[0],
                    cell_lon=cell[1],
                    modes=["wheelchair", "bus"],
                    max_travel_minutes=20,
                    access_needs=needs,
                    results=0,
                )
            )
        session.commit()
    counts = {a.code: a.unmet_needs for a in _analyse(borough).areas}
    assert counts == {"E": 2, "M": 0, "W": 0}


def test_without_areas_postcodes_fall_into_hexagons(database: Database, add_groups) -> None:
    add_groups(_group("Step-free", "W", True))
    with database.session() as session:
        session.add_all(
            Postcode(postcode=f"ZH{i}", lat=LAT + 0.001 * i, lon=-0.29) for i in range(4)
        )
        session.commit()
    result = _analyse(database)
    assert result.basis == "postcodes"
    assert all(len(a.code) == 15 for a in result.areas)  # H3 cell ids
    assert sum(a.people or 0 for a in result.areas) == result.people
    assert HEX_RESOLUTION == 8
    # The fixture postcodes far to the north-east reach nothing; the grid beside the hall does.
    assert result.areas[0].coverage == 0 and result.areas[-1].coverage == 1


def test_an_empty_directory_gives_an_empty_answer(database: Database) -> None:
    result = _analyse(database)
    assert result.areas == [] and result.people == 0 and result.groups_fitting == 0


def test_areas_with_no_fitting_group_at_all_are_all_gaps(borough: Database) -> None:
    nothing = NeedProfile(name="digital", mobility=PROFILE.mobility, interests=("coding",))
    result = _analyse(borough, nothing)
    assert result.groups_fitting == 0
    assert all(a.coverage == 0 and a.nearest_minutes == float("inf") for a in result.areas)
    assert result.areas[0].code == "E"  # the most target people: 2000, against 1500
