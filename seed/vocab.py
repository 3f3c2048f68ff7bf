"""Vocabularies and per-field draws shared by the Camden demo seed and the synthetic generator.

Both generators build listings through `build_listing`, so the demo and the scale data have
the same shape and the same mix of statuses, categories, unknowns and freshness.
"""

from __future__ import annotations

import random
import re
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")

CATEGORIES: tuple[str, ...] = (
    "creative",
    "social",
    "active",
    "practical",
    "learning",
    "nature",
    "volunteering",
    "peer_support",
    "faith_culture",
    "digital",
)
STATUSES: tuple[str, ...] = ("open", "invitation_only", "waiting_list", "paused", "closed")
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
WEEKEND: tuple[str, ...] = ("sat", "sun")
DAY_ORDER: dict[str, int] = {day: i for i, day in enumerate(WEEKDAYS + WEEKEND)}
DAY_NAMES: dict[str, str] = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
ACCESS_FLAGS: tuple[str, ...] = (
    "step_free",
    "wheelchair_accessible",
    "accessible_toilet",
    "hearing_loop",
    "blue_badge_parking",
    "seating_available",
    "dementia_friendly",
    "quiet_space",
)
VENUE_KINDS: tuple[str, ...] = (
    "community_centre",
    "church_hall",
    "library",
    "leisure_centre",
    "park",
    "cafe",
    "tra_hall",
    "mosque",
    "synagogue",
)
# Letters used in the last part of UK postcodes (never C, I, K, M, O or V).
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
# Languages other than English heard in the groups of an area; the default suits London.
COMMUNITY_LANGUAGES: tuple[str, ...] = ("bn", "so", "tr", "ar", "es", "pl", "pt", "ku", "fr")

HALLS = frozenset({"community_centre", "church_hall", "tra_hall"})
FAITH = frozenset({"mosque", "synagogue"})
INDOORS = HALLS | {"library", "cafe"}
SPORT = frozenset({"leisure_centre", "community_centre"})
OUTDOORS = frozenset({"park"})
ONLINE = frozenset({"online"})

WEEKLY_MOSTLY = ("weekly",) * 6 + ("fortnightly", "fortnightly", "monthly")
NOT_WEEKLY = ("fortnightly", "monthly", "monthly")
ADULTS = (18, 18, 18, None)
OLDER = (50, 55, 60, 65, 65)


class FastRandom(random.Random):
    """`random.Random` with quicker `choice` and `randint`, for generating listings in bulk.

    Scaling one float is several times faster than the exact method, and its bias (below one
    in 2**40 for ranges this small) cannot show in seed data.
    """

    def choice(self, seq: Sequence[T]) -> T:
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def weighted(self, seq: Sequence[T], cum_weights: Sequence[float]) -> T:
        """One item by precomputed cumulative weights: `choices(...)[0]` without its overhead."""
        return seq[bisect(cum_weights, self.random() * cum_weights[-1])]


@dataclass(frozen=True, slots=True)
class Activity:
    """A kind of group: how such groups are named, described, run and paid for."""

    key: str
    names: tuple[str, ...]  # patterns over {area}, {venue}, {host}, {day}, {borough}
    categories: tuple[str, ...]
    interests: tuple[str, ...]  # always listed
    extras: tuple[str, ...]  # up to two of these are added
    descriptions: tuple[str, ...]
    kinds: frozenset[str]  # venue kinds that host it; ONLINE for online-only groups
    weight: float = 1.0
    times: tuple[str, ...] = ("am", "pm")
    minutes: tuple[int, ...] = (90, 120)
    frequencies: tuple[str, ...] = WEEKLY_MOSTLY
    min_ages: tuple[int | None, ...] = ADULTS
    max_age: int | None = None
    gender: str = "any"
    languages: tuple[tuple[str, ...], ...] = (("en",),)
    free_share: float = 0.8
    max_fee: float = 3.0
    places: tuple[int, int] | None = (10, 20)
    complexity: int = 2  # the most the group can usually support (1-3)
    orgs: tuple[str, ...] = ()  # specialist organisations that run this kind of group
    weekend: float = 1.0  # relative chance of a weekend session
    door_to_door: float = 0.0  # relative chance the group offers transport
    self_referral: float = 0.9
    dementia_friendly: bool = False
    seated: bool = False


