"""Timetable feeds (GTFS) loaded for journeys by bus, and the street extract that goes with each.

A ``TransitFeed`` is one feed copied into the instance folder by ``assetmap import-transit``:
where the copies are, the feed's checksum (a re-import of the same file changes nothing but
``imported_at``), the dates its timetable runs and the box its served stops lie in, which is
the area it covers. ``summary`` keeps the counts the import printed, for the feed listing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from assetmap.models.base import Base, IntPK, JSONValue, UTCDateTime


class TransitFeed(Base):
    """One timetable feed, named by the operator who loaded it ("Newport")."""

    __tablename__ = "transit_feeds"

    id: Mapped[IntPK]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # Absolute paths of the copies in <instance>/transit/<folder>/.
    gtfs_path: Mapped[str] = mapped_column(String(1000))
    osm_path: Mapped[str | None] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(64))
    osm_sha256: Mapped[str | None] = mapped_column(String(64))
    # The first and last day the timetable runs (calendar, calendar_dates, feed_info).
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    # The box round the stops that some trip calls at, in WGS84 degrees.
    min_lat: Mapped[float]
    min_lon: Mapped[float]
    max_lat: Mapped[float]
    max_lon: Mapped[float]
    # FeedSummary.counts(): agencies, routes, trips, stop times, served stops, step-free counts.
    summary: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
