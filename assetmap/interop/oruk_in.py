"""Open Referral UK 3.0 / HSDS 3.0 JSON in: a ``/services`` page (an object with
``contents``), a list of full services, or one service; each service one listing.

Field names are the profile's (``assetmap/interop/oruk3/service.json`` and the tables it refers
to), with HSDS 3.0's ``code`` on taxonomy terms and ``phones`` on services and contacts, and
HSDS 3.1's ``service_capacity`` (as ``capacities`` or ``service_capacity``). What the listing
reads from where:

- name, description, url (website), email, minimum_age / maximum_age (or an ``eligibility``
  entry's), fees and cost_options (free, amount, notes), languages' codes, assured_date (the
  last check), status (active, temporarily closed → paused, inactive / defunct → closed);
- organization.name;
- the first physical ``service_at_locations[].location``: name, the physical address
  (address_1, address_2, city; postal_code), latitude / longitude, accessibility (assetmap's
  own flags as its export writes them, names from ``terms.toml``, any other words as notes);
  a ``virtual`` location, or a schedule attended ``online``, makes the listing online;
- schedules (the service's and its locations'): freq, interval, byday, bymonthday, dtstart,
  opens_at / closes_at, valid_from / valid_to (see ``session_rules``);
- contacts: the first name and email, the first phone of the service, its contacts or its
  location;
- attributes' taxonomy terms: vocabulary ``assetmap-category`` (code = the category),
  ``assetmap-interest`` (code = an interest), ``assetmap-status`` (code = the status); any
  other vocabulary through ``terms.toml``.

A service with no location, no schedule, no cost or no check date imports with those not
known, each said in the gaps; a field that is there but broken is a problem naming the service
and the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from assetmap.interop.load import ParsedSource
from assetmap.interop.oruk_out import CATEGORY_TAXONOMY, INTEREST_TAXONOMY, STATUS_TAXONOMY
from assetmap.interop.oruk_parts import location_parts, read_capacity, read_contact, read_cost
from assetmap.interop.reading import (
    ENDED,
    ONGOING,
    Draft,
    Gaps,
    ReadOptions,
    choose_categories,
    date_of,
    items,
    label_for,
    read_services,
    rule_fields,
    services_in,
    text_or_none,
)
from assetmap.interop.session_rules import Rule, read_rule
from assetmap.models import Status

_STATUS = {
    "active": Status.OPEN,
    "temporarily closed": Status.PAUSED,
    "inactive": Status.CLOSED,
    "defunct": Status.CLOSED,
}
_ONLINE = frozenset({"online", "virtual", "remote"})
_FREQ = ("WEEKLY", "MONTHLY")


def services_of(value: Any) -> tuple[list[Any], str]:
    """The services in a file: a page's ``contents``, a list, or one service; else why not."""
    return services_in(value, "contents", "an ORUK /services page")


def read_oruk(data: bytes, options: ReadOptions) -> ParsedSource:
    """An ORUK 3.0 / HSDS 3.0 file as listings (see the module)."""
    parsed, _ = read_services(data, options, "contents", "an ORUK /services page", _service)
    return parsed


def _service(
    number: int, service: Any, options: ReadOptions, default: str | None, gaps: Gaps
) -> Draft:
    if not isinstance(service, dict):
        draft = Draft(number, f"service {number}")
        draft.problem("", "must be an object (a service)")
        return draft
    draft = Draft(number, label_for("service", number, service))
    ident = service.get("id")
    if isinstance(ident, str | int) and not isinstance(ident, bool) and str(ident).strip():
        draft.source_id = str(ident).strip()
    else:
        draft.problem("id", "is required: the service's id in its directory")
    listing = draft.listing
    draft.where.update({"name": "name", "description": "description"})
    listing["name"] = service.get("name")
    listing["description"] = service.get("description") or ""
    organization = service.get("organization")
    if isinstance(organization, dict) and organization.get("name") is not None:
        listing["organisation"] = organization.get("name")
        draft.where["organisation"] = "organization.name"
    listing["status"] = _status(draft, service)
    listing["audience"] = _audience(draft, service)
    listing["cost"] = read_cost(draft, service, gaps)
    listing["contact"] = read_contact(draft, service)
    listing["capacity"] = read_capacity(draft, service, gaps)
    _location(draft, service, gaps)
    _schedules(draft, service, gaps, options)
    _checked(draft, service, gaps)
    _terms(draft, service, default, gaps)
    return draft