ACTIVITIES: tuple[Activity, ...] = (
    Activity(
        "knit",
        (
            "{area} Knit and Natter",
            "Knit and Natter at {venue}",
            "{day} Knit and Natter",
            "{area} Stitch and Chat",
        ),
        ("creative", "social"),
        ("knitting",),
        ("crochet", "sewing", "crafts", "company"),
        (
            "Bring whatever you are making, or learn to knit and crochet from scratch – "
            "needles and wool are provided. A relaxed table with tea and plenty of chat.",
            "A friendly crafting circle for all abilities. Newcomers sit with a regular for their "
            "first few weeks.",
        ),
        INDOORS | FAITH,
        weight=3,
        free_share=0.6,
        places=(8, 16),
    ),
    Activity(
        "art",
        (
            "{area} Art Club",
            "Open Studio at {venue}",
            "{day} Painting and Drawing",
            "{area} Watercolour Group",
        ),
        ("creative",),
        ("art",),
        ("painting", "drawing", "watercolour", "crafts"),
        (
            "Painting and drawing at your own pace, with a volunteer artist on hand for tips. "
            "Materials provided, or bring your own.",
            "A calm, welcoming art group. No experience needed – many members had not picked up a "
            "brush since school.",
        ),
        INDOORS,
        weight=2,
        free_share=0.5,
        max_fee=5,
        places=(8, 15),
        complexity=3,
    ),
    Activity(
        "choir",
        ("{area} Community Choir", "{area} Singers", "{day} Sing for Joy", "{host} Choir"),
        ("creative", "social"),
        ("singing", "choir"),
        ("music", "performing"),
        (
            "No auditions and no need to read music. We learn songs by ear, from pop to folk, and "
            "perform a couple of times a year.",
            "A warm, noisy choir for anyone who likes to sing. Tea and cake at half time.",
        ),
        HALLS | {"library"},
        weight=2,
        times=("pm", "eve"),
        free_share=0.5,
        max_fee=4,
        places=(20, 40),
        weekend=0.6,
    ),
    Activity(
        "ukulele",
        ("{area} Ukulele Club", "Strum Along {area}"),
        ("creative", "social"),
        ("ukulele", "music"),
        ("singing", "learning an instrument"),
        (
            "Beginners' ukulele with simple chords and sing-along songs. Loan instruments "
            "available.",
        ),
        INDOORS,
        times=("pm", "eve"),
        free_share=0.6,
        places=(8, 16),
    ),
    Activity(
        "pottery",
        ("{area} Pottery Group", "Clay Club at {venue}"),
        ("creative", "learning"),
        ("pottery",),
        ("art", "crafts", "ceramics"),
        (
            "Hand-building and glazing with a tutor. Small group, so places fill quickly.",
            "Get your hands in the clay: pinch pots, coil pots and tiles, fired on site.",
        ),
        HALLS,
        free_share=0.2,
        max_fee=8,
        places=(6, 10),
        minutes=(120,),
    ),
    Activity(
        "writing",
        ("{area} Writers' Circle", "{day} Creative Writing", "Life Stories {area}"),
        ("creative", "learning"),
        ("creative writing",),
        ("reading", "memoir", "poetry"),
        (
            "Short writing exercises, sharing if you want to, and gentle feedback. Memoir, poems "
            "and stories all welcome.",
            "Write about your life and {area} with others who enjoy words. Paper and pens "
            "provided.",
        ),
        frozenset({"library", "community_centre", "cafe"}),
        times=("am", "pm", "eve"),
        places=(6, 14),
        frequencies=("weekly", "fortnightly"),
    ),
    Activity(
        "mens_shed",
        ("{area} Men's Shed", "{day} Men's Shed", "{area} Shed"),
        ("creative", "social"),
        ("woodwork", "men's group"),
        ("repairs", "diy", "company", "metalwork"),
        (
            "A workshop where men come together to make, mend and chat over a brew. Tools and "
            "timber provided; no experience needed.",
            "Woodwork, small repairs for neighbours and a lot of tea. Come along and see if it "
            "suits you.",
        ),
        frozenset({"community_centre", "tra_hall", "church_hall"}),
        weight=1.5,
        minutes=(120, 150),
        min_ages=(18, 50, 50, None),
        gender="men",
        free_share=0.5,
        places=(8, 16),
        door_to_door=2.5,
    ),
    Activity(
        "lunch_club",
        ("{area} Lunch Club", "{day} Lunch Club at {venue}", "{area} Friendship Lunch"),
        ("social",),
        ("lunch club",),
        ("company", "hot meal", "bingo", "quiz"),
        (
            "A two-course hot lunch with good company, followed by a quiz or bingo. Special diets "
            "catered for if you tell us in advance.",
            "Sit down to a freshly cooked lunch with neighbours. Many members have come for "
            "years and newcomers are made very welcome.",
        ),
        HALLS | FAITH,
        weight=3,
        times=("lunch",),
        minutes=(120, 150),
        min_ages=OLDER,
        free_share=0.15,
        max_fee=5,
        places=(20, 40),
        complexity=3,
        door_to_door=3,
        weekend=0.3,
    ),
    Activity(
        "coffee_morning",
        ("{area} Coffee Morning", "{day} Coffee Morning", "Cuppa and Chat at {venue}"),
        ("social",),
        ("coffee morning",),
        ("company", "newcomers welcome", "tea"),
        (
            "Drop in for a hot drink, a biscuit and a chat. Nobody needs to book and you can stay "
            "as long as you like.",
            "An informal morning to meet neighbours. Volunteers look out for new faces.",
        ),
        INDOORS | FAITH,
        weight=3,
        times=("am",),
        minutes=(90, 120),
        free_share=0.85,
        places=None,
        complexity=3,
    ),
    Activity(
        "games",
        ("{area} Games Afternoon", "Cards and Dominoes at {venue}", "{day} Bingo and Board Games"),
        ("social",),
        ("board games",),
        ("cards", "dominoes", "bingo", "scrabble", "chess"),
        (
            "Cards, dominoes, Scrabble and a bit of bingo, with tea in between. Come on your own – "
            "you'll be dealt in.",
        ),
        INDOORS,
        weight=1.5,
        times=("pm",),
        min_ages=(18, 50, 60, None),
        places=(12, 30),
    ),
    Activity(
        "film",
        ("{area} Film Club", "Cinema Club at {venue}", "{area} Classic Film Society"),
        ("social", "creative"),
        ("films",),
        ("company", "discussion"),
        ("A classic film on the big screen with subtitles on, then tea and a natter about it.",),
        frozenset({"library", "community_centre", "church_hall"}),
        times=("pm", "eve"),
        minutes=(150,),
        frequencies=NOT_WEEKLY,
        places=(20, 50),
    ),
    Activity(
        "tea_dance",
        ("{area} Tea Dance", "{day} Tea Dance"),
        ("active", "social"),
        ("dancing", "tea dance"),
        ("music", "ballroom"),
        ("Waltz, foxtrot or just tap your feet – live music, tea and cake. Partners not needed.",),
        HALLS,
        times=("pm",),
        min_ages=OLDER,
        frequencies=NOT_WEEKLY,
        free_share=0.3,
        places=(30, 60),
        weekend=1.5,
        door_to_door=1,
    ),
    Activity(
        "befriending",
        ("{area} Befriending Scheme", "Good Neighbours {area}"),
        ("social", "volunteering"),
        ("befriending",),
        ("company", "home visits", "phone calls"),
        (
            "A trained volunteer visits or rings you each week for a chat, and can come with you "
            "to a group the first time.",
            "We match people who would like more company with a local volunteer. Referrals from "
            "link workers welcome.",
        ),
        frozenset({"community_centre"}),
        times=("am", "pm"),
        places=(10, 30),
        complexity=3,
        orgs=("Silver Linings {borough}", "{borough} Good Neighbours"),
        weekend=0.2,
        self_referral=0.6,
    ),
    Activity(
        "walking",
        (
            "{area} Walking for Health",
            "{day} Health Walk",
            "{area} Striders",
            "Gentle Walks from {venue}",
        ),
        ("active", "nature"),
        ("walking",),
        ("fresh air", "health walk", "company", "parks"),
        (
            "A free, friendly walk of about an hour at an easy pace, led by trained walk leaders. "
            "Finish with a drink at the cafe if you like.",
            "Short, flat routes for people getting back into exercise. Nobody gets left behind.",
        ),
        OUTDOORS | {"library", "community_centre", "cafe"},
        weight=3,
        times=("am",),
        minutes=(60, 90),
        free_share=0.95,
        places=None,
        complexity=2,
        orgs=("{borough} Walks for Wellbeing",),
        weekend=2,
    ),
    Activity(
        "nordic",
        ("{area} Nordic Walking", "Poles and Paths {area}"),
        ("active", "nature"),
        ("nordic walking", "walking"),
        ("fitness", "fresh air"),
        (
            "Walking with poles works your whole body and takes the strain off your knees. Poles "
            "lent for your first sessions.",
        ),
        OUTDOORS,
        times=("am",),
        minutes=(60, 90),
        free_share=0.4,
        max_fee=5,
        places=(8, 15),
        weekend=2,
    ),
    Activity(
        "chair_exercise",
        (
            "Chair Exercise at {venue}",
            "{area} Seated Exercise",
            "{day} Chair-Based Exercise",
            "Move More Seated {area}",
        ),
        ("active",),
        ("chair exercise",),
        ("strength and balance", "gentle exercise", "mobility"),
        (
            "Gentle exercise to music, all done sitting down or holding the back of a chair. Good "
            "for joints, balance and mood.",
            "A seated class led by a qualified instructor, adapted for each person.",
        ),
        INDOORS - {"cafe"} | FAITH,
        weight=3,
        times=("am", "pm"),
        minutes=(45, 60),
        min_ages=OLDER,
        free_share=0.6,
        places=(10, 20),
        complexity=3,
        door_to_door=1,
        seated=True,
        weekend=0.3,
    ),
    Activity(
        "tai_chi",
        ("{area} Tai Chi", "Tai Chi for Beginners at {venue}", "{day} Tai Chi"),
        ("active",),
        ("tai chi",),
        ("balance", "relaxation", "qigong"),
        (
            "Slow, flowing movements that help balance and calm. Suitable for beginners; can be "
            "done seated.",
        ),
        OUTDOORS | SPORT | {"church_hall"},
        weight=2,
        times=("am",),
        minutes=(60,),
        min_ages=(18, 50, None),
        free_share=0.5,
        max_fee=5,
        places=(10, 20),
    ),
    Activity(
        "table_tennis",
        ("{area} Table Tennis Club", "{day} Ping Pong", "Bat and Chat {area}"),
        ("active", "social"),
        ("table tennis",),
        ("sport", "company"),
        (
            "Friendly table tennis for all levels. Bats and balls provided; flat shoes "
            "recommended.",
            "Drop-in ping pong followed by a cuppa. Some play hard, most just enjoy a knock-about.",
        ),
        SPORT | {"library"},
        weight=2,
        times=("pm", "eve"),
        free_share=0.6,
        places=(8, 16),
    ),
    Activity(
        "swim",
        ("Over-50s Swim at {venue}", "{day} Gentle Swim"),
        ("active",),
        ("swimming",),
        ("aqua aerobics", "exercise"),
        (
            "A quiet pool session with lanes for slower swimmers and a lifeguard who knows the "
            "regulars.",
        ),
        frozenset({"leisure_centre"}),
        times=("am", "pm"),
        minutes=(60,),
        min_ages=(50,),
        free_share=0.1,
        max_fee=5,
        places=(15, 30),
        weekend=1.5,
    ),
    Activity(
        "women_swim",
        ("Women-only Swim at {venue}",),
        ("active",),
        ("swimming",),
        ("women's group", "exercise"),
        ("A women-only session with female staff and screened windows.",),
        frozenset({"leisure_centre"}),
        times=("eve",),
        minutes=(60,),
        gender="women",
        free_share=0.1,
        max_fee=5,
        places=(15, 30),
        weekend=1.5,
    ),
    Activity(
        "yoga",
        ("{area} Gentle Yoga", "{day} Chair Yoga", "Yoga for All at {venue}"),
        ("active",),
        ("yoga",),
        ("relaxation", "stretching", "chair yoga"),
        ("Gentle yoga with chairs for support, breathing and relaxation. Mats provided.",),
        INDOORS - {"cafe"},
        times=("am", "eve"),
        minutes=(60, 75),
        free_share=0.4,
        max_fee=6,
        places=(10, 18),
    ),
    Activity(
        "strength_balance",
        ("{area} Strength and Balance", "Steady Steps {area}", "Falls Prevention Class at {venue}"),
        ("active", "practical"),
        ("falls prevention", "strength and balance"),
        ("chair exercise", "mobility", "confidence"),
        (
            "A 24-week course to build strength and balance and cut the risk of a fall. Led by a "
            "postural stability instructor.",
            "Exercises to help you feel steadier on your feet, plus tips on staying safe at home.",
        ),
        SPORT | {"church_hall"},
        weight=1.5,
        times=("am",),
        minutes=(60,),
        min_ages=(60, 65),
        places=(8, 14),
        complexity=3,
        orgs=("{borough} Active Ageing",),
        self_referral=0.3,
        door_to_door=1,
        seated=True,
        weekend=0,
    ),
    Activity(
        "walking_football",
        ("{area} Walking Football", "{day} Walking Football"),
        ("active", "social"),
        ("walking football", "football"),
        ("men's group", "sport"),
        (
            "Football at walking pace – no running, no slide tackles. A good way back into sport "
            "for older men.",
        ),
        OUTDOORS | {"leisure_centre"},
        times=("eve", "am"),
        minutes=(60, 90),
        min_ages=(50,),
        gender="men",
        free_share=0.5,
        places=(12, 24),
        weekend=2,
    ),
    Activity(
        "bowls",
        ("{area} Bowls Club", "Short Mat Bowls at {venue}"),
        ("active", "social"),
        ("bowls",),
        ("sport", "company"),
        ("Short mat bowls indoors in winter, the green in summer. Woods lent to beginners.",),
        OUTDOORS | {"community_centre", "church_hall"},
        times=("pm",),
        min_ages=OLDER,
        free_share=0.4,
        places=(10, 24),
    ),
    Activity(
        "dance",
        ("{area} Seated Dance", "Dance for Health {area}", "{day} Line Dancing"),
        ("active", "creative"),
        ("dancing",),
        ("line dancing", "music", "seated dance"),
        ("Dance to music from every decade, standing or seated. Nobody is watching your feet.",),
        HALLS,
        times=("am", "pm"),
        minutes=(60,),
        free_share=0.5,
        places=(12, 30),
    ),
    Activity(
        "debt_advice",
        ("{area} Money Advice Drop-in", "Debt Advice Surgery at {venue}", "{day} Money Matters"),
        ("practical",),
        ("debt advice",),
        ("benefits advice", "budgeting", "energy bills"),
        (
            "Free, confidential help with debts, bills and budgeting from a trained adviser. "
            "Bring any letters you have.",
            "Drop in to talk through money worries. Advisers can deal with creditors for you.",
        ),
        HALLS | {"library"} | FAITH,
        weight=2,
        times=("am", "pm"),
        minutes=(120, 180),
        free_share=1.0,
        places=None,
        complexity=3,
        orgs=("{borough} Money Advice Service",),
        weekend=0,
    ),
    Activity(
        "benefits_advice",
        ("{area} Benefits Advice Surgery", "Benefits and Form-Filling Help at {venue}"),
        ("practical",),
        ("benefits advice",),
        ("form filling", "pension credit", "attendance allowance", "debt advice"),
        (
            "Help to check what you are entitled to and to fill in forms, including Attendance "
            "Allowance and Pension Credit.",
        ),
        HALLS | {"library"} | FAITH,
        weight=2,
        times=("am", "pm"),
        minutes=(120, 180),
        free_share=1.0,
        places=None,
        complexity=3,
        orgs=("{borough} Money Advice Service", "North London Tenants' Advice"),
        weekend=0,
    ),
    Activity(
        "housing_advice",
        ("{area} Housing Advice Surgery", "Tenants' Advice at {venue}"),
        ("practical",),
        ("housing advice",),
        ("repairs", "tenancy", "damp and mould", "homelessness"),
        ("Advice on repairs, rent, damp and tenancy problems from a housing caseworker.",),
        HALLS | {"library"},
        times=("am", "pm"),
        minutes=(120, 180),
        free_share=1.0,
        places=None,
        complexity=3,
        orgs=("North London Tenants' Advice",),
        weekend=0,
    ),
    Activity(
        "repair_cafe",
        ("{area} Repair Cafe", "Fix-It Cafe at {venue}"),
        ("practical", "volunteering"),
        ("repairs",),
        ("sewing", "electrics", "bike repair", "volunteering"),
        (
            "Bring a broken toaster, lamp or torn coat and fix it with a volunteer. Tea while you "
            "wait; volunteers always welcome.",
        ),
        HALLS | {"library"},
        times=("am", "pm"),
        minutes=(180,),
        frequencies=("monthly",),
        places=None,
        weekend=4,
    ),
    Activity(
        "cooking",
        ("{area} Cook and Eat", "Cooking on a Budget at {venue}", "{day} Community Kitchen"),
        ("practical", "learning", "social"),
        ("cooking",),
        ("healthy eating", "cooking on a budget", "shared meal"),
        ("Cook a simple, cheap meal together and then sit down and eat it. Recipes to take home.",),
        frozenset({"community_centre", "church_hall", "mosque"}),
        times=("pm", "eve"),
        minutes=(120,),
        free_share=0.6,
        places=(6, 12),
    ),
    Activity(
        "english_conversation",
        (
            "{area} English Conversation Club",
            "English Chat Cafe at {venue}",
            "{day} Conversation English",
        ),
        ("learning", "social"),
        ("english conversation",),
        ("esol", "making friends", "language practice"),
        (
            "Practise everyday English in a relaxed group with volunteer hosts. All levels "
            "welcome.",
            "Conversation practice over tea: shopping, doctors, phone calls and whatever you want "
            "to talk about.",
        ),
        INDOORS | FAITH,
        weight=2,
        times=("am", "pm", "eve"),
        languages=(
            ("en",),
            ("en", "bn"),
            ("en", "so"),
            ("en", "ar"),
            ("en", "tr"),
            ("en", "pl"),
            ("en", "es"),
        ),
        free_share=0.95,
        places=(10, 20),
    ),
    Activity(
        "digital_skills",
        (
            "{area} Digital Drop-in",
            "Tablet and Phone Help at {venue}",
            "{day} Silver Surfers",
            "Get Online {area}",
        ),
        ("digital", "learning"),
        ("digital skills",),
        ("smartphones", "tablets", "online safety", "video calls", "nhs app", "email"),
        (
            "Bring your phone, tablet or laptop and a volunteer will help with whatever you are "
            "stuck on – from the NHS App to video calls.",
            "Patient one-to-one help getting online. Loan tablets available for those without a "
            "device.",
        ),
        frozenset({"library", "community_centre", "cafe"}),
        weight=5,
        times=("am", "pm"),
        free_share=0.95,
        places=(6, 12),
        orgs=("{borough} Digital Buddies",),
        weekend=0.5,
    ),
    Activity(
        "online_safety",
        ("Staying Safe Online at {venue}", "{area} Scam Awareness Sessions"),
        ("digital", "practical"),
        ("online safety",),
        ("digital skills", "scams", "online banking"),
        ("Learn how to spot scam texts, emails and calls, and bank online safely.",),
        frozenset({"library", "community_centre"}),
        weight=1.5,
        times=("am", "pm"),
        minutes=(60, 90),
        frequencies=NOT_WEEKLY,
        free_share=1.0,
        places=(8, 20),
        orgs=("{borough} Digital Buddies",),
        weekend=0.3,
    ),
    Activity(
        "history",
        ("{area} History Society", "Local History Talks at {venue}"),
        ("learning", "social"),
        ("local history",),
        ("talks", "heritage", "walks"),
        ("Monthly talks on the streets, people and buildings of {area}, with tea afterwards.",),
        frozenset({"library", "church_hall", "community_centre"}),
        times=("pm", "eve"),
        frequencies=("monthly",),
        free_share=0.5,
        places=(20, 60),
    ),
    Activity(
        "book_club",
        ("{area} Book Club", "{day} Readers' Group at {venue}", "Shared Reading {area}"),
        ("learning", "social"),
        ("reading", "book club"),
        ("books", "poetry", "discussion"),
        (
            "We read a book a month and meet to talk about it. Copies available from the library.",
            "A short story or poem is read aloud and we chat about it – no reading in advance.",
        ),
        frozenset({"library", "cafe", "community_centre"}),
        weight=2,
        times=("pm", "eve"),
        frequencies=NOT_WEEKLY,
        free_share=0.95,
        places=(8, 15),
    ),
    Activity(
        "gardening",
        ("{area} Community Garden", "Grow Together {area}", "{day} Gardening Club"),
        ("nature", "active", "volunteering"),
        ("gardening",),
        ("growing food", "wildlife", "fresh air", "volunteering"),
        (
            "Help grow fruit, veg and flowers in a shared garden. Tools and gloves provided; "
            "raised beds for those who can't kneel.",
            "Gardening together, whatever the weather, with tea in the shed afterwards.",
        ),
        OUTDOORS | {"community_centre", "tra_hall"},
        weight=3,
        times=("am", "pm"),
        free_share=0.95,
        places=(8, 20),
        complexity=3,
        weekend=2,
    ),
    Activity(
        "allotment",
        ("{area} Allotment Group", "Shared Plot at {venue}"),
        ("nature", "active"),
        ("allotment", "gardening"),
        ("growing food", "fresh air"),
        (
            "A shared allotment plot worked as a group, so nobody needs their own. Produce shared "
            "out at harvest.",
        ),
        OUTDOORS,
        times=("am", "pm"),
        free_share=0.7,
        places=(8, 15),
        weekend=2,
    ),
    Activity(
        "conservation",
        ("Friends of {venue}", "{area} Conservation Volunteers", "{area} Litter Pickers"),
        ("nature", "volunteering"),
        ("conservation volunteering",),
        ("litter picking", "wildlife", "tree planting"),
        (
            "Practical tasks to look after local green spaces: planting, clearing and litter "
            "picking. Gloves and grabbers provided.",
        ),
        OUTDOORS,
        weight=1.5,
        times=("am",),
        minutes=(120, 180),
        frequencies=NOT_WEEKLY,
        free_share=1.0,
        places=None,
        orgs=("Green Corners {borough}",),
        weekend=3,
    ),
    Activity(
        "nature_walk",
        ("{area} Nature Walks", "Birdwatching at {venue}"),
        ("nature", "active"),
        ("birdwatching", "nature"),
        ("walking", "wildlife"),
        (
            "An easy stroll looking at birds, trees and wildflowers with a local naturalist. "
            "Binoculars to borrow.",
        ),
        OUTDOORS,
        times=("am",),
        minutes=(90,),
        frequencies=NOT_WEEKLY,
        free_share=0.9,
        places=(8, 20),
        orgs=("Green Corners {borough}",),
        weekend=2.5,
    ),
    Activity(
        "food_share",
        ("{area} Food Bank Volunteers", "{area} Community Fridge"),
        ("volunteering", "practical"),
        ("volunteering",),
        ("food bank", "community fridge", "helping others"),
        (
            "Sort donations, pack parcels and chat with visitors. A good first step back into "
            "routine; no experience needed.",
        ),
        frozenset({"community_centre", "church_hall"}) | FAITH,
        times=("am", "pm"),
        minutes=(120, 180),
        free_share=1.0,
        places=(6, 15),
        orgs=("{borough} Food Share",),
        weekend=1.5,
    ),
    Activity(
        "library_volunteers",
        ("{venue} Volunteers", "{area} Reading Buddies"),
        ("volunteering", "learning"),
        ("volunteering",),
        ("reading", "libraries", "helping others"),
        ("Help out at the library: shelving, home delivery of books and reading with children.",),
        frozenset({"library"}),
        times=("am", "pm"),
        free_share=1.0,
        places=(4, 10),
        self_referral=0.7,
    ),
    Activity(
        "carers",
        ("{area} Carers' Group", "Carers' Cafe at {venue}", "Time Out for Carers {area}"),
        ("peer_support", "social"),
        ("carers",),
        ("carer support", "respite", "coffee morning"),
        (
            "A break and a chat with other unpaid carers, with information on support and respite.",
            "For anyone looking after a relative or friend. Sitting can sometimes be arranged so "
            "you can come.",
        ),
        INDOORS | FAITH,
        weight=2,
        times=("am", "pm", "eve"),
        frequencies=NOT_WEEKLY,
        free_share=1.0,
        places=(8, 20),
        orgs=("{borough} Carers Network",),
        weekend=0.5,
    ),
    Activity(
        "bereavement",
        (
            "{area} Bereavement Cafe",
            "Bereavement Support Group at {venue}",
            "{day} Bereavement Circle",
        ),
        ("peer_support",),
        ("bereavement",),
        ("grief support", "talking", "company"),
        (
            "A gentle space to talk, or just sit, with others who have lost someone close. "
            "Trained volunteers are there each time.",
        ),
        INDOORS | FAITH,
        weight=1.5,
        times=("pm", "eve"),
        frequencies=("fortnightly", "monthly"),
        free_share=1.0,
        places=(6, 14),
        complexity=2,
        orgs=("Open Door Bereavement Service",),
        weekend=0.3,
    ),
    Activity(
        "dementia_cafe",
        ("{area} Dementia Cafe", "{area} Memory Cafe", "Memory Lane Cafe at {venue}"),
        ("peer_support", "social"),
        ("dementia cafe",),
        ("carers", "memory", "music", "reminiscence"),
        (
            "People living with dementia and those who care for them meet for tea, music and "
            "reminiscence. Staff are dementia-trained.",
            "A relaxed afternoon with activities, advice on hand and time to chat for carers.",
        ),
        INDOORS,
        weight=1.5,
        times=("pm",),
        minutes=(120,),
        frequencies=NOT_WEEKLY,
        free_share=0.9,
        places=(10, 24),
        complexity=3,
        orgs=("Memory Lane {borough}",),
        door_to_door=1.5,
        dementia_friendly=True,
        weekend=0.3,
    ),
    Activity(
        "mens_talk",
        ("{area} Men's Talking Group", "Men's Circle {area}"),
        ("peer_support",),
        ("men's group", "mental wellbeing"),
        ("talking", "peer support"),
        ("Men talking honestly about how life is going, over tea. No pressure to speak.",),
        INDOORS - {"cafe"},
        times=("eve",),
        minutes=(90,),
        gender="men",
        free_share=1.0,
        places=(6, 14),
        complexity=3,
        weekend=0.3,
    ),
    Activity(
        "wellbeing_peer",
        ("{area} Wellbeing Peer Group", "Mind and Mood {area}", "{day} Wellbeing Cafe"),
        ("peer_support",),
        ("mental wellbeing", "peer support"),
        ("anxiety", "low mood", "talking"),
        (
            "A peer-led group for people living with anxiety or low mood. Share what helps, "
            "at your own pace.",
        ),
        INDOORS,
        times=("pm", "eve"),
        free_share=1.0,
        places=(6, 14),
        complexity=3,
        orgs=("Mindful {borough} Peer Network",),
        self_referral=0.7,
        weekend=0.3,
    ),
    Activity(
        "women_group",
        ("{area} Women's Group", "Women's Wellbeing Circle at {venue}"),
        ("peer_support", "social"),
        ("women's group",),
        ("wellbeing", "crafts", "company"),
        ("A women-only space to relax, make things and talk. Children under five welcome.",),
        INDOORS,
        times=("am", "pm"),
        gender="women",
        free_share=0.9,
        places=(8, 20),
        complexity=3,
    ),
    Activity(
        "sight_loss",
        ("{area} Sight Loss Support Group",),
        ("peer_support",),
        ("sight loss",),
        ("peer support", "talking books", "technology"),
        (
            "A monthly meeting for people with sight loss: speakers, gadgets to try and good "
            "company.",
        ),
        frozenset({"community_centre", "library"}),
        times=("pm",),
        frequencies=("monthly",),
        free_share=1.0,
        places=(10, 25),
        orgs=("{borough} Sight Loss Support",),
        door_to_door=2,
        weekend=0,
    ),
    Activity(
        "stroke_club",
        ("{area} Stroke Club",),
        ("peer_support", "active"),
        ("stroke recovery",),
        ("peer support", "exercise", "communication"),
        (
            "For stroke survivors and their families: gentle exercise, communication games and "
            "lunch.",
        ),
        frozenset({"community_centre", "church_hall"}),
        times=("am",),
        minutes=(150,),
        min_ages=(18, 50),
        free_share=0.7,
        places=(10, 20),
        complexity=3,
        orgs=("{borough} Stroke Club",),
        door_to_door=3,
        weekend=0,
    ),
    Activity(
        "young_adults",
        ("{area} Young Adults' Social", "Under-26s Hangout at {venue}"),
        ("social", "peer_support"),
        ("young adults",),
        ("games", "music", "making friends"),
        (
            "A relaxed evening for 18 to 25 year olds: games, music and food, with youth workers "
            "around if you want a chat.",
        ),
        frozenset({"community_centre", "library"}),
        times=("eve",),
        min_ages=(18,),
        max_age=25,
        free_share=1.0,
        places=(10, 25),
        complexity=3,
        weekend=0.5,
    ),
    Activity(
        "somali_women",
        ("{area} Somali Women's Group", "Somali Women's Circle at {venue}"),
        ("faith_culture", "social"),
        ("somali community", "women's group"),
        ("sewing", "health talks", "english conversation"),
        (
            "A weekly meeting for Somali women: health talks, sewing and conversation in Somali "
            "and English.",
        ),
        frozenset({"community_centre", "mosque", "tra_hall"}),
        times=("am", "pm"),
        gender="women",
        languages=(("so", "en"), ("en", "so")),
        free_share=1.0,
        places=(10, 25),
        orgs=("{borough} Somali Community Association",),
    ),
    Activity(
        "bengali_elders",
        ("{area} Bengali Elders' Lunch", "Bangladeshi Seniors' Club at {venue}"),
        ("faith_culture", "social"),
        ("bengali community", "lunch club"),
        ("company", "health talks", "carrom"),
        (
            "Lunch, carrom and health talks for Bangladeshi elders, in Bengali and Sylheti with "
            "English support.",
        ),
        frozenset({"community_centre", "mosque", "tra_hall"}),
        times=("lunch",),
        minutes=(120, 150),
        min_ages=(55, 60, 65),
        languages=(("bn", "en"), ("en", "bn")),
        free_share=0.6,
        places=(20, 40),
        orgs=("Bengali Elders Forum {borough}",),
        door_to_door=2,
    ),
    Activity(
        "turkish_kurdish",
        ("{area} Turkish and Kurdish Tea Morning",),
        ("faith_culture", "social"),
        ("turkish community", "kurdish community"),
        ("company", "advice", "music"),
        ("Tea, conversation and help with letters in Turkish and Kurdish.",),
        frozenset({"community_centre", "cafe"}),
        times=("am",),
        languages=(("tr", "en"), ("en", "tr"), ("en", "tr", "ku")),
        free_share=1.0,
        places=(10, 30),
    ),
    Activity(
        "irish_pensioners",
        ("{area} Irish Pensioners' Club",),
        ("faith_culture", "social"),
        ("irish community",),
        ("music", "dancing", "bingo", "company"),
        (
            "Music, a bit of dancing, bingo and a good cup of tea for Irish pensioners and their "
            "friends.",
        ),
        frozenset({"community_centre", "church_hall"}),
        times=("pm",),
        min_ages=(60, 65),
        free_share=0.5,
        places=(20, 50),
        orgs=("North London Irish Pensioners' Club",),
        door_to_door=1.5,
    ),
    Activity(
        "caribbean_elders",
        ("{area} Caribbean Elders' Club", "Dominoes and Dinner at {venue}"),
        ("faith_culture", "social"),
        ("caribbean community", "dominoes"),
        ("lunch club", "music", "company"),
        (
            "Caribbean food, dominoes and music for elders from the Windrush generation and their "
            "friends.",
        ),
        frozenset({"community_centre", "church_hall", "tra_hall"}),
        times=("lunch", "pm"),
        min_ages=(55, 60),
        free_share=0.4,
        places=(20, 40),
        orgs=("Caribbean Elders' Circle {borough}",),
        door_to_door=1.5,
    ),
    Activity(
        "polish_seniors",
        ("{area} Polish Seniors' Club",),
        ("faith_culture", "social"),
        ("polish community",),
        ("company", "cards", "choir"),
        ("Coffee, cake and cards for Polish-speaking older people.",),
        frozenset({"church_hall", "community_centre"}),
        times=("pm",),
        min_ages=(55, 60),
        languages=(("pl", "en"), ("en", "pl")),
        free_share=0.5,
        places=(15, 30),
    ),
    Activity(
        "arabic_women",
        ("Arabic-Speaking Women's Circle at {venue}",),
        ("faith_culture", "peer_support"),
        ("arabic community", "women's group"),
        ("wellbeing", "english conversation"),
        (
            "A circle for Arabic-speaking women to meet, share and get information on local "
            "services.",
        ),
        frozenset({"community_centre", "mosque"}),
        times=("am",),
        gender="women",
        languages=(("ar", "en"), ("en", "ar")),
        free_share=1.0,
        places=(10, 20),
    ),
    Activity(
        "latin_american",
        ("{area} Latin American Social",),
        ("faith_culture", "social"),
        ("latin american community",),
        ("dancing", "music", "advice"),
        ("Music, food and advice sessions for Spanish- and Portuguese-speaking neighbours.",),
        frozenset({"community_centre", "church_hall"}),
        times=("pm", "eve"),
        languages=(("es", "en"), ("en", "es"), ("en", "es", "pt")),
        free_share=0.7,
        places=(15, 40),
        weekend=2,
    ),
    Activity(
        "church_fellowship",
        ("{host} Friendship Club", "{day} Fellowship at {venue}"),
        ("faith_culture", "social"),
        ("faith", "fellowship"),
        ("tea", "hymns", "company"),
        ("An afternoon of tea, a short talk and hymns. People of any faith or none are welcome.",),
        frozenset({"church_hall"}),
        weight=2,
        times=("pm",),
        min_ages=OLDER,
        free_share=0.9,
        places=(15, 40),
        weekend=1.5,
    ),
    Activity(
        "sisters_circle",
        ("{host} Sisters' Circle",),
        ("faith_culture", "peer_support"),
        ("faith", "women's group"),
        ("wellbeing", "quran study", "company"),
        ("A weekly gathering for Muslim women: study, tea and support.",),
        frozenset({"mosque"}),
        times=("am", "pm"),
        gender="women",
        languages=(("en", "ar"), ("en", "bn"), ("en", "so")),
        free_share=1.0,
        places=(10, 30),
    ),
    Activity(
        "synagogue_friendship",
        ("{host} Friendship Club",),
        ("faith_culture", "social"),
        ("jewish community",),
        ("lunch club", "talks", "company"),
        ("Lunch and a speaker for older members of the community and their friends.",),
        frozenset({"synagogue"}),
        times=("lunch",),
        min_ages=(60, 65),
        free_share=0.4,
        places=(20, 40),
        door_to_door=2,
        weekend=1.5,
    ),
    Activity(
        "interfaith",
        ("{area} Interfaith Tea",),
        ("faith_culture", "social", "learning"),
        ("interfaith",),
        ("talks", "company"),
        ("Neighbours of different faiths meet over tea to share food, stories and festivals.",),
        frozenset({"community_centre", "church_hall", "mosque", "synagogue"}),
        times=("pm",),
        frequencies=("monthly",),
        free_share=1.0,
        places=(15, 40),
        orgs=("{borough} Interfaith Forum",),
        weekend=2,
    ),
)

