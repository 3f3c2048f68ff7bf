"""The whole outing (issue 14, item 5), the bus a walking limit rules out and the person's
known nearest stop (item 6), and the near misses with what ruled each out (item 7)."""

from __future__ import annotations

from assetmap.geo.journeys import BUS_ACCESS_M, Mobility, Mode
from assetmap.matching.notes import LeftOutCode, Note, ReasonCode, WarningCode
from assetmap.matching.outing import Outing, session_minutes
from assetmap.matching.profile import Window
from assetmap.models import Day, Gender
from assetmap.web.match.notes import worker_text
from tests.matching.test_engine import HOME, KM_NORTH, group, names, only, run, said

#: 2.56 km north is 3.2 km on foot: 40 minutes' walk.
FORTY_MINUTES_NORTH = 2.56
WALKS_AN_HOUR = Mobility(modes=(Mode.WALK,), max_travel_minutes=60)


def session(start: str, end: str | None, day: str = "tue") -> list[dict[str, str | None]]:
    return [{"day": day, "start": start, "end": end, "frequency": "weekly"}]


def test_session_length_is_the_shortest_listed_one_that_fits_their_week() -> None:
    import datetime as dt

    sessions = [
        (Day.TUE, dt.time(10), dt.time(12, 30)),
        (Day.THU, dt.time(14), dt.time(15)),
        (Day.FRI, dt.time(18), None),
    ]
    assert session_minutes(sessions, ()) == 60
    assert session_minutes(sessions, (Window(Day.TUE, dt.time(9), dt.time(13)),)) == 150
    assert session_minutes(sessions, (Window(Day.FRI, dt.time(17), dt.time(23)),)) is None
    assert Outing(40, 150).total == 230
    assert Outing(40, None).total is None


def test_an_outing_over_the_longest_time_away_is_left_out_with_why(database, add_groups) -> None:
    add_groups(
        group(
            "Long session up north",
            km_north=FORTY_MINUTES_NORTH,
            schedule=session("10:00", "12:30"),
        ),
        group("Short session next door", schedule=session("10:00", "11:00")),
    )
    result = run(database, mobility=WALKS_AN_HOUR, max_outing_minutes=180)
    assert names(result) == ["Short session next door"]
    assert result.excluded == {"outing_too_long": 1}
    (miss,) = result.near_misses
    assert miss.name == "Long session up north"
    assert miss.why == Note(
        LeftOutCode.OUTING_TOO_LONG, minutes=230, limit=180, each_way=40, session=150
    )
    assert worker_text(miss.why) == (
        "the whole outing would be about 3 h 50 min (40 min each way and a 2 h 30 min "
        "session), more than their 3 hours away from home"
    )
    short = only(result, "Short session next door")
    assert short.score >= 0.75  # still a strong fit
    assert any(note.code is ReasonCode.OUTING_FITS for note in short.reasons)
    # Without a longest time away, the long one is in: the limit is what leaves it out.
    assert len(run(database, mobility=WALKS_AN_HOUR).options) == 2


def test_an_outing_at_the_limit_is_warned_and_never_a_strong_fit(database, add_groups) -> None:
    # 22 minutes each way and a 2 h 16 min session: exactly three hours.
    km = 22 * 60 * (4.8 / 3.6) / 1.25 / 1000
    add_groups(group("Three hours", km_north=km, schedule=session("10:00", "12:16")))
    before = run(database, mobility=WALKS_AN_HOUR)
    assert only(before, "Three hours").score >= 0.75  # today: "Strong fit", no warning
    result = run(database, mobility=WALKS_AN_HOUR, max_outing_minutes=180)
    option = only(result, "Three hours")
    assert option.score < 0.75
    (close,) = [w for w in option.warnings if w.code is WarningCode.OUTING_CLOSE]
    assert close["minutes"] == 180 and close["limit"] == 180
    assert "close to their 3 hours away from home" in worker_text(close)


def test_a_session_without_an_end_time_is_a_check_first_never_silently_fine(
    database, add_groups
) -> None:
    add_groups(group("Open-ended", schedule=session("10:00", None)))
    result = run(database, max_outing_minutes=180)
    option = only(result, "Open-ended")
    assert Note(WarningCode.OUTING_NOT_KNOWN, each_way=3, limit=180) in option.warnings
    assert "session length not known" in said(option.warnings)[-1]


