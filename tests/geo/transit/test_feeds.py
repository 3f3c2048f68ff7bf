"""Reading and checking a GTFS feed: the real Newport feed, and broken copies of it."""

from __future__ import annotations

import datetime as dt

import pytest

from assetmap.errors import ValidationError
from assetmap.geo.transit.feeds import MAX_PROBLEMS, FeedRejected, read_feed
from tests.geo.transit.gtfs_files import NEWPORT_GTFS, read_rows, rewrite, set_cell


def test_the_newport_feed_is_summarised_as_its_readme_says() -> None:
    summary = read_feed(NEWPORT_GTFS)
    assert (summary.routes, summary.trips, summary.stop_times, summary.served_stops) == (
        16,
        176,
        7765,
        655,
    )
    assert (summary.start_date, summary.end_date) == (dt.date(2023, 6, 5), dt.date(2024, 3, 1))
    assert set(summary.agencies) == {
        "Newport Bus",
        "Stagecoach South Wales",
        "Megabus",
        "First Bristol, Bath & the West",
    }


def test_the_served_stops_box_holds_newport_bus_station() -> None:
    box = read_feed(NEWPORT_GTFS).bbox
    assert box.contains(51.587681, -2.994448)  # Friars Walk 11
    assert not box.contains(52.0, -5.0)  # out in St George's Channel


def test_step_free_counts_cover_every_served_stop_and_trip() -> None:
    summary = read_feed(NEWPORT_GTFS)
    stops, trips = summary.stops_step_free, summary.trips_step_free
    assert stops.yes + stops.no + stops.unknown == 655
    assert stops.yes == 3 and stops.no == 0  # served stops, counted independently
    assert (trips.yes, trips.no, trips.unknown) == (0, 0, 176)  # 0 (unknown) on every trip
    assert summary.counts()["stops_wheelchair_boarding"] == {"yes": 3, "no": 0, "unknown": 652}


def test_a_missing_stop_times_file_is_refused(tmp_path) -> None:
    broken = rewrite(tmp_path / "feed.zip", drop=("stop_times.txt",))
    with pytest.raises(FeedRejected) as refused:
        read_feed(broken)
    assert refused.value.problems == ["stop_times.txt is missing"]
    assert isinstance(refused.value, ValidationError)
    assert refused.value.message.startswith("feed.zip: the feed cannot be used")


def test_no_calendar_at_all_is_refused(tmp_path) -> None:
    broken = rewrite(tmp_path / "feed.zip", drop=("calendar.txt",))
    with pytest.raises(FeedRejected) as refused:
        read_feed(broken)
    assert refused.value.problems == ["calendar.txt or calendar_dates.txt is missing"]


def test_a_bad_time_is_refused_naming_file_line_and_column(tmp_path) -> None:
    broken = rewrite(
        tmp_path / "feed.zip",
        edit={"stop_times.txt": lambda rows: set_cell(rows, 42, "departure_time", "25:7:00")},
    )
    with pytest.raises(FeedRejected) as refused:
        read_feed(broken)
    assert refused.value.problems == [
        "stop_times.txt line 42: departure_time '25:7:00' is not a time like 08:30:00"
    ]
    assert "stop_times.txt line 42" in refused.value.message


def test_times_past_midnight_are_fine() -> None:
    times = [row[1] for row in read_rows("stop_times.txt")[1:]]
    assert max(times) == "31:30:00"  # the feed runs past 24:00 ...
    read_feed(NEWPORT_GTFS)  # ... and is accepted


def test_a_served_stop_without_coordinates_is_refused(tmp_path) -> None:
    stop_times, stops = read_rows("stop_times.txt"), read_rows("stops.txt")
    served = stop_times[1][stop_times[0].index("stop_id")]  # called at on line 2
    line = next(n for n, row in enumerate(stops, start=1) if row[0] == served)

    def no_place(rows: list[list[str]]) -> None:
        set_cell(rows, line, "stop_lat", "")
        set_cell(rows, line, "stop_lon", "")

    broken = rewrite(tmp_path / "feed.zip", edit={"stops.txt": no_place})
    with pytest.raises(FeedRejected) as refused:
        read_feed(broken)
    assert refused.value.problems == [
        f"stops.txt line {line}: stop {served!r} has no stop_lat/stop_lon"
        " but trips call at it (stop_times.txt line 2)"
    ]