ONLINE_ACTIVITIES: tuple[Activity, ...] = (
    Activity(
        "online_carers",
        ("{borough} Carers Online Cuppa",),
        ("peer_support", "social"),
        ("carers",),
        ("carer support", "video calls"),
        ("An evening video call for unpaid carers who can't get out. Cameras optional.",),
        ONLINE,
        times=("eve",),
        minutes=(60,),
        frequencies=("fortnightly",),
        free_share=1.0,
        places=(8, 16),
        orgs=("{borough} Carers Network",),
        weekend=0.3,
    ),
    Activity(
        "online_chair_exercise",
        ("Chair Exercise on Zoom ({borough})",),
        ("active",),
        ("chair exercise",),
        ("gentle exercise", "video calls"),
        (
            "Follow a qualified instructor from your own armchair. A volunteer will ring to help "
            "you join the first time.",
        ),
        ONLINE,
        times=("am",),
        minutes=(45,),
        min_ages=OLDER,
        free_share=1.0,
        places=(15, 30),
        orgs=("{borough} Active Ageing",),
        seated=True,
    ),
    Activity(
        "online_book_club",
        ("{borough} Online Book Club",),
        ("learning", "social"),
        ("book club", "reading"),
        ("books", "video calls"),
        ("A monthly book chat by video call. Large-print and audio copies can be posted out.",),
        ONLINE,
        times=("eve",),
        minutes=(60,),
        frequencies=("monthly",),
        free_share=1.0,
        places=(8, 16),
    ),
    Activity(
        "phone_friendship",
        ("{borough} Telephone Friendship Circle",),
        ("social",),
        ("befriending", "phone calls"),
        ("company",),
        (
            "Six people and a volunteer host chat on a free conference call. No internet needed – "
            "just a phone.",
        ),
        ONLINE,
        times=("am", "pm"),
        minutes=(60,),
        min_ages=OLDER,
        free_share=1.0,
        places=(6, 6),
        complexity=3,
        orgs=("Silver Linings {borough}",),
        self_referral=0.6,
    ),
    Activity(
        "online_quiz",
        ("{borough} Online Quiz Night",),
        ("social", "digital"),
        ("quiz",),
        ("video calls", "company"),
        ("A light-hearted quiz on video call. Play on your own or as a household.",),
        ONLINE,
        times=("eve",),
        minutes=(90,),
        free_share=1.0,
        places=None,
        weekend=1.5,
    ),
    Activity(
        "online_bereavement",
        ("Online Bereavement Circle ({borough})",),
        ("peer_support",),
        ("bereavement",),
        ("grief support", "video calls"),
        (
            "A small, facilitated video group for people who have been bereaved in the last two "
            "years.",
        ),
        ONLINE,
        times=("eve",),
        minutes=(90,),
        frequencies=("fortnightly",),
        free_share=1.0,
        places=(6, 10),
        orgs=("Open Door Bereavement Service",),
        self_referral=0.5,
    ),
    Activity(
        "online_writing",
        ("{borough} Online Writers' Group",),
        ("creative", "learning"),
        ("creative writing",),
        ("poetry", "memoir"),
        ("Write to a prompt together on a video call, then share if you want to.",),
        ONLINE,
        times=("pm", "eve"),
        minutes=(90,),
        free_share=0.8,
        places=(6, 12),
    ),
    Activity(
        "online_mindfulness",
        ("Mindfulness for Beginners Online ({borough})",),
        ("peer_support", "learning"),
        ("mindfulness", "mental wellbeing"),
        ("relaxation", "sleep"),
        (
            "An eight-week introduction to mindfulness by video call, with short practices to do "
            "at home.",
        ),
        ONLINE,
        times=("eve",),
        minutes=(60,),
        free_share=0.7,
        max_fee=5,
        places=(10, 20),
        complexity=2,
        orgs=("Mindful {borough} Peer Network",),
    ),
    Activity(
        "online_bengali_health",
        ("Bengali Health Talks Online ({borough})",),
        ("faith_culture", "learning"),
        ("bengali community", "health talks"),
        ("diabetes", "video calls"),
        (
            "Short talks in Bengali on diabetes, heart health and getting the most from your GP, "
            "with time for questions.",
        ),
        ONLINE,
        times=("pm",),
        minutes=(60,),
        frequencies=("monthly",),
        languages=(("bn", "en"),),
        free_share=1.0,
        places=None,
        orgs=("Bengali Elders Forum {borough}",),
    ),
    Activity(
        "online_mens_talk",
        ("{borough} Men's Talking Group Online",),
        ("peer_support",),
        ("men's group", "mental wellbeing"),
        ("talking", "video calls"),
        ("A men's peer group by video call for those who would rather talk from home.",),
        ONLINE,
        times=("eve",),
        minutes=(90,),
        gender="men",
        free_share=1.0,
        places=(6, 12),
        complexity=3,
    ),
    Activity(
        "online_digital_help",
        ("{borough} Digital Helpline Sessions",),
        ("digital", "learning"),
        ("digital skills",),
        ("smartphones", "tablets", "online safety"),
        (
            "Book a half-hour phone or video session with a volunteer who will help you with "
            "your device step by step.",
        ),
        ONLINE,
        times=("am", "pm"),
        minutes=(180,),
        free_share=1.0,
        places=None,
        orgs=("{borough} Digital Buddies",),
    ),
)


