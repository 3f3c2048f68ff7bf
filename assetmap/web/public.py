"""Pages for link workers: search on a map, a listing's page, and report-a-problem."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from assetmap.directory.queries import TimeOfDay
from assetmap.directory.reports import report_problem, sender_hash
from assetmap.directory.suggestions import did_you_mean
from assetmap.errors import AssetmapError, NotFound, ValidationError
from assetmap.geo.geocoders import PLACE_ACCEPTED
from assetmap.geo.postcodes import is_postcode, normalise_postcode
from assetmap.interop.merge import merged_into
from assetmap.models import ACCESSIBILITY_FLAGS, Category, Day, Group, Status
from assetmap.referrals.listings import listing_feature, search_listings
from assetmap.referrals.stats import group_stats
from assetmap.verification.policy import Freshness
from assetmap.web.cancellations import cancelled_lines
from assetmap.web.context import (
    app_config,
    backend,
    db_session,
    freshness_policy,
    geocoder,
    lag_tolerant_session,
    now,
    today,
)
from assetmap.web.converters import OFFSET_MAX, lenient_whole
from assetmap.web.maps import build_map
from assetmap.web.params import parse_group_query
from assetmap.web.popup_words import next_meeting, popup_lines
from assetmap.web.referral_places import paused_text, places_text
from assetmap.web.staff.notes import listing_notes
from assetmap.web.wording import (
    ACCESS_NAMES,
    CATEGORY_NAMES,
    DAY_NAMES,
    PROBLEM_NAMES,
    STATUS_NAMES,
    day_text,
    spare_places_text,
)

public = Blueprint("public", __name__)

PAGE_SIZE = 50
# Statuses a link worker can add to the open groups shown by default.
INCLUDABLE = (Status.INVITATION_ONLY, Status.WAITING_LIST)
#: The statuses a search counts when it leaves them out, in the order the page names them.
HIDDEN = (Status.WAITING_LIST, Status.INVITATION_ONLY)
#: The smallest wider circle offered when nothing was found.
WIDER_KM = 10.0


@dataclass
class Chip:
    label: str
    remove_url: str


@dataclass
class SearchPage:
    """What the search template shows: the form as filled in, results, and any error."""

    args: MultiDict[str, str]
    results: list[dict[str, Any]] = field(default_factory=list)
    #: The results as the list shows them (``result_rows``).
    rows: list[ResultRow] = field(default_factory=list)
    matched: int = 0
    error: AssetmapError | None = None
    chips: list[Chip] = field(default_factory=list)
    api_filters: str = ""
    centre: tuple[float, float] | None = None
    more_url: str | None = None
    #: How many groups the default statuses left out, by status, and a link that shows them.
    hidden: dict[str, int] = field(default_factory=dict)
    show_hidden_url: str | None = None
    #: The place searched for, as typed: its map marker says "You searched: …".
    place: str = ""
    #: When nothing matched: ways to widen the search.
    widen: list[Chip] = field(default_factory=list)
    #: "Did you mean …": a listed interest near the words typed, and the search for it.
    suggestion: Chip | None = None

    @property
    def filters_in_use(self) -> bool:
        """Whether any of the folded-away filters is set, so they open to show it."""
        return any(name not in ("place", "q", "sort", "offset", "radius_km") for name in self.args)


def _api_args(args: MultiDict[str, str]) -> MultiDict[str, str]:
    """Translate the page's form fields into the API's search parameters."""
    api: MultiDict[str, str] = MultiDict()
    if args.get("sort") in ("distance", "relevance"):
        api.add("sort", args["sort"])
    for name in ("q", "category", "day", "time", "freshness"):
        for value in args.getlist(name):
            if value:
                api.add(name, value)
    for name in (*ACCESSIBILITY_FLAGS, "free", "on_this_week"):
        if args.get(name) == "true":
            api.add(name, "true")
    statuses = [Status.OPEN.value] + [s for s in args.getlist("include") if s in INCLUDABLE]
    api.add("status", ",".join(statuses))
    return api


def _locate(place: str) -> MultiDict[str, str]:
    """The place box as API parameters: a postcode, or a place name through the geocoders."""
    if is_postcode(place):
        return MultiDict({"postcode": place})
    found = geocoder(lag_tolerant_session()).geocode(place)
    if found is None:
        raise ValidationError(f"We could not find {place!r}. Give {PLACE_ACCEPTED}.", field="place")
    return MultiDict({"near": f"{found.lat},{found.lon}"})


def _chips(args: MultiDict[str, str]) -> list[Chip]:
    """One removable chip per chosen filter: a link to the same search without it."""
    labels: dict[str, Any] = {
        "category": lambda v: CATEGORY_NAMES.get(v, v),
        "day": lambda v: DAY_NAMES.get(v, v),
        "time": str.capitalize,
        "include": lambda v: f"Include {STATUS_NAMES.get(v, str(v)).lower()}",
        "freshness": lambda v: f"{v.capitalize()} listings",
        "free": lambda v: "Free only",
        "on_this_week": lambda v: "On this week",
        **{flag: (lambda v, f=flag: ACCESS_NAMES[f]) for flag in ACCESSIBILITY_FLAGS},
        "q": lambda v: f"“{v}”",
    }
    chips = []
    for name, value in args.items(multi=True):
        if name not in labels or not value:
            continue
        rest = [(k, v) for k, v in args.items(multi=True) if (k, v) != (name, value)]
        chips.append(Chip(labels[name](value), url_for("public.search") + "?" + urlencode(rest)))
    return chips


def _say_what_is_hidden(page: SearchPage, hidden: dict[Status, int]) -> None:
    """Note the groups the default statuses left out, with a link that includes them."""
    page.hidden = {status.value: count for status, count in hidden.items()}
    if page.hidden:
        rest = [(k, v) for k, v in page.args.items(multi=True) if k != "offset"]
        shown = [*rest, *(("include", status) for status in page.hidden)]
        page.show_hidden_url = url_for("public.search") + "?" + urlencode(shown)


def _widen(args: MultiDict[str, str], radius_m: float | None) -> list[Chip]:
    """Ways to find something when nothing matched: a wider circle, then each filter dropped."""
    ways: list[Chip] = []
    if radius_m is not None:
        wider = min(max(radius_m / 1000 * 2, WIDER_KM), app_config().max_radius_km)
        if wider * 1000 > radius_m:
            rest = [(k, v) for k, v in args.items(multi=True) if k not in ("radius_km", "offset")]
            label = f"Search within {wider:g} km"
            query = urlencode([*rest, ("radius_km", f"{wider:g}")])
            ways.append(Chip(label, url_for("public.search") + "?" + query))
    for chip in _chips(args):
        ways.append(Chip(f"Search without “{chip.label.strip('“”')}”", chip.remove_url))
    return ways


def _suggest(args: MultiDict[str, str], text: str | None) -> Chip | None:
    """The same search for the listed interest nearest to the words typed, if one is close."""
    word = did_you_mean(lag_tolerant_session(), text) if text else None
    if word is None:
        return None
    rest = [(k, v) for k, v in args.items(multi=True) if k not in ("q", "offset")]
    return Chip(word, url_for("public.search") + "?" + urlencode([*rest, ("q", word)]))


@dataclass(frozen=True)
class ResultRow:
    """One listed group with the words the list and its map popup both say, worded once."""

    group: dict[str, Any]
    url: str
    when: str | None
    cancelled: list[str]


#: An id no listing has, to find where the id goes in a listing's URL.
_SAMPLE_ID = 987654321


def _listing_link() -> Callable[[int], str]:
    """Listing URLs differ only in the id: ``url_for`` once a page, not once a row."""
    head, _, tail = url_for("public.listing_page", group_id=_SAMPLE_ID).rpartition(str(_SAMPLE_ID))
    return lambda group_id: f"{head}{group_id}{tail}"


def result_rows(results: list[dict[str, Any]], moment: dt.datetime) -> list[ResultRow]:
    link = _listing_link()
    return [
        ResultRow(
            group, link(group["id"]), next_meeting(group, moment), cancelled_lines(group, moment)
        )
        for group in results
    ]


def map_points(
    rows: list[ResultRow],
    centre: tuple[float, float] | None,
    place: str,
    moment: dt.datetime,
) -> dict[str, Any]:
    """What the search map draws: the listed groups, with their popups' words already
    written, and the searched place ("You searched: NW5 2AB")."""
    groups = []
    for row in rows:
        group = row.group
        venue = group.get("venue")
        if not venue or venue.get("lat") is None:
            continue
        checked = group.get("last_verified_at")
        groups.append(
            {
                "id": group["id"],
                "name": group["name"],
                "lat": venue["lat"],
                "lon": venue["lon"],
                "status": group["status"],
                "lines": _popup_lines(group, moment, row.when, row.cancelled),
                "checked": (
                    f"Last checked {day_text(dt.date.fromisoformat(checked))}"
                    if checked
                    else "Never checked"
                ),
                "stale": group.get("freshness") == "stale",
                "very_stale": bool(group.get("very_stale")),
                "url": row.url,
            }
        )
    searched = None
    if centre is not None:
        searched = {"lat": centre[0], "lon": centre[1], "label": f"You searched: {place}"}
    return {"groups": groups, "place": searched}


def _popup_lines(
    group: dict[str, Any],
    moment: dt.datetime,
    when: str | Literal[False] | None = False,
    cancelled: list[str] | None = None,
) -> list[str]:
    """The popup's lines, with places held and paused referrals said as the list says them."""
    capacity = group.get("capacity") or {}
    plain, held = spare_places_text(capacity), places_text(capacity)
    lines = [
        held if held and line == plain else line
        for line in popup_lines(group, moment, when, cancelled)
    ]
    paused = paused_text(group.get("referral"))
    return [*lines, paused] if paused else lines


