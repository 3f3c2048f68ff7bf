"""Reading the case pages' forms: the case's boxes, the match context it may carry, moves.

The match context comes from the /match results or the plan as hidden fields of a POST (never
a URL): ``profile``, the match request as JSON, checked by the match contract, and
``shortlist``, the result groups' ids. The case's own fields are checked by the domain
(``referrals.cases.parse_case``); this module only gathers them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from assetmap.errors import AssetmapError, ValidationError
from assetmap.matching.requests import parse_match_request
from assetmap.models import DeclineReason, ReferralState, StopReason
from assetmap.web.cases.words import BAD_MOVE, LABELS, NO_CASE, NO_GROUP
from assetmap.web.converters import parse_whole
from assetmap.web.inputs import loads_or_none
from assetmap.web.match.query import FormInvalid, request_data

#: The case form's boxes, in the order of the page.
CASE_FIELDS = ("reference", "initials", "postcode", "contact_preference", "access_needs", "notes")
#: Longest profile JSON taken (a match request is well under this).
PROFILE_LIMIT = 20_000


@dataclass
class FormState:
    """What the templates' field macros ask of a form: its values and its errors."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def error_for(self, name: str) -> str | None:
        return self.errors.get(name)

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    @property
    def summary(self) -> list[tuple[str, str]]:
        return [(name, message) for name, message in self.errors.items()]

    def add(self, error: AssetmapError, default_field: str = "reference") -> None:
        name = error.field if error.field in LABELS else default_field
        self.errors.setdefault(name, error.message)


def profile_from(text: str | None) -> dict[str, Any] | None:
    """The match request carried as JSON, checked by the match contract; None for none."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > PROFILE_LIMIT:
        raise ValidationError("The match's details are too long", field="profile")
    try:
        data = loads_or_none(text)
    except ValidationError:
        data = None  # nested too deeply: no match's details are
    if not isinstance(data, dict):
        raise ValidationError("The match's details are damaged: match again", field="profile")
    try:
        request = parse_match_request(data)
    except ValidationError as error:
        raise ValidationError(
            f"The match's details do not make a match: {error.message}", field="profile"
        ) from None
    dumped: dict[str, Any] = request.model_dump(
        mode="json", by_alias=True, exclude_none=True, exclude={"limit"}
    )
    return dumped


def profile_json(args: MultiDict[str, str]) -> str | None:
    """The /match query string's match request as the JSON a case keeps, or None if the
    query string does not make one."""
    try:
        data = request_data(args)
        checked = profile_from(json.dumps(data))
    except (ValidationError, FormInvalid):
        return None
    return json.dumps(checked, sort_keys=True)


def case_data(form: MultiDict[str, str]) -> dict[str, Any]:
    """The form as ``parse_case`` takes it (the profile checked first)."""
    data: dict[str, Any] = {name: form.get(name, "") for name in CASE_FIELDS}
    data["profile"] = profile_from(form.get("profile"))
    data["shortlist"] = form.getlist("shortlist")
    return data


def prefill(form: MultiDict[str, str], profile: dict[str, Any] | None) -> FormState:
    """The form's state from what was posted, with the postcode of the match when none was
    typed."""
    state = FormState(values={name: form.get(name, "") for name in CASE_FIELDS})
    if not state.values["postcode"] and profile:
        location = profile.get("location") or {}
        postcode = location.get("postcode") if isinstance(location, dict) else None
        if isinstance(postcode, str):
            state.values["postcode"] = postcode
    state.values["profile"] = json.dumps(profile, sort_keys=True) if profile else ""
    return state


def whole_number(text: str | None, name: str) -> int:
    value = parse_whole(text, high=2**31 - 1)
    if value is None:
        raise ValidationError(NO_CASE if name == "case_id" else NO_GROUP, field=name)
    return value


@dataclass(frozen=True)
class MoveForm:
    to: ReferralState
    version: int | None
    decline_reason: DeclineReason | None
    stop_reason: StopReason | None
    reason_text: str


def move_form(form: MultiDict[str, str]) -> MoveForm:
    """A move as posted from the case page; ValidationError for a value not on offer."""
    try:
        to = ReferralState(form.get("to", ""))
    except ValueError:
        raise ValidationError(BAD_MOVE, field="to") from None
    version_text = (form.get("version") or "").strip()
    version = parse_whole(version_text, low=0)
    try:
        decline = DeclineReason(form["decline_reason"]) if form.get("decline_reason") else None
        stop = StopReason(form["stop_reason"]) if form.get("stop_reason") else None
    except ValueError:
        raise ValidationError("Choose one of the reasons offered", field="reason") from None
    return MoveForm(to, version, decline, stop, form.get("reason_text", ""))