class Venue(NamedTuple):
    """A place that hosts groups, with what is true of the building and how to get there."""

    name: str
    kind: str
    address: str
    postcode: str
    lat: float
    lon: float
    access: dict[str, bool]  # the building's real answers; listings may not know them
    known: float  # chance that a listing here answers each access question
    access_note: str
    bus_stops: tuple[tuple[str, int, tuple[str, ...]], ...]
    rail: tuple[str, int] | None
    parking: bool | None


FIRST_NAMES: tuple[str, ...] = (
    "Jo",
    "Amira",
    "Tunde",
    "Siobhan",
    "Mehmet",
    "Fatima",
    "Rahima",
    "Grace",
    "Wojciech",
    "Maria",
    "Desmond",
    "Priya",
    "Hannah",
    "Kofi",
    "Ayesha",
    "Colin",
    "Bridget",
    "Yusuf",
    "Leila",
    "Sam",
    "Marcus",
    "Nasra",
    "Olu",
    "Patrick",
    "Elif",
    "Rosa",
    "Kamal",
    "Ruth",
    "Dev",
    "Winston",
    "Agnieszka",
    "Hodan",
    "Sunita",
    "Frank",
    "Esther",
    "Abdi",
    "Carmen",
    "Margaret",
    "Delroy",
    "Shirin",
    "Dave",
    "Nadia",
    "Tom",
    "Joyce",
    "Ibrahim",
    "Lucy",
)
SURNAMES: tuple[str, ...] = (
    "Okafor",
    "Murphy",
    "Begum",
    "Kowalski",
    "Yilmaz",
    "Hassan",
    "Green",
    "Patel",
    "O'Brien",
    "Mensah",
    "Rahman",
    "Ali",
    "Clarke",
    "Nowak",
    "Santos",
    "Cohen",
    "Ahmed",
    "Walsh",
    "Campbell",
    "Osei",
    "Khan",
    "Brown",
    "Levy",
    "Farah",
)
# Who last confirmed a listing; organisers answer most reminder emails themselves.
VERIFIERS: tuple[str, ...] = (
    "organiser",
    "organiser",
    "organiser",
    "organiser",
    "Amira (link worker)",
    "Tom (link worker)",
    "Grace (link worker)",
    "Kofi (link worker)",
    "Priya (community builder)",
    "directory import",
)
FREE_NOTES: tuple[str, ...] = ("",) * 6 + ("donations welcome", "tea and biscuits provided")
PAID_NOTES: tuple[str, ...] = (
    "tea included",
    "concessions available",
    "first session free",
    "pay what you can",
    "materials included",
    "lunch included",
    "",
    "",
)
STEP_NOTES: tuple[str, ...] = (
    "Three steps at the entrance and no ramp.",
    "The hall is up one flight of stairs; there is no lift.",
    "Two steps up to the main door; a portable ramp can be put out if you ring ahead.",
    "Side entrance has a steep ramp; the front door has steps.",
)
PARK_NOTES: tuple[str, ...] = (
    "Meet at the main gate. Paths are mostly level but can be muddy.",
    "Benches along the route; public toilets at the cafe.",
    "Some slopes on the route; the leader will suggest a shorter loop if needed.",
)
TOILET_NOTES: tuple[str, ...] = (
    "No accessible toilet in the building; the nearest is at the library a short walk away.",
    "Toilets are upstairs.",
)
GENERAL_NOTES: tuple[str, ...] = (
    "Large-print handouts on request.",
    "Hall can be noisy when busy; a side room is available.",
    "Assistance dogs welcome.",
    "Lift to all floors; ask at reception.",
    "Bright lighting and plain flooring throughout.",
)
ONLINE_ACCESS_NOTES: tuple[str, ...] = (
    "Joins by Zoom; a volunteer can talk you through it by phone first.",
    "Can join by phone only, no internet needed.",
    "Live captions switched on.",
    "",
)
DOOR_TO_DOOR_NOTES: tuple[str, ...] = (
    "minibus pickup",
    "volunteer drivers",
    "minibus pickup; book by the Friday before",
    "volunteer drivers for people who can't manage the bus",
    "accessible minibus with a tail lift; ring the day before",
)
REFERRAL_NOTES: tuple[str, ...] = (
    "",
    "",
    "",
    "Just turn up.",
    "Please ring before your first visit.",
    "Link workers: email the coordinator with the person's first name and any needs.",
    "A volunteer can meet newcomers at the door.",
)
LINK_WORKER_ONLY_NOTES: tuple[str, ...] = (
    "Referral from a GP or link worker needed.",
    "Referral form from the coordinator; places offered after a short phone call.",
)
INVITATION_NOTES: tuple[str, ...] = (
    "By invitation: ring the organiser before referring anyone.",
    "Closed group; new members join after a chat with the facilitator.",
    "Places offered when a current member leaves; ask to be considered.",
)

