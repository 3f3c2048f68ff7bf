"""The person's printed plan: each chosen group in large print, in the person's own words, with
a QR code of its page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import segno
from markupsafe import Markup

from assetmap.geo.journeys import Mode
from assetmap.matching import Option
from assetmap.models import Status
from assetmap.web.links import absolute_for
from assetmap.web.match.notes import person_checks
from assetmap.web.match.results import travel_line
from assetmap.web.wording import distance_text

#: How to join, for the person: never "just go along" to a group with a waiting list.
JOINING = {
    "waiting": "There is a waiting list: ring them first and ask to join it.",
    "full": "It is full at the moment: ring them first and ask about a waiting list.",
    "invitation": "It is by invitation: your link worker will ask them for you.",
    "go_along": "You can just go along.",
    "referral": "Your link worker will refer you.",
}


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
    def joining(self) -> str:
        """How the person joins: a waiting list, a full group or an invitation comes before
        "you can just go along", which is said only of a group with room."""
        group = self.group
        capacity = group.get("capacity") or {}
        if group.get("status") == Status.WAITING_LIST or (capacity.get("waiting_list") or 0):
            return JOINING["waiting"]
        if capacity.get("spare_places") == 0:
            return JOINING["full"]
        if group.get("status") == Status.INVITATION_ONLY:
            return JOINING["invitation"]
        referral = group.get("referral") or {}
        if referral.get("self_referral"):
            return JOINING["go_along"]
        if referral.get("link_worker_referral"):
            return JOINING["referral"]
        return ""

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


def plan_item(number: int, option: Option) -> PlanItem:
    url = absolute_for("public.listing_page", group_id=option.group_id)
    return PlanItem(
        number=number,
        option=option,
        travel=travel_sentences(option),
        checks=person_checks(option.warnings),
        url=url,
        qr_svg=qr_svg(url, option.listing["name"]),
    )


def missing_names(missing: list[tuple[int, str | None]]) -> list[str]:
    """The chosen groups that are not on the plan, by name, for the plan to say so."""
    return [name or f"Group number {id_} (no longer listed)" for id_, name in missing]


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
