"""The link worker's match page: what a person needs in, ranked and explained groups out, and a
one-page plan of the chosen groups to print for the person.

The form submits with GET, so results can be linked to and Back works. The query string is
turned into the match request of DESIGN.md and checked by the same contract as the API; a bad
field is shown against the form field it came from. The plan re-runs the match for the same
profile (never recording an unmet need) and shows only the groups chosen, in the order chosen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import segno
from flask import Blueprint, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from assetmap.directory.queries import TIME_WINDOWS, TimeOfDay
from assetmap.errors import ValidationError
from assetmap.freshness.tasks import record_activity
from assetmap.geo.journeys import PERSON_MODES, Mode, Pace
from assetmap.matching import EXCLUSION_REASONS, MatchResult, Option
from assetmap.matching.explain import Journey, travel_text
from assetmap.matching.requests import MAX_LIMIT, MatchRequest, parse_match_request
from assetmap.models import ACCESSIBILITY_FLAGS, Category, Day, Group, GroupInterest, Status
from assetmap.web.context import app_config, db_session, read_session, today
from assetmap.web.formatting import CATEGORY_NAMES, DAY_NAMES, distance_text
from assetmap.web.maps import build_map
from assetmap.web.matching import locate, run_match

match_pages = Blueprint("match_pages", __name__)

#: Results on the page: enough to choose three to five from.
PAGE_LIMIT = 10
#: The plan re-runs the match with room to spare, so a chosen group that slipped a place or
#: two since the search (a place taken, a day passing) is still found.
PLAN_LIMIT = MAX_LIMIT
MAX_CHOSEN = 5
#: Fewer results than this and the page says the gap was noted (matching.unmet.UNMET_BELOW).
FEW_RESULTS = 3
#: Popular interests offered as suggestions in the interests box.
SUGGESTIONS = 60
#: How long past the end of a part of the day a session may run and still fit it.
OVERRUN = dt.timedelta(hours=1)
LATEST = dt.time(23, 59)
#: Searches remembered per browser session (for one day) so a reload does not count twice.
REMEMBERED = 50

MODE_LABELS = {
    Mode.WALK: "Walking",
    Mode.WHEELCHAIR: "Wheelchair",
    Mode.SCOOTER: "Mobility scooter",
    Mode.BUS: "Bus",
    Mode.CAR: "Car (drives or gets a lift)",
    Mode.TAXI: "Taxi",
}
PACE_LABELS = {
    Pace.TYPICAL: "Typical",
    Pace.SLOW: "Slow (for example, uses a stick or frame, or gets out of breath)",
}
WALK_CHOICES = [
    ("", "Any distance"),
    ("100", "100 metres (to the end of the road)"),
    ("200", "200 metres"),
    ("400", "400 metres (about 5 minutes)"),
    ("800", "800 metres (about 10 minutes)"),
]
SUPPORT_LABELS = {
    "1": "No extra help needed",
    "2": "Some support (for example, someone to welcome them and check in)",
    "3": "Complex needs (the group must be able to support them well)",
}
GENDER_LABELS = {
    "any": "Show all groups",
    "men": "Show mixed groups and groups for men",
    "women": "Show mixed groups and groups for women",
}
TIME_LABELS = {
    TimeOfDay.MORNING: "Morning",
    TimeOfDay.AFTERNOON: "Afternoon",
    TimeOfDay.EVENING: "Evening",
}
#: The fields folded away under "More about them", with their defaults: a field set to
#: anything else (or in error) opens the section, so nothing chosen is hidden.
MORE_DEFAULTS = {
    "category": None,
    "pace": Pace.TYPICAL.value,
    "walk": "",
    "door": None,
    "support": "1",
    "max_cost": "",
    "gender": "any",
    "age": "",
    "invitation": None,
}
#: Why groups were left out, in plain words: (one group, several groups).
EXCLUDED_WORDS = {
    "closed": ("1 has closed", "{n} have closed"),
    "paused": ("1 is paused", "{n} are paused"),
    "invitation_only": ("1 is by invitation only", "{n} are by invitation only"),
    "audience": ("1 is for a different age or gender", "{n} are for a different age or gender"),
    "cost": ("1 costs more than they can pay", "{n} cost more than they can pay"),
    "complexity": ("1 cannot give the support they need", "{n} cannot give the support they need"),
    "needs_not_met": ("1 does not meet their access needs", "{n} do not meet their access needs"),
    "too_far": ("1 is too far to get to", "{n} are too far to get to"),
    "no_session": ("1 has no session when they are free", "{n} have no session when they are free"),
    "interests_not_matched": (
        "1 does not match their interests",
        "{n} do not match their interests",
    ),
}


# ---- the form's fields and the request's ------------------------------------------------------


@dataclass(frozen=True)
class FormField:
    label: str
    #: The element the error summary links to: the input, or a group's first input.
    anchor: str


FORM_FIELDS = {
    "postcode": FormField("Postcode", "postcode"),
    "interests": FormField("Interests", "interests"),
    "category": FormField("Kind of group", f"category-{Category.CREATIVE.value}"),
    "mode": FormField("How they travel", f"mode-{Mode.WALK.value}"),
    "pace": FormField("Walking pace", f"pace-{Pace.TYPICAL.value}"),
    "minutes": FormField("Longest journey", "minutes"),
    "walk": FormField("How far they can walk", "walk"),
    "door": FormField("Door-to-door transport", "door-yes"),
    "need": FormField("Access needs", f"need-{ACCESSIBILITY_FLAGS[0]}"),
    "free": FormField("When they are free", f"free-{Day.MON.value}-morning"),
    "support": FormField("Support", "support-1"),
    "max_cost": FormField("Most they can pay", "max_cost"),
    "gender": FormField("Men's or women's groups", "gender-any"),
    "age": FormField("Age", "age"),
    "invitation": FormField("Invitation-only groups", "invitation-yes"),
    "choose": FormField("Groups for the plan", "results"),
}
#: Where each part of the match request comes from on the form (paths without list indices).
REQUEST_FIELDS = {
    "location": "postcode",
    "location.postcode": "postcode",
    "interests": "interests",
    "categories": "category",
    "mobility": "mode",
    "mobility.modes": "mode",
    "mobility.pace": "pace",
    "mobility.max_travel_minutes": "minutes",
    "mobility.max_walk_metres": "walk",
    "mobility.door_to_door_needed": "door",
    "mobility.needs": "need",
    "availability": "free",
    "complexity": "support",
    "max_cost_gbp": "max_cost",
    "gender": "gender",
    "age": "age",
    "include_invitation_only": "invitation",
}


@dataclass(frozen=True)
class FormError:
    field: str
    message: str

    @property
    def anchor(self) -> str:
        return FORM_FIELDS[self.field].anchor


def form_error(error: ValidationError) -> FormError:
    """A contract error ("mobility.max_travel_minutes: must be ...") as one on the form field
    it came from ("Longest journey must be ...")."""
    path = error.field or ""
    bare = re.sub(r"\[\d+\]", "", path)
    name = REQUEST_FIELDS.get(bare) or REQUEST_FIELDS.get(bare.split(".")[0]) or "postcode"
    if name == "free":
        return FormError(name, "Choose the times they are free from the table")
    message = error.message
    for prefix in (f"{path}: ", f"{bare}: "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    too_many = re.search(r"at most (\d+) items", message)
    if too_many:  # pydantic's own words for a list that is too long
        message = f"{FORM_FIELDS[name].label}: give at most {too_many.group(1)}"
    elif message.startswith(("must ", "is ")):
        message = f"{FORM_FIELDS[name].label} {message}"
    return FormError(name, message[:1].upper() + message[1:])


def _number(text: str) -> Any:
    """A number typed on the form, or the text itself for the contract to reject by name."""
    cleaned = text.strip().removeprefix("£").strip()
    for kind in (int, float):
        try:
            return kind(cleaned)
        except ValueError:
            pass
    return text


def _windows(values: list[str]) -> list[dict[str, str]]:
    """Ticked day-and-time boxes ("mon-morning") as availability windows.

    The parts of the day are those of the search page (``TIME_WINDOWS``: when sessions start).
    A window must hold a whole session, so each runs on for ``OVERRUN`` past its part: someone
    free "in the morning" can go to a group from 10:00 to 12:30. Neighbouring parts are joined,
    so a session from 11:00 to 14:00 fits "morning and afternoon"."""
    chosen: dict[Day, set[TimeOfDay]] = {}
    for value in values:
        day, _, part = value.partition("-")
        try:
            chosen.setdefault(Day(day), set()).add(TimeOfDay(part))
        except ValueError:
            raise ValidationError("unknown time", field="availability") from None
    windows = []
    for day in Day:
        spans = sorted(TIME_WINDOWS[part] for part in chosen.get(day, ()))
        joined: list[list[dt.time]] = []
        for start, end in spans:
            if joined and joined[-1][1] == start:
                joined[-1][1] = end
            else:
                joined.append([start, end])
        windows += [
            {"day": day.value, "from": f"{start:%H:%M}", "to": f"{_overrun(end):%H:%M}"}
            for start, end in joined
        ]
    return windows


def _overrun(end: dt.time) -> dt.time:
    later = dt.datetime.combine(dt.date.min, end) + OVERRUN
    return min(later.time(), LATEST) if later.date() == dt.date.min else LATEST


def request_data(args: MultiDict[str, str]) -> dict[str, Any]:
    """The match request (DESIGN.md) the form's query string describes."""
    postcode = (args.get("postcode") or "").strip()
    if not postcode:
        raise ValidationError("Enter the person's postcode", field="location.postcode")
    interests = [part.strip() for part in (args.get("interests") or "").split(",")]
    mobility: dict[str, Any] = {}
    if args.getlist("mode"):
        mobility["modes"] = args.getlist("mode")
    if args.get("pace"):
        mobility["pace"] = args["pace"]
    if (args.get("minutes") or "").strip():
        mobility["max_travel_minutes"] = _number(args["minutes"])
    if (args.get("walk") or "").strip():
        mobility["max_walk_metres"] = _number(args["walk"])
    if args.get("door"):
        mobility["door_to_door_needed"] = args["door"] == "yes"
    if args.getlist("need"):
        mobility["needs"] = args.getlist("need")
    data: dict[str, Any] = {
        "location": {"postcode": postcode},
        "interests": list(dict.fromkeys(part for part in interests if part)),
        "categories": args.getlist("category"),
        "mobility": mobility,
        "availability": _windows(args.getlist("free")),
        "include_invitation_only": args.get("invitation") == "yes",
        "limit": PAGE_LIMIT,
    }
    if args.get("support"):
        data["complexity"] = _number(args["support"])
    if (args.get("max_cost") or "").strip():
        data["max_cost_gbp"] = _number(args["max_cost"])
    if args.get("gender"):
        data["gender"] = args["gender"]
    if (args.get("age") or "").strip():
        data["age"] = _number(args["age"])
    return data


