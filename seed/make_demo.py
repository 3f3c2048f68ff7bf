"""Write the Camden demo seed: about 250 fictional groups and the postcodes they need.

Run from the repository root with `python -m seed.make_demo`. The output is fixed by SEED and
TODAY, so running it again gives the same files; commit them alongside this script.

Places, stations and bus routes are real Camden names; venues, groups, people and house
numbers are made up. Phone numbers sit in Ofcom's drama range and e-mails on example.org.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from seed.vocab import (
    ACTIVITIES,
    CATEGORIES,
    ONLINE_ACTIVITIES,
    STATUSES,
    UNIT_LETTERS,
    Activity,
    FastRandom,
    Venue,
    build_listing,
    draw_parking,
    draw_venue_access,
    host_name,
)

# Any seed gives valid data; this one's draw lands close to the intended mix of statuses,
# freshness, transport and unknowns, so the demo shows each of them in sensible numbers.
SEED = 272
TODAY = date(2026, 11, 23)  # demo "now": freshness in the seed is spread back from here
OUT = Path(__file__).resolve().parent
GROUPS_FILE = OUT / "camden_groups.json"
POSTCODES_FILE = OUT / "camden_postcodes.csv"

IN_PERSON_GROUPS = 240
MIN_GROUPS_PER_VENUE = 2
RESIDENTIAL_POSTCODES = 20
VENUE_SCATTER_M = 400
HOME_SCATTER_M = 500

# The postcode every demo and test starts from.
ANCHOR_POSTCODE = "NW5 1AA"
ANCHOR_LAT, ANCHOR_LON = 51.5505, -0.1410
POSTCODE_FORMAT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}$")


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    """A Camden neighbourhood: where it is, its postcode sectors, buses and local groups."""

    name: str
    lat: float
    lon: float
    sectors: tuple[str, ...]
    organisation: str
    stops: tuple[tuple[str, tuple[str, ...]], ...]
    parking: float  # share of venues with parking: low in the centre, higher up north
    languages: tuple[str, ...]  # community languages besides English


NEIGHBOURHOODS: dict[str, Neighbourhood] = {
    "kentish_town": Neighbourhood(
        "Kentish Town",
        51.5505,
        -0.1410,
        ("NW5 1", "NW5 2", "NW5 3"),
        "Kentish Town Community Centre",
        (
            ("Kentish Town Station", ("134", "214", "C2")),
            ("Leighton Road", ("134", "214", "393")),
            ("Prince of Wales Road", ("24", "46", "393")),
            ("Fortess Road", ("134", "C2")),
        ),
        0.3,
        ("so", "tr", "bn", "pt"),
    ),
    "gospel_oak": Neighbourhood(
        "Gospel Oak",
        51.5535,
        -0.1500,
        ("NW5 4", "NW3 2"),
        "Gospel Oak Neighbours' Forum",
        (
            ("Gospel Oak Station", ("C11", "C2", "24")),
            ("Mansfield Road", ("C11", "C2")),
            ("Lismore Circus", ("24",)),
        ),
        0.35,
        ("so", "bn", "ar"),
    ),
    "queens_crescent": Neighbourhood(
        "Queen's Crescent",
        51.5495,
        -0.1530,
        ("NW5 4", "NW5 3"),
        "Queen's Crescent Community Association",
        (("Queen's Crescent", ("24", "46")), ("Malden Road", ("24", "46", "C11"))),
        0.3,
        ("so", "bn", "ar", "tr"),
    ),
    "belsize_park": Neighbourhood(
        "Belsize Park",
        51.5490,
        -0.1665,
        ("NW3 4", "NW3 5"),
        "Belsize & Hampstead Friends",
        (
            ("Belsize Park Station", ("168", "C11")),
            ("England's Lane", ("168", "C11")),
            ("Haverstock Hill", ("168", "46")),
        ),
        0.4,
        ("es", "fr", "pl"),
    ),
    "hampstead": Neighbourhood(
        "Hampstead",
        51.5560,
        -0.1775,
        ("NW3 1", "NW3 6"),
        "Belsize & Hampstead Friends",
        (
            ("Hampstead Station", ("46", "268", "603")),
            ("Heath Street", ("46", "268")),
            ("New End", ("603",)),
        ),
        0.4,
        ("fr", "es"),
    ),
    "south_end_green": Neighbourhood(
        "South End Green",
        51.5555,
        -0.1645,
        ("NW3 2",),
        "South End Green Association",
        (
            ("South End Green", ("24", "168", "C11")),
            ("Hampstead Heath Station", ("24", "C11")),
            ("Royal Free Hospital", ("46", "168", "268")),
        ),
        0.45,
        ("es", "pl"),
    ),
    "camden_town": Neighbourhood(
        "Camden Town",
        51.5395,
        -0.1430,
        ("NW1 7", "NW1 8", "NW1 0"),
        "Camden Town Community Project",
        (
            ("Camden Town Station", ("24", "27", "29", "31", "88", "134", "168", "214", "253")),
            ("Camden Street", ("24", "27", "29", "134")),
            ("Pratt Street", ("46", "214", "C2")),
            ("Camden Road Station", ("29", "253", "274")),
        ),
        0.15,
        ("so", "bn", "pt", "es"),
    ),
    "somers_town": Neighbourhood(
        "Somers Town",
        51.5310,
        -0.1320,
        ("NW1 1",),
        "Somers Town Community Association",
        (
            ("Euston Road / Chalton Street", ("30", "73", "205")),
            ("Eversholt Street", ("168", "253")),
            ("St Pancras Hospital", ("46", "214")),
        ),
        0.1,
        ("bn", "so", "ar"),
    ),
    "kings_cross": Neighbourhood(
        "King's Cross",
        51.5285,
        -0.1230,
        ("WC1H 8", "WC1H 9", "WC1X 8", "WC1X 9"),
        "Cromer Street Residents' Trust",
        (
            ("King's Cross Station", ("10", "30", "46", "73", "91", "214", "390")),
            ("Gray's Inn Road / Argyle Street", ("17", "45", "46")),
            ("Judd Street", ("59", "68", "168")),
        ),
        0.1,
        ("bn", "so", "ar"),
    ),
    "bloomsbury": Neighbourhood(
        "Bloomsbury",
        51.5225,
        -0.1255,
        ("WC1H 0", "WC1N 1", "WC1N 3"),
        "Bloomsbury Neighbourhood Hub",
        (
            ("Russell Square", ("59", "68", "168", "188")),
            ("Brunswick Centre", ("59", "68", "168")),
            ("Great Ormond Street", ("19", "38", "55")),
        ),
        0.1,
        ("bn", "es", "ar"),
    ),
    "holborn": Neighbourhood(
        "Holborn",
        51.5190,
        -0.1185,
        ("WC1R 4", "WC1V 6", "WC2B 5"),
        "Holborn & Covent Garden Community Trust",
        (
            ("Holborn Station", ("1", "8", "25", "59", "68", "91", "168", "188")),
            ("Theobalds Road", ("19", "38", "55", "243")),
            ("Red Lion Square", ("19", "38", "55")),
        ),
        0.05,
        ("bn", "es"),
    ),
    "seven_dials": Neighbourhood(
        "Seven Dials",
        51.5145,
        -0.1265,
        ("WC2H 9", "WC2H 8"),
        "Holborn & Covent Garden Community Trust",
        (
            ("Shaftesbury Avenue / Neal Street", ("14", "19", "38")),
            ("Tottenham Court Road Station", ("1", "14", "24", "29", "73")),
            ("Drury Lane", ("1", "59", "68", "91")),
        ),
        0.05,
        ("bn", "es"),
    ),
    "fitzrovia": Neighbourhood(
        "Fitzrovia",
        51.5205,
        -0.1370,
        ("W1T 4", "W1T 5", "W1T 6"),
        "Fitzrovia Neighbours",
        (
            ("Goodge Street Station", ("14", "24", "29", "73", "134", "390")),
            ("Warren Street Station", ("10", "24", "29", "73", "134", "390")),
            ("Cleveland Street", ("C2",)),
        ),
        0.05,
        ("bn", "es", "pt"),
    ),
    "regents_park_estate": Neighbourhood(
        "Regent's Park Estate",
        51.5270,
        -0.1415,
        ("NW1 3",),
        "Regent's Park Estate Tenants' Association",
        (
            ("Hampstead Road / Robert Street", ("24", "27", "29", "88", "134", "168", "253")),
            ("Albany Street", ("C2",)),
            ("Euston Square Station", ("18", "30", "205")),
        ),
        0.15,
        ("bn", "so", "ar"),
    ),
    "mornington_crescent": Neighbourhood(
        "Mornington Crescent",
        51.5340,
        -0.1380,
        ("NW1 1", "NW1 7"),
        "Ampthill & Mornington Residents",
        (
            ("Mornington Crescent Station", ("24", "27", "29", "88", "134", "168", "214", "253")),
            ("Eversholt Street", ("168", "253")),
            ("Harrington Square", ("24", "29", "134")),
        ),
        0.15,
        ("bn", "so"),
    ),
    "primrose_hill": Neighbourhood(
        "Primrose Hill",
        51.5410,
        -0.1560,
        ("NW1 8", "NW3 3"),
        "Primrose Hill Community Association",
        (
            ("Chalk Farm Station", ("31", "168", "393")),
            ("Regent's Park Road", ("274",)),
            ("Gloucester Avenue", ("274",)),
        ),
        0.3,
        ("fr", "es"),
    ),
    "chalk_farm": Neighbourhood(
        "Chalk Farm",
        51.5445,
        -0.1520,
        ("NW1 8", "NW3 2"),
        "Chalk Farm Community Project",
        (
            ("Chalk Farm Station", ("31", "168", "393")),
            ("Ferdinand Street", ("24", "31", "168")),
            ("Adelaide Road / Haverstock Hill", ("31", "168")),
        ),
        0.3,
        ("so", "bn", "pt"),
    ),
    "swiss_cottage": Neighbourhood(
        "Swiss Cottage",
        51.5435,
        -0.1750,
        ("NW3 3", "NW3 5"),
        "Swiss Cottage Community Association",
        (
            ("Swiss Cottage Station", ("13", "31", "46", "113", "187", "268", "C11")),
            ("Winchester Road", ("31", "C11")),
            ("Avenue Road", ("13", "113", "187")),
        ),
        0.35,
        ("ar", "fr", "es"),
    ),
    "south_hampstead": Neighbourhood(
        "South Hampstead",
        51.5405,
        -0.1820,
        ("NW6 4", "NW8 0"),
        "Abbey Area Community Trust",
        (
            ("Abbey Road / Belsize Road", ("31", "139", "189", "328")),
            ("Boundary Road", ("139", "189")),
            ("Loudoun Road", ("31", "328")),
        ),
        0.35,
        ("ar", "so", "pl"),
    ),
    "west_hampstead": Neighbourhood(
        "West Hampstead",
        51.5480,
        -0.1910,
        ("NW6 1", "NW6 2", "NW6 3"),
        "West Hampstead Community Trust",
        (
            ("West Hampstead Station", ("139", "328", "C11")),
            ("Mill Lane", ("C11",)),
            ("Iverson Road", ("139", "328")),
        ),
        0.4,
        ("pl", "es", "pt"),
    ),
    "fortune_green": Neighbourhood(
        "Fortune Green",
        51.5560,
        -0.1965,
        ("NW6 1",),
        "West Hampstead Community Trust",
        (
            ("Fortune Green Road", ("328", "C11")),
            ("Fortune Green", ("328",)),
            ("Mill Lane", ("C11",)),
        ),
        0.5,
        ("pl", "es"),
    ),
    "kilburn": Neighbourhood(
        "Kilburn",
        51.5425,
        -0.1950,
        ("NW6 2", "NW6 4"),
        "Kilburn Good Neighbours",
        (
            ("Kilburn High Road Station", ("16", "31", "32", "98", "316", "328")),
            ("Kilburn Grange Park", ("16", "32", "98", "189", "316")),
            ("Belsize Road", ("31", "328")),
        ),
        0.3,
        ("pl", "ar", "so", "pt"),
    ),
    "highgate": Neighbourhood(
        "Highgate",
        51.5665,
        -0.1460,
        ("N6 5", "N6 6", "N19 5"),
        "Highgate Newtown Neighbours",
        (
            ("Highgate Village", ("143", "210", "214", "271")),
            ("Highgate West Hill", ("C2", "214")),
            ("Chester Road", ("C11", "4")),
        ),
        0.5,
        ("tr", "pl"),
    ),
    "dartmouth_park": Neighbourhood(
        "Dartmouth Park",
        51.5600,
        -0.1420,
        ("NW5 1", "N19 5"),
        "Dartmouth Park Neighbours",
        (
            ("Dartmouth Park Hill", ("C11", "4")),
            ("York Rise", ("C11",)),
            ("Highgate Road / Chetwynd Road", ("C2", "214")),
        ),
        0.45,
        ("tr", "so"),
    ),
    "cantelowes": Neighbourhood(
        "Camden Square",
        51.5455,
        -0.1330,
        ("NW1 9", "NW5 2", "N7 9"),
        "Camden Square Community Group",
        (
            ("Camden Road / Agar Grove", ("29", "253")),
            ("Camden Square", ("29", "253", "274")),
            ("Brecknock Road", ("390", "393")),
        ),
        0.3,
        ("tr", "so", "ku"),
    ),
}

STATIONS: tuple[tuple[str, float, float], ...] = (
    ("Kentish Town", 51.5503, -0.1405),
    ("Kentish Town West", 51.5466, -0.1467),
    ("Camden Road", 51.5418, -0.1387),
    ("Gospel Oak", 51.5553, -0.1507),
    ("Belsize Park", 51.5504, -0.1642),
    ("Chalk Farm", 51.5441, -0.1538),
    ("Hampstead", 51.5568, -0.1780),
    ("Hampstead Heath", 51.5555, -0.1656),
    ("West Hampstead", 51.5468, -0.1906),
    ("Kilburn High Road", 51.5373, -0.1921),
    ("Swiss Cottage", 51.5432, -0.1742),
    ("Finchley Road", 51.5472, -0.1803),
    ("South Hampstead", 51.5415, -0.1789),
    ("Camden Town", 51.5392, -0.1426),
    ("Mornington Crescent", 51.5343, -0.1387),
    ("Euston", 51.5282, -0.1337),
    ("Euston Square", 51.5257, -0.1359),
    ("King's Cross St Pancras", 51.5308, -0.1238),
    ("Russell Square", 51.5230, -0.1244),
    ("Holborn", 51.5174, -0.1201),
    ("Tottenham Court Road", 51.5165, -0.1310),
    ("Goodge Street", 51.5205, -0.1347),
    ("Warren Street", 51.5247, -0.1384),
    ("Covent Garden", 51.5129, -0.1243),
    ("Archway", 51.5653, -0.1353),
    ("Highgate", 51.5777, -0.1458),
    ("Tufnell Park", 51.5567, -0.1380),
)
MAX_STATION_M = 1600  # further than this, nobody lists a station
WALK_CIRCUITY = 1.25  # street distance is about a quarter longer than straight-line

# (neighbourhood, venue name, kind, street). Names and house numbers are invented.
VENUE_SPECS: tuple[tuple[str, str, str, str], ...] = (
    ("kentish_town", "Kentish Town Community Centre", "community_centre", "Leighton Road"),
    ("kentish_town", "Kentish Town Library", "library", "Kentish Town Road"),
    ("kentish_town", "St Aidan's Church Hall", "church_hall", "Bartholomew Road"),
    ("kentish_town", "Fortess Road Baptist Church Hall", "church_hall", "Fortess Road"),
    ("kentish_town", "Kentish Town Sports Centre", "leisure_centre", "Prince of Wales Road"),
    ("kentish_town", "Raglan Court TRA Hall", "tra_hall", "Raglan Street"),
    ("kentish_town", "The Linden Café", "cafe", "Highgate Road"),
    ("gospel_oak", "Lismore Circus Community Room", "community_centre", "Lismore Circus"),
    ("gospel_oak", "Gospel Oak Library", "library", "Mansfield Road"),
    ("gospel_oak", "Barrington Court TRA Hall", "tra_hall", "Lamble Street"),
    ("gospel_oak", "Oak Village Church Hall", "church_hall", "Oak Village"),
    ("queens_crescent", "Queen's Crescent Community Centre", "community_centre", "Malden Road"),
    ("queens_crescent", "Weedington Road Mosque", "mosque", "Weedington Road"),
    ("queens_crescent", "Crescent Kitchen Café", "cafe", "Queen's Crescent"),
    ("belsize_park", "Belsize Park Library", "library", "Antrim Road"),
    ("belsize_park", "St Peter's Belsize Church Hall", "church_hall", "Belsize Square"),
    ("belsize_park", "Haverstock Hill Synagogue Hall", "synagogue", "Haverstock Hill"),
    ("hampstead", "New End Parish Rooms", "church_hall", "New End"),
    ("hampstead", "Flask Walk Community Hall", "community_centre", "Flask Walk"),
    ("hampstead", "Well Walk Day Centre", "community_centre", "Well Walk"),
    ("south_end_green", "Parliament Hill Fields", "park", "Lido gate, Gordon House Road"),
    ("south_end_green", "Fleet Road Community Hall", "community_centre", "Fleet Road"),
    ("south_end_green", "South End Green Café", "cafe", "South End Road"),
    ("camden_town", "Plender Street Community Centre", "community_centre", "Plender Street"),
    ("camden_town", "Camden Town Library", "library", "Crowndale Road"),
    ("camden_town", "St Michael's Church Hall", "church_hall", "Camden Street"),
    ("camden_town", "Arlington Road Day Centre", "community_centre", "Arlington Road"),
    ("camden_town", "Castlehaven Community Garden", "park", "Castlehaven Road"),
    ("somers_town", "Somers Town Community Centre", "community_centre", "Ossulston Street"),
    ("somers_town", "Chalton Street Library", "library", "Chalton Street"),
    ("somers_town", "Phoenix Road TRA Hall", "tra_hall", "Phoenix Road"),
    ("somers_town", "Churchway Mosque Hall", "mosque", "Churchway"),
    ("kings_cross", "Cromer Street Community Centre", "community_centre", "Cromer Street"),
    ("kings_cross", "Regent Square Church Hall", "church_hall", "Regent Square"),
    ("kings_cross", "Harrison Street Garden", "park", "Harrison Street"),
    ("bloomsbury", "Marchmont Street Community Centre", "community_centre", "Marchmont Street"),
    ("bloomsbury", "Queen Square Chapel Hall", "church_hall", "Queen Square"),
    ("bloomsbury", "Brunswick Square Gardens", "park", "Brunswick Square"),
    ("holborn", "Holborn Community Hall", "community_centre", "Red Lion Street"),
    ("holborn", "Lamb's Conduit Café", "cafe", "Lamb's Conduit Street"),
    ("seven_dials", "Endell Street Pool", "leisure_centre", "Endell Street"),
    ("seven_dials", "Macklin Street Church Hall", "church_hall", "Macklin Street"),
    ("fitzrovia", "Whitfield Street Community Centre", "community_centre", "Whitfield Street"),
    ("fitzrovia", "Fitzroy Square Garden", "park", "Fitzroy Square"),
    ("regents_park_estate", "Munster Square Community Hall", "community_centre", "Munster Square"),
    ("regents_park_estate", "Cumberland Market TRA Hall", "tra_hall", "Cumberland Market"),
    ("regents_park_estate", "Robert Street Library", "library", "Robert Street"),
    ("mornington_crescent", "Ampthill Square TRA Hall", "tra_hall", "Eversholt Street"),
    ("mornington_crescent", "Harrington Square Church Hall", "church_hall", "Harrington Square"),
    ("primrose_hill", "Chalcot Road Community Hall", "community_centre", "Chalcot Road"),
    ("primrose_hill", "St Mark's Primrose Hill Hall", "church_hall", "Regent's Park Road"),
    ("primrose_hill", "Primrose Hill", "park", "Albert Terrace gate, Primrose Hill Road"),
    ("chalk_farm", "Ferdinand Street Community Centre", "community_centre", "Ferdinand Street"),
    ("chalk_farm", "Harmood Street TRA Hall", "tra_hall", "Harmood Street"),
    ("chalk_farm", "Chalk Farm Library", "library", "Crogsland Road"),
    ("swiss_cottage", "Swiss Cottage Leisure Centre", "leisure_centre", "Adelaide Road"),
    ("swiss_cottage", "Swiss Cottage Library", "library", "Avenue Road"),
    ("swiss_cottage", "Winchester Road Community Centre", "community_centre", "Winchester Road"),
    ("south_hampstead", "Abbey Road Community Centre", "community_centre", "Abbey Road"),
    ("south_hampstead", "Loudoun Road Synagogue Hall", "synagogue", "Loudoun Road"),
    ("west_hampstead", "West End Lane Library", "library", "Dennington Park Road"),
    ("west_hampstead", "Sumatra Road Community Hall", "community_centre", "Sumatra Road"),
    ("west_hampstead", "St James's West Hampstead Hall", "church_hall", "Sherriff Road"),
    ("west_hampstead", "Mill Lane Café", "cafe", "Mill Lane"),
    ("fortune_green", "Fortune Green", "park", "Fortune Green Road"),
    ("fortune_green", "Agamemnon Road Church Hall", "church_hall", "Agamemnon Road"),
    ("kilburn", "Kilburn Grange Park", "park", "Messina Avenue gate, Kilburn High Road"),
    ("kilburn", "Netherwood Street Community Centre", "community_centre", "Netherwood Street"),
    ("kilburn", "Belsize Road Polish Club", "community_centre", "Belsize Road"),
    ("highgate", "Chester Road Community Centre", "community_centre", "Chester Road"),
    ("highgate", "Highgate West Hill Church Hall", "church_hall", "Highgate West Hill"),
    ("highgate", "Raydon Street Library", "library", "Raydon Street"),
    ("highgate", "Swain's Lane Allotments", "park", "Swain's Lane"),
    ("dartmouth_park", "York Rise Community Hall", "community_centre", "York Rise"),
    ("dartmouth_park", "Dartmouth Park Hill TRA Hall", "tra_hall", "Dartmouth Park Hill"),
    ("cantelowes", "Cantelowes Gardens", "park", "Camden Road"),
    ("cantelowes", "Agar Grove TRA Hall", "tra_hall", "Agar Grove"),
    ("cantelowes", "Camden Square Church Hall", "church_hall", "Camden Square"),
)
# How many groups a venue of each kind tends to host, relative to the others.
KIND_WEIGHTS: dict[str, float] = {
    "community_centre": 5,
    "library": 3.5,
    "church_hall": 3,
    "leisure_centre": 3,
    "tra_hall": 2.5,
    "park": 2.5,
    "mosque": 2,
    "synagogue": 2,
    "cafe": 1.5,
}
# Venues placed by hand: the anchor postcode's library, and the centre a short walk east.
FIXED_PLACES: dict[str, tuple[str | None, float, float]] = {
    "Kentish Town Library": (ANCHOR_POSTCODE, 51.55058, -0.14082),
    "Kentish Town Community Centre": (None, 51.55120, -0.13780),
}
# Venues of the hand-written groups below, known to be accessible so those stories hold.
GOOD_ACCESS: dict[str, bool] = {
    "step_free": True,
    "wheelchair_accessible": True,
    "accessible_toilet": True,
    "hearing_loop": True,
    "blue_badge_parking": False,
    "seating_available": True,
    "quiet_space": True,
}
WELL_KNOWN_VENUES = ("Kentish Town Community Centre", "Fortess Road Baptist Church Hall")

# Hand-written groups for the stories the demo must tell: (activity, venue, what to fix).
SPECIAL_GROUPS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    # Mr P: oxygen lasts about three hours, so short, close, and the minibus collects him.
    (
        "mens_shed",
        "Kentish Town Community Centre",
        {
            "name": "Tuesday Men's Shed",
            "description": "Woodwork, repairs and a cuppa. Our minibus collects members from home "
            "within about five kilometres; ring Dave the day before.",
            "organisation": "Kentish Town Community Centre",
            "categories": ["creative", "social"],
            "interests": ["woodwork", "repairs", "men's group"],
            "status": "open",
            "audience": {"min_age": 50, "max_age": None, "gender": "men", "languages": ["en"]},
            "cost": {"free": False, "amount_gbp": 2.0, "notes": "tea included"},
            "schedule": [{"day": "tue", "start": "10:00", "end": "12:30", "frequency": "weekly"}],
            "capacity": {
                "total_places": 20,
                "places_taken": 14,
                "waiting_list": 0,
                "complex_needs_places": 2,
                "complexity_supported": 2,
            },
            "accessibility": {
                "step_free": True,
                "wheelchair_accessible": True,
                "accessible_toilet": True,
                "hearing_loop": None,
                "blue_badge_parking": False,
                "seating_available": True,
                "dementia_friendly": None,
                "quiet_space": True,
                "notes": "Workshop on the ground floor, with a chair at every bench.",
            },
            "transport": {
                "door_to_door": {"available": True, "radius_km": 5.0, "notes": "minibus pickup"}
            },
            "contact": {
                "name": "Dave",
                "phone": "020 7946 0123",
                "email": "dave.ktcc@example.org",
                "website": "https://example.org/kentish-town-community-centre",
            },
            "referral": {
                "self_referral": True,
                "link_worker_referral": True,
                "notes": "Ring Dave to book the minibus.",
            },
            "last_verified_at": "2026-10-14",
            "verified_by": "Amira (link worker)",
        },
    ),
    (
        "dementia_cafe",
        "Fortess Road Baptist Church Hall",
        {
            "name": "Kentish Town Dementia Cafe",
            "status": "open",
            "schedule": [
                {"day": "thu", "start": "14:00", "end": "16:00", "frequency": "fortnightly"}
            ],
            "accessibility": {
                "quiet_space": True,
                "notes": "A quiet room is kept free for anyone who needs a break.",
            },
        },
    ),
    (
        "coffee_morning",
        "St Aidan's Church Hall",
        {
            "name": "St Aidan's Tea & Chat",
            "status": "open",
            "schedule": [{"day": "wed", "start": "10:30", "end": "12:00", "frequency": "weekly"}],
        },
    ),
    (
        "chair_exercise",
        "Kentish Town Sports Centre",
        {
            "name": "Kentish Town Chair Exercise",
            "status": "open",
            "capacity": {"total_places": 15, "places_taken": 15, "waiting_list": 4},
        },
    ),
    (
        "table_tennis",
        "Kentish Town Sports Centre",
        {
            "name": "Thursday Evening Table Tennis",
            "status": "open",
            "schedule": [{"day": "thu", "start": "18:30", "end": "20:30", "frequency": "weekly"}],
        },
    ),
    (
        "choir",
        "St Peter's Belsize Church Hall",
        {
            "name": "Belsize Park Community Choir",
            "status": "waiting_list",
            "schedule": [{"day": "wed", "start": "19:00", "end": "21:00", "frequency": "weekly"}],
            "capacity": {"total_places": 40, "places_taken": 40, "waiting_list": 12},
        },
    ),
    (
        "pottery",
        "Chalcot Road Community Hall",
        {
            "name": "Primrose Hill Pottery Group",
            "status": "waiting_list",
            "capacity": {"total_places": 8, "places_taken": 8, "waiting_list": 6},
        },
    ),
    (
        "allotment",
        "Swain's Lane Allotments",
        {
            "name": "Swain's Lane Allotment Group",
            "status": "waiting_list",
            "schedule": [{"day": "sat", "start": "10:00", "end": "12:00", "frequency": "weekly"}],
            "capacity": {"total_places": 12, "places_taken": 12, "waiting_list": 21},
        },
    ),
    (
        "walking",
        "Parliament Hill Fields",
        {
            "name": "Saturday Walking for Health on the Heath",
            "status": "open",
            "schedule": [{"day": "sat", "start": "10:00", "end": "11:00", "frequency": "weekly"}],
        },
    ),
    (
        "lunch_club",
        "Cromer Street Community Centre",
        {
            "name": "Cromer Street Sunday Lunch",
            "status": "open",
            "schedule": [{"day": "sun", "start": "12:30", "end": "14:30", "frequency": "weekly"}],
        },
    ),
    (
        "mens_talk",
        "Somers Town Community Centre",
        {
            "name": "Somers Town Men's Talking Group",
            "status": "open",
            "schedule": [{"day": "wed", "start": "19:00", "end": "20:30", "frequency": "weekly"}],
        },
    ),
)
ONLINE_GROUPS = 10


def main() -> None:
    """Generate, check and write the demo seed, then print a summary."""
    rng = FastRandom(SEED)
    postcodes: dict[str, tuple[float, float]] = {ANCHOR_POSTCODE: (ANCHOR_LAT, ANCHOR_LON)}
    venues = _make_venues(rng, postcodes)
    _add_home_postcodes(rng, postcodes)
    listings = _make_listings(rng, venues)
    _check(listings, postcodes)
    _write(listings, postcodes)
    _summarise(listings, venues, postcodes)


def _make_venues(
    rng: FastRandom, postcodes: dict[str, tuple[float, float]]
) -> dict[str, tuple[str, Venue]]:
    """Venues by name, with their neighbourhood key; fills in each venue's postcode centroid."""
    venues: dict[str, tuple[str, Venue]] = {}
    for hood_key, name, kind, street in VENUE_SPECS:
        hood = NEIGHBOURHOODS[hood_key]
        if name in FIXED_PLACES:
            postcode, lat, lon = FIXED_PLACES[name]
        else:
            postcode = None
            lat, lon = _scatter(rng, hood.lat, hood.lon, VENUE_SCATTER_M)
        if postcode is None:
            postcode = _new_postcode(rng, hood, postcodes)
            # A postcode's centroid is near, not on, any one building in it.
            postcodes[postcode] = _scatter(rng, lat, lon, 40)
        access, known, note = draw_venue_access(rng, kind)
        if name in WELL_KNOWN_VENUES:
            access, known, note = GOOD_ACCESS, 0.95, ""
        stop_count = min(len(hood.stops), rng.choices((0, 1, 2, 3), weights=(8, 35, 37, 20))[0])
        stops = sorted(
            (
                (stop, rng.randrange(40, 421, 10), routes)
                for stop, routes in rng.sample(hood.stops, stop_count)
            ),
            key=lambda item: item[1],
        )
        number = "" if kind == "park" else f"{rng.randint(1, 180)} "
        venues[name] = (
            hood_key,
            Venue(
                name=name,
                kind=kind,
                address=f"{number}{street}, London",
                postcode=postcode,
                lat=round(lat, 6),
                lon=round(lon, 6),
                access=access,
                known=known,
                access_note=note,
                bus_stops=tuple(stops),
                rail=_nearest_station(lat, lon),
                parking=draw_parking(rng, kind, hood.parking),
            ),
        )
    return venues