def test_an_unserved_stop_may_lack_coordinates(tmp_path) -> None:
    stops = read_rows("stops.txt")
    served = {row[3] for row in read_rows("stop_times.txt")[1:]}
    line = next(n for n, row in enumerate(stops, start=1) if n > 1 and row[0] not in served)
    broken = rewrite(
        tmp_path / "feed.zip",
        edit={"stops.txt": lambda rows: set_cell(rows, line, "stop_lat", "")},
    )
    assert read_feed(broken).served_stops == 655


def test_a_stop_time_of_an_unknown_trip_is_refused(tmp_path) -> None:
    broken = rewrite(
        tmp_path / "feed.zip",
        edit={"stop_times.txt": lambda rows: set_cell(rows, 100, "trip_id", "NO-SUCH-TRIP")},
    )
    with pytest.raises(FeedRejected) as refused:
        read_feed(broken)
    assert refused.value.problems == [
        "stop_times.txt line 100: trip_id 'NO-SUCH-TRIP' is not in trips.txt"
    ]


def test_a_stop_time_at_an_unknown_stop_is_refused(tmp_path) -> None:
    broken = rewrite(
        tmp_path / "feed.zip",
        edit={"stop_times.txt": lambda rows: set_cell(rows, 7, "stop_id", "NOWHERE")},
    )
    with pytest.raises(FeedRejected) as refused:
        read_feed(broken)
    assert refused.value.problems == [
        "stop_times.txt line 7: stop_id 'NOWHERE' is not in stops.txt"
    ]


def test_bad_calendar_dates_are_refused(tmp_path) -> None:
    def bad(rows: list[list[str]]) -> None:
        set_cell(rows, 2, "end_date", "20230231")
        set_cell(rows, 3, "monday", "yes")

    broken = rewrite(tmp_path / "feed.zip", edit={"calendar.txt": bad})
    with pytest.raises(FeedRejected) as refused:
        read_feed(broken)
    assert refused.value.problems == [
        "calendar.txt line 2: end_date '20230231' is not a date like 20230613",
        "calendar.txt line 3: monday 'yes' is not 0 or 1",
    ]


def test_a_missing_column_is_refused(tmp_path) -> None:
    def rename(rows: list[list[str]]) -> None:
        rows[0][rows[0].index("stop_sequence")] = "sequence"

    broken = rewrite(tmp_path / "feed.zip", edit={"stop_times.txt": rename})
    with pytest.raises(FeedRejected) as refused:
        read_feed(broken)
    assert refused.value.problems == [
        "stop_times.txt line 1: the column(s) stop_sequence are missing"
    ]


def test_the_check_stops_after_the_first_problems(tmp_path) -> None:
    def many(rows: list[list[str]]) -> None:
        for line in range(2, 200):
            set_cell(rows, line, "arrival_time", "soon")

    broken = rewrite(tmp_path / "feed.zip", edit={"stop_times.txt": many})
    with pytest.raises(FeedRejected) as refused:
        read_feed(broken)
    assert len(refused.value.problems) == MAX_PROBLEMS
    assert refused.value.problems[0].startswith("stop_times.txt line 2: arrival_time 'soon'")
    assert "stopped after the first" in refused.value.message


def test_a_file_that_is_not_a_zip_is_refused(tmp_path) -> None:
    not_zip = tmp_path / "feed.zip"
    not_zip.write_text("stop_id,stop_name\n", encoding="utf-8")
    with pytest.raises(FeedRejected, match="not a GTFS zip file"):
        read_feed(not_zip)