def profile_args(args: MultiDict[str, str]) -> list[tuple[str, str]]:
    """The query string's profile fields (everything but the chosen groups), to carry over."""
    return [
        (name, value)
        for name, value in args.items(multi=True)
        if name not in ("choose", "order") and value
    ]


# ---- what the page shows ----------------------------------------------------------------------


@dataclass
class Card:
    """One ranked result as the page shows it."""

    rank: int
    option: Option
    url: str
    fit: str
    travel: str
    reasons: list[str]
    warnings: list[str]

    @property
    def group(self) -> dict[str, Any]:
        return self.option.listing

    @property
    def score_percent(self) -> int:
        return round(self.option.score * 100)


@dataclass
class MatchPage:
    args: MultiDict[str, str]
    errors: list[FormError] = field(default_factory=list)
    result: MatchResult | None = None
    cards: list[Card] = field(default_factory=list)
    centre: tuple[float, float] | None = None
    gap_noted: bool = False
    chosen: list[str] = field(default_factory=list)

    def error_for(self, name: str) -> FormError | None:
        return next((error for error in self.errors if error.field == name), None)

    def anchor(self, error: FormError) -> str:
        """Where the error summary's link goes: the field, or the first group to choose."""
        if error.field == "choose" and self.cards:
            return f"choose-{self.cards[0].option.group_id}"
        return error.anchor

    @property
    def more_open(self) -> bool:
        """Whether a folded-away field is set or wrong, so its section opens to show it."""
        if any(error.field in MORE_DEFAULTS for error in self.errors):
            return True
        return any(
            value and value != MORE_DEFAULTS[name]
            for name in MORE_DEFAULTS
            for value in self.args.getlist(name)
        )

    @property
    def searched(self) -> bool:
        return "postcode" in self.args

    @property
    def fitting(self) -> int:
        """How many groups fit in all, shown or not (what was looked at, less what was left
        out); never fewer than the cards shown."""
        if self.result is None:
            return 0
        left_out = sum(self.result.excluded.values())
        return max(self.result.considered - left_out, len(self.cards))

    @property
    def excluded_text(self) -> str:
        return excluded_text(self.result.excluded) if self.result else ""

    @property
    def map_points(self) -> list[dict[str, Any]]:
        """What the map's markers show (set as text by match.js, never as HTML)."""
        points = []
        for card in self.cards:
            venue = card.group.get("venue")
            if venue and venue.get("lat") is not None:
                points.append(
                    {
                        "rank": card.rank,
                        "name": card.group["name"],
                        "lat": venue["lat"],
                        "lon": venue["lon"],
                        "travel": card.travel,
                        "url": card.url,
                    }
                )
        return points


