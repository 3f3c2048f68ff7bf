"""Gap pages for community builders: where provision is missing (``/gaps``, with a map, the
worst areas in words, a what-if and the figures to take away) and what link workers' searches
could not find (``/gaps/unmet``)."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue

from assetmap.errors import ValidationError
from assetmap.gaps.analysis import GapResult
from assetmap.gaps.export import answer_geojson, result_csv
from assetmap.gaps.profile import READY_MADE
from assetmap.gaps.requests import (
    PARAMETERS,
    GapQuestion,
    parse_gap_question,
    question_args,
    when_of,
)
from assetmap.gaps.service import Exploration, answer, explore
from assetmap.gaps.unmet import SUPPRESS_BELOW, unmet_summary
from assetmap.geo.geocoders import locate_postcode
from assetmap.models import ACCESSIBILITY_FLAGS, Category, Role
from assetmap.web.auth import roles_required
from assetmap.web.context import app_config, gap_answers, geocoder, read_session, today, travel
from assetmap.web.converters import parse_whole
from assetmap.web.gaps.words import (
    GAP_CLASSES,
    NO_FIGURES,
    SUPPORT_CHOICES,
    TARGET_CHOICES,
    TARGET_WORDS,
    WHEN_CHOICES,
    area_reason,
    gap_class,
    journey_words,
)
from assetmap.web.maps import build_map
from assetmap.web.wording import ACCESS_NAMES, CATEGORY_NAMES, DAY_NAMES, MODE_NAMES

gaps = Blueprint("gaps", __name__)
community_builders = roles_required(Role.COMMUNITY_BUILDER, Role.ADMIN)

#: The periods a community builder can look back over, in days, with their words.
PERIODS = {30: "the last 30 days", 90: "the last 3 months", 365: "the last 12 months"}
DEFAULT_PERIOD = 90
#: Areas listed in words under the map.
WORST = 10
#: Places a new group is assumed to offer in a what-if, unless another number is given.
DEFAULT_PLACES = 12


@dataclass
class GapForm:
    """The question as the form shows it, and each field's error."""

    args: dict[str, list[str]]
    errors: dict[str, str] = field(default_factory=dict)

    def error_for(self, name: str) -> str | None:
        return self.errors.get(name)


@gaps.get("/gaps")
@community_builders
def explore_page() -> ResponseReturnValue:
    form = GapForm(
        {name: request.args.getlist(name) for name in PARAMETERS if name in request.args}
    )
    try:
        question = parse_gap_question(form.args)
    except ValidationError as error:
        form.errors[error.field or "question"] = error.message
        return _render(form, parse_gap_question({}), None), 400
    new_group = _new_group(form)
    found = explore(read_session(), question, travel(), today(), gap_answers(), new_group=new_group)
    return _render(form, question, found), (400 if form.errors else 200)


@gaps.get("/gaps/areas.csv")
@community_builders
def areas_csv() -> ResponseReturnValue:
    question, result = _answered()
    return Response(
        result_csv(result),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="gaps-{question.question}.csv"'},
    )


@gaps.get("/gaps/areas.geojson")
@community_builders
def areas_geojson() -> ResponseReturnValue:
    question, result = _answered()
    return Response(
        json.dumps(answer_geojson(read_session(), question, result), ensure_ascii=False),
        mimetype="application/geo+json",
        headers={"Content-Disposition": f'attachment; filename="gaps-{question.question}.geojson"'},
    )


def _answered() -> tuple[GapQuestion, GapResult]:
    """The question of a download link and its answer; a bad link is a 400 in plain words."""
    try:
        question = parse_gap_question(question_args(request.args))
    except ValidationError as error:
        abort(Response(f"{error.message}\n", status=400, mimetype="text/plain"))
    return question, answer(read_session(), question, travel(), today(), gap_answers())


def _new_group(form: GapForm) -> tuple[float, float, float] | None:
    """The what-if point (from the map's click, or a postcode) and its places, if asked."""
    args = request.args
    if not any(args.get(name, "").strip() for name in ("at_lat", "at_lon", "at_postcode")):
        return None
    places_text = args.get("places", "").strip() or str(DEFAULT_PLACES)
    if parse_whole(places_text, high=500) is None:
        form.errors["places"] = "Places must be a whole number from 1 to 500"
        return None
    if args.get("at_postcode", "").strip():
        try:
            point = locate_postcode(args["at_postcode"], geocoder())
        except ValidationError as error:
            form.errors["at_postcode"] = error.message
            return None
        return point.lat, point.lon, float(places_text)
    try:
        lat, lon = float(args.get("at_lat", "")), float(args.get("at_lon", ""))
    except ValueError:
        lat = lon = math.nan
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        form.errors["at_postcode"] = "Choose a point on the map, or give a postcode"
        return None
    return lat, lon, float(places_text)


def _render(form: GapForm, question: GapQuestion, found: Exploration | None) -> str:
    profile = question.profile
    result = found.result if found else None
    areas = []
    if found is not None and result is not None:
        for feature in found.areas["features"]:
            colour, words = gap_class(feature["properties"]["gap_score"])
            feature["properties"]["colour"], feature["properties"]["class"] = colour, words
        areas = result.areas[:WORST]
    query = urlencode([(name, value) for name in PARAMETERS for value in form.args.get(name, [])])
    return render_template(
        "gaps/explore.html",
        form=form,
        question=question,
        profile=profile,
        when=when_of(profile),
        found=found,
        result=result,
        worst=[(area, area_reason(area, profile, result.target)) for area in areas]
        if result
        else [],
        map=build_map(app_config(), app_config().map_centre, 12) if found else None,
        query=query,
        questions=[(key, ready.name) for key, ready in READY_MADE.items()],
        targets=[(t.value, words) for t, words in TARGET_CHOICES.items()],
        whens=list(WHEN_CHOICES.items()),
        modes=[(m.value, words) for m, words in MODE_NAMES.items()],
        needs=[(flag, ACCESS_NAMES[flag]) for flag in ACCESSIBILITY_FLAGS],
        categories=[("", "Any kind")] + [(c.value, CATEGORY_NAMES[c.value]) for c in Category],
        supports=list(SUPPORT_CHOICES.items()),
        journey=journey_words(profile),
        target_words=TARGET_WORDS[profile.target],
        classes=[(colour, words) for _, colour, words in GAP_CLASSES] + [NO_FIGURES],
        attribution=found.attribution if found else (),
        default_places=DEFAULT_PLACES,
    )


@gaps.get("/gaps/unmet")
@community_builders
def unmet() -> ResponseReturnValue:
    chosen = request.args.get("days", str(DEFAULT_PERIOD))
    days = parse_whole(chosen)
    days = days if days in PERIODS else None
    error = None if days is not None else "Choose a period from the list"
    until = today()
    since = until - dt.timedelta(days=(days or DEFAULT_PERIOD) - 1)
    return render_template(
        "gaps/unmet.html",
        summary=unmet_summary(read_session(), since, until),
        periods=PERIODS,
        days=days or DEFAULT_PERIOD,
        error=error,
        suppress_below=SUPPRESS_BELOW,
        access_names=ACCESS_NAMES,
        category_names=CATEGORY_NAMES,
        day_names=DAY_NAMES,
    ), (400 if error else 200)
