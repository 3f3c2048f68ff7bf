"""Where people are: the postcode gazetteer and the small areas with who lives in them.

Reference data loaded from published files (``assetmap import-postcodes``, ``import-areas``,
``import-area-people``) rather than written by people using the app; each row says when it
was last loaded, so answers computed from it know when they are stale.
"""

from __future__ import annotations

from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import Index, String
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column

from assetmap.models.base import SRID, Base, ChangedAt, IntPK, Name


def postcode_district(postcode: str) -> str:
    """The outward code of a canonical postcode: "NW5" for "NW5 2AB"."""
    return postcode.partition(" ")[0]


def postcode_sector(postcode: str) -> str | None:
    """The sector of a canonical postcode: "NW5 2" for "NW5 2AB" (None without an inward code)."""
    district, _, inward = postcode.partition(" ")
    return f"{district} {inward[0]}" if inward else None


def _district_default(context: DefaultExecutionContext) -> str:
    return postcode_district(context.get_current_parameters()["postcode"])


def _sector_default(context: DefaultExecutionContext) -> str | None:
    return postcode_sector(context.get_current_parameters()["postcode"])


class Postcode(Base):
    """The gazetteer: UK postcodes and their centroids, for geocoding without a network.

    ``district`` and ``sector`` repeat the postcode's start ("NW5", "NW5 2") so the geocoder
    finds a district's postcodes through an index on a national table (a ``LIKE 'NW5 %'`` is a
    full scan on both backends); filled on every insert from the postcode."""

    __tablename__ = "postcodes"
    __table_args__ = (Index("ix_postcodes_district_sector", "district", "sector"),)

    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    lat: Mapped[float]
    lon: Mapped[float]
    district: Mapped[str | None] = mapped_column(String(4), default=_district_default)
    sector: Mapped[str | None] = mapped_column(String(6), default=_sector_default)
    # The small area (an LSOA code) the postcode lies in: from the gazetteer, or point-in-polygon.
    area_code: Mapped[str | None] = mapped_column(String(20), index=True)
    # When it was last loaded or moved: gap answers kept from before are stale (gaps/cache.py).
    updated_at: Mapped[ChangedAt]


class Area(Base):
    """A small area (LSOA, MSOA, ward) with its outline and who lives there, for gap analysis.

    The people columns stay NULL until ``import-area-people`` fills them: unknown, not zero.
    """

    __tablename__ = "areas"

    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[Name]
    kind: Mapped[str] = mapped_column(String(20))  # lsoa11, lsoa21, msoa11, msoa21, ward, other
    # Made per backend by migration 0009, like Venue.location; polygons are stored as multi.
    geometry: Mapped[Any] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID, spatial_index=False, nullable=False)
    )
    population: Mapped[int | None]
    age_65_plus: Mapped[int | None]
    age_75_plus: Mapped[int | None]
    disabled_share: Mapped[float | None]  # 0-1
    imd_decile: Mapped[int | None]  # 1 = most deprived tenth in England
    lonely_pct: Mapped[float | None]  # 0-100
    updated_at: Mapped[ChangedAt]