def fit_words(score: float) -> str:
    if score >= 0.75:
        return "Strong fit"
    if score >= 0.55:
        return "Good fit"
    return "Possible fit"


def travel_line(option: Option) -> str:
    """'About 14 minutes by bus (134)', 'Collected from home (minibus pickup), about 40
    minutes', 'About 6 minutes' walk'."""
    minutes = option.travel.minutes
    unit = f"{minutes} minute{'s' if minutes != 1 else ''}"
    mode = option.travel.mode
    if mode is Mode.BUS:
        routes = option.travel.routes
        how = f"by bus {', '.join(routes)}" if routes else "by bus"
        return f"About {unit} {how}"
    if mode is Mode.DOOR_TO_DOOR:
        notes = _door_to_door(option.listing).get("notes") or "the group's own transport"
        return f"Collected from home ({notes.strip()}), about {unit}"
    if mode is Mode.WALK:
        return f"About {unit}' walk" if minutes != 1 else "About 1 minute's walk"
    words = {
        Mode.WHEELCHAIR: "by wheelchair",
        Mode.SCOOTER: "by mobility scooter",
        Mode.CAR: "by car",
        Mode.TAXI: "by taxi",
    }
    return f"About {unit} {words.get(mode, '')}".rstrip()


def _door_to_door(listing: dict[str, Any]) -> dict[str, Any]:
    return (listing.get("transport") or {}).get("door_to_door") or {}