def _status(draft: Draft, service: dict[str, Any]) -> str:
    status = service.get("status")
    if status is None:
        return Status.OPEN.value
    if not isinstance(status, str) or status.strip().lower() not in _STATUS:
        draft.problem("status", f"must be one of {', '.join(_STATUS)}")
        return Status.OPEN.value
    return _STATUS[status.strip().lower()].value


def _audience(draft: Draft, service: dict[str, Any]) -> dict[str, Any]:
    audience: dict[str, Any] = {}
    for key, ours in (("minimum_age", "min_age"), ("maximum_age", "max_age")):
        if service.get(key) is not None:
            audience[ours] = service[key]
            draft.where[f"audience.{ours}"] = key
    for index, entry in items(draft, service, "eligibility", "eligibility"):
        for key, ours in (("minimum_age", "min_age"), ("maximum_age", "max_age")):
            if ours not in audience and entry.get(key) is not None:
                audience[ours] = entry[key]
                draft.where[f"audience.{ours}"] = f"eligibility[{index}].{key}"
    languages = []
    for index, language in items(draft, service, "languages", "languages"):
        code = text_or_none(draft, language, "code", f"languages[{index}].code")
        if code:
            languages.append(code.lower())
            draft.where[f"audience.languages[{len(languages) - 1}]"] = f"languages[{index}].code"
    audience["languages"] = list(dict.fromkeys(languages))
    return audience


def _location(draft: Draft, service: dict[str, Any], gaps: Gaps) -> None:
    listing = draft.listing
    attended = [
        str(schedule.get("attending_type") or "").strip().lower()
        for _, schedule in _all_schedules(draft, service)
    ]
    parts = location_parts(draft, service, gaps, online=bool(_ONLINE.intersection(attended)))
    listing["online"] = parts.online
    listing["venue"] = parts.venue
    listing["accessibility"] = parts.accessibility
    if parts.parking is not None:
        listing["transport"] = {"parking": parts.parking}


