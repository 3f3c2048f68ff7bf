"""The registry of loaded feeds: copies in the instance folder, one row per name."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assetmap.errors import ValidationError
from assetmap.geo.transit.feeds import FeedRejected
from assetmap.geo.transit.registry import (
    Outcome,
    dates_warning,
    default_name,
    feeds_covering,
    import_feed,
    list_feeds,
)
from assetmap.models import TransitFeed
from tests.geo.transit.gtfs_files import NEWPORT_GTFS, NEWPORT_OSM, rewrite, set_cell

NOW = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.UTC)
FRIARS_WALK = (51.587681, -2.994448)


def _count(database) -> int:
    with database.sessions() as session:
        return session.execute(select(func.count()).select_from(TransitFeed)).scalar_one()


def test_import_copies_the_files_and_records_the_feed(database, tmp_path) -> None:
    with database.session() as session:
        result = import_feed(
            session, tmp_path, NEWPORT_GTFS, now=NOW, osm=NEWPORT_OSM, name="Newport"
        )
        assert result.outcome is Outcome.CREATED
    with database.sessions() as session:
        feed = session.scalars(select(TransitFeed)).one()
        assert feed.name == "Newport"
        assert feed.gtfs_path == str(tmp_path.resolve() / "transit/newport" / NEWPORT_GTFS.name)
        assert Path(feed.gtfs_path).read_bytes() == NEWPORT_GTFS.read_bytes()
        assert feed.osm_path is not None
        assert Path(feed.osm_path).read_bytes() == NEWPORT_OSM.read_bytes()
        assert feed.sha256 == "c056ab2c15e7621a0d882f8405b312b3ded027447dc921878e6f103609e8a37b"
        assert (feed.start_date, feed.end_date) == (dt.date(2023, 6, 5), dt.date(2024, 3, 1))
        assert feed.min_lat <= FRIARS_WALK[0] <= feed.max_lat
        assert feed.summary["trips"] == 176 and feed.summary["served_stops"] == 655
        assert feed.imported_at == NOW


def test_reimporting_the_same_file_changes_only_imported_at(database, tmp_path) -> None:
    with database.session() as session:
        first = import_feed(session, tmp_path, NEWPORT_GTFS, now=NOW, name="Newport").feed
        before = {c.name: getattr(first, c.name) for c in TransitFeed.__table__.columns}
    copy = Path(before["gtfs_path"])
    copied_at = copy.stat().st_mtime_ns
    later = NOW + dt.timedelta(days=1)
    with database.session() as session:
        again = import_feed(session, tmp_path, NEWPORT_GTFS, now=later, name="Newport")
        assert again.outcome is Outcome.UNCHANGED
    with database.sessions() as session:
        feed = session.scalars(select(TransitFeed)).one()
        after = {c.name: getattr(feed, c.name) for c in TransitFeed.__table__.columns}
    assert after.pop("imported_at") == later and before.pop("imported_at") == NOW
    assert after == before
    assert copy.stat().st_mtime_ns == copied_at  # not copied again


def test_a_new_file_under_the_same_name_replaces_the_feed(database, tmp_path) -> None:
    with database.session() as session:
        import_feed(session, tmp_path, NEWPORT_GTFS, now=NOW, name="Newport")

    def end_in_2023(rows: list[list[str]]) -> None:
        for line in range(2, len(rows) + 1):
            set_cell(rows, line, "end_date", "20231231")

    shorter = rewrite(tmp_path / "newport-2024.zip", edit={"calendar.txt": end_in_2023})
    with database.session() as session:
        result = import_feed(session, tmp_path, shorter, now=NOW, osm=NEWPORT_OSM, name="Newport")
        assert result.outcome is Outcome.UPDATED
    with database.sessions() as session:
        feed = session.scalars(select(TransitFeed)).one()
        assert feed.end_date == dt.date(2023, 12, 31)
        assert feed.gtfs_path.endswith("transit/newport/newport-2024.zip")
        assert feed.osm_path is not None


def test_a_broken_feed_writes_nothing(database, tmp_path) -> None:
    broken = rewrite(tmp_path / "broken.zip", drop=("stops.txt",))
    instance = tmp_path / "instance"
    with pytest.raises(FeedRejected, match=r"stops\.txt is missing"), database.session() as session:
        import_feed(session, instance, broken, now=NOW)
    assert _count(database) == 0
    assert not instance.exists()


def test_a_file_that_is_not_an_extract_is_refused(database, tmp_path) -> None:
    not_pbf = tmp_path / "streets.osm.pbf"
    not_pbf.write_bytes(b"<osm version='0.6'></osm>")
    with (
        pytest.raises(ValidationError, match="not an OpenStreetMap extract"),
        database.session() as session,
    ):
        import_feed(session, tmp_path / "instance", NEWPORT_GTFS, now=NOW, osm=not_pbf)
    assert _count(database) == 0 and not (tmp_path / "instance").exists()


def test_two_feeds_each_cover_their_own_area(database, tmp_path) -> None:
    def move_north(rows: list[list[str]]) -> None:  # the same timetable, 3 degrees north
        lat = rows[0].index("stop_lat")
        for row in rows[1:]:
            if row[lat]:
                row[lat] = f"{float(row[lat]) + 3:.6f}"

    # Every served stop of the shifted copy lies north of the real feed's box.
    north = rewrite(tmp_path / "north.zip", edit={"stops.txt": move_north})
    with database.session() as session:
        import_feed(session, tmp_path, NEWPORT_GTFS, now=NOW, name="Newport")
        import_feed(session, tmp_path, north, now=NOW, name="North")
    with database.sessions() as session:
        assert [feed.name for feed in list_feeds(session)] == ["Newport", "North"]
        assert [feed.name for feed in feeds_covering(session, *FRIARS_WALK)] == ["Newport"]
        far_north = (FRIARS_WALK[0] + 6.0, FRIARS_WALK[1])  # north of Newport's box
        assert [feed.name for feed in feeds_covering(session, *far_north)] == ["North"]
        assert feeds_covering(session, 48.85, 2.35) == []  # Paris


def test_names_that_would_share_a_folder_are_refused(database, tmp_path) -> None:
    with database.session() as session:
        import_feed(session, tmp_path, NEWPORT_GTFS, now=NOW, name="Newport")
    with (
        pytest.raises(ValidationError, match="too like the feed 'Newport'"),
        database.session() as session,
    ):
        import_feed(session, tmp_path, NEWPORT_GTFS, now=NOW, name="newport!")
    assert _count(database) == 1


def test_the_default_name_comes_from_the_file() -> None:
    assert default_name(NEWPORT_GTFS) == "newport-20230613"


def test_dates_warning_outside_the_timetable_only(database, tmp_path) -> None:
    with database.session() as session:
        feed = import_feed(session, tmp_path, NEWPORT_GTFS, now=NOW, name="Newport").feed
        assert dates_warning(feed, dt.date(2026, 12, 2)) == (
            "The timetable Newport runs from 5 June 2023 to 1 March 2024: today"
            " (2 December 2026) is outside it, so journeys by bus are estimated"
        )
        assert dates_warning(feed, dt.date(2023, 6, 13)) is None  # the test day
        assert dates_warning(feed, dt.date(2024, 3, 1)) is None  # the last day counts
        assert dates_warning(feed, dt.date(2023, 6, 4)) is not None