def test_near_misses_name_the_too_far_and_the_wrong_day_but_not_the_irrelevant(
    database, add_groups
) -> None:
    add_groups(
        group("Knitting next door", interests=["knitting"], schedule=session("10:00", "12:00")),
        group("Knitting a bit far", km_north=1.1, interests=["knitting"]),
        group(
            "Knitting on Fridays",
            interests=["knitting"],
            schedule=session("18:00", "20:00", day="fri"),
        ),
        group("Woodwork a bit far", km_north=1.1, interests=["woodwork"]),
    )
    import datetime as dt

    result = run(
        database,
        interests=("knitting",),
        mobility=Mobility(modes=(Mode.WALK,), max_travel_minutes=15),
        availability=(Window(Day.TUE, dt.time(9), dt.time(13)),),
    )
    assert names(result) == ["Knitting next door"]
    misses = {miss.name: miss.why for miss in result.near_misses}
    assert set(misses) == {"Knitting a bit far", "Knitting on Fridays"}
    assert misses["Knitting a bit far"].code is LeftOutCode.TOO_FAR
    assert worker_text(misses["Knitting a bit far"]) == (
        "too far: about 17 min walk, more than their 15 min"
    )
    assert worker_text(misses["Knitting on Fridays"]) == (
        "no session when they are free (it meets Fri 18:00)"
    )


def _north(name: str, km: float, stop_m: int | None) -> dict:
    stops = [] if stop_m is None else [{"name": "Stop", "distance_m": stop_m, "routes": ["46"]}]
    return group(name, km_north=km, transport={"bus_stops": stops, "door_to_door": None})


def test_a_walking_limit_that_rules_out_the_bus_says_so_and_what_it_would_open(
    database, add_groups
) -> None:
    add_groups(*(_north(f"Up the road {i}", 2 + i / 10, 100) for i in range(3)))
    by_bus = Mobility(modes=(Mode.BUS,), max_travel_minutes=30, max_walk_metres=200)
    result = run(database, mobility=by_bus)
    assert result.options == []
    (ruled,) = result.ruled_out
    assert (ruled.mode, ruled.stop_m, ruled.stop_known, ruled.walk_m, ruled.opens) == (
        Mode.BUS,
        round(BUS_ACCESS_M),
        False,
        200,
        3,
    )
    # Able to walk to the stop: nothing ruled out.
    walks = Mobility(modes=(Mode.BUS,), max_travel_minutes=30, max_walk_metres=400)
    assert run(database, mobility=walks).ruled_out == []


def test_a_stop_listed_near_home_is_the_walk_to_the_bus(database, add_groups) -> None:
    # A venue 100 m from home lists a stop 50 m from it: a stop within about 180 m of home.
    add_groups(
        _north("Round the corner", 0.1, 50),
        *(_north(f"Up the road {i}", 2 + i / 10, 100) for i in range(3)),
    )
    by_bus = Mobility(modes=(Mode.BUS,), max_travel_minutes=30, max_walk_metres=200)
    result = run(database, mobility=by_bus)
    assert result.ruled_out == []
    assert sorted(names(result))[1:] == [f"Up the road {i}" for i in range(3)]
    assert only(result, "Up the road 0").travel.mode is Mode.BUS
    assert HOME.lat + 0.1 * KM_NORTH > HOME.lat  # the venue is north of home, as built


def test_near_misses_name_what_the_listing_itself_rules_out(database, add_groups) -> None:
    add_groups(
        group("Fits"),
        group("Dear", cost={"free": False, "amount_gbp": 5.0}),
        group("Steps", accessibility={"step_free": False}),
        group("For women", audience={"gender": "women"}),
        group("Paused", status="paused"),
        group("Closed", status="closed"),
    )
    result = run(
        database,
        max_cost_gbp=3.0,
        gender=Gender.MEN,
        mobility=Mobility(needs=("step_free",)),
    )
    assert names(result) == ["Fits"]
    misses = {miss.name: worker_text(miss.why) for miss in result.near_misses}
    assert misses == {
        "Dear": "costs £5 a session, more than the £3 they can pay",
        "Steps": "known not to have step-free access",
        "For women": "for women only",
        "Paused": "paused for now: ask the organiser when it starts again",
    }
