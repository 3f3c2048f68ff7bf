"""Pages for staff: the admin's moderation queue, trusted organisations, and a listing's history.

Admins see organisers' changes waiting for approval, field by field against the listing as it
is now, and approve or reject them; they mark organisations as trusted and put back earlier
values. Link workers, community builders and admins read any listing's history; organisers
read their own organisations' listings' history.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from assetmap.accounts.users import Permissions
from assetmap.directory.edits import READ_ONLY, StaleEdit, changed_since, flatten
from assetmap.directory.moderation import approve, pending_diff, reject, restore
from assetmap.errors import AssetmapError, Conflict, NotFound, ValidationError
from assetmap.models import (
    ChangeKind,
    ChangeStatus,
    Group,
    Organisation,
    PendingChange,
    Revision,
    Role,
    User,
)
from assetmap.web.auth import login_manager, require_role
from assetmap.web.context import db_session, geocoder, read_session
from assetmap.web.formatting import ACCESS_NAMES, CATEGORY_NAMES, STATUS_NAMES, session_text

staff = Blueprint("staff", __name__)

#: Everyone who may read any listing's history (organisers: their own groups only).
STAFF_ROLES = (Role.ADMIN, Role.LINK_WORKER, Role.COMMUNITY_BUILDER)
QUEUE_PAGE = 100
RECENTLY_DECIDED = 10
HISTORY_PAGE = 100
MAX_REASON = 2000
LOCAL_TIME = ZoneInfo("Europe/London")

KIND_NAMES = {
    ChangeKind.EDIT: "Change",
    ChangeKind.NEW: "New group",
    ChangeKind.CLOSE: "Asks to close",
}

# The listing contract's fields in plain words (dotted paths, as the diff and history use).
FIELD_NAMES: dict[str, str] = {
    "name": "Name",
    "description": "Description",
    "organisation": "Organisation",
    "categories": "Categories",
    "interests": "Interests",
    "status": "Status",
    "online": "Online",
    "audience.min_age": "Youngest age",
    "audience.max_age": "Oldest age",
    "audience.gender": "Who it is for",
    "audience.languages": "Languages",
    "cost.free": "Free",
    "cost.amount_gbp": "Cost",
    "cost.notes": "Notes on cost",
    "venue": "Venue",
    "venue.name": "Venue name",
    "venue.address": "Venue address",
    "venue.postcode": "Venue postcode",
    "venue.lat": "Venue latitude",
    "venue.lon": "Venue longitude",
    "schedule": "Days and times",
    "capacity.total_places": "Total places",
    "capacity.places_taken": "Places taken",
    "capacity.waiting_list": "People on the waiting list",
    "capacity.complex_needs_places": "Places for people with complex needs",
    "capacity.complexity_supported": "Support level",
    "capacity.spare_places": "Places free",
    **{f"accessibility.{flag}": name for flag, name in ACCESS_NAMES.items()},
    "accessibility.notes": "Notes on access",
    "transport.bus_stops": "Bus stops",
    "transport.rail_station": "Railway station",
    "transport.rail_station.name": "Railway station",
    "transport.rail_station.distance_m": "Distance to the railway station",
    "transport.parking": "Parking",
    "transport.door_to_door": "Door-to-door transport",
    "transport.door_to_door.available": "Door-to-door transport",
    "transport.door_to_door.radius_km": "Door-to-door transport: how far",
    "transport.door_to_door.notes": "Notes on door-to-door transport",
    "contact.name": "Contact name",
    "contact.phone": "Phone",
    "contact.email": "Email",
    "contact.website": "Website",
    "referral.self_referral": "People can refer themselves",
    "referral.link_worker_referral": "Link workers can refer",
    "referral.notes": "Notes on referrals",
    "last_verified_at": "Last checked",
    "verified_by": "Checked by",
}
# Yes / no / not known facts: null means nobody knows, never "no".
_MAYBE_FIELDS = {
    *(f"accessibility.{flag}" for flag in ACCESS_NAMES),
    "cost.free",
    "transport.parking",
    "transport.door_to_door.available",
    "referral.self_referral",
    "referral.link_worker_referral",
}
_GENDER_NAMES = {"any": "Anyone", "men": "Men", "women": "Women"}
_SUPPORT_LEVELS = {
    1: "1 – little extra support",
    2: "2 – some support",
    3: "3 – can support complex needs",
}


def field_name(path: str) -> str:
    """'capacity.places_taken' → 'Places taken'; unknown paths still read as words."""
    if path in FIELD_NAMES:
        return FIELD_NAMES[path]
    *parents, leaf = path.split(".")
    words = leaf.replace("_", " ")
    if not parents:
        return words.capitalize()
    return f"{parents[-1].replace('_', ' ').capitalize()}: {words}"


@dataclass(frozen=True)
class Shown:
    """A value as a page shows it: lines of text, or ``missing`` (said in muted words)."""

    lines: list[str] = field(default_factory=list)
    missing: str = ""


def value_text(path: str, value: Any) -> Shown:
    """A listing value in plain words for a person: lists one entry a line."""
    if value is None:
        return Shown(missing="not known" if path in _MAYBE_FIELDS else "not given")
    if value == "":
        return Shown(missing="blank")
    if isinstance(value, list):
        if not value:
            return Shown(missing="none")
        return Shown(lines=_list_lines(path, value))
    if isinstance(value, bool):
        return Shown(lines=["Yes" if value else "No"])
    return Shown(lines=[_scalar_text(path, value)])


def _scalar_text(path: str, value: Any) -> str:
    if path == "status":
        return STATUS_NAMES.get(str(value), str(value))
    if path == "audience.gender":
        return _GENDER_NAMES.get(str(value), str(value))
    if path == "capacity.complexity_supported":
        return _SUPPORT_LEVELS.get(value, str(value))
    if path == "cost.amount_gbp" and isinstance(value, int | float):
        return f"£{value:.2f}"
    if path == "transport.rail_station.distance_m":
        return f"{value} metres"
    if path == "transport.door_to_door.radius_km":
        return f"within {value} km"
    if path == "last_verified_at" and isinstance(value, str):
        try:
            return _day(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, dict):
        return "; ".join(f"{field_name(k)}: {'' if v is None else v}" for k, v in value.items())
    return str(value)


def _list_lines(path: str, values: list[Any]) -> list[str]:
    if path == "schedule":
        return [_session_line(entry) for entry in values]
    if path == "transport.bus_stops":
        return [_bus_stop_line(stop) for stop in values]
    if path == "categories":
        return [", ".join(CATEGORY_NAMES.get(str(c), str(c)) for c in values)]
    if all(not isinstance(v, dict | list) for v in values):
        return [", ".join(str(v) for v in values)]
    return [_scalar_text(path, v) if isinstance(v, dict) else str(v) for v in values]


def _session_line(entry: Any) -> str:
    try:
        return session_text(entry)
    except (KeyError, TypeError):
        return _scalar_text("schedule", entry)


def _bus_stop_line(stop: Any) -> str:
    if not isinstance(stop, dict):
        return str(stop)
    text = str(stop.get("name") or "A bus stop")
    if stop.get("distance_m") is not None:
        text += f", {stop['distance_m']} metres away"
    if stop.get("routes"):
        text += f" (routes {', '.join(str(r) for r in stop['routes'])})"
    return text


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def when_text(moment: dt.datetime | None) -> str:
    """'3 May 2026 at 10:14', in UK time."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(LOCAL_TIME)
    return f"{_day(local.date())} at {local:%H:%M}"


