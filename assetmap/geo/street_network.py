"""Travel times over the real street network, from an OpenStreetMap extract.

The default estimator assumes every route is the straight line times a typical detour. That is
fair on average but wrong exactly where it matters to someone choosing a group: a venue across
a river, a railway or a fenced park may be a few hundred metres away as the crow flies and a
long way round on foot. This provider measures the walking and the driving route over the
streets and paths of a ``.osm.pbf`` extract (shortest paths with Dijkstra), then applies the
same journey rules as the estimator (:func:`~assetmap.geo.journeys.journeys_over_routes`), so
the two differ only in how long the routes are.

Where the network cannot answer (the origin or a venue is outside the extract, or in a part
of the network not joined to the other), that venue falls back to the estimator's detoured
straight line.

A network is read once per extract file and process (a city or county extract loads in
seconds) and never changed afterwards, so several worker processes can each hold their own.
"""

from __future__ import annotations

import functools
import math
import os
from array import array
from dataclasses import dataclass, replace

import numpy as np
import osmium
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from assetmap.errors import ConfigError
from assetmap.geo.journeys import (
    OWN_POWER_MODES,
    ROAD_DETOUR,
    WALK_DETOUR,
    Destinations,
    Journeys,
    Mobility,
    geodesic_m,
    journeys_over_routes,
    straight_line_reach_m,
)
from assetmap.geo.spatial import EARTH_RADIUS_M, Point

#: A point further than this from the nearest usable node is outside the extract (or in a
#: part of it without streets): its route is estimated instead.
MAX_SNAP_M = 500.0
#: Points snap only to parts of a network with at least this many nodes (or to the largest
#: part, if smaller): a fragment cut off at the extract's edge or a private estate's paths
#: would leave a venue unreachable.
MIN_COMPONENT_NODES = 100
#: Door-to-door routes are measured up to this multiple of the group's pickup radius (a
#: straight-line radius); a longer one counts as at least that long.
PICKUP_ROUTE_FACTOR = 3.0

#: Roads below motorways: cars use them and so can people on foot.
_ROADS = frozenset(
    {
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "road",
    }
)
#: Ways a person can walk, wheel or ride a mobility scooter along (motorways excluded).
WALK_HIGHWAYS = _ROADS | {
    "pedestrian",
    "footway",
    "path",
    "steps",
    "cycleway",
    "bridleway",
    "track",
    "platform",
}
#: Ways a car (and so a bus, a taxi or a group's minibus) can use.
DRIVE_HIGHWAYS = _ROADS | {"motorway", "motorway_link"}
#: Roads a journey cannot start or end on (no one lives or meets on a motorway).
_NO_SNAP_HIGHWAYS = frozenset({"motorway", "motorway_link"})
_NO_ACCESS = frozenset({"no", "private"})
_FOOT_YES = frozenset({"yes", "designated", "permissive"})
_NO_CARS = frozenset({"no", "private", "agricultural", "forestry", "agricultural;forestry"})


