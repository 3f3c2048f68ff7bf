"""Geocoders: the local postcode gazetteer (default, no network) and Nominatim via geopy."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from assetmap.config import Config
from assetmap.errors import ConfigError, ValidationError
from assetmap.geo.interfaces import Geocoder, Place
from assetmap.geo.postcodes import is_postcode, normalise_postcode
from assetmap.geo.spatial import Point
from assetmap.models import Postcode


class GazetteerGeocoder:
    """Looks postcodes up in the ``postcodes`` table; knows nothing else."""

    name = "gazetteer"

    def __init__(self, session: Session) -> None:
        self.session = session

    def geocode(self, query: str) -> Place | None:
        if not is_postcode(query):
            return None
        postcode = normalise_postcode(query)
        row = self.session.execute(
            select(Postcode.lat, Postcode.lon).where(Postcode.postcode == postcode)
        ).first()
        return Place(row.lat, row.lon, postcode, self.name) if row else None


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


def locate_postcode(text: str, geocoder: Geocoder) -> Point:
    """Where a postcode is; ValidationError (on ``postcode``) if the geocoder does not know it."""
    postcode = normalise_postcode(text)
    place = geocoder.geocode(postcode)
    if place is None:
        raise ValidationError(f"postcode {postcode} was not found", field="postcode")
    return Point(place.lat, place.lon)