def _all_schedules(draft: Draft, service: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The service's schedules and its locations', each with its path."""
    found = [(f"schedules[{i}]", s) for i, s in items(draft, service, "schedules", "schedules")]
    for i, at in items(draft, service, "service_at_locations", "service_at_locations"):
        path = f"service_at_locations[{i}].schedules"
        found += [(f"{path}[{j}]", s) for j, s in items(draft, at, "schedules", path)]
    return found


def _schedules(draft: Draft, service: dict[str, Any], gaps: Gaps, options: ReadOptions) -> None:
    found = _all_schedules(draft, service)
    entries: list[dict[str, Any]] = []
    fallback = _anchor_date(service) or options.today
    for path, schedule in found:
        for entry in _schedule(draft, path, schedule, gaps, fallback, options.today):
            if entry not in entries:
                draft.where[f"schedule[{len(entries)}]"] = path
                draft.where[f"schedule[{len(entries)}].start"] = f"{path}.opens_at"
                draft.where[f"schedule[{len(entries)}].end"] = f"{path}.closes_at"
                draft.where[f"schedule[{len(entries)}].from_date"] = f"{path}.dtstart"
                entries.append(entry)
    draft.listing["schedule"] = entries
    if not entries and not draft.problems:
        gaps.add("when it meets" + (" (no schedule)" * (not found)), draft.label)


def _anchor_date(service: dict[str, Any]) -> dt.date | None:
    for key in ("assured_date", "last_modified"):
        try:
            return date_of(service.get(key))
        except ValueError:
            continue
    return None


def _schedule(
    draft: Draft,
    path: str,
    schedule: dict[str, Any],
    gaps: Gaps,
    fallback: dt.date | None,
    today: dt.date | None,
) -> list[dict[str, Any]]:
    before = len(draft.problems)
    fields = rule_fields(draft, path, schedule, ("dtstart", "valid_from", "valid_to"))
    times, dates, days = fields.times, fields.dates, fields.days
    freq = schedule.get("freq")
    if freq is not None and (not isinstance(freq, str) or freq.upper() not in _FREQ):
        draft.problem(f"{path}.freq", "must be WEEKLY or MONTHLY")
    kind = freq.lower() if isinstance(freq, str) else None
    if kind == "weekly" and any(nth is not None for nth, _ in days):
        draft.problem(f"{path}.byday", "a weekly rule's days take no week number (2TU is monthly)")
    if len(draft.problems) > before:
        return []
    if "valid_to" in dates and today is not None and dates["valid_to"] < today:
        gaps.add(ENDED.format(key="valid_to"), draft.label)
        return []
    if "opens_at" not in times:
        if days or schedule.get("description"):
            gaps.add("the time a session starts (a schedule has no opens_at)", draft.label)
        return []
    if "valid_to" in dates:
        gaps.add(ONGOING.format(key="valid_to"), draft.label)
    reading = read_rule(
        Rule(
            freq=kind,
            start=times["opens_at"],
            end=times.get("closes_at"),
            interval=fields.interval,
            days=days,
            month_days=fields.month_days,
            dtstart=dates.get("dtstart"),
            anchor=dates.get("valid_from") or fallback,
        )
    )
    for gap in reading.gaps:
        gaps.add(gap, draft.label)
    return reading.entries


def _checked(draft: Draft, service: dict[str, Any], gaps: Gaps) -> None:
    if service.get("assured_date") is None:
        gaps.add("when it was last checked (no assured_date)", draft.label)
        return
    try:
        draft.listing["last_verified_at"] = date_of(service["assured_date"]).isoformat()
    except ValueError as error:
        draft.problem("assured_date", str(error))


def _terms(draft: Draft, service: dict[str, Any], default: str | None, gaps: Gaps) -> None:
    own: list[str] = []
    interests: list[str] = []
    words: list[str] = []
    named: list[str] = []
    for index, attribute in items(draft, service, "attributes", "attributes"):
        term = attribute.get("taxonomy_term")
        path = f"attributes[{index}].taxonomy_term"
        if term is None:
            continue
        if not isinstance(term, dict):
            draft.problem(path, "must be an object")
            continue
        vocabulary = _vocabulary(term)
        code = term.get("code") if term.get("code") is not None else term.get("term")
        if vocabulary in (CATEGORY_TAXONOMY, INTEREST_TAXONOMY, STATUS_TAXONOMY):
            if not isinstance(code, str) or not code.strip():
                draft.problem(f"{path}.code", f"is required for a {vocabulary} term")
                continue
            if vocabulary == CATEGORY_TAXONOMY:
                own.append(code.strip().lower())
                draft.where[f"categories[{len(own) - 1}]"] = f"{path}.code"
            elif vocabulary == INTEREST_TAXONOMY:
                interests.append(code)
                draft.where[f"interests[{len(interests) - 1}]"] = f"{path}.code"
            else:
                draft.listing["status"] = code.strip().lower()
                draft.where["status"] = f"{path}.code"
            continue
        said = [v for v in (term.get("name"), code, term.get("term")) if isinstance(v, str)]
        words += said
        named += said[:1]
    draft.listing["interests"] = list(dict.fromkeys(interests))
    choose_categories(draft, own, words, named, default, gaps)


def _vocabulary(term: dict[str, Any]) -> str | None:
    """The taxonomy a term is from: ORUK's ``taxonomy`` name, HSDS's ``taxonomy_detail`` or
    an older ``vocabulary``."""
    detail = term.get("taxonomy_detail")
    for value in (
        term.get("taxonomy"),
        detail.get("name") if isinstance(detail, dict) else None,
        term.get("vocabulary"),
    ):
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    return None


__all__ = ["read_oruk", "services_of"]