@public.get("/")
def search() -> ResponseReturnValue:
    args = request.args
    page = SearchPage(args=args, chips=_chips(args))
    api = _api_args(args)
    page.api_filters = urlencode([(k, v) for k, v in api.items(multi=True) if k != "sort"])
    place = (args.get("place") or "").strip()
    offset = lenient_whole(args.get("offset"), 0, low=0, high=OFFSET_MAX)
    try:
        if place:
            api.update(_locate(place))
            if args.get("radius_km"):
                api["radius_km"] = args["radius_km"]
        api["limit"], api["offset"] = str(PAGE_SIZE), str(offset)
        query = parse_group_query(api, app_config(), geocoder(lag_tolerant_session()))
        result = search_listings(
            lag_tolerant_session(),
            query,
            backend(),
            freshness_policy(),
            now(),
            count_hidden=HIDDEN,
        )
        page.results = [json.loads(text)["properties"] for text in result.features]
        page.matched = result.number_matched
        if query.near is not None:
            page.centre = (query.near.lat, query.near.lon)
            page.place = normalise_postcode(place) if is_postcode(place) else place
        _say_what_is_hidden(page, result.hidden)
        if not page.matched:
            page.widen = _widen(args, query.radius_m)
            page.suggestion = _suggest(args, query.q)
        if offset + len(page.results) < page.matched:
            more = [(k, v) for k, v in args.items(multi=True) if k != "offset"]
            page.more_url = "?" + urlencode([*more, ("offset", offset + PAGE_SIZE)])
    except ValidationError as error:
        if error.field == "postcode":
            error.field = "place"
        page.error = error
    status = 400 if page.error else 200
    moment = now()
    page.rows = result_rows(page.results, moment)
    return render_template(
        "public/search.html",
        page=page,
        map=build_map(
            app_config(), page.centre or app_config().map_centre, 14 if page.centre else 13
        ),
        map_points=map_points(page.rows, page.centre, page.place, moment),
        categories=list(Category),
        days=list(Day),
        times=list(TimeOfDay),
        includable=INCLUDABLE,
        freshness_states=list(Freshness),
        access_flags=ACCESSIBILITY_FLAGS,
        today=today(),
    ), status