SLOT_STARTS: dict[str, tuple[str, ...]] = {
    "am": ("09:30", "10:00", "10:00", "10:30", "11:00"),
    "lunch": ("12:00", "12:00", "12:30"),
    "pm": ("13:00", "13:30", "14:00", "14:00", "14:30", "15:00"),
    "eve": ("18:00", "18:30", "19:00", "19:00", "19:30"),
}
LATEST_END = "21:00"  # evening sessions are advertised as finishing by nine

STATUS_CUM = tuple(accumulate((70, 10, 8, 6, 6)))
SESSION_COUNT_CUM = tuple(accumulate((70, 22, 8)))
WEEKEND_SHARE = 0.2
DOOR_TO_DOOR_SHARE = 0.06  # times the activity's factor; lands near 8% of groups overall
FLAG_KNOWN_FACTOR: dict[str, float] = {
    "step_free": 1.15,
    "wheelchair_accessible": 1.0,
    "accessible_toilet": 0.95,
    "hearing_loop": 0.7,
    "blue_badge_parking": 0.85,
    "seating_available": 1.1,
    "quiet_space": 0.75,
}
# How often a venue of each kind is step-free: old church halls and cafes often are not.
STEP_FREE_SHARE: dict[str, float] = {
    "community_centre": 0.85,
    "church_hall": 0.55,
    "library": 0.9,
    "leisure_centre": 0.95,
    "park": 0.75,
    "cafe": 0.55,
    "tra_hall": 0.65,
    "mosque": 0.5,
    "synagogue": 0.7,
}