def _person(name: str | None, email: str | None, missing: str) -> str:
    if email is None:
        return missing
    return name or email


# ---- who may do what ---------------------------------------------------------------------------


def _admins_only(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Anonymous people sign in first; anyone but an admin gets 403."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        denied = require_role(Role.ADMIN)
        if denied is not None:
            return denied  # type: ignore[no-any-return]
        return view(*args, **kwargs)

    return guarded


def _me(session: Session) -> User:
    """The signed-in user as a model, for the domain calls that check what they may do."""
    user = session.get(User, current_user.id)
    if user is None or not user.active:
        abort(403)
    return user


def _may_see_history(session: Session, organisation_id: int | None) -> bool:
    if not current_user.is_authenticated:
        return False
    user = session.get(User, current_user.id)
    if user is None or not user.active:
        return False
    permissions = Permissions.of(session, user)
    if permissions.may_see_history:
        return True
    return permissions.role is Role.ORGANISER and organisation_id in permissions.organisation_ids


@staff.app_template_global("may_see_history")
def may_see_history(group_id: int) -> bool:
    """For templates: whether the signed-in person may read this group's history."""
    if not current_user.is_authenticated:
        return False
    session = read_session()
    organisation_id = session.scalar(select(Group.organisation_id).where(Group.id == group_id))
    return _may_see_history(session, organisation_id)


@staff.app_template_filter("am_when")
def _when_filter(moment: dt.datetime | None) -> str:
    return when_text(moment)


# ---- the queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    """One proposed change as the queue and its page show it."""

    id: int
    kind: ChangeKind
    status: ChangeStatus
    group_id: int | None
    group_name: str
    organisation: str
    proposer: str
    proposed_at: dt.datetime
    note: str
    decider: str
    decided_at: dt.datetime | None
    reason: str
    based_on: int | None
    patch: dict[str, Any]

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]

    @property
    def review_text(self) -> str:
        """What following the queue's link does, for screen readers."""
        return {
            ChangeKind.EDIT: "review the change",
            ChangeKind.NEW: "review the new group",
            ChangeKind.CLOSE: "review the request to close",
        }[self.kind]

    @property
    def title(self) -> str:
        if self.kind is ChangeKind.NEW:
            return f"New group: {self.group_name}"
        if self.kind is ChangeKind.CLOSE:
            return f"{self.group_name} asks to close"
        return f"Change to {self.group_name}"


