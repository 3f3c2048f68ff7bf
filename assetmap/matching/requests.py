"""The match request (described in the OpenAPI document), validated with errors that name the field.

The API and the match page both build a :class:`MatchRequest`; the caller then turns its
location (a postcode, or lat/lon) into a point and calls :meth:`MatchRequest.profile`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from assetmap.directory.contract import (
    Latitude,
    Longitude,
    bounded_text,
    decimal_number,
    describe_errors,
    interest_text,
    one_of,
    time_of_day,
    whole_number,
)
from assetmap.errors import ValidationError
from assetmap.geo.journeys import PERSON_MODES, Mobility, Mode, Pace
from assetmap.geo.postcodes import is_postcode, normalise_postcode
from assetmap.geo.spatial import Point
from assetmap.matching.profile import Profile, Window
from assetmap.models import ACCESSIBILITY_FLAGS, Category, Day, Gender

DEFAULT_LIMIT = 10
MAX_LIMIT = 50
MAX_TRAVEL_MINUTES = 240
#: The longest time away from home a request may give: half an hour to twelve hours.
MIN_OUTING_MINUTES, MAX_OUTING_MINUTES = 30, 720
#: What a place may be: a postcode district or sector ("NW5", "NW5 2") or a place name.
MAX_PLACE = 100
MAX_LIST = 20  # interests, windows: more than a conversation produces


def _person_mode(value: Any) -> Any:
    allowed = [mode.value for mode in PERSON_MODES]
    if isinstance(value, str) and value.strip().lower() in allowed:
        return Mode(value.strip().lower())
    raise PydanticCustomError("choice", f"must be one of {', '.join(allowed)}")


def _need(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in ACCESSIBILITY_FLAGS:
        return value.strip().lower()
    raise PydanticCustomError("choice", f"must be one of {', '.join(ACCESSIBILITY_FLAGS)}")


def _postcode(value: Any) -> Any:
    if isinstance(value, str) and is_postcode(value):
        return normalise_postcode(value)
    raise PydanticCustomError("choice", "must be a UK postcode like NW5 1AA")


def _person_gender(value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip().lower() == "any"):
        return None
    if isinstance(value, str) and value.strip().lower() in (Gender.MEN, Gender.WOMEN):
        return Gender(value.strip().lower())
    raise PydanticCustomError("choice", "must be men, women or any")


def _strict_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    raise PydanticCustomError("choice", "must be true or false")


Bool = Annotated[bool, BeforeValidator(_strict_bool)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocationIn(_Strict):
    postcode: Annotated[str | None, BeforeValidator(_postcode)] = None
    place: Annotated[str | None, bounded_text(MAX_PLACE)] = None
    lat: Latitude = None
    lon: Longitude = None


class MobilityIn(_Strict):
    modes: Annotated[
        list[Annotated[Mode, BeforeValidator(_person_mode)]], Field(min_length=1, max_length=6)
    ] = [Mode.WALK]
    max_travel_minutes: Annotated[
        int,
        whole_number(
            1, MAX_TRAVEL_MINUTES, f"must be whole minutes from 1 to {MAX_TRAVEL_MINUTES}"
        ),
    ] = 30
    max_walk_metres: Annotated[
        int | None, whole_number(0, 20_000, "must be whole metres from 0 to 20000")
    ] = None
    pace: Annotated[Pace, one_of(Pace)] = Pace.TYPICAL
    needs: Annotated[
        list[Annotated[str, BeforeValidator(_need)]], Field(max_length=len(ACCESSIBILITY_FLAGS))
    ] = []
    door_to_door_needed: Bool = False


class WindowIn(_Strict):
    day: Annotated[Day, one_of(Day)]
    start: Annotated[Any, BeforeValidator(time_of_day)] = Field(alias="from")
    end: Annotated[Any, BeforeValidator(time_of_day)] = Field(alias="to")


class MatchRequest(_Strict):
    location: LocationIn
    interests: Annotated[
        list[Annotated[str, BeforeValidator(interest_text)]], Field(max_length=MAX_LIST)
    ] = []
    categories: Annotated[list[Annotated[Category, one_of(Category)]], Field(max_length=10)] = []
    mobility: MobilityIn = MobilityIn()
    complexity: Annotated[int, whole_number(1, 3, "must be 1, 2 or 3")] = 1
    availability: Annotated[list[WindowIn], Field(max_length=MAX_LIST)] = []
    max_cost_gbp: Annotated[
        float | None, decimal_number(0, 10_000, "must be an amount in pounds ≥ 0")
    ] = None
    gender: Annotated[Gender | None, BeforeValidator(_person_gender)] = None
    age: Annotated[int | None, whole_number(0, 120)] = None
    include_invitation_only: Bool = False
    max_outing_minutes: Annotated[
        int | None,
        whole_number(
            MIN_OUTING_MINUTES,
            MAX_OUTING_MINUTES,
            f"must be whole minutes from {MIN_OUTING_MINUTES} to {MAX_OUTING_MINUTES}",
        ),
    ] = None
    limit: Annotated[
        int, whole_number(1, MAX_LIMIT, f"must be a whole number from 1 to {MAX_LIMIT}")
    ] = DEFAULT_LIMIT

    def profile(self, location: Point) -> Profile:
        """The profile for a person at ``location`` (the request's resolved location)."""
        mobility = self.mobility
        return Profile(
            location=location,
            interests=tuple(dict.fromkeys(self.interests)),
            categories=tuple(dict.fromkeys(self.categories)),
            mobility=Mobility(
                modes=tuple(dict.fromkeys(mobility.modes)),
                max_travel_minutes=float(mobility.max_travel_minutes),
                max_walk_metres=None
                if mobility.max_walk_metres is None
                else float(mobility.max_walk_metres),
                pace=mobility.pace,
                door_to_door_needed=mobility.door_to_door_needed,
                needs=tuple(dict.fromkeys(mobility.needs)),
            ),
            complexity=self.complexity,
            availability=tuple(Window(w.day, w.start, w.end) for w in self.availability),
            max_cost_gbp=self.max_cost_gbp,
            gender=self.gender,
            age=self.age,
            include_invitation_only=self.include_invitation_only,
            max_outing_minutes=None
            if self.max_outing_minutes is None
            else float(self.max_outing_minutes),
        )


_MESSAGES = {"extra_forbidden": "is not part of a match request (check the spelling)"}


def parse_match_request(data: Any) -> MatchRequest:
    """Validate a match request; :class:`ValidationError` names the first bad field."""
    if not isinstance(data, dict):
        raise ValidationError("the request body must be a JSON object", field="")
    try:
        request = MatchRequest.model_validate(data)
    except PydanticValidationError as error:
        raw = error.errors(include_url=False)
        field, message = describe_errors(error)[0]
        message = _MESSAGES.get(raw[0]["type"], message)
        if raw[0]["type"] == "too_long":
            message = f"must have at most {raw[0].get('ctx', {}).get('max_length')} items"
        raise ValidationError(f"{field}: {message}", field=field) from None
    location = request.location
    given = [
        location.postcode is not None,
        bool(location.place),
        location.lat is not None or location.lon is not None,
    ]
    if sum(given) > 1:
        raise ValidationError(
            "location: give a postcode, a place, or lat and lon, not more than one",
            field="location",
        )
    if not any(given) or (given[2] and (location.lat is None or location.lon is None)):
        raise ValidationError(
            "location: give a postcode, a place, or both lat and lon", field="location"
        )
    for index, window in enumerate(request.availability):
        if window.end <= window.start:
            field = f"availability[{index}].to"
            raise ValidationError(f"{field}: must be after the start time", field=field)
    return request


__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_OUTING_MINUTES",
    "MIN_OUTING_MINUTES",
    "MatchRequest",
    "parse_match_request",
]