def draw_venue_access(rng: FastRandom, kind: str) -> tuple[dict[str, bool], float, str]:
    """Decide what is true of a building, how well its listings know it, and an access note."""
    step_free = rng.random() < STEP_FREE_SHARE[kind]
    wheelchair = step_free and rng.random() < 0.9
    outdoors = kind == "park"
    toilet = rng.random() < (0.3 if outdoors else 0.85 if wheelchair else 0.2)
    access = {
        "step_free": step_free,
        "wheelchair_accessible": wheelchair,
        "accessible_toilet": toilet,
        "hearing_loop": not outdoors
        and rng.random() < (0.6 if kind in ("library", "leisure_centre") else 0.35),
        "blue_badge_parking": rng.random() < (0.6 if kind in ("leisure_centre", "park") else 0.3),
        "seating_available": rng.random() < (0.6 if outdoors else 0.95),
        "quiet_space": not outdoors
        and rng.random() < (0.2 if kind in ("cafe", "leisure_centre") else 0.5),
    }
    known = rng.choice((0.45, 0.6, 0.75, 0.85, 0.9, 0.95))
    if not step_free:
        note = rng.choice(STEP_NOTES)
    elif outdoors:
        note = rng.choice(PARK_NOTES)
    elif not toilet:
        note = rng.choice(TOILET_NOTES)
    elif rng.random() < 0.3:
        note = rng.choice(GENERAL_NOTES)
    else:
        note = ""
    return access, known, note