def _change_rows(
    session: Session,
    *where: ColumnElement[bool],
    order: Sequence[Any],
    limit: int | None = None,
    offset: int = 0,
) -> list[ChangeRow]:
    proposer, decider = aliased(User), aliased(User)
    query = (
        select(
            PendingChange,
            Group.name,
            Organisation.name,
            proposer.name,
            proposer.email,
            decider.name,
            decider.email,
        )
        .outerjoin(Group, Group.id == PendingChange.group_id)
        .outerjoin(Organisation, Organisation.id == PendingChange.organisation_id)
        .outerjoin(proposer, proposer.id == PendingChange.proposed_by)
        .outerjoin(decider, decider.id == PendingChange.decided_by)
        .where(*where)
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    rows = []
    for change, group_name, organisation, p_name, p_email, d_name, d_email in session.execute(
        query
    ):
        patch = json.loads(change.patch)
        if change.kind is ChangeKind.NEW:
            group_name = group_name or patch.get("name") or "(no name)"
        rows.append(
            ChangeRow(
                id=change.id,
                kind=change.kind,
                status=change.status,
                group_id=change.group_id,
                group_name=group_name or "(a removed group)",
                organisation=organisation or patch.get("organisation") or "",
                proposer=_person(p_name, p_email, "a removed account"),
                proposed_at=change.proposed_at,
                note=change.note,
                decider=_person(d_name, d_email, "a removed account"),
                decided_at=change.decided_at,
                reason=change.reason,
                based_on=change.based_on,
                patch=patch if isinstance(patch, dict) else {},
            )
        )
    return rows


@staff.get("/admin/changes")
@_admins_only
def moderation_queue() -> ResponseReturnValue:
    session = read_session()
    try:
        offset = max(int(request.args.get("offset") or 0), 0)
    except ValueError:
        offset = 0
    waiting = PendingChange.status == ChangeStatus.PENDING
    total = session.scalar(select(func.count()).select_from(PendingChange).where(waiting)) or 0
    pending = _change_rows(
        session,
        waiting,
        order=(PendingChange.proposed_at, PendingChange.id),
        limit=QUEUE_PAGE,
        offset=offset,
    )
    decided = _change_rows(
        session,
        PendingChange.status != ChangeStatus.PENDING,
        order=(PendingChange.decided_at.desc(), PendingChange.id.desc()),
        limit=RECENTLY_DECIDED,
    )
    more = offset + len(pending) < total
    return render_template(
        "staff/queue.html",
        pending=pending,
        decided=decided,
        total=total,
        offset=offset,
        more_url=url_for("staff.moderation_queue", offset=offset + QUEUE_PAGE) if more else None,
    )


# ---- one change ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffRow:
    label: str
    old: Shown
    new: Shown


def _shown_fields(path: str) -> bool:
    # Derived values (spare places, freshness) follow from the others: not shown as changes.
    return path.split(".")[-1] not in READ_ONLY


def _change_page(
    change_id: int,
    *,
    status: int = 200,
    error: str | None = None,
    stale_fields: list[str] | None = None,
    reason: str = "",
    reason_error: str | None = None,
) -> ResponseReturnValue:
    session = db_session() if request.method == "POST" else read_session()
    rows = _change_rows(session, PendingChange.id == change_id, order=(PendingChange.id,))
    if not rows:
        abort(404)
    row = rows[0]
    diff: list[DiffRow] = []
    if row.status is ChangeStatus.PENDING:
        change = session.get(PendingChange, change_id)
        assert change is not None
        diff = [
            DiffRow(field_name(d.field), value_text(d.field, d.old), value_text(d.field, d.new))
            for d in pending_diff(session, change)
            if _shown_fields(d.field)
        ]
        if stale_fields is None and row.group_id is not None and row.based_on is not None:
            current = session.scalar(select(Group.version).where(Group.id == row.group_id))
            if current is not None and current != row.based_on:
                stale_fields = changed_since(session, row.group_id, row.based_on)
    else:
        # Decided: what was proposed, as sent (the listing has moved on since).
        diff = [
            DiffRow(field_name(path), Shown(), value_text(path, value))
            for path, value in sorted(flatten(row.patch).items())
            if _shown_fields(path)
        ]
    stale_names = [field_name(path) for path in stale_fields] if stale_fields is not None else None
    if stale_names is not None and not reason:
        reason = (
            "The listing changed since you sent this"
            + (f" ({', '.join(stale_names)})" if stale_names else "")
            + ". Please check it and send your change again."
        )
    return render_template(
        "staff/change.html",
        row=row,
        diff=diff,
        error=error,
        stale_names=stale_names,
        reason=reason,
        reason_error=reason_error,
        max_reason=MAX_REASON,
    ), status


@staff.get("/admin/changes/<int:change_id>")
@_admins_only
def change_page(change_id: int) -> ResponseReturnValue:
    return _change_page(change_id)


def _what(session: Session, change: PendingChange) -> str:
    """'the change to Men's Shed', for a message about it."""
    name = session.scalar(select(Group.name).where(Group.id == change.group_id))
    if change.kind is ChangeKind.NEW:
        return f"the new group {name or json.loads(change.patch).get('name', '')}"
    if change.kind is ChangeKind.CLOSE:
        return f"closing {name}"
    return f"the change to {name}"


@staff.post("/admin/changes/<int:change_id>/approve")
@_admins_only
def approve_change(change_id: int) -> ResponseReturnValue:
    session = db_session()
    try:
        change = approve(session, _me(session), change_id, geocoder(session))
    except NotFound:
        session.rollback()
        abort(404)
    except StaleEdit as stale:
        session.rollback()
        return _change_page(change_id, status=409, stale_fields=stale.changed)
    except Conflict as conflict:
        session.rollback()
        return _change_page(change_id, status=409, error=f"{conflict.message.capitalize()}.")
    except AssetmapError as problem:
        session.rollback()
        message = f"It cannot be approved as it is: {problem.message}."
        return _change_page(change_id, status=problem.http_status, error=message)
    what = _what(session, change)
    session.commit()
    flash(f"Approved {what}. It is live now.", "success")
    return redirect(url_for("staff.moderation_queue"))


@staff.post("/admin/changes/<int:change_id>/reject")
@_admins_only
def reject_change(change_id: int) -> ResponseReturnValue:
    session = db_session()
    reason = (request.form.get("reason") or "").strip()
    if len(reason) > MAX_REASON:
        return _change_page(
            change_id,
            status=400,
            reason=reason,
            reason_error=f"Keep the reason under {MAX_REASON} characters.",
        )
    try:
        change = reject(session, _me(session), change_id, reason)
    except NotFound:
        session.rollback()
        abort(404)
    except ValidationError:
        session.rollback()
        return _change_page(
            change_id,
            status=400,
            reason_error="Say why you are not approving it, so the organiser can put it right.",
        )
    except Conflict as conflict:
        session.rollback()
        return _change_page(change_id, status=409, error=f"{conflict.message.capitalize()}.")
    what = _what(session, change)
    session.commit()
    flash(f"Not approved: {what}. We have told the organiser why.", "success")
    return redirect(url_for("staff.moderation_queue"))


# ---- a listing's history ---------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    id: int
    label: str
    who: str
    changed_at: dt.datetime
    old: Shown
    new: Shown
    #: Derived values (places free) follow the others: they are not put back on their own.
    restorable: bool


def _history_page(
    group_id: int, *, status: int = 200, error: str | None = None
) -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    session = db_session() if request.method == "POST" else read_session()
    group = session.execute(
        select(Group.id, Group.name, Group.organisation_id).where(Group.id == group_id)
    ).first()
    if group is None:
        abort(404)
    if not _may_see_history(session, group.organisation_id):
        abort(403)
    try:
        offset = max(int(request.args.get("offset") or 0), 0)
    except ValueError:
        offset = 0
    found = session.execute(
        select(Revision, User.name, User.email)
        .outerjoin(User, User.id == Revision.user_id)
        .where(Revision.group_id == group_id)
        .order_by(Revision.changed_at.desc(), Revision.id.desc())
        .offset(offset)
        .limit(HISTORY_PAGE + 1)
    ).all()
    rows = [
        HistoryRow(
            id=revision.id,
            label=field_name(revision.field),
            who=_person(name, email, revision.via or "import"),
            changed_at=revision.changed_at,
            old=value_text(revision.field, json.loads(revision.old_value)),
            new=value_text(revision.field, json.loads(revision.new_value)),
            restorable=_shown_fields(revision.field),
        )
        for revision, name, email in found[:HISTORY_PAGE]
    ]
    older = (
        url_for("staff.history", group_id=group_id, offset=offset + HISTORY_PAGE)
        if len(found) > HISTORY_PAGE
        else None
    )
    return render_template(
        "staff/history.html",
        group=group,
        rows=rows,
        error=error,
        older_url=older,
        may_restore=current_user.role is Role.ADMIN,
    ), status


@staff.get("/groups/<int:group_id>/history")
def history(group_id: int) -> ResponseReturnValue:
    return _history_page(group_id)


@staff.post("/admin/revisions/<int:revision_id>/restore")
@_admins_only
def restore_revision(revision_id: int) -> ResponseReturnValue:
    session = db_session()
    revision = session.get(Revision, revision_id)
    if revision is None:
        abort(404)
    group_id, path = revision.group_id, revision.field
    earlier = value_text(path, json.loads(revision.old_value))
    try:
        restore(session, _me(session), revision_id, geocoder(session))
    except AssetmapError as problem:
        session.rollback()
        message = f"{field_name(path)} could not be put back: {problem.message}."
        return _history_page(group_id, status=problem.http_status, error=message)
    session.commit()
    value = "; ".join(earlier.lines) if earlier.lines else earlier.missing
    flash(f"{field_name(path)} is back to its earlier value: {value}.", "success")
    return redirect(url_for("staff.history", group_id=group_id))


# ---- trusted organisations -------------------------------------------------------------------


@staff.route("/admin/organisations", methods=["GET", "POST"])
@_admins_only
def organisations() -> ResponseReturnValue:
    if request.method == "POST":
        session = db_session()
        shown = {int(v) for v in request.form.getlist("shown") if v.isdigit()}
        trusted = {int(v) for v in request.form.getlist("trusted") if v.isdigit()}
        # Only the organisations that were on the page: one added meanwhile stays as it is.
        for organisation in session.scalars(select(Organisation).where(Organisation.id.in_(shown))):
            organisation.trusted = organisation.id in trusted
        session.commit()
        flash(
            f"Saved. {len(trusted & shown)} of {len(shown)} organisations are trusted.", "success"
        )
        return redirect(url_for("staff.organisations"))
    session = read_session()
    counts = (
        select(Group.organisation_id, func.count().label("groups"))
        .group_by(Group.organisation_id)
        .subquery()
    )
    rows = session.execute(
        select(Organisation.id, Organisation.name, Organisation.trusted, counts.c.groups)
        .outerjoin(counts, counts.c.organisation_id == Organisation.id)
        .order_by(Organisation.name)
    ).all()
    return render_template("staff/organisations.html", organisations=rows)