def _add_home_postcodes(rng: FastRandom, postcodes: dict[str, tuple[float, float]]) -> None:
    """Residential postcodes across the borough, for the people in demo conversations."""
    for hood in rng.sample(list(NEIGHBOURHOODS.values()), RESIDENTIAL_POSTCODES):
        postcodes[_new_postcode(rng, hood, postcodes)] = _scatter(
            rng, hood.lat, hood.lon, HOME_SCATTER_M
        )


def _make_listings(rng: FastRandom, venues: dict[str, tuple[str, Venue]]) -> list[dict[str, Any]]:
    """The hand-written groups first, then groups drawn per venue slot, then online groups."""
    activities = {activity.key: activity for activity in ACTIVITIES}
    used_names = {fixes["name"] for _, _, fixes in SPECIAL_GROUPS}
    listings: list[dict[str, Any]] = []
    # What each venue and each neighbourhood already runs, to spread activities out.
    hosted: Counter[tuple[str, str]] = Counter()

    def add(
        activity: Activity,
        venue_name: str | None,
        names: set[str] | None,
        status: str | None = None,
    ) -> dict[str, Any]:
        hood_key, venue = venues[venue_name] if venue_name else (None, None)
        hood = NEIGHBOURHOODS[hood_key] if hood_key else None
        listing = build_listing(
            rng,
            activity,
            external_id=f"camden-demo-{len(listings) + 1:03d}",
            area=hood.name if hood else "Camden",
            borough="Camden",
            local_org=_local_organisation(activity, venue, hood),
            venue=venue,
            today=TODAY,
            languages=hood.languages if hood else ("bn", "so"),
            status=status,
            used_names=names,
        )
        listings.append(listing)
        if venue_name and hood_key:
            hosted[venue_name, activity.key] += 1
            hosted[hood_key, activity.key] += 1
        return listing

    for key, venue_name, fixes in SPECIAL_GROUPS:
        _merge(add(activities[key], venue_name, None, fixes.get("status")), fixes)

    slots = [name for name in venues for _ in range(MIN_GROUPS_PER_VENUE)]
    weights = [KIND_WEIGHTS[venue.kind] for _, venue in venues.values()]
    extra = IN_PERSON_GROUPS - len(SPECIAL_GROUPS) - len(slots)
    slots += rng.choices(list(venues), weights=weights, k=extra)
    for venue_name in slots:
        hood_key, venue = venues[venue_name]
        add(
            _pick_activity(rng, venue, hood_key, hosted),
            venue_name,
            used_names,
        )

    for activity in rng.sample(ONLINE_ACTIVITIES, ONLINE_GROUPS):
        add(activity, None, used_names)
    return listings