def draw_parking(rng: FastRandom, kind: str, share: float) -> bool | None:
    """On-site or nearby parking; `share` is how car-friendly the area is."""
    if rng.random() < 0.22:
        return None
    return rng.random() < share * (2 if kind in ("park", "leisure_centre") else 1)


def build_listing(
    rng: FastRandom,
    activity: Activity,
    *,
    external_id: str,
    area: str,
    borough: str,
    local_org: str,
    venue: Venue | None,
    today: date,
    languages: tuple[str, ...] = COMMUNITY_LANGUAGES,
    status: str | None = None,
    used_names: set[str] | None = None,
) -> dict[str, Any]:
    """One listing in the contract shape; `id` and `freshness` are left for the app to derive."""
    status = status or rng.weighted(STATUSES, STATUS_CUM)
    schedule = _draw_schedule(rng, activity)
    fields = {
        "area": area,
        "borough": borough,
        "venue": venue.name if venue else area,
        "host": host_name(venue.name) if venue else area,
        "day": DAY_NAMES[schedule[0]["day"]],
    }
    name = _draw_name(rng, activity, fields, used_names)
    organisation = _draw_organisation(rng, activity, borough, local_org)
    verified_at, verified_by = _draw_verification(rng, today)
    return {
        "external_id": external_id,
        "name": name,
        "description": rng.choice(activity.descriptions).format_map(fields),
        "organisation": organisation,
        "categories": list(activity.categories),
        "interests": _draw_interests(rng, activity),
        "status": status,
        "audience": _draw_audience(rng, activity, languages),
        "cost": _draw_cost(rng, activity),
        "online": venue is None,
        "venue": None
        if venue is None
        else {
            "name": venue.name,
            "address": venue.address,
            "postcode": venue.postcode,
            "lat": venue.lat,
            "lon": venue.lon,
        },
        "schedule": schedule,
        "capacity": _draw_capacity(rng, activity, status),
        "accessibility": _draw_accessibility(rng, activity, venue),
        "transport": _draw_transport(rng, activity, venue),
        "contact": _draw_contact(rng, organisation or name),
        "referral": _draw_referral(rng, activity, status),
        "last_verified_at": verified_at,
        "verified_by": verified_by,
    }


def _draw_name(
    rng: FastRandom, activity: Activity, fields: dict[str, str], used: set[str] | None
) -> str:
    """A name from the activity's patterns, unique within `used` when one is given."""
    if used is None:
        return rng.choice(activity.names).format_map(fields)
    patterns = list(activity.names)
    rng.shuffle(patterns)
    candidates = [pattern.format_map(fields) for pattern in patterns]
    candidates += [f"{candidate} ({fields['venue']})" for candidate in candidates]
    name = next((c for c in candidates if c not in used), None)
    if name is None:
        suffix = 2
        while f"{candidates[0]} {suffix}" in used:
            suffix += 1
        name = f"{candidates[0]} {suffix}"
    used.add(name)
    return name


def _draw_organisation(
    rng: FastRandom, activity: Activity, borough: str, local_org: str
) -> str | None:
    r = rng.random()
    if r < 0.03:  # informal groups with no organisation behind them
        return None
    if activity.orgs and r < 0.6:
        return rng.choice(activity.orgs).format(borough=borough)
    return local_org


def _draw_interests(rng: FastRandom, activity: Activity) -> list[str]:
    interests = list(activity.interests)
    for _ in range(rng.randint(0, 2)):
        extra = rng.choice(activity.extras)
        if extra not in interests:
            interests.append(extra)
    return interests