@dataclass(frozen=True)
class StreetGraph:
    """One network (walking or driving) over the extract's nodes, lengths in metres."""

    #: Directed adjacency: ``graph[i, j]`` is the length of the street from node i to node j.
    graph: csr_matrix
    #: Which connected part each node is in (strongly connected, for one-way streets).
    component: np.ndarray
    #: The nodes a point may snap to, and a k-d tree over their 3-D positions on the Earth.
    snap_nodes: np.ndarray
    tree: cKDTree

    def snap(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The nearest usable node to each point, and how far it is in metres."""
        if len(self.snap_nodes) == 0 or lat.shape[0] == 0:
            return np.zeros(lat.shape[0], dtype=np.int64), np.full(lat.shape[0], np.inf)
        chord, i = self.tree.query(_unit_xyz(lat, lon))
        arc = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(chord / (2 * EARTH_RADIUS_M), 1.0))
        return self.snap_nodes[i], arc

    def route_m(
        self,
        origin: Point,
        lat: np.ndarray,
        lon: np.ndarray,
        limit_m: np.ndarray,
        estimate_m: np.ndarray,
    ) -> np.ndarray:
        """Route length from the origin to each point, measured over the network up to that
        point's ``limit_m``.

        Beyond its limit a route counts as the larger of the estimate and the limit; where the
        network cannot tell (either end off the network, or in parts not joined), it is the
        estimate.
        """
        o_node, o_snap = self.snap(np.array([origin.lat]), np.array([origin.lon]))
        if not o_snap[0] <= MAX_SNAP_M:
            return estimate_m
        d_node, d_snap = self.snap(lat, lon)
        source = int(o_node[0])
        network = dijkstra(self.graph, directed=True, indices=source, limit=limit_m.max())
        network = network[d_node]
        on_network = d_snap <= MAX_SNAP_M
        measured = on_network & (network <= limit_m)
        beyond_limit = on_network & ~measured & (self.component[d_node] == self.component[source])
        # Past its limit a route is longer than the limit: never "within" it.
        floor = np.nextafter(o_snap[0] + limit_m + d_snap, np.inf)
        return np.where(
            measured,
            o_snap[0] + network + d_snap,
            np.where(beyond_limit, np.maximum(estimate_m, floor), estimate_m),
        )


class StreetNetworkTravel:
    """Journey times with walking and driving routes measured over an OpenStreetMap extract."""

    name = "street_network"

    def __init__(self, walk: StreetGraph, drive: StreetGraph, path: str = "") -> None:
        self.walk = walk
        self.drive = drive
        self.path = path

    def minutes(self, origin: Point, destinations: Destinations, mobility: Mobility) -> Journeys:
        lat, lon = destinations.lat, destinations.lon
        straight = geodesic_m(origin, lat, lon)
        walk_route = straight * WALK_DETOUR
        road_route = straight * ROAD_DETOUR
        if len(destinations) == 0:
            return journeys_over_routes(straight, walk_route, road_route, destinations, mobility)

        n = len(destinations)
        own = mobility.own_power_mode
        if own is not None and not mobility.door_to_door_needed:
            walk_limit = straight_line_reach_m(replace(mobility, modes=(own,)))
            walk_route = self.walk.route_m(origin, lat, lon, np.full(n, walk_limit), walk_route)

        # The road route serves the bus, the car and the taxi within the time budget, and the
        # group's own transport wherever it collects the person, whatever the time.
        road_modes = tuple(m for m in mobility.modes if m not in OWN_POWER_MODES)
        in_budget = (
            straight_line_reach_m(replace(mobility, modes=road_modes)) if road_modes else 0.0
        )
        radius = destinations.pickup_radius_m
        covers = (radius > 0) & (straight <= radius)
        road_limit = np.where(
            covers, np.maximum(in_budget, PICKUP_ROUTE_FACTOR * radius), in_budget
        )
        if road_limit.max() > 0:
            road_route = self.drive.route_m(origin, lat, lon, road_limit, road_route)

        return journeys_over_routes(straight, walk_route, road_route, destinations, mobility)

    def matrix(
        self,
        origins_lat: np.ndarray,
        origins_lon: np.ndarray,
        destinations: Destinations,
        mobility: Mobility,
    ) -> np.ndarray:
        """One shortest-path tree per origin (Dijkstra is single-source; a many-source call
        would hold a row per origin over every node of the network), each row exactly what
        :meth:`minutes` answers for that origin."""
        olat = np.asarray(origins_lat, dtype=float)
        olon = np.asarray(origins_lon, dtype=float)
        out = np.empty((olat.shape[0], len(destinations)))
        for i in range(olat.shape[0]):
            origin = Point(float(olat[i]), float(olon[i]))
            out[i] = self.minutes(origin, destinations, mobility).minutes
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
        """One shortest-path tree per origin that has pairs, to its own destinations only:
        each element what :meth:`minutes` answers for that origin and destination."""
        out = np.empty(len(origin_index))
        order = np.argsort(origin_index, kind="stable")
        starts = np.flatnonzero(np.diff(origin_index[order], prepend=-1))
        for chunk in np.split(order, starts[1:]):
            if len(chunk) == 0:
                continue
            i = int(origin_index[chunk[0]])
            origin = Point(float(origins_lat[i]), float(origins_lon[i]))
            chosen = destinations.take(destination_index[chunk])
            out[chunk] = self.minutes(origin, chosen, mobility).minutes
        return out

    def reach_m(self, mobility: Mobility) -> float:
        # No route is shorter than the straight line, so detour 1 bounds every venue in budget.
        return straight_line_reach_m(mobility)


def street_network_travel(path: str) -> StreetNetworkTravel:
    """The provider over the extract at ``path``, read once per process (and again only if the
    file changes). Raises ConfigError if it cannot be read or has no streets."""
    if not path:
        raise ConfigError("no OpenStreetMap extract given (ASSETMAP_OSM_EXTRACT_PATH)")
    try:
        real = os.path.realpath(path)
        stat = os.stat(real)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the OpenStreetMap extract {path!r}: {exc}") from None
    if not os.path.isfile(real) or not os.access(real, os.R_OK):
        raise ConfigError(f"the OpenStreetMap extract {path!r} is not a readable file")
    return _load(real, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _load(path: str, _mtime_ns: int, _size: int) -> StreetNetworkTravel:
    try:
        ways = _read_ways(path)
    except RuntimeError as exc:  # osmium's error for a missing, truncated or non-OSM file
        raise ConfigError(f"cannot read the OpenStreetMap extract {path!r}: {exc}") from None
    walk, drive = _build_graphs(*ways)
    if walk.graph.nnz == 0 and drive.graph.nnz == 0:
        raise ConfigError(f"the OpenStreetMap extract {path!r} has no streets or paths")
    return StreetNetworkTravel(walk, drive, path)


# ---- reading the extract ---------------------------------------------------------------------

# Per way: can walk along it, drive forwards (node order), drive backwards, start or end a drive.
_WALK, _FORWARD, _BACKWARD, _DRIVE_ENDS = 1, 2, 4, 8


def _way_flags(tags: osmium.osm.TagList) -> int:
    highway = tags.get("highway")
    access = tags.get("access")
    flags = 0
    if highway in WALK_HIGHWAYS:
        foot = tags.get("foot")
        if foot in _FOOT_YES or (foot not in _NO_ACCESS and access not in _NO_ACCESS):
            flags |= _WALK
    if highway in DRIVE_HIGHWAYS:
        cars = next(
            (tags.get(k) for k in ("motorcar", "motor_vehicle", "vehicle", "access") if k in tags),
            None,
        )
        if cars not in _NO_CARS:
            oneway = tags.get("oneway")
            if oneway is None:
                implied = highway == "motorway" or tags.get("junction") in (
                    "roundabout",
                    "circular",
                )
                oneway = "yes" if implied else "no"
            if oneway in ("-1", "reverse"):
                flags |= _BACKWARD
            elif oneway in ("yes", "true", "1"):
                flags |= _FORWARD
            else:
                flags |= _FORWARD | _BACKWARD
            if highway not in _NO_SNAP_HIGHWAYS:
                flags |= _DRIVE_ENDS
    return flags


def _read_ways(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every usable highway's nodes in order: OSM ids, latitudes, longitudes, and each node's
    way flags (0 at the first node of a way, which no segment ends at)."""
    refs, lats, lons, flags = array("q"), array("d"), array("d"), array("B")
    processor = (
        osmium.FileProcessor(path, osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for way in processor:
        if not isinstance(way, osmium.osm.Way):  # the filters pass only ways: this tells mypy
            continue
        way_flags = _way_flags(way.tags)
        if not way_flags:
            continue
        nodes = list(way.nodes)
        if not nodes:
            continue
        refs.extend([n.ref for n in nodes])
        try:
            lats.extend([n.lat for n in nodes])
            lons.extend([n.lon for n in nodes])
        except osmium.InvalidLocationError:  # nodes outside the extract: no segment touches them
            lats.extend([n.lat if n.location.valid() else math.nan for n in nodes])
            lons.extend([n.lon if n.location.valid() else math.nan for n in nodes])
        flags.append(0)
        flags.extend([way_flags] * (len(nodes) - 1))
    return (
        np.array(refs, dtype=np.int64),
        np.array(lats, dtype=np.float64),
        np.array(lons, dtype=np.float64),
        np.array(flags, dtype=np.uint8),
    )


def _build_graphs(
    refs: np.ndarray, lats: np.ndarray, lons: np.ndarray, flags: np.ndarray
) -> tuple[StreetGraph, StreetGraph]:
    """The walking and the driving graph from the ways' node sequences."""
    ids, first, node = np.unique(refs, return_index=True, return_inverse=True)
    lat, lon = lats[first], lons[first]
    n = len(ids)
    # Segment k joins position k to k + 1 where k + 1 is not the start of a new way.
    seg_flags = flags[1:]
    a, b = node[:-1], node[1:]
    length = _haversine_m(lats[:-1], lons[:-1], lats[1:], lons[1:])
    usable = (seg_flags != 0) & (a != b) & np.isfinite(length)
    # scipy ignores explicit zero weights, so two distinct nodes are never 0 m apart.
    length = np.maximum(length, 0.01)

    walk = usable & (seg_flags & _WALK != 0)
    walk_graph = _graph(
        n,
        np.concatenate([a[walk], b[walk]]),
        np.concatenate([b[walk], a[walk]]),
        np.concatenate([length[walk], length[walk]]),
    )
    fwd = usable & (seg_flags & _FORWARD != 0)
    bwd = usable & (seg_flags & _BACKWARD != 0)
    drive_graph = _graph(
        n,
        np.concatenate([a[fwd], b[bwd]]),
        np.concatenate([b[fwd], a[bwd]]),
        np.concatenate([length[fwd], length[bwd]]),
    )
    # A drive may start or end at a node of any drivable way other than a motorway.
    ends = usable & (seg_flags & _DRIVE_ENDS != 0)
    drive_ends = np.zeros(n, dtype=bool)
    drive_ends[a[ends]] = True
    drive_ends[b[ends]] = True

    xyz = _unit_xyz(lat, lon)
    return (
        _street_graph(walk_graph, xyz, np.ones(n, dtype=bool)),
        _street_graph(drive_graph, xyz, drive_ends),
    )


def _graph(n: int, i: np.ndarray, j: np.ndarray, w: np.ndarray) -> csr_matrix:
    """A sparse graph keeping the shortest of parallel edges (a CSR matrix would sum them)."""
    order = np.lexsort((w, j, i))
    i, j, w = i[order], j[order], w[order]
    keep = np.ones(len(i), dtype=bool)
    keep[1:] = (i[1:] != i[:-1]) | (j[1:] != j[:-1])
    return csr_matrix((w[keep], (i[keep], j[keep])), shape=(n, n))


def _street_graph(graph: csr_matrix, xyz: np.ndarray, may_snap: np.ndarray) -> StreetGraph:
    _, component = connected_components(graph, directed=True, connection="strong")
    sizes = np.bincount(component)
    has_edges = np.diff(graph.indptr) > 0
    sizes_with_edges = np.bincount(component[has_edges], minlength=len(sizes))
    big = sizes >= min(MIN_COMPONENT_NODES, int(sizes_with_edges.max(initial=0)))
    snap_nodes = np.flatnonzero(big[component] & has_edges & may_snap)
    for shared in (graph.data, graph.indices, graph.indptr, component, snap_nodes):
        shared.flags.writeable = False  # read-only from here on, whichever thread asks
    return StreetGraph(
        graph=graph,
        component=component,
        snap_nodes=snap_nodes,
        tree=cKDTree(xyz[snap_nodes]),
    )


def _unit_xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on a sphere of the Earth's radius: chord distance orders like distance on it."""
    phi, lam = np.radians(lat), np.radians(lon)
    return EARTH_RADIUS_M * np.column_stack(
        [np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)]
    )


def _haversine_m(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