def _listing(group_id: int) -> dict[str, Any]:
    try:
        text = listing_feature(lag_tolerant_session(), group_id, freshness_policy(), now())
    except NotFound:
        # A listing merged into another: its links (printed plans, bookmarks) go on working.
        if (kept := merged_into(lag_tolerant_session(), group_id)) is not None:
            abort(redirect(url_for(request.endpoint or "public.listing_page", group_id=kept), 301))
        abort(404)
    listing: dict[str, Any] = json.loads(text)["properties"]
    return listing


@public.get("/groups/<id:group_id>")
def listing_page(group_id: int) -> ResponseReturnValue:
    listing = _listing(group_id)
    venue = listing["venue"]
    small_map = (
        build_map(app_config(), (venue["lat"], venue["lon"]), 16, marker=True) if venue else None
    )
    flags = (
        lag_tolerant_session()
        .execute(select(Group.reported_on, Group.bounced_on).where(Group.id == group_id))
        .one()
    )
    return render_template(
        "public/listing.html",
        listing=listing,
        reported_on=flags.reported_on,
        bounced_on=flags.bounced_on,
        map=small_map,
        today=today(),
        reported=request.args.get("reported") == "1",
        staff_notes=listing_notes(group_id),
        referral_stats=group_stats(lag_tolerant_session(), [group_id], now()).get(group_id),
    )


@public.route("/groups/<id:group_id>/report", methods=["GET", "POST"])
def report(group_id: int) -> ResponseReturnValue:
    listing = _listing(group_id)
    error = None
    if request.method == "POST":
        session = db_session()
        try:
            report_problem(
                session,
                group_id,
                kind=request.form.get("kind", ""),
                details=request.form.get("details", ""),
                sender=sender_hash(request.remote_addr or "", current_app.config["SECRET_KEY"]),
                now=dt.datetime.now(dt.UTC),
            )
            session.commit()
            return redirect(url_for("public.listing_page", group_id=group_id, reported=1))
        except AssetmapError as problem:
            session.rollback()
            error = problem
    return render_template(
        "public/report.html",
        listing=listing,
        error=error,
        labels=PROBLEM_NAMES,
        form=request.form,
    ), (error.http_status if error else 200)
