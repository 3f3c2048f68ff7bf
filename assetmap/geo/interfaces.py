"""Pluggable parts of the geo package, as small protocols."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Place:
    """A geocoded place: where a postcode or address is, and who said so."""

    lat: float
    lon: float
    label: str
    source: str


class Geocoder(Protocol):
    """Turns a postcode or place name into a point, or None when it does not know it."""

    name: str

    def geocode(self, query: str) -> Place | None: ...