def _engine_travel_reason(option: Option) -> str:
    """The matcher's own travel reason, to leave out of the list under the travel line."""
    journey = Journey(
        minutes=option.travel.minutes,
        mode=option.travel.mode,
        distance_m=0.0,
        pickup_covers=False,
        stop_assumed=False,
        routes=option.travel.routes,
    )
    return travel_text(journey, _door_to_door(option.listing).get("notes") or "")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def card_of(rank: int, option: Option) -> Card:
    travel_reason = _engine_travel_reason(option)
    return Card(
        rank=rank,
        option=option,
        url=url_for("public.listing_page", group_id=option.group_id),
        fit=fit_words(option.score),
        travel=travel_line(option),
        reasons=[_sentence(r) for r in option.reasons if r != travel_reason],
        warnings=[_sentence(w) for w in option.warnings],
    )


def excluded_text(excluded: dict[str, int]) -> str:
    """'5 are too far to get to, 2 have closed and 1 does not meet their access needs'."""
    parts = []
    reasons = [*EXCLUSION_REASONS, *(why for why in excluded if why not in EXCLUSION_REASONS)]
    for why in reasons:
        n = excluded.get(why, 0)
        if n:
            fallback = why.replace("_", " ")
            one, many = EXCLUDED_WORDS.get(why, (f"1 ({fallback})", f"{{n}} ({fallback})"))
            parts.append(one if n == 1 else many.format(n=n))
    if len(parts) > 1:
        return f"{', '.join(parts[:-1])} and {parts[-1]}"
    return parts[0] if parts else ""


