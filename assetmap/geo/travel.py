"""How long it takes a person to get to each of many venues, and how they would go.

A travel-time provider (:class:`~assetmap.geo.interfaces.TravelTimeProvider`) answers
``minutes(origin, destinations, mobility)`` for every candidate at once (numpy arrays, no
per-venue Python loop). Two providers share one set of journey rules
(:func:`~assetmap.geo.journeys.journeys_over_routes`) and differ only in how long the routes are:

* :class:`EstimatedTravel` (the default): straight-line distance times a detour factor;
* ``street_network.StreetNetworkTravel``: shortest paths over an OpenStreetMap extract;
* ``transit.provider.TransitTravel``: the bus by the timetable of a loaded GTFS feed where one
  covers the journey, this estimate elsewhere (flagged ``estimated`` per destination).

The matcher does not know which one it has (``travel_provider_for`` picks by configuration).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from assetmap.config import Config
from assetmap.geo.interfaces import TravelTimeProvider
from assetmap.geo.journeys import (
    ROAD_DETOUR,
    WALK_DETOUR,
    Destinations,
    Journeys,
    Mobility,
    geodesic_m,
    geodesic_matrix_m,
    geodesic_pairs_m,
    journeys_over_routes,
    minutes_over_route_matrix,
    origin_blocks,
    pair_blocks,
    straight_line_reach_m,
)
from assetmap.geo.spatial import Point
from assetmap.geo.street_network import street_network_travel
from assetmap.geo.transit.provider import TransitTravel, feed_sources

if TYPE_CHECKING:
    from assetmap.db import Database


class EstimatedTravel:
    """Routes as the straight line times a typical urban detour factor: no data needed."""

    name = "estimate"

    def minutes(self, origin: Point, destinations: Destinations, mobility: Mobility) -> Journeys:
        straight = geodesic_m(origin, destinations.lat, destinations.lon)
        return journeys_over_routes(
            straight, straight * WALK_DETOUR, straight * ROAD_DETOUR, destinations, mobility
        )

    def matrix(
        self,
        origins_lat: np.ndarray,
        origins_lon: np.ndarray,
        destinations: Destinations,
        mobility: Mobility,
    ) -> np.ndarray:
        """The straight-line distance matrix times the detours, through the journey rules, a
        block of origins at a time (``origin_blocks``) so memory stays bounded."""
        olat = np.asarray(origins_lat, dtype=float)
        olon = np.asarray(origins_lon, dtype=float)
        out = np.empty((olat.shape[0], len(destinations)))
        for rows in origin_blocks(olat.shape[0], len(destinations)):
            straight = geodesic_matrix_m(olat[rows], olon[rows], destinations.lat, destinations.lon)
            out[rows] = minutes_over_route_matrix(
                straight, straight * WALK_DETOUR, straight * ROAD_DETOUR, destinations, mobility
            )
        return out

    def pairs(
        self,
        origins_lat: np.ndarray,
        origins_lon: np.ndarray,
        destinations: Destinations,
        origin_index: np.ndarray,
        destination_index: np.ndarray,
        mobility: Mobility,
    ) -> np.ndarray:
        """The journey rules over each pair's straight line times the detours, elementwise
        (they are elementwise in :meth:`matrix` too), in blocks of ``MATRIX_BLOCK_PAIRS``."""
        olat = np.asarray(origins_lat, dtype=float)
        olon = np.asarray(origins_lon, dtype=float)
        out = np.empty(len(origin_index))
        for block in pair_blocks(len(origin_index)):
            rows, cols = origin_index[block], destination_index[block]
            chosen = destinations.take(cols)
            straight = geodesic_pairs_m(olat[rows], olon[rows], chosen.lat, chosen.lon)
            out[block] = journeys_over_routes(
                straight, straight * WALK_DETOUR, straight * ROAD_DETOUR, chosen, mobility
            ).minutes
        return out

    def reach_m(self, mobility: Mobility) -> float:
        return straight_line_reach_m(mobility, WALK_DETOUR, ROAD_DETOUR)


def travel_provider_for(config: Config, database: Database | None = None) -> TravelTimeProvider:
    """The provider the configuration names: ``estimate``, ``street_network`` or ``transit``.
    ``transit`` reads the feed registry over ``database`` (default: one opened on
    ``config``) and raises ConfigError when no feed with a street extract is loaded; its
    engines load on first use."""
    if config.travel_provider == "street_network":
        return street_network_travel(config.osm_extract_path)
    if config.travel_provider == "transit":
        if database is None:
            from assetmap.db import Database

            database = Database(config)
        return TransitTravel(feed_sources(database), EstimatedTravel())
    return EstimatedTravel()
