"""The matcher on a small built directory around Kentish Town, on both backends."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, update

from assetmap.db import Database
from assetmap.geo.journeys import Mobility, Mode
from assetmap.geo.spatial import Point
from assetmap.matching import MatchResult, Profile, Window, match
from assetmap.matching.notes import Note
from assetmap.models import Category, Day, Gender, Group, UnmetNeed
from assetmap.web.match.notes import worker_text
from tests.factories import POSTCODES, TODAY, listing

HOME = Point(*POSTCODES["NW5 1AA"])
KM_NORTH = 1 / 111.2


def group(
    name: str, *, km_north: float | None = None, stale: bool = False, **overrides: Any
) -> dict[str, Any]:
    """A plain open group next door with nothing that would exclude anyone (no transport
    offer, any gender and age, free, all access known yes), unless overridden."""
    data = listing(
        name,
        stale=stale,
        description=f"{name}: come along.",
        audience={"min_age": None, "max_age": None, "gender": "any"},
        cost={"free": True, "amount_gbp": None},
        capacity={"complex_needs_places": None, "complexity_supported": 3},
        accessibility={flag: True for flag in ("step_free", "hearing_loop", "dementia_friendly")},
        transport={"door_to_door": None},
        at="NW5 2AA",
    )
    if km_north is not None:
        data["venue"] = {
            "name": f"Hall {km_north} km north",
            "address": None,
            "postcode": None,
            "lat": HOME.lat + km_north * KM_NORTH,
            "lon": HOME.lon,
        }
    for key, value in overrides.items():
        data[key] = {**data[key], **value} if isinstance(data.get(key), dict) else value
    return data


def run(database: Database, limit: int = 10, **profile: Any) -> MatchResult:
    profile.setdefault("location", HOME)
    with database.session() as session:
        result = match(session, Profile(**profile), limit, today=TODAY)
        session.commit()
    return result


def said(notes: tuple[Note, ...]) -> list[str]:
    """The notes in the link worker's words: what the engine once wrote and the API's text."""
    return [worker_text(note) for note in notes]


def names(result: MatchResult) -> list[str]:
    return [option.listing["name"] for option in result.options]


def only(result: MatchResult, name: str) -> Any:
    (option,) = [o for o in result.options if o.listing["name"] == name]
    return option


# ---- hard constraints exclude, and are counted by reason -----------------------------------


def test_closed_and_paused_groups_are_left_out_and_counted(database, add_groups) -> None:
    add_groups(
        group("Open"),
        group("Closed", status="closed"),
        group("Paused", status="paused"),
        group("Paused too", status="paused"),
    )
    result = run(database)
    assert names(result) == ["Open"]
    assert result.considered == 4
    assert result.excluded == {"closed": 1, "paused": 2}


def test_invitation_only_groups_are_left_out_unless_asked_for(database, add_groups) -> None:
    add_groups(group("Open"), group("By invitation", status="invitation_only"))
    assert names(run(database)) == ["Open"]
    assert run(database).excluded == {"invitation_only": 1}
    asked = run(database, include_invitation_only=True)
    assert sorted(names(asked)) == ["By invitation", "Open"]
    assert "invitation only: ask the organiser" in said(only(asked, "By invitation").warnings)


def test_an_access_need_the_venue_is_known_not_to_meet_excludes(database, add_groups) -> None:
    add_groups(
        group("Step-free"),
        group("Steps", accessibility={"step_free": False}),
        group("Not known", accessibility={"step_free": None}),
    )
    result = run(database, mobility=Mobility(needs=("step_free",)))
    assert sorted(names(result)) == ["Not known", "Step-free"]
    assert result.excluded == {"needs_not_met": 1}
    assert "step-free access" in said(only(result, "Step-free").reasons)
    assert "step-free access: not known" in said(only(result, "Not known").warnings)
    assert not any("not known" in w for w in said(only(result, "Step-free").warnings))


def test_beyond_the_travel_budget_is_too_far(database, add_groups) -> None:
    add_groups(group("Round the corner"), group("Across town", km_north=1.1))
    # 1.1 km is 1.4 km on the streets: 17 minutes on foot, over a 15-minute budget.
    result = run(database, mobility=Mobility(modes=(Mode.WALK,), max_travel_minutes=15))
    assert names(result) == ["Round the corner"]
    assert result.excluded == {"too_far": 1}
    assert "3 min walk" in said(only(result, "Round the corner").reasons)


def test_groups_outside_any_reach_are_never_considered(database, add_groups) -> None:
    add_groups(group("Near"), group("Far away", km_north=30))
    result = run(database, mobility=Mobility(modes=(Mode.WALK,), max_travel_minutes=30))
    assert result.considered == 1


def test_complexity_above_what_the_group_supports_excludes(database, add_groups) -> None:
    add_groups(
        group("Complex needs welcome", capacity={"complexity_supported": 3}),
        group("Light touch", capacity={"complexity_supported": 1}),
        group("Places full", capacity={"complexity_supported": 3, "complex_needs_places": 0}),
        group("Not said", capacity={"complexity_supported": None}),
    )
    result = run(database, complexity=3)
    assert sorted(names(result)) == ["Complex needs welcome", "Not said"]
    assert result.excluded == {"complexity": 2}
    assert "support for complex needs: not known, ask the organiser" in said(
        only(result, "Not said").warnings
    )
    # Someone needing no extra support can go to any of them.
    assert len(run(database, complexity=1).options) == 4


def test_no_session_in_the_persons_free_times_excludes(database, add_groups) -> None:
    add_groups(
        group("Tuesday morning"),  # the factory's Tue 10:00 to 12:30
        group("Friday evening", schedule=[{"day": "fri", "start": "18:00", "end": "20:00"}]),
        group("Times not listed", schedule=[]),
    )
    free = (Window(Day.TUE, dt.time(9), dt.time(13)),)
    result = run(database, availability=free)
    assert sorted(names(result)) == ["Times not listed", "Tuesday morning"]
    assert result.excluded == {"no_session": 1}
    assert "Tue 10:00 to 12:30 fits their week" in said(only(result, "Tuesday morning").reasons)
    assert "session times: not known" in said(only(result, "Times not listed").warnings)
    # A session running past the end of their window does not fit.
    short = (Window(Day.TUE, dt.time(9), dt.time(12)),)
    assert names(run(database, availability=short)) == ["Times not listed"]


def test_over_the_persons_budget_excludes(database, add_groups) -> None:
    add_groups(
        group("Free"),
        group("Two pounds", cost={"free": False, "amount_gbp": 2.0}),
        group("Ten pounds", cost={"free": False, "amount_gbp": 10.0}),
        group("Cost not known", cost={"free": None, "amount_gbp": None}),
    )
    result = run(database, max_cost_gbp=3)
    assert sorted(names(result)) == ["Cost not known", "Free", "Two pounds"]
    assert result.excluded == {"cost": 1}
    assert "£2 a session" in said(only(result, "Two pounds").reasons)
    assert "cost: not known" in said(only(result, "Cost not known").warnings)


def test_audience_mismatch_excludes(database, add_groups) -> None:
    add_groups(
        group("Men's shed", audience={"gender": "men"}),
        group("Women's circle", audience={"gender": "women"}),
        group("Over 50s", audience={"min_age": 50}),
        group("Anyone"),
    )
    result = run(database, gender=Gender.MEN, age=40)
    assert sorted(names(result)) == ["Anyone", "Men's shed"]
    assert result.excluded == {"audience": 2}
    assert "a group for men" in said(only(result, "Men's shed").reasons)
    # Not knowing the person's gender or age keeps such groups, with a warning.
    unknown = run(database)
    assert "for women only" in said(only(unknown, "Women's circle").warnings)
    assert "for ages 50 and over" in said(only(unknown, "Over 50s").warnings)


def test_groups_unrelated_to_the_persons_interests_are_left_out(database, add_groups) -> None:
    add_groups(
        group("Woodwork club", interests=["woodwork"], categories=["creative"]),
        group("Knit and natter", interests=["knitting"], categories=["creative"]),
        group("Chess", interests=["chess"], categories=["social"], description="Board games."),
    )
    result = run(database, interests=("woodwrok",))  # a typo still finds woodwork
    assert names(result) == ["Woodwork club"]
    assert result.excluded == {"interests_not_matched": 2}
    assert "matches 'woodwork'" in said(result.options[0].reasons)
    by_category = run(database, categories=(Category.CREATIVE,))
    assert sorted(names(by_category)) == ["Knit and natter", "Woodwork club"]
    assert "a creative group" in said(by_category.options[0].reasons)


def test_synonyms_and_categories_both_count_towards_interest(database, add_groups) -> None:
    add_groups(
        group("Walking group", interests=["walking"], categories=["active"]),
        group("Rambling club", interests=["rambling"], categories=["nature"]),
    )
    result = run(database, interests=("walking",), categories=(Category.ACTIVE,))
    assert names(result) == ["Walking group", "Rambling club"]
    walking, rambling = result.options
    assert walking.components.interest > rambling.components.interest > 0


# ---- the Mr P case ---------------------------------------------------------------------------


def test_mr_p_a_far_group_with_a_minibus_is_reachable_a_far_walking_group_is_not(
    database, add_groups
) -> None:
    """Oxygen for three hours: short and close, or with transport. A men's group whose minibus
    picked him up made it possible."""
    add_groups(
        group(
            "Men's group with minibus",
            km_north=4,
            interests=["men's group"],
            transport={"door_to_door": {"available": True, "radius_km": 5, "notes": "minibus"}},
        ),
        group("Men's group up the hill", km_north=2, interests=["men's group"]),
    )
    mr_p = Mobility(modes=(Mode.WALK,), max_walk_metres=200, max_travel_minutes=20)
    result = run(database, interests=("men's group",), mobility=mr_p, gender=Gender.MEN)
    assert names(result) == ["Men's group with minibus"]
    (option,) = result.options
    assert option.travel.mode is Mode.DOOR_TO_DOOR
    assert said(option.reasons)[1].startswith("collected from home (minibus)")
    assert "transport must be booked with the group: ask how" in said(option.warnings)
    # The walking group is far beyond 200 metres: not even looked at.
    assert result.considered == 1


def test_door_to_door_needed_keeps_only_groups_that_collect(database, add_groups) -> None:
    collects = {"door_to_door": {"available": True, "radius_km": 3, "notes": "volunteer drivers"}}
    add_groups(group("Next door"), group("Collects", km_north=1, transport=collects))
    result = run(database, mobility=Mobility(door_to_door_needed=True))
    assert names(result) == ["Collects"]
    assert result.considered == 1  # only transport offers are searched


def test_a_nearby_group_that_also_collects_says_so(database, add_groups) -> None:
    collects = {"door_to_door": {"available": True, "radius_km": 3, "notes": "minibus pickup"}}
    add_groups(group("Shed", transport=collects))
    (option,) = run(database).options
    assert option.travel.mode is Mode.WALK
    assert "minibus pickup available" in said(option.reasons)


# ---- ordering ------------------------------------------------------------------------------


def test_when_interests_tie_the_shorter_journey_ranks_first(database, add_groups) -> None:
    add_groups(
        group("Further", km_north=0.8, interests=["woodwork"]),
        group("Nearer", km_north=0.2, interests=["woodwork"]),
    )
    result = run(database, interests=("woodwork",))
    assert names(result) == ["Nearer", "Further"]
    assert result.options[0].components.travel > result.options[1].components.travel
    assert result.options[0].score > result.options[1].score


def test_when_interests_and_journeys_tie_spare_places_rank_first(database, add_groups) -> None:
    add_groups(
        group("Full", capacity={"total_places": 10, "places_taken": 10, "waiting_list": 5}),
        group("Unknown", capacity={"total_places": None, "places_taken": None}),
        group("Roomy", capacity={"total_places": 20, "places_taken": 10}),
        group("One left", capacity={"total_places": 10, "places_taken": 9}),
    )
    result = run(database)
    assert names(result) == ["Roomy", "One left", "Unknown", "Full"]
    assert "10 places free" in said(result.options[0].reasons)
    assert "1 place free" in said(result.options[1].reasons)
    assert "spare places: not known" in said(result.options[2].warnings)
    assert "waiting list of 5" in said(result.options[3].warnings)


def test_stale_listings_rank_lower_and_say_how_old(database, add_groups) -> None:
    eight_months = (TODAY - dt.timedelta(days=250)).isoformat()
    add_groups(group("Checked last month"), group("Not checked", last_verified_at=eight_months))
    result = run(database)
    assert names(result) == ["Checked last month", "Not checked"]
    stale = result.options[1]
    assert stale.components.freshness < result.options[0].components.freshness
    assert "not verified for 8 months: ring first" in said(stale.warnings)
    assert stale.listing["freshness"] == "stale"


def test_very_stale_listings_sink_and_warn_strongly(database, add_groups) -> None:
    eight_months = (TODAY - dt.timedelta(days=250)).isoformat()
    add_groups(
        # Nearer, but not checked for 13 months: twice the expiry, so it may have stopped.
        group("Very stale", km_north=0.2, stale=True),
        group("Stale, further away", km_north=1.5, last_verified_at=eight_months),
    )
    result = run(database)
    assert names(result) == ["Stale, further away", "Very stale"]
    very = result.options[1]
    assert very.components.freshness == 0
    assert "not verified for 13 months: it may have stopped; ring before suggesting it" in said(
        very.warnings
    )
    assert very.listing["freshness"] == "stale"


def test_a_reported_problem_is_a_warning(database, add_groups) -> None:
    (gid,) = add_groups(group("Phone dead"))
    with database.session() as session:
        session.execute(update(Group).where(Group.id == gid).values(reported_on=TODAY))
        session.commit()
    (option,) = run(database).options
    assert any(w.startswith("a problem was reported on") for w in said(option.warnings))


def test_bus_reasons_name_the_routes_and_an_unlisted_stop_is_a_warning(
    database, add_groups
) -> None:
    stops = {"bus_stops": [{"name": "Parliament Hill", "distance_m": 100, "routes": ["C11"]}]}
    add_groups(
        group("By the 134", km_north=3, transport=stops),
        group("No stop listed", km_north=3.1, transport={"bus_stops": []}),
    )
    result = run(database, mobility=Mobility(modes=(Mode.BUS,), max_travel_minutes=40))
    by_bus = only(result, "By the 134")
    assert by_bus.travel.mode is Mode.BUS and by_bus.travel.routes == ("C11",)
    assert any(r.endswith("min by bus (C11)") for r in said(by_bus.reasons))
    warning = "no bus stop listed near the venue: the bus time is a rough guide"
    assert warning in said(only(result, "No stop listed").warnings)


def test_the_result_carries_the_listing_scores_and_limit(database, add_groups) -> None:
    add_groups(*(group(f"Group {i}") for i in range(6)))
    result = run(database, limit=4)
    assert len(result.options) == 4
    option = result.options[0]
    assert option.listing["venue"]["postcode"] == "NW5 2AA"
    assert option.listing["freshness"] == "fresh"
    assert 0 <= option.score <= 1
    assert set(option.components.as_dict()) == {"interest", "travel", "capacity", "freshness"}


# ---- unmet needs -----------------------------------------------------------------------------


def _unmet(database: Database) -> list[UnmetNeed]:
    with database.session() as session:
        return list(session.scalars(select(UnmetNeed)))


def test_fewer_than_three_results_record_an_anonymous_unmet_need(database, add_groups) -> None:
    add_groups(group("Woodwork", interests=["woodwork"]))
    result = run(
        database,
        interests=("woodwork", "boat building"),
        mobility=Mobility(modes=(Mode.WALK,), needs=("step_free",), max_walk_metres=400),
        age=71,
    )
    assert result.unmet_need_recorded
    (need,) = _unmet(database)
    assert need.interests == ["woodwork", "boat building"]
    assert need.results == 1
    assert (need.cell_lat, need.cell_lon) == (51.55, -0.15)
    assert need.access_needs == ["step_free"] and need.max_walk_metres == 400
    assert need.recorded_on == TODAY
    columns = {c.name for c in UnmetNeed.__table__.columns}
    assert not columns & {"postcode", "lat", "lon", "age", "gender", "name"}


def test_three_results_record_nothing(database, add_groups) -> None:
    add_groups(group("A"), group("B"), group("C"))
    assert not run(database).unmet_need_recorded
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(UnmetNeed)) == 0


def test_an_empty_directory_is_an_unmet_need_not_an_error(database) -> None:
    result = run(database, interests=("archery",))
    assert result.options == [] and result.considered == 0 and result.unmet_need_recorded
