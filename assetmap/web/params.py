"""Query-string parameters of a directory search, checked and turned into a GroupQuery.

Shared by the JSON API and, later, the search page: a bad value names its parameter.
"""

from __future__ import annotations

import enum
from typing import TypeVar

from werkzeug.datastructures import MultiDict

from assetmap.config import Config
from assetmap.directory.queries import DEFAULT_STATUSES, GroupQuery, TimeOfDay
from assetmap.errors import ValidationError
from assetmap.geo.geocoders import locate_postcode
from assetmap.geo.interfaces import Geocoder
from assetmap.geo.spatial import BBox, Point
from assetmap.models import ACCESSIBILITY_FLAGS, Category, Day, Status
from assetmap.text.words import normalise_interest
from assetmap.verification.policy import Freshness
from assetmap.web.context import now

E = TypeVar("E", bound=enum.Enum)

SEARCH_PARAMETERS = frozenset(
    {
        "q",
        "category",
        "interest",
        "status",
        "near",
        "postcode",
        "radius_km",
        "bbox",
        "day",
        "time",
        "free",
        "freshness",
        "on_this_week",
        "limit",
        "offset",
        "sort",
        "view",
        *ACCESSIBILITY_FLAGS,
    }
)


def _values(args: MultiDict[str, str], name: str) -> list[str]:
    """All values of a parameter, whether repeated (a=1&a=2) or comma-separated (a=1,2)."""
    return [part.strip() for raw in args.getlist(name) for part in raw.split(",") if part.strip()]


def _choices(args: MultiDict[str, str], name: str, kind: type[E]) -> tuple[E, ...]:
    chosen = []
    allowed = [member.value for member in kind]
    for value in _values(args, name):
        if value.lower() not in allowed:
            raise ValidationError(
                f"unknown {name} {value!r}: use one of {', '.join(allowed)}", field=name
            )
        chosen.append(kind(value.lower()))
    return tuple(dict.fromkeys(chosen))


def _boolean(args: MultiDict[str, str], name: str) -> bool | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    if value.lower() in {"true", "1", "yes"}:
        return True
    if value.lower() in {"false", "0", "no"}:
        return False
    raise ValidationError(f"{name} must be true or false, not {value!r}", field=name)


def _numbers(args: MultiDict[str, str], name: str, count: int, example: str) -> list[float]:
    raw = args.get(name, "")
    parts = [part.strip() for part in raw.split(",")]
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) != count or any(n != n or n in (float("inf"), float("-inf")) for n in numbers):
        raise ValidationError(f"{name} must be {count} numbers like {example}", field=name)
    return numbers


def _check_lat_lon(name: str, lat: float, lon: float) -> None:
    if not -90 <= lat <= 90:
        raise ValidationError(f"{name}: latitude {lat:g} is outside -90 to 90", field=name)
    if not -180 <= lon <= 180:
        raise ValidationError(f"{name}: longitude {lon:g} is outside -180 to 180", field=name)


def _whole(args: MultiDict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(f"{name} must be a whole number", field=name) from None
    if not low <= value <= high:
        raise ValidationError(f"{name} must be from {low} to {high}", field=name)
    return value


def parse_group_query(
    args: MultiDict[str, str],
    config: Config,
    geocoder: Geocoder,
    *,
    strict: bool = True,
) -> GroupQuery:
    """A GroupQuery from request parameters; ValidationError naming the parameter if bad."""
    if strict:
        unknown = sorted(set(args) - SEARCH_PARAMETERS)
        if unknown:
            raise ValidationError(f"unknown parameter {unknown[0]!r}", field=unknown[0])
    for name, value in args.items(multi=True):
        if "\x00" in value:
            raise ValidationError(f"{name} must not contain NUL characters", field=name)

    q = (args.get("q") or "").strip() or None
    if q is not None and len(q) > 200:
        raise ValidationError("q must be at most 200 characters", field="q")

    statuses: tuple[Status, ...] = DEFAULT_STATUSES
    if _values(args, "status") == ["all"]:
        statuses = tuple(Status)
    elif _values(args, "status"):
        statuses = _choices(args, "status", Status)

    near = _centre(args, geocoder)
    radius_m = None
    if args.get("radius_km") not in (None, ""):
        if near is None:
            raise ValidationError("radius_km needs near or postcode", field="radius_km")
        radius_m = _radius_km(args, config) * 1000
    elif near is not None:
        radius_m = config.default_radius_km * 1000

    access = []
    for flag in ACCESSIBILITY_FLAGS:
        wanted = _boolean(args, flag)
        if wanted is not None:
            access.append((flag, wanted))

    return GroupQuery(
        q=q,
        categories=_choices(args, "category", Category),
        interests=tuple(dict.fromkeys(normalise_interest(v) for v in _values(args, "interest"))),
        statuses=statuses,
        near=near,
        radius_m=radius_m,
        bbox=_bbox(args),
        access=tuple(access),
        days=_choices(args, "day", Day),
        times=_choices(args, "time", TimeOfDay),
        free=_boolean(args, "free"),
        freshness=_choices(args, "freshness", Freshness),
        meets_from=now() if _boolean(args, "on_this_week") else None,
        limit=_whole(args, "limit", config.default_page_size, 1, config.max_page_size),
        offset=_whole(args, "offset", 0, 0, 10_000_000),
        sort=_sort(args),
    )


#: The forms of a page of listings: whole listings, or what a map needs to draw each one.
VIEWS = ("full", "markers")


def parse_view(args: MultiDict[str, str]) -> str:
    """``view``: ``full`` (the default) or ``markers``; ValidationError naming it if bad."""
    value = args.get("view") or "full"
    if value not in VIEWS:
        raise ValidationError(
            f"view must be {' or '.join(VIEWS)}, not {value[:40]!r}", field="view"
        )
    return value


def _sort(args: MultiDict[str, str]) -> str | None:
    value = args.get("sort") or None
    if value not in (None, "distance", "relevance"):
        raise ValidationError("sort must be distance or relevance", field="sort")
    return value


def _centre(args: MultiDict[str, str], geocoder: Geocoder) -> Point | None:
    has_near, has_postcode = bool(args.get("near")), bool(args.get("postcode"))
    if has_near and has_postcode:
        raise ValidationError("give near or postcode, not both", field="postcode")
    if has_near:
        lat, lon = _numbers(args, "near", 2, "51.55,-0.14 (lat,lon)")
        _check_lat_lon("near", lat, lon)
        return Point(lat, lon)
    if has_postcode:
        return locate_postcode(args["postcode"], geocoder)
    return None


def _radius_km(args: MultiDict[str, str], config: Config) -> float:
    (radius,) = _numbers(args, "radius_km", 1, "1.5")
    if not 0 < radius <= config.max_radius_km:
        raise ValidationError(
            f"radius_km must be more than 0 and at most {config.max_radius_km:g}",
            field="radius_km",
        )
    return radius


def _bbox(args: MultiDict[str, str]) -> BBox | None:
    if not args.get("bbox"):
        return None
    min_lon, min_lat, max_lon, max_lat = _numbers(
        args, "bbox", 4, "-0.16,51.53,-0.12,51.56 (min lon, min lat, max lon, max lat)"
    )
    _check_lat_lon("bbox", min_lat, min_lon)
    _check_lat_lon("bbox", max_lat, max_lon)
    if min_lon > max_lon or min_lat > max_lat:
        raise ValidationError(
            "bbox must be min lon, min lat, max lon, max lat (minimums first)", field="bbox"
        )
    return BBox(min_lon, min_lat, max_lon, max_lat)
