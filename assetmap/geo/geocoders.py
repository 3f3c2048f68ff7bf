"""Geocoders: the local gazetteer (default, no network) and Nominatim via geopy.

The gazetteer answers from the app's own tables: a full postcode from the postcode table; a
district or sector ("NW5", "NW5 2") as the centre of its postcodes there; a place name
("Kentish Town") as the centre of a small area of that name, a venue of that name, or the
venues whose name or address has it in, when those lie close together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import shapely
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from assetmap.config import Config
from assetmap.errors import ConfigError, ValidationError
from assetmap.geo.interfaces import Geocoder, Place
from assetmap.geo.journeys import geodesic_m
from assetmap.geo.postcodes import is_postcode, normalise_postcode, postcode_prefixes
from assetmap.geo.spatial import Point
from assetmap.models import Area, Postcode, Venue

#: What a place box accepts, for its hint and its error.
PLACE_ACCEPTED = (
    "a full postcode like NW5 2AB, a postcode district like NW5, "
    "or a place in the directory like Kentish Town"
)
#: Venues matching a place name must all lie within this of their centre, or the name is too
#: vague to place anyone by ("Road", "Hall").
PLACE_SPREAD_M = 1500.0
#: At most this many venues are read for one place name.
MAX_PLACE_VENUES = 200
_WORDS = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


class GazetteerGeocoder:
    """Looks postcodes, districts, sectors and place names up in the app's own tables."""

    name = "gazetteer"

    def __init__(self, session: Session) -> None:
        self.session = session

    def geocode(self, query: str) -> Place | None:
        if is_postcode(query):
            postcode = normalise_postcode(query)
            row = self.session.execute(
                select(Postcode.lat, Postcode.lon).where(Postcode.postcode == postcode)
            ).first()
            return Place(row.lat, row.lon, postcode, self.name) if row else None
        for prefix in postcode_prefixes(query):
            place = self._district(prefix)
            if place is not None:
                return place
        return self._place_name(query)

    def _district(self, prefix: str) -> Place | None:
        """The centre of the postcodes starting ``prefix``: a district ("NW5 ") or a sector
        ("NW5 2"), read through the (district, sector) index, not a scan of the table."""
        district, _, digit = prefix.partition(" ")
        where = [Postcode.district == district]
        if digit:
            where.append(Postcode.sector == prefix)
        row = self.session.execute(
            select(func.avg(Postcode.lat), func.avg(Postcode.lon), func.count()).where(*where)
        ).one()
        if not row[2]:
            return None
        return Place(float(row[0]), float(row[1]), prefix.strip(), self.name)

    def _place_name(self, query: str) -> Place | None:
        words = _WORDS.findall(query or "")
        phrase = " ".join(words)
        if len(phrase) < 3 or len(phrase) > 100:
            return None
        wanted = phrase.lower()
        for area in self.session.execute(
            select(Area.name, func.ST_AsText(Area.geometry).label("wkt"))
            .where(func.lower(Area.name) == wanted)
            .order_by(Area.kind, Area.code)
            .limit(1)
        ):
            centre = shapely.from_wkt(area.wkt).centroid
            return Place(centre.y, centre.x, area.name, self.name)
        return self._venues_named(phrase)

    def _venues_named(self, phrase: str) -> Place | None:
        """A venue called ``phrase``, else the venues with it in their name or address (as
        whole words), when they lie close together."""
        wanted = phrase.lower()
        rows = self.session.execute(
            select(Venue.name, Venue.address, Venue.lat, Venue.lon)
            .where(
                or_(
                    func.lower(Venue.name).contains(wanted, autoescape=True),
                    func.lower(Venue.address).contains(wanted, autoescape=True),
                )
            )
            .order_by(Venue.id)
            .limit(MAX_PLACE_VENUES)
        ).all()
        exact = [row for row in rows if row.name.strip().lower() == wanted]
        whole = re.compile(rf"(?<!\w){re.escape(wanted)}(?!\w)")
        chosen = exact or [
            row
            for row in rows
            if whole.search(row.name.lower()) or whole.search((row.address or "").lower())
        ]
        if not chosen:
            return None
        lat = float(np.mean([row.lat for row in chosen]))
        lon = float(np.mean([row.lon for row in chosen]))
        spread = geodesic_m(
            Point(lat, lon), np.array([r.lat for r in chosen]), np.array([r.lon for r in chosen])
        )
        if float(spread.max()) > PLACE_SPREAD_M:
            return None
        return Place(lat, lon, exact[0].name if exact else phrase, self.name)


class NominatimGeocoder:
    """OpenStreetMap's Nominatim through geopy: for places the gazetteer lacks. Needs network."""

    name = "nominatim"

    def __init__(self, url: str, user_agent: str, timeout: float = 5.0) -> None:
        from geopy.geocoders import Nominatim

        scheme, _, domain = url.partition("://")
        self._client = Nominatim(
            user_agent=user_agent, domain=domain.rstrip("/"), scheme=scheme, timeout=timeout
        )

    def geocode(self, query: str) -> Place | None:
        from geopy.exc import GeopyError

        try:
            found = self._client.geocode(query, country_codes="gb")
        except GeopyError:
            return None
        if found is None:
            return None
        return Place(found.latitude, found.longitude, found.address, self.name)


class ChainGeocoder:
    """Asks each geocoder in turn and returns the first answer."""

    name = "chain"

    def __init__(self, geocoders: Sequence[Geocoder]) -> None:
        self.geocoders = list(geocoders)

    def geocode(self, query: str) -> Place | None:
        for geocoder in self.geocoders:
            place = geocoder.geocode(query)
            if place is not None:
                return place
        return None


def geocoder_for(config: Config, session: Session) -> Geocoder:
    """Build the geocoder chain named by ``config.geocoders``."""
    chain: list[Geocoder] = []
    for name in config.geocoders:
        if name == "gazetteer":
            chain.append(GazetteerGeocoder(session))
        elif name == "nominatim":
            chain.append(NominatimGeocoder(config.nominatim_url, config.nominatim_user_agent))
        else:
            raise ConfigError(f"unknown geocoder {name!r}: use gazetteer or nominatim")
    return chain[0] if len(chain) == 1 else ChainGeocoder(chain)


def locate_place(text: str, geocoder: Geocoder) -> Point:
    """Where a postcode, district, sector or place name is; ValidationError (on ``place``)
    saying what is accepted if the geocoder does not know it."""
    place = geocoder.geocode(text.strip())
    if place is None:
        raise ValidationError(
            f"we could not find {text.strip()!r}: give {PLACE_ACCEPTED}", field="place"
        )
    return Point(place.lat, place.lon)


def locate_postcode(text: str, geocoder: Geocoder) -> Point:
    """Where a postcode is; ValidationError (on ``postcode``) if the geocoder does not know it."""
    postcode = normalise_postcode(text)
    place = geocoder.geocode(postcode)
    if place is None:
        raise ValidationError(f"postcode {postcode} was not found", field="postcode")
    return Point(place.lat, place.lon)
