"""The match form's query string as the match request the API takes, and errors back on the form.

The form submits with GET, so results can be linked to and Back works. Its answers are turned
into the API's request and checked by the same contract; a contract error ("mobility.
max_travel_minutes: must be ...") is shown against the question it came from ("Longest journey
must be ...").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from assetmap.directory.queries import TIME_WINDOWS, TimeOfDay
from assetmap.errors import ValidationError
from assetmap.geo.geocoders import PLACE_ACCEPTED
from assetmap.geo.journeys import Mode, Pace
from assetmap.geo.postcodes import is_postcode
from assetmap.matching.requests import DEFAULT_LIMIT, MAX_LIMIT, MatchRequest, parse_match_request
from assetmap.models import ACCESSIBILITY_FLAGS, Category, Day
from assetmap.web.converters import parse_whole

#: Most groups on one plan: it has to fit on one printed page.
MAX_CHOSEN = 5
#: How long past the end of a part of the day a session may run and still fit it.
OVERRUN = dt.timedelta(hours=1)
LATEST = dt.time(23, 59)
#: "Show more" adds this many results at a time, up to the request's most (``MAX_LIMIT``).
SHOW_STEP = DEFAULT_LIMIT


@dataclass(frozen=True)
class Question:
    """One question on the form, as an error names it."""

    label: str
    #: The element the error summary links to: the input, or a group's first input.
    anchor: str


QUESTIONS = {
    "postcode": Question("Postcode", "postcode"),
    "interests": Question("Interests", "interests"),
    "category": Question("Kind of group", f"category-{Category.CREATIVE.value}"),
    "mode": Question("How they travel", f"mode-{Mode.WALK.value}"),
    "pace": Question("Walking pace", f"pace-{Pace.TYPICAL.value}"),
    "minutes": Question("Longest journey", "minutes"),
    "outing": Question("Longest time away from home", "outing"),
    "walk": Question("How far they can walk", "walk"),
    "door": Question("Door-to-door transport", "door-yes"),
    "need": Question("Access needs", f"need-{ACCESSIBILITY_FLAGS[0]}"),
    "free": Question("When they are free", f"free-{Day.MON.value}-morning"),
    "support": Question("Support", "support-1"),
    "max_cost": Question("Most they can pay", "max_cost"),
    "gender": Question("Men's or women's groups", "gender-any"),
    "age": Question("Age", "age"),
    "invitation": Question("Invitation-only groups", "invitation-yes"),
    "choose": Question("Groups for the plan", "results"),
}
#: Where each part of the match request comes from on the form (paths without list indices).
REQUEST_FIELDS = {
    "location": "postcode",
    "location.postcode": "postcode",
    "location.place": "postcode",
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
    "max_outing_minutes": "outing",
}


@dataclass(frozen=True)
class FormError:
    field: str
    message: str

    @property
    def anchor(self) -> str:
        return QUESTIONS[self.field].anchor


class FormInvalid(Exception):
    """The query string does not make a match request: ``error`` says where and why."""

    def __init__(self, error: FormError) -> None:
        super().__init__(error.message)
        self.error = error


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
        message = f"{QUESTIONS[name].label}: give at most {too_many.group(1)}"
    elif message.startswith(("must ", "is ")):
        message = f"{QUESTIONS[name].label} {message}"
    return FormError(name, message[:1].upper() + message[1:])


def located_error(error: ValidationError, request: MatchRequest) -> FormError:
    """An error from matching a valid request: the postcode nobody knows, in the form's
    words, or any other on its field."""
    if error.field == "location.postcode":
        postcode = request.location.postcode
        return FormError(
            "postcode", f"We could not find the postcode {postcode}. Check it and try again."
        )
    if error.field == "location.place":
        return FormError(
            "postcode", f"We could not find “{request.location.place}”. Give {PLACE_ACCEPTED}."
        )
    return form_error(error)


def shown_limit(args: MultiDict[str, str]) -> int:
    """How many results the page shows: ``show`` from the "Show more" link, in steps of
    ``SHOW_STEP`` up to ``MAX_LIMIT``; anything else (typed into the address) is the first
    step, as a link that no longer works should still show results."""
    shown = parse_whole(args.get("show"), low=0)
    if shown is None:
        return SHOW_STEP
    steps = -(-shown // SHOW_STEP)  # rounded up
    return min(max(steps, 1) * SHOW_STEP, MAX_LIMIT)


def search_request(args: MultiDict[str, str], limit: int) -> MatchRequest:
    """The match request for ``limit`` results the query string describes; FormInvalid if
    an answer is not one."""
    for name, value in args.items(multi=True):
        if "\x00" in value:
            field_name = name if name in QUESTIONS else "postcode"
            raise FormInvalid(
                FormError(field_name, "Remove the unusual characters from this answer")
            )
    try:
        data = request_data(args)
        data["limit"] = limit
        return parse_match_request(data)
    except ValidationError as error:
        raise FormInvalid(form_error(error)) from None


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
    """The match request (as the API takes it) the form's query string describes."""
    where = (args.get("postcode") or "").strip()
    if not where:
        raise ValidationError("Enter the person's postcode", field="location.postcode")
    interests = [part.strip() for part in (args.get("interests") or "").split(",")]
    data: dict[str, Any] = {
        "location": {"postcode": where} if is_postcode(where) else {"place": where},
        "interests": list(dict.fromkeys(part for part in interests if part)),
        "categories": args.getlist("category"),
        "mobility": _mobility_data(args),
        "availability": _windows(args.getlist("free")),
        "include_invitation_only": args.get("invitation") == "yes",
    }
    if args.get("support"):
        data["complexity"] = _number(args["support"])
    if (args.get("max_cost") or "").strip():
        data["max_cost_gbp"] = _number(args["max_cost"])
    if args.get("gender"):
        data["gender"] = args["gender"]
    if (args.get("age") or "").strip():
        data["age"] = _number(args["age"])
    if (args.get("outing") or "").strip():
        data["max_outing_minutes"] = _number(args["outing"])
    return data


def _mobility_data(args: MultiDict[str, str]) -> dict[str, Any]:
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
    return mobility


def profile_args(args: MultiDict[str, str]) -> list[tuple[str, str]]:
    """The query string's profile fields (everything but the chosen groups), to carry over."""
    return [
        (name, value)
        for name, value in args.items(multi=True)
        if name not in ("choose", "order") and value
    ]


def chosen_ids(chosen: list[str], order: str | None) -> tuple[list[int], FormError | None]:
    """The chosen groups' ids in the order chosen, and a form error if there are none, too
    many, or something that is not an id. With JavaScript, ``order`` says in which order the
    boxes were ticked."""
    ids = []
    for value in chosen:
        id_ = parse_whole(value)
        if id_ is None:
            return [], FormError("choose", "Choose the groups from the list of results")
        ids.append(id_)
    ids = list(dict.fromkeys(ids))
    ticked = [parse_whole(part) for part in (order or "").split(",")]
    ranks = {part: i for i, part in enumerate(ticked) if part is not None}
    ids.sort(key=lambda id_: ranks.get(id_, len(ranks)))
    if not ids:
        return ids, FormError("choose", "Choose at least one group for the plan")
    if len(ids) > MAX_CHOSEN:
        return ids, FormError(
            "choose",
            f"Choose up to {MAX_CHOSEN} groups for the plan (you chose {len(ids)}), "
            "so the plan stays short",
        )
    return ids, None