def common_interests(limit: int = SUGGESTIONS) -> list[str]:
    """The interests most groups in the directory offer, most common first."""
    count = func.count(GroupInterest.group_id)
    rows = read_session().execute(
        select(GroupInterest.interest)
        .join(Group, Group.id == GroupInterest.group_id)
        .where(Group.status != Status.CLOSED)
        .group_by(GroupInterest.interest)
        .order_by(count.desc(), GroupInterest.interest)
        .limit(limit)
    )
    return [interest for (interest,) in rows]


# ---- not counting the same unmet need twice -------------------------------------------------


def _fingerprint(match_request: MatchRequest) -> str:
    return hashlib.sha256(match_request.model_dump_json().encode()).hexdigest()[:16]


def _recorded_today() -> list[str]:
    store = session.get("match_recorded")
    if isinstance(store, dict) and store.get("day") == today().isoformat():
        keys = store.get("keys")
        return list(keys) if isinstance(keys, list) else []
    return []


def _remember(key: str) -> None:
    keys = [*_recorded_today(), key][-REMEMBERED:]
    session["match_recorded"] = {"day": today().isoformat(), "keys": keys}


# ---- the pages ------------------------------------------------------------------------------


def _search(page: MatchPage, *, record: bool, limit: int = PAGE_LIMIT) -> None:
    """Run the match the page's query string describes; a bad field becomes a form error."""
    for name, value in page.args.items(multi=True):
        if "\x00" in value:
            field_name = name if name in FORM_FIELDS else "postcode"
            page.errors.append(
                FormError(field_name, "Remove the unusual characters from this answer")
            )
            return
    try:
        data = request_data(page.args)
        data["limit"] = limit
        match_request = parse_match_request(data)
    except ValidationError as error:
        page.errors.append(form_error(error))
        return
    key = _fingerprint(match_request)
    seen = key in _recorded_today()
    try:
        where = locate(match_request)
        result = run_match(
            match_request, record_unmet=record and not seen, count_activity=record, where=where
        )
    except ValidationError as error:
        if error.field == "location.postcode":
            postcode = match_request.location.postcode
            message = f"We could not find the postcode {postcode}. Check it and try again."
            page.errors.append(FormError("postcode", message))
        else:
            page.errors.append(form_error(error))
        return
    if result.unmet_need_recorded:
        _remember(key)
    page.result = result
    page.centre = (where.lat, where.lon)
    page.cards = [card_of(rank, option) for rank, option in enumerate(result.options, 1)]
    page.gap_noted = len(result.options) < FEW_RESULTS and (result.unmet_need_recorded or seen)