def _pick_activity(
    rng: FastRandom, venue: Venue, hood_key: str, hosted: Counter[tuple[str, str]]
) -> Activity:
    """An activity this venue could host, favouring the area's communities and new kinds."""
    hood = NEIGHBOURHOODS[hood_key]
    candidates = [activity for activity in ACTIVITIES if venue.kind in activity.kinds]
    weights = []
    for activity in candidates:
        repeats = 4 * hosted[venue.name, activity.key] + hosted[hood_key, activity.key]
        weight = activity.weight / (1 + repeats)
        spoken = {code for codes in activity.languages for code in codes} - {"en"}
        if spoken and not spoken & set(hood.languages):
            weight *= 0.15
        weights.append(weight)
    return rng.choices(candidates, weights=weights)[0]


def _local_organisation(activity: Activity, venue: Venue | None, hood: Neighbourhood | None) -> str:
    """Who runs a group when no specialist organisation does: the congregation or the area."""
    if venue and (
        venue.kind in ("mosque", "synagogue")
        or (venue.kind == "church_hall" and "faith_culture" in activity.categories)
    ):
        return host_name(venue.name)
    return hood.organisation if hood else "Camden Community Network"


def _merge(target: dict[str, Any], changes: dict[str, Any]) -> None:
    """Apply hand-written fields over drawn ones, nested dicts key by key."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def _scatter(rng: FastRandom, lat: float, lon: float, radius_m: float) -> tuple[float, float]:
    """A point uniformly within `radius_m` of (lat, lon)."""
    distance = radius_m * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    north = distance * math.cos(bearing) / 111_320
    east = distance * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + north, 6), round(lon + east, 6)


def _new_postcode(
    rng: FastRandom, hood: Neighbourhood, taken: dict[str, tuple[float, float]]
) -> str:
    while True:
        postcode = rng.choice(hood.sectors) + rng.choice(UNIT_LETTERS) + rng.choice(UNIT_LETTERS)
        if postcode not in taken:
            return postcode


def _nearest_station(lat: float, lon: float) -> tuple[str, int] | None:
    metres, name = min((_metres(lat, lon, s_lat, s_lon), name) for name, s_lat, s_lon in STATIONS)
    if metres > MAX_STATION_M:
        return None
    return name, int(round(metres * WALK_CIRCUITY, -1))


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance; plenty accurate across one borough."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def _freshness_band(listing: dict[str, Any]) -> str:
    """Band by the default policy: stale 180 days after a check, due in the 30 days before."""
    if listing["last_verified_at"] is None:
        return "never verified"
    age = (TODAY - date.fromisoformat(listing["last_verified_at"])).days
    return "fresh" if age < 150 else "due" if age < 180 else "stale"


def _check(listings: list[dict[str, Any]], postcodes: dict[str, tuple[float, float]]) -> None:
    """Fail loudly if the seed no longer has what the demo and tests rely on."""
    assert 240 <= len(listings) <= 260, len(listings)
    assert {c for item in listings for c in item["categories"]} == set(CATEGORIES)
    assert {item["status"] for item in listings} == set(STATUSES)
    ids = [item["external_id"] for item in listings]
    assert len(set(ids)) == len(ids), "external_id must be unique"
    online = [item for item in listings if item["online"]]
    assert all(item["venue"] is None for item in online)
    assert 8 <= len(online) <= 12, len(online)
    for postcode in postcodes:
        assert POSTCODE_FORMAT.match(postcode), postcode
    near_anchor = 0
    for item in listings:
        venue = item["venue"]
        if venue is None:
            continue
        assert venue["postcode"] in postcodes, venue["postcode"]
        assert 51.50 <= venue["lat"] <= 51.58 and -0.22 <= venue["lon"] <= -0.10, venue
        near_anchor += _metres(ANCHOR_LAT, ANCHOR_LON, venue["lat"], venue["lon"]) <= 1000
    assert ANCHOR_POSTCODE in postcodes
    assert near_anchor >= 10, near_anchor
    assert any("'" in item["name"] and "&" in item["name"] for item in listings)
    assert any(
        item["audience"]["gender"] == "men"
        and (item["transport"]["door_to_door"] or {}).get("available")
        for item in listings
    )


def _write(listings: list[dict[str, Any]], postcodes: dict[str, tuple[float, float]]) -> None:
    GROUPS_FILE.write_text(
        json.dumps(listings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    with POSTCODES_FILE.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("postcode", "latitude", "longitude"))
        for postcode in sorted(postcodes):
            lat, lon = postcodes[postcode]
            writer.writerow((postcode, f"{lat:.6f}", f"{lon:.6f}"))


def _summarise(
    listings: list[dict[str, Any]],
    venues: dict[str, tuple[str, Venue]],
    postcodes: dict[str, tuple[float, float]],
) -> None:
    categories = Counter(c for item in listings for c in item["categories"])
    print(f"{len(listings)} groups at {len(venues)} venues; {len(postcodes)} postcodes")
    print("categories:", dict(categories.most_common()))
    print("statuses:", dict(Counter(item["status"] for item in listings).most_common()))
    print("freshness:", dict(Counter(map(_freshness_band, listings)).most_common()))
    print(f"{ANCHOR_POSTCODE}: {postcodes[ANCHOR_POSTCODE]}")


if __name__ == "__main__":
    main()
