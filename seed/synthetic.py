"""Synthetic listings over Greater London and the South East, for scale tests and benchmarks.

Listings come from the same draws as the Camden demo (`seed.vocab`), so they have the same
shape and mix, but places are made up around real town centres: venue postcodes are valid in
form, not real. Venues are made one at a time and used for a few groups each, so memory stays
flat however many listings are asked for.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date
from itertools import accumulate
from typing import Any, NamedTuple

from seed.vocab import (
    ACTIVITIES,
    ONLINE_ACTIVITIES,
    UNIT_LETTERS,
    VENUE_KINDS,
    Activity,
    FastRandom,
    Venue,
    build_listing,
    draw_parking,
    draw_venue_access,
)

TODAY = date(2026, 11, 23)  # the same "now" as the demo, so freshness bands match
ONLINE_SHARE = 0.04  # as in the demo: 10 of 250
# Groups sharing one venue: about three on average, a few busy centres with more.
GROUPS_PER_VENUE = (1, 2, 3, 4, 5, 6)
GROUPS_PER_VENUE_CUM = tuple(accumulate((15, 20, 25, 20, 12, 8)))
MIN_LAT, MAX_LAT, MIN_LON, MAX_LON = 51.2, 51.8, -0.7, 0.4
KM_PER_DEGREE_LAT = 111.32
CENTRAL_LONDON = (51.5074, -0.1278)
INNER_RADIUS_KM = 15  # inside this, few venues have parking


class Town(NamedTuple):
    """A town or neighbourhood centre that synthetic venues cluster around."""

    name: str
    lat: float
    lon: float
    density: float  # relative share of groups; also how far venues spread
    districts: tuple[str, ...]  # postcode districts to build venue postcodes from


# Centres and postcode districts are real; everything placed around them is made up.
TOWNS: tuple[Town, ...] = tuple(
    Town(*row)
    for row in (
        ("Camden Town", 51.539, -0.143, 3, ("NW1", "NW5")),
        ("Islington", 51.538, -0.103, 3, ("N1", "N7")),
        ("Hackney", 51.545, -0.055, 3, ("E8", "E9", "E5")),
        ("Stratford", 51.541, -0.003, 3, ("E15", "E20")),
        ("Bethnal Green", 51.527, -0.055, 3, ("E2",)),
        ("Poplar", 51.508, -0.017, 2, ("E14",)),
        ("Walthamstow", 51.583, -0.020, 2, ("E17",)),
        ("Tottenham", 51.588, -0.072, 2, ("N15", "N17")),
        ("Wood Green", 51.597, -0.109, 2, ("N22",)),
        ("Finsbury Park", 51.564, -0.106, 2, ("N4",)),
        ("Enfield", 51.652, -0.081, 2, ("EN1", "EN2")),
        ("Barnet", 51.653, -0.200, 2, ("EN4", "EN5")),
        ("Edgware", 51.613, -0.275, 2, ("HA8",)),
        ("Harrow", 51.580, -0.334, 2, ("HA1", "HA2", "HA3")),
        ("Wembley", 51.553, -0.297, 2, ("HA0", "HA9")),
        ("Kilburn", 51.546, -0.198, 2, ("NW6",)),
        ("Hammersmith", 51.492, -0.223, 2, ("W6",)),
        ("Shepherd's Bush", 51.504, -0.219, 2, ("W12",)),
        ("Ealing", 51.513, -0.305, 2, ("W5", "W13")),
        ("Southall", 51.511, -0.376, 2, ("UB1", "UB2")),
        ("Hounslow", 51.468, -0.361, 2, ("TW3", "TW4")),
        ("Uxbridge", 51.546, -0.479, 1.5, ("UB8", "UB10")),
        ("Richmond", 51.461, -0.303, 1.5, ("TW9", "TW10")),
        ("Kingston upon Thames", 51.409, -0.306, 2, ("KT1", "KT2")),
        ("Wimbledon", 51.421, -0.206, 2, ("SW19",)),
        ("Sutton", 51.361, -0.194, 2, ("SM1", "SM2")),
        ("Croydon", 51.372, -0.099, 3, ("CR0", "CR2")),
        ("Streatham", 51.428, -0.131, 2, ("SW16",)),
        ("Brixton", 51.462, -0.115, 3, ("SW2", "SW9")),
        ("Clapham", 51.462, -0.138, 2, ("SW4",)),
        ("Peckham", 51.473, -0.069, 2, ("SE15",)),
        ("Lewisham", 51.462, -0.010, 2, ("SE13",)),
        ("Catford", 51.445, -0.020, 2, ("SE6",)),
        ("Greenwich", 51.482, -0.006, 2, ("SE10",)),
        ("Woolwich", 51.490, 0.069, 2, ("SE18",)),
        ("Bexleyheath", 51.456, 0.139, 1.5, ("DA6", "DA7")),
        ("Bromley", 51.406, 0.015, 2, ("BR1", "BR2")),
        ("Orpington", 51.373, 0.099, 1.5, ("BR6",)),
        ("Barking", 51.536, 0.081, 2, ("IG11",)),
        ("Ilford", 51.559, 0.073, 2, ("IG1", "IG2")),
        ("Romford", 51.575, 0.183, 2, ("RM1", "RM7")),
        ("Watford", 51.656, -0.396, 1.5, ("WD17", "WD18", "WD24")),
        ("St Albans", 51.752, -0.336, 1.5, ("AL1", "AL3")),
        ("Hemel Hempstead", 51.753, -0.449, 1.5, ("HP1", "HP2")),
        ("Hatfield", 51.763, -0.228, 1, ("AL10",)),
        ("Hertford", 51.796, -0.078, 1, ("SG13", "SG14")),
        ("Cheshunt", 51.700, -0.033, 1, ("EN8",)),
        ("Harlow", 51.768, 0.096, 1.5, ("CM17", "CM18", "CM20")),
        ("Epping", 51.700, 0.111, 0.7, ("CM16",)),
        ("Brentwood", 51.621, 0.305, 1, ("CM14", "CM15")),
        ("Potters Bar", 51.694, -0.179, 0.7, ("EN6",)),
        ("Borehamwood", 51.657, -0.272, 1, ("WD6",)),
        ("Rickmansworth", 51.640, -0.473, 0.7, ("WD3",)),
        ("Amersham", 51.667, -0.608, 0.7, ("HP6", "HP7")),
        ("Chesham", 51.705, -0.611, 0.7, ("HP5",)),
        ("Beaconsfield", 51.611, -0.644, 0.7, ("HP9",)),
        ("Slough", 51.511, -0.595, 1.5, ("SL1", "SL2")),
        ("Windsor", 51.483, -0.609, 1, ("SL4",)),
        ("Staines-upon-Thames", 51.433, -0.512, 1, ("TW18",)),
        ("Egham", 51.431, -0.548, 0.7, ("TW20",)),
        ("Weybridge", 51.372, -0.457, 0.7, ("KT13",)),
        ("Walton-on-Thames", 51.386, -0.417, 1, ("KT12",)),
        ("Woking", 51.319, -0.558, 1.5, ("GU21", "GU22")),
        ("Guildford", 51.236, -0.570, 1.5, ("GU1", "GU2")),
        ("Epsom", 51.333, -0.268, 1, ("KT17", "KT18")),
        ("Leatherhead", 51.296, -0.329, 0.7, ("KT22",)),
        ("Dorking", 51.232, -0.331, 0.7, ("RH4",)),
        ("Reigate", 51.238, -0.206, 1, ("RH2",)),
        ("Redhill", 51.240, -0.170, 1, ("RH1",)),
        ("Caterham", 51.282, -0.079, 0.7, ("CR3",)),
        ("Sevenoaks", 51.273, 0.191, 1, ("TN13", "TN14")),
        ("Swanley", 51.397, 0.173, 0.7, ("BR8",)),
        ("Dartford", 51.446, 0.218, 1.5, ("DA1", "DA2")),
        ("Gravesend", 51.441, 0.368, 1.5, ("DA11", "DA12")),
        ("Grays", 51.476, 0.323, 1.5, ("RM17", "RM20")),
    )
)
TOWN_CUM = tuple(accumulate(town.density for town in TOWNS))

STREETS: tuple[str, ...] = (
    "High Street",
    "Church Road",
    "Station Road",
    "Victoria Road",
    "Park Road",
    "London Road",
    "Mill Lane",
    "Albert Road",
    "Queen's Road",
    "King Street",
    "Grove Road",
    "Manor Road",
    "The Broadway",
    "Green Lane",
    "Springfield Road",
    "Chapel Street",
    "Market Street",
    "Windsor Road",
    "Elm Grove",
    "North Street",
    "Alexandra Road",
    "Orchard Way",
    "Beech Avenue",
    "St John's Road",
    "Cromwell Road",
    "Richmond Road",
    "Marsh Lane",
)
SAINTS: tuple[str, ...] = (
    "Mary",
    "John",
    "Peter",
    "Paul",
    "Andrew",
    "Luke",
    "Michael",
    "George",
    "James",
    "Anne",
    "Margaret",
    "Stephen",
    "Mark",
    "Barnabas",
)
TREES: tuple[str, ...] = (
    "Oak",
    "Ash",
    "Elm",
    "Beech",
    "Hazel",
    "Willow",
    "Rowan",
    "Cedar",
    "Holly",
    "Maple",
    "Birch",
)
NOUNS: tuple[str, ...] = ("Kettle", "Corner", "Teapot", "Bluebell", "Lantern", "Terrace", "Hive")
VENUE_NAMES: dict[str, tuple[str, ...]] = {
    "community_centre": (
        "{street} Community Centre",
        "{town} Community Centre",
        "{tree} Tree Neighbourhood Centre",
    ),
    "church_hall": (
        "St {saint}'s Church Hall",
        "{street} Methodist Hall",
        "{street} Baptist Church Hall",
    ),
    "library": ("{town} Library", "{street} Library"),
    "leisure_centre": ("{town} Leisure Centre", "{street} Sports Centre"),
    "park": (
        "{tree} Park",
        "{street} Recreation Ground",
        "{tree}field Allotments",
        "{town} Common",
    ),
    "cafe": ("The {noun} Café", "{street} Café"),
    "tra_hall": ("{tree} Court TRA Hall", "{tree} House Community Room"),
    "mosque": ("{town} Islamic Centre", "{street} Mosque"),
    "synagogue": ("{town} Synagogue Hall",),
}
KIND_CUM = tuple(accumulate((25, 20, 12, 6, 12, 8, 10, 4, 3)))  # in VENUE_KINDS order
STOP_COUNT_CUM = tuple(accumulate((10, 35, 35, 20)))  # 0-3 bus stops listed per venue
STOP_NAMES: tuple[str, ...] = (
    "{street}",
    "{town} Station",
    "{town} Library",
    "{street} / {other}",
    "Clock Tower",
    "Health Centre",
    "The Parade",
)
LOCAL_ORG_SUFFIXES: tuple[str, ...] = (
    "Community Association",
    "Good Neighbours",
    "Community Trust",
    "Neighbourhood Network",
)


def generate_listings(n: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """Yield `n` listings in the import contract shape; the same `seed` gives the same stream."""
    rng = FastRandom(seed)
    by_kind = _activities_by_kind()
    # Each town gets its own few bus routes, shared by the stops near its venues.
    routes = {town.name: tuple(_route(rng) for _ in range(8)) for town in TOWNS}
    town = TOWNS[0]
    venue: Venue | None = None
    groups_left = 0
    for number in range(1, n + 1):
        external_id = f"synthetic-{number:06d}"
        if rng.random() < ONLINE_SHARE:
            home = _pick_town(rng)
            yield _listing(rng, rng.choice(ONLINE_ACTIVITIES), external_id, home, None)
            continue
        if venue is None or groups_left == 0:
            town = _pick_town(rng)
            venue = _new_venue(rng, town, routes[town.name])
            groups_left = rng.weighted(GROUPS_PER_VENUE, GROUPS_PER_VENUE_CUM)
        groups_left -= 1
        activities, cum_weights = by_kind[venue.kind]
        activity = rng.weighted(activities, cum_weights)
        yield _listing(rng, activity, external_id, town, venue)


def _listing(
    rng: FastRandom,
    activity: Activity,
    external_id: str,
    town: Town,
    venue: Venue | None,
) -> dict[str, Any]:
    return build_listing(
        rng,
        activity,
        external_id=external_id,
        area=town.name,
        borough=town.name,
        local_org=f"{town.name} {rng.choice(LOCAL_ORG_SUFFIXES)}",
        venue=venue,
        today=TODAY,
    )


def _activities_by_kind() -> dict[str, tuple[tuple[Activity, ...], tuple[float, ...]]]:
    """For each venue kind, the activities it can host and their cumulative weights."""
    table = {}
    for kind in VENUE_KINDS:
        hosted = tuple(activity for activity in ACTIVITIES if kind in activity.kinds)
        table[kind] = (hosted, tuple(accumulate(activity.weight for activity in hosted)))
    return table


def _pick_town(rng: FastRandom) -> Town:
    return rng.weighted(TOWNS, TOWN_CUM)


def _new_venue(rng: FastRandom, town: Town, routes: tuple[str, ...]) -> Venue:
    """A made-up venue scattered around a town centre, denser near the middle."""
    name, centre_lat, centre_lon, density, districts = town
    kind = rng.weighted(VENUE_KINDS, KIND_CUM)
    spread_km = 1.0 + 0.25 * density  # bigger places sprawl further
    lat = centre_lat + rng.gauss(0, spread_km) / KM_PER_DEGREE_LAT
    lon = centre_lon + rng.gauss(0, spread_km) / (
        KM_PER_DEGREE_LAT * math.cos(math.radians(centre_lat))
    )
    lat = round(min(MAX_LAT, max(MIN_LAT, lat)), 6)
    lon = round(min(MAX_LON, max(MIN_LON, lon)), 6)
    street = rng.choice(STREETS)
    words = {
        "town": name,
        "street": street.removeprefix("The "),
        "saint": rng.choice(SAINTS),
        "tree": rng.choice(TREES),
        "noun": rng.choice(NOUNS),
    }
    access, known, note = draw_venue_access(rng, kind)
    postcode = (
        f"{rng.choice(districts)} {rng.randint(0, 9)}"
        f"{rng.choice(UNIT_LETTERS)}{rng.choice(UNIT_LETTERS)}"
    )
    inner = _km(lat, lon, *CENTRAL_LONDON) < INNER_RADIUS_KM
    return Venue(
        name=rng.choice(VENUE_NAMES[kind]).format_map(words),
        kind=kind,
        address=f"{rng.randint(1, 250)} {street}, {name}",
        postcode=postcode,
        lat=lat,
        lon=lon,
        access=access,
        known=known,
        access_note=note,
        bus_stops=_bus_stops(rng, name, street, routes),
        rail=(name, rng.randint(15, 250) * 10) if rng.random() < 0.7 else None,
        parking=draw_parking(rng, kind, 0.25 if inner else 0.6),
    )


def _bus_stops(
    rng: FastRandom, town: str, street: str, routes: tuple[str, ...]
) -> tuple[tuple[str, int, tuple[str, ...]], ...]:
    stops = []
    for _ in range(rng.weighted((0, 1, 2, 3), STOP_COUNT_CUM)):
        name = rng.choice(STOP_NAMES).format(town=town, street=street, other=rng.choice(STREETS))
        first = rng.randint(0, len(routes) - 1)
        stops.append((name, rng.randint(4, 45) * 10, routes[first : first + rng.randint(1, 3)]))
    stops.sort(key=lambda stop: stop[1])
    return tuple(stops)


def _route(rng: FastRandom) -> str:
    if rng.random() < 0.15:
        return rng.choice("CEHPRUW") + str(rng.randint(1, 20))
    return str(rng.randint(1, 499))


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Flat-earth distance, plenty for sorting venues into inner and outer."""
    north = (lat2 - lat1) * KM_PER_DEGREE_LAT
    east = (lon2 - lon1) * KM_PER_DEGREE_LAT * math.cos(math.radians(lat1))
    return math.hypot(north, east)