def _render_form(page: MatchPage) -> ResponseReturnValue:
    centre = page.centre or app_config().map_centre
    return render_template(
        "match/form.html",
        page=page,
        map=build_map(app_config(), centre, 13) if page.cards else None,
        plan_args=profile_args(page.args),
        suggestions=common_interests(),
        categories=[(c.value, CATEGORY_NAMES[c.value]) for c in Category],
        modes=[(m.value, MODE_LABELS[m]) for m in PERSON_MODES],
        paces=[(p.value, label) for p, label in PACE_LABELS.items()],
        walk_choices=WALK_CHOICES,
        access_flags=ACCESSIBILITY_FLAGS,
        days=[(d.value, DAY_NAMES[d.value]) for d in Day],
        times=[(t.value, label) for t, label in TIME_LABELS.items()],
        support_labels=SUPPORT_LABELS,
        gender_labels=GENDER_LABELS,
        max_chosen=MAX_CHOSEN,
        few_results=FEW_RESULTS,
        today=today(),
    ), (400 if page.errors else 200)


@match_pages.get("/match")
def match_form() -> ResponseReturnValue:
    page = MatchPage(args=request.args, chosen=request.args.getlist("choose"))
    if page.searched:
        _search(page, record=True)
    return _render_form(page)


def _chosen_ids(page: MatchPage) -> list[int]:
    """The chosen groups' ids in the order chosen; a form error if there are none, too many,
    or something that is not an id."""
    ids = []
    for value in page.chosen:
        if not value.strip().isdigit():
            page.errors.append(FormError("choose", "Choose the groups from the list of results"))
            return []
        ids.append(int(value))
    ids = list(dict.fromkeys(ids))
    # With JavaScript, "order" says in which order the boxes were ticked.
    order = [part.strip() for part in (page.args.get("order") or "").split(",")]
    ranks = {int(part): i for i, part in enumerate(order) if part.isdigit()}
    ids.sort(key=lambda id_: ranks.get(id_, len(ranks)))
    if not ids:
        page.errors.append(FormError("choose", "Choose at least one group for the plan"))
    elif len(ids) > MAX_CHOSEN:
        page.errors.append(
            FormError(
                "choose",
                f"Choose up to {MAX_CHOSEN} groups for the plan (you chose {len(ids)}), "
                "so it fits on one page",
            )
        )
    return ids


@dataclass
class PlanItem:
    number: int
    option: Option
    travel: list[str]
    checks: list[str]
    url: str
    qr_svg: Markup

    @property
    def group(self) -> dict[str, Any]:
        return self.option.listing

    @property
    def contact(self) -> str:
        """Who to ask for, before the phone number or email the template adds."""
        contact = self.group.get("contact") or {}
        name = (contact.get("name") or "").strip()
        if name:
            return f"{name}," if contact.get("phone") or contact.get("email") else name
        if contact.get("phone"):
            return "Ring"
        if contact.get("email"):
            return "Email"
        return self.group.get("organisation") or "Ask your link worker how to contact them"


@match_pages.get("/match/plan")
def plan() -> ResponseReturnValue:
    page = MatchPage(args=request.args, chosen=request.args.getlist("choose"))
    ids = _chosen_ids(page)
    if page.errors:
        # Back to the results, as they were, with the error: nothing is recorded.
        _search(page, record=False)
        return _render_form(page)
    _search(page, record=False, limit=PLAN_LIMIT)
    if page.errors or page.result is None:
        return _render_form(page)
    found = {option.group_id: option for option in page.result.options}
    items: list[PlanItem] = []
    for id_ in ids:
        if id_ in found:
            items.append(plan_item(len(items) + 1, found[id_]))
    missing = _names([id_ for id_ in ids if id_ not in found])
    session = db_session()
    record_activity(session, [item.option.group_id for item in items], today(), planned=True)
    session.commit()
    return render_template(
        "match/plan.html",
        items=items,
        missing=missing,
        back_url=url_for("match_pages.match_form")
        + _query(profile_args(page.args), ids)
        + "#results",
        today=today(),
    )