def _draw_audience(
    rng: FastRandom, activity: Activity, languages: tuple[str, ...]
) -> dict[str, Any]:
    spoken = list(rng.choice(activity.languages))
    if spoken == ["en"] and rng.random() < 0.08:
        spoken.append(rng.choice(languages))
    return {
        "min_age": rng.choice(activity.min_ages),
        "max_age": activity.max_age,
        "gender": activity.gender,
        "languages": spoken,
    }


def _draw_cost(rng: FastRandom, activity: Activity) -> dict[str, Any]:
    r = rng.random()
    if r < 0.02:
        return {"free": None, "amount_gbp": None, "notes": ""}
    if r < 0.02 + 0.98 * activity.free_share:
        return {"free": True, "amount_gbp": 0.0, "notes": rng.choice(FREE_NOTES)}
    amount = rng.randint(2, int(activity.max_fee * 2)) / 2
    return {"free": False, "amount_gbp": amount, "notes": rng.choice(PAID_NOTES)}


def _draw_schedule(rng: FastRandom, activity: Activity) -> list[dict[str, str]]:
    frequency = rng.choice(activity.frequencies)
    count = rng.weighted((1, 2, 3), SESSION_COUNT_CUM) if frequency == "weekly" else 1
    days = [rng.choice(WEEKDAYS)] if count == 1 else rng.sample(WEEKDAYS, count)
    days.sort(key=DAY_ORDER.__getitem__)
    if rng.random() < WEEKEND_SHARE * activity.weekend:
        days[-1] = rng.choice(WEEKEND)  # the last day, so the week stays in order
    start = rng.choice(SLOT_STARTS[rng.choice(activity.times)])
    end = _session_end(start, rng.choice(activity.minutes))
    return [{"day": day, "start": start, "end": end, "frequency": frequency} for day in days]


@lru_cache(maxsize=256)
def _session_end(start: str, minutes: int) -> str:
    total = int(start[:2]) * 60 + int(start[3:]) + minutes
    return min(f"{total // 60:02d}:{total % 60:02d}", LATEST_END)


def _draw_capacity(rng: FastRandom, activity: Activity, status: str) -> dict[str, Any]:
    top = activity.complexity
    complexity = None if rng.random() < 0.05 else rng.randint(max(1, top - 1), top)
    if complexity is None or rng.random() < 0.1:
        complex_places = None
    else:
        complex_places = (0, rng.randint(0, 2), rng.randint(1, 4))[complexity - 1]
    if status == "waiting_list":
        total = rng.randint(*(activity.places or (10, 20)))
        taken, waiting = total, rng.randint(2, 20)
    elif activity.places is None or rng.random() < 0.12:
        total = taken = waiting = None
    else:
        total = rng.randint(*activity.places)
        if status in ("paused", "closed"):
            taken, waiting = rng.randint(0, total), 0
        elif rng.random() < 0.08:  # full but not yet advertising a waiting list
            taken, waiting = total, rng.randint(0, 5)
        else:
            taken, waiting = rng.randint(total // 3, total - 1), 0
    return {
        "total_places": total,
        "places_taken": taken,
        "waiting_list": waiting,
        "complex_needs_places": complex_places,
        "complexity_supported": complexity,
    }


def _draw_accessibility(rng: FastRandom, activity: Activity, venue: Venue | None) -> dict[str, Any]:
    answers: dict[str, Any] = dict.fromkeys(ACCESS_FLAGS)
    if venue is None:  # the building questions do not apply to a call from home
        answers["notes"] = rng.choice(ONLINE_ACCESS_NOTES)
        return answers
    for flag in ACCESS_FLAGS:
        if flag == "dementia_friendly" and activity.dementia_friendly:
            answers[flag] = True
        elif flag == "dementia_friendly":
            # Few groups can say either way unless they have had dementia-friendly training.
            answered = rng.random() < venue.known * 0.6
            answers[flag] = rng.random() < 0.25 if answered else None
        elif flag == "seating_available" and activity.seated:
            answers[flag] = True
        else:
            truth = venue.access[flag]
            # A step at the door is the one thing everybody remembers about a building.
            chance = (
                0.9
                if flag == "step_free" and not truth
                else (venue.known * FLAG_KNOWN_FACTOR[flag])
            )
            answers[flag] = truth if rng.random() < chance else None
    answers["notes"] = venue.access_note if rng.random() < 0.85 else ""
    return answers


def _draw_transport(rng: FastRandom, activity: Activity, venue: Venue | None) -> dict[str, Any]:
    if venue is None:
        return {
            "bus_stops": [],
            "rail_station": None,
            "parking": None,
            "door_to_door": {"available": False, "radius_km": None, "notes": ""},
        }
    # Organisers often leave the travel questions blank, so each part can be missing.
    stops = (
        []
        if rng.random() < 0.12
        else [
            {"name": stop, "distance_m": distance, "routes": list(routes)}
            for stop, distance, routes in venue.bus_stops
        ]
    )
    rail = (
        None
        if venue.rail is None or rng.random() < 0.1
        else {
            "name": venue.rail[0],
            "distance_m": venue.rail[1],
        }
    )
    return {
        "bus_stops": stops,
        "rail_station": rail,
        "parking": None if rng.random() < 0.1 else venue.parking,
        "door_to_door": _draw_door_to_door(rng, activity),
    }


def _draw_door_to_door(rng: FastRandom, activity: Activity) -> dict[str, Any] | None:
    r = rng.random()
    if r < 0.04:
        return None
    if r < 0.04 + DOOR_TO_DOOR_SHARE * (1 + activity.door_to_door):
        return {
            "available": True,
            "radius_km": rng.choice((2.0, 2.5, 3.0, 4.0, 5.0, 6.0)),
            "notes": rng.choice(DOOR_TO_DOOR_NOTES),
        }
    return {"available": False, "radius_km": None, "notes": ""}


def _draw_contact(rng: FastRandom, owner: str) -> dict[str, Any]:
    first = rng.choice(FIRST_NAMES)
    name = first if rng.random() < 0.5 else f"{first} {rng.choice(SURNAMES)}"
    phone = None if rng.random() < 0.1 else f"020 7946 0{rng.randint(0, 999):03d}"
    has_email = phone is None or rng.random() > 0.15
    return {
        "name": name,
        "phone": phone,
        "email": f"{first.lower()}.{_initials(owner)}@example.org" if has_email else None,
        "website": f"https://example.org/{slug(owner)}" if rng.random() < 0.45 else None,
    }


def _draw_referral(rng: FastRandom, activity: Activity, status: str) -> dict[str, Any]:
    if status == "invitation_only":
        return {
            "self_referral": False,
            "link_worker_referral": True,
            "notes": rng.choice(INVITATION_NOTES),
        }
    if rng.random() < activity.self_referral:
        return {
            "self_referral": True,
            "link_worker_referral": rng.random() < 0.95,
            "notes": rng.choice(REFERRAL_NOTES),
        }
    return {
        "self_referral": False,
        "link_worker_referral": True,
        "notes": rng.choice(LINK_WORKER_ONLY_NOTES),
    }


def _draw_verification(rng: FastRandom, today: date) -> tuple[str | None, str | None]:
    """Spread checks so about 60% are fresh, 15% due soon, 20% stale and 5% never checked."""
    r = rng.random()
    if r < 0.60:
        days = rng.randint(0, 149)
    elif r < 0.75:
        days = rng.randint(150, 179)
    elif r < 0.95:
        days = rng.randint(180, 500)
    else:
        return None, None
    return _dates_before(today)[days], rng.choice(VERIFIERS)


@lru_cache(maxsize=4)
def _dates_before(today: date) -> tuple[str, ...]:
    """ISO dates for 0..500 days before `today`, so large runs skip date arithmetic."""
    return tuple((today - timedelta(days=days)).isoformat() for days in range(501))


def host_name(venue_name: str) -> str:
    """The body behind a hall: "St Aidan's Church Hall" is run by "St Aidan's Church"."""
    return venue_name.removesuffix(" Hall")


@lru_cache(maxsize=4096)
def slug(text: str) -> str:
    """Lower-case, hyphenated, ASCII-only form of a name, for made-up URLs."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "")).strip("-")


@lru_cache(maxsize=4096)
def _initials(text: str) -> str:
    return "".join(word[0] for word in slug(text).split("-") if word)