def _names(ids: list[int]) -> list[str]:
    """The names of chosen groups that are not in the results, for the plan to say so."""
    if not ids:
        return []
    rows = read_session().execute(select(Group.id, Group.name).where(Group.id.in_(ids)))
    names = {id_: name for id_, name in rows}
    return [names.get(id_, f"Group number {id_} (no longer listed)") for id_ in ids]


def _query(args: list[tuple[str, str]], chosen: list[int]) -> str:
    return "?" + urlencode([*args, *(("choose", str(id_)) for id_ in chosen)])


def plan_item(number: int, option: Option) -> PlanItem:
    url = url_for("public.listing_page", group_id=option.group_id, _external=True)
    return PlanItem(
        number=number,
        option=option,
        travel=travel_sentences(option),
        checks=person_warnings(option.warnings),
        url=url,
        qr_svg=qr_svg(url, option.listing["name"]),
    )


def travel_sentences(option: Option) -> list[str]:
    """How to get there, for the person: the journey, and where to get off the bus."""
    said = [f"{travel_line(option)}."]
    if option.travel.mode is Mode.BUS:
        stops = (option.listing.get("transport") or {}).get("bus_stops") or []
        known = [s for s in stops if isinstance(s.get("distance_m"), int | float)]
        stop = min(known, key=lambda s: s["distance_m"]) if known else (stops or [None])[0]
        if stop and stop.get("name"):
            away = distance_text(stop.get("distance_m"))
            said.append(
                f"Get off at {stop['name']}" + (f" ({away} from the door)." if away else ".")
            )
    return said


def qr_svg(url: str, name: str) -> Markup:
    """A QR code of ``url`` as inline SVG, named for screen readers (the name is escaped)."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=1, omitsize=True, svgclass="am-qr__code", lineclass=None)
    label = Markup.escape(f"QR code: scan it with a phone camera to open the page for {name}")
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))


#: The matcher's warnings are written for link workers; on the person's plan a few read better
#: put another way. Anything not listed here is shown as it is.
_PERSON_WORDING: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"^not verified for (\d+) months: ring first$"),
        r"Ring before you go: last checked \1 months ago",
    ),
    (
        re.compile(
            r"^not verified for (\d+) months: it may have stopped; ring before suggesting it$"
        ),
        r"Ring before you go: last checked \1 months ago, it may have stopped",
    ),
    (re.compile(r"^never verified: ring first$"), "Ring before you go: not checked yet"),
    (
        re.compile(r"^our email to the group bounced on (.+): ring first$"),
        r"Ring before you go: the group's details may have changed",
    ),
    (
        re.compile(r"^a problem was reported on (.+): ring first$"),
        r"Ring before you go: something may have changed (\1)",
    ),
    (re.compile(r"^waiting list of (\d+)$"), r"There is a waiting list (\1 people)"),
]
_NOT_KNOWN = re.compile(r"^(.+): not known$")


def person_warnings(warnings: Sequence[str]) -> list[str]:
    """What to check, for the person: the things nobody knows yet asked about in one line
    ("Ask about step-free access, hearing loop and quiet space"), the rest reworded."""
    unknown = [m.group(1) for w in warnings if (m := _NOT_KNOWN.match(w))]
    said = [person_warning(w) for w in warnings if not _NOT_KNOWN.match(w)]
    if unknown:
        things = unknown[0] if len(unknown) == 1 else f"{', '.join(unknown[:-1])} and {unknown[-1]}"
        said.insert(0, f"Ask about {things}")
    return said


def person_warning(warning: str) -> str:
    for pattern, wording in _PERSON_WORDING:
        if pattern.match(warning):
            return _sentence(pattern.sub(wording, warning))
    return _sentence(warning)
