"""The organiser's pages: their groups at a glance, "still running", editing and proposing.

Organisers see and change their own organisations' groups; admins see and change any group.
An edit posts the whole form with the version it was opened at; the form is read into a
listing (``convert``) and handed whole to ``moderation.submit_edited_listing``, which keeps
only what differs from the stored listing. Nothing is written unless the whole change is
accepted; the contract's problems come back next to their fields (``errors``).

If someone else saved the listing in between, the form comes back (409) with what they
changed (``edits.merge_after_stale``), and the version moves on so a second save, after
checking, goes through.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from assetmap.accounts.users import Permissions
from assetmap.directory.edits import (
    StaleEdit,
    current_listing,
    listing_problems,
    merge_after_stale,
    merge_patch,
    patch_between,
)
from assetmap.directory.moderation import (
    Submitted,
    ask_to_close,
    pending_version,
    propose_new_listing,
    submit_change,
    submit_edited_listing,
)
from assetmap.directory.my_groups import GroupSummary, WaitingChange, waiting_changes
from assetmap.errors import Forbidden, NotFound, ValidationError
from assetmap.freshness.answers import ChangeWaiting, confirm_still_running
from assetmap.models import ChangeKind, Group, Organisation, Role, Status, User
from assetmap.referrals.listings import organiser_groups
from assetmap.web.auth import acting_user, roles_required
from assetmap.web.cancellations import cancelled_lines, session_day_text
from assetmap.web.context import app_config, db_session, freshness_policy, geocoder, today
from assetmap.web.context import now as request_now
from assetmap.web.converters import PAGE_MAX, lenient_whole, parse_whole
from assetmap.web.manage.cancel import (
    cancel_choices,
    cancelled_from_form,
    this_weeks_session,
    with_cancelled,
)
from assetmap.web.manage.convert import ListingFromForm, form_data, listing_from_form, text
from assetmap.web.manage.errors import FormErrors, FormState, form_errors, notes_by_field
from assetmap.web.manage.forms import ListingForm, NewListingForm, choices
from assetmap.web.manage.referral_words import PAUSE_EXPLAINED, paused_words
from assetmap.web.maps import build_map
from assetmap.web.wording import (
    ACCESS_NAMES,
    STATUS_NAMES,
    field_label,
    months_ago,
    spare_places_text,
    value_text,
)

manage = Blueprint("manage", __name__, url_prefix="/my")

PAGE_SIZE = 50
#: The statuses an organiser chooses between; closing goes through "ask to close".
EDITABLE_STATUSES = [Status.OPEN, Status.INVITATION_ONLY, Status.WAITING_LIST, Status.PAUSED]
#: The endpoint of the admins' moderation queue (web/staff).
MODERATION_QUEUE = "staff.moderation_queue"
organisers_and_admins = roles_required(Role.ORGANISER, Role.ADMIN)


# ---- pieces of the pages --------------------------------------------------------------------


@dataclass
class GroupRow:
    """One group on the dashboard, in words."""

    id: int
    name: str
    organisation: str | None
    status: str
    freshness: str
    checked: str
    places: str | None
    pending: list[str]
    #: The public details "still running" confirms.
    listing: dict[str, Any]
    #: Why "still running" is not offered (a change waits), or None.
    refuse: str | None
    #: The session this week that "Cancel this week's session" would cancel, and its words.
    cancel_date: str | None = None
    cancel_day: str = ""
    #: "Cancelled: Tue 8 Dec (the group meets again Tue 15 Dec)", for the next two weeks.
    cancelled: list[str] | None = None
    #: The last day referrals are paused, if that is today or later ("" otherwise).
    paused_until: str = ""


@dataclass
class StaleNotice:
    """What someone else changed, for the 409 page."""

    changes: list[tuple[str, str]]  # (label, value now)
    both: list[str]  # labels of fields this person changed too


def _waiting_text(change: WaitingChange) -> str:
    sent = change.proposed_at.strftime("%-d %B %Y")
    if change.kind is ChangeKind.CLOSE:
        return f"You asked on {sent} to close it: waiting for an admin's approval."
    parts = sorted({field_label(key) for key in change.fields})
    return f"Changes sent on {sent} ({', '.join(parts)}) wait for an admin's approval."


def _group_row(group: GroupSummary) -> GroupRow:
    now = request_now()
    last = group.last_verified_at.isoformat() if group.last_verified_at else None
    capacity = {"spare_places": group.spare_places, "waiting_list": group.waiting_list}
    return GroupRow(
        id=group.id,
        name=group.name,
        organisation=group.organisation,
        status=group.status.value,
        freshness=group.freshness.value,
        checked=months_ago(last, today()),
        places=_places_words(group, capacity),
        pending=[_waiting_text(change) for change in group.waiting],
        listing=group.listing,
        refuse=_refusal(group.waiting[0]) if group.waiting else None,
        cancel_date=week.isoformat() if (week := this_weeks_session(group.listing, now)) else None,
        cancel_day=session_day_text(week) if week else "",
        cancelled=cancelled_lines(group.listing, now),
        paused_until=paused_words(group.referrals_paused_until, today()),
    )


def _places_words(group: GroupSummary, capacity: dict[str, Any]) -> str | None:
    """ "3 places free (2 taken by people referred through assetmap, 1 held for a referral
    not answered yet)": the organiser sees why the figure is lower than their own count."""
    said = spare_places_text(capacity)
    parts = []
    if group.places_referred:
        n = group.places_referred
        parts.append(f"{n} taken by {'people' if n != 1 else 'someone'} referred through assetmap")
    if group.places_held:
        parts.append(f"{group.places_held} held for a referral not answered yet")
    if not parts or said is None:
        return said
    return f"{said} ({', '.join(parts)})"


def _refusal(change: WaitingChange) -> str:
    """Why "still running" is refused while ``change`` waits, and what to do instead."""
    sent = change.proposed_at.strftime("%-d %B %Y")
    return (
        f"Your change of {sent} is waiting for review; confirming now would mark the old "
        "details as checked. Once an admin approves it, the listing counts as checked. If "
        "something else has changed, edit your waiting change."
    )


def _editable_group(session: Session, user: User, group_id: int) -> Group:
    group = session.get(Group, group_id)
    if group is None:
        abort(404)
    if not Permissions.of(session, user).may_edit(group):
        abort(403)
    return group


def _version(form: ListingForm) -> int:
    typed = parse_whole(text(form.version.data), low=0)
    if typed is None:
        abort(400)
    return typed


def _save_note(session: Session, user: User, group: Group | None) -> str:
    """What happens when this person saves: live at once, or checked by an admin first."""
    if user.role is Role.ADMIN:
        return "Your changes go live as soon as you save them."
    organisation = (
        session.get(Organisation, group.organisation_id)
        if group is not None and group.organisation_id
        else None
    )
    if organisation is not None and organisation.trusted:
        return (
            "Changes to sessions, places, status and cancelled sessions go live as soon as you "
            "save them. Other changes are checked by an admin first."
        )
    return (
        "Places, the waiting list, status and cancelled sessions go live as soon as you save "
        "them (closing the group for good waits for an admin). An admin checks other changes "
        "before they go live; until then the public listing keeps them as they are."
    )


def _offer_statuses(form: ListingForm, current_status: str | None, user: User) -> None:
    """The status radios: closing is for admins, or shown when the group is closed already."""
    statuses = list(EDITABLE_STATUSES)
    if current_status == Status.CLOSED.value or user.role is Role.ADMIN:
        statuses.append(Status.CLOSED)
    form.status.choices = choices((s.value, STATUS_NAMES[s]) for s in statuses)


def _venue_map(listing: Mapping[str, Any]) -> Any:
    venue = listing.get("venue") or {}
    lat, lon = venue.get("lat"), venue.get("lon")
    if isinstance(lat, int | float) and isinstance(lon, int | float):
        return build_map(app_config(), (lat, lon), 16, marker=True)
    return build_map(app_config(), app_config().map_centre, 13)


def _edit_form(listing: Mapping[str, Any], version: int, user: User) -> ListingForm:
    form = ListingForm(formdata=None, data=form_data(listing, version))
    _offer_statuses(form, listing.get("status"), user)
    return form


def _render_form(
    *,
    form: ListingForm,
    group: Group | None,
    listing: Mapping[str, Any],
    errors: FormErrors | None = None,
    stale: StaleNotice | None = None,
    notes: Mapping[str, str] | None = None,
    close_error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    session, user = db_session(), acting_user()
    pending = waiting_changes(session, [group.id]) if group is not None else {}
    errors = errors or FormErrors()
    ticked = form.cancelled_dates.data or []
    form.cancelled_dates.choices = cancel_choices(listing, ticked, request_now()) if group else []
    return render_template(
        "manage/edit.html",
        form=form,
        group=group,
        listing=listing,
        errors=errors,
        state=FormState(errors.by_field, notes_by_field(form, notes or {})),
        stale=stale,
        close_error=close_error,
        close_state=FormState({"reason": close_error} if close_error else {}),
        pending=[_waiting_text(c) for c in pending.get(group.id, [])] if group else [],
        save_note=_save_note(session, user, group),
        # The form started from the waiting edit, and saving it replaces that edit.
        editing_waiting=any(c.kind is ChangeKind.EDIT for c in pending.get(group.id, []))
        if group
        else False,
        map=_venue_map(listing),
        access_names=ACCESS_NAMES,
    ), status


# ---- the views -------------------------------------------------------------------------------


@manage.get("/groups")
@organisers_and_admins
def dashboard() -> ResponseReturnValue:
    user = acting_user()
    page = lenient_whole(request.args.get("page"), 1, low=1, high=PAGE_MAX)
    found = organiser_groups(
        db_session(),
        user,
        request_now(),
        classify=freshness_policy().classifier(today()),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    is_admin = user.role is Role.ADMIN
    return render_template(
        "manage/dashboard.html",
        rows=[_group_row(group) for group in found.groups],
        total=found.total,
        page=page,
        pages=max(math.ceil(found.total / PAGE_SIZE), 1),
        is_admin=is_admin,
        moderation_url=url_for(MODERATION_QUEUE) if is_admin else None,
        proposals=[
            f"{p.name or 'A new group'} (sent {p.proposed_at.strftime('%-d %B %Y')})"
            for p in found.proposed
        ],
        organisations=found.organisations,
        pause_explained=PAUSE_EXPLAINED,
    )


@manage.post("/groups/<id:group_id>/confirm")
@organisers_and_admins
def confirm(group_id: int) -> ResponseReturnValue:
    session, user = db_session(), acting_user()
    group = _editable_group(session, user, group_id)
    try:
        confirm_still_running(session, user, group_id, today())
    except ChangeWaiting as waiting:
        session.rollback()
        flash(f"{group.name} was not marked as checked. {_refusal(waiting.change)}", "error")
        return redirect(url_for("manage.dashboard"))
    except Forbidden:
        session.rollback()
        abort(403)
    except NotFound:
        session.rollback()
        abort(404)
    name = group.name
    session.commit()
    flash(f"Thank you. {name} is marked as checked today.", "success")
    return redirect(url_for("manage.dashboard"))


@manage.post("/groups/<id:group_id>/cancel-session")
@organisers_and_admins
def cancel_session(group_id: int) -> ResponseReturnValue:
    """The dashboard's "Cancel this week's session": live at once, like places and status."""
    session, user = db_session(), acting_user()
    group = _editable_group(session, user, group_id)
    try:
        day = dt.date.fromisoformat(text(request.form.get("date")))
    except ValueError:
        abort(400)
    # Adds one date to those cancelled now: nothing else of the listing to be stale about.
    name, based_on = group.name, group.version
    try:
        submit_change(
            session,
            user,
            group_id,
            with_cancelled(current_listing(session, group_id), day),
            based_on=based_on,
            geocoder=geocoder(session),
            public_url=app_config().public_url,
        )
    except StaleEdit:
        session.rollback()
        flash(f"{name} was changed meanwhile: nothing was cancelled. Please try again.", "error")
        return redirect(url_for("manage.dashboard"))
    except ValidationError as error:
        session.rollback()
        flash(f"The session was not cancelled: {error}.", "error")
        return redirect(url_for("manage.dashboard"))
    session.commit()
    flash(
        f"The session of {name} on {session_day_text(day)} is cancelled: the listing says so now.",
        "success",
    )
    return redirect(url_for("manage.dashboard"))


@manage.get("/groups/<id:group_id>/edit")
@organisers_and_admins
def edit_form(group_id: int) -> ResponseReturnValue:
    session, user = db_session(), acting_user()
    group = _editable_group(session, user, group_id)
    shown, _ = pending_version(session, group_id)
    form = _edit_form(shown, group.version, user)
    return _render_form(form=form, group=group, listing=shown)


@manage.post("/groups/<id:group_id>/edit")
@organisers_and_admins
def edit(group_id: int) -> ResponseReturnValue:
    session, user = db_session(), acting_user()
    group = _editable_group(session, user, group_id)
    stored = current_listing(session, group_id)
    form = ListingForm()
    _offer_statuses(form, stored.get("status"), user)
    based_on = _version(form)
    proposed = listing_from_form(form)
    proposed.listing["cancelled_dates"] = cancelled_from_form(
        form.cancelled_dates.data, stored, today()
    )
    try:
        submitted = submit_edited_listing(
            session,
            user,
            group_id,
            proposed.listing,
            based_on=based_on,
            geocoder=geocoder(session),
            public_url=app_config().public_url,
        )
    except StaleEdit as stale:
        session.rollback()
        return _after_stale(group, stale, proposed.listing, stored.get("status"))
    except Forbidden:
        session.rollback()
        abort(403)
    except ValidationError as error:
        session.rollback()
        # Check the whole listing as it would be, to show every problem at once.
        whole = merge_patch(stored, patch_between(proposed.listing, stored))
        return _with_problems(form, group, proposed, listing_problems(error, whole))
    if submitted is None:
        flash(
            f"You did not change anything in {group.name}. If it is still running as "
            "listed, use “Still running, nothing changed”.",
            "info",
        )
        return redirect(url_for("manage.dashboard"))
    session.commit()
    flash(*_saved_words(group.name, submitted))
    return redirect(url_for("manage.dashboard"))


def _saved_words(name: str, submitted: Submitted) -> tuple[str, str]:
    """The message after a save, and its kind: what is live now, and what waits."""
    changed = submitted.applied.changed if submitted.applied else []
    live = sorted({field_label(path.split(".")[0]) for path in changed})
    live_words = f"The new {' and '.join(live).lower()} of {name} are live now" if live else ""
    if not submitted.waiting:
        return f"Saved. The changes to {name} are live now.", "success"
    if live_words:
        return (
            f"Saved. {live_words}. Your other changes were sent to an admin for approval: "
            "the public listing keeps them as they were until then.",
            "info",
        )
    return (
        f"Sent to an admin for approval: the public listing of {name} stays as it was until then.",
        "info",
    )


def _after_stale(
    group: Group, stale: StaleEdit, proposed: dict[str, Any], status: str | None
) -> ResponseReturnValue:
    """The form again (409) with the other person's changes merged in and named."""
    merge = merge_after_stale(db_session(), group.id, stale, proposed)
    shown = {path: str(value_text(path, value)) for path, value in merge.theirs.items()}
    notice = StaleNotice(
        changes=[(field_label(path), text) for path, text in shown.items()],
        both=[field_label(path) for path in merge.both],
    )
    again = ListingForm(formdata=None, data=form_data(merge.listing, stale.current))
    _offer_statuses(again, status, acting_user())
    return _render_form(
        form=again,
        group=group,
        listing=merge.listing,
        stale=notice,
        notes={path: shown[path] for path in merge.both},
        status=409,
    )


def _with_problems(
    form: ListingForm,
    group: Group | None,
    proposed: ListingFromForm,
    problems: list[tuple[str, str]],
) -> ResponseReturnValue:
    return _render_form(
        form=form,
        group=group,
        listing=proposed.listing,
        errors=form_errors(form, problems, proposed.rows),
        status=400,
    )


@manage.post("/groups/<id:group_id>/close")
@organisers_and_admins
def close(group_id: int) -> ResponseReturnValue:
    session, user = db_session(), acting_user()
    group = _editable_group(session, user, group_id)
    try:
        ask_to_close(
            session,
            user,
            group_id,
            request.form.get("reason", "")[:5000],
            public_url=app_config().public_url,
        )
    except Forbidden:
        session.rollback()
        abort(403)
    except ValidationError:
        session.rollback()
        shown, _ = pending_version(session, group_id)
        return _render_form(
            form=_edit_form(shown, group.version, user),
            group=group,
            listing=shown,
            close_error="Say why the group is closing",
            status=400,
        )
    name = group.name
    session.commit()
    flash(
        f"Your request to close {name} was sent to an admin. It stays listed until they "
        "approve it.",
        "info",
    )
    return redirect(url_for("manage.dashboard"))


def _new_form(session: Session, user: User, formdata: bool) -> NewListingForm:
    """The new-group form, offering the organisations this person may add groups to."""
    query = select(Organisation.name).order_by(Organisation.name)
    if user.role is not Role.ADMIN:
        ids = sorted(Permissions.of(session, user).organisation_ids)
        query = query.where(Organisation.id.in_(ids))
    blank = {"status": Status.OPEN.value}
    form = NewListingForm() if formdata else NewListingForm(formdata=None, data=form_data(blank))
    form.organisation.choices = choices((name, name) for name in session.scalars(query))
    _offer_statuses(form, None, user)
    return form


@manage.get("/groups/new")
@organisers_and_admins
def new_form() -> ResponseReturnValue:
    form = _new_form(db_session(), acting_user(), formdata=False)
    return _render_form(form=form, group=None, listing={"status": Status.OPEN.value})


@manage.post("/groups/new")
@organisers_and_admins
def new() -> ResponseReturnValue:
    session, user = db_session(), acting_user()
    form = _new_form(session, user, formdata=True)
    proposed = listing_from_form(form)
    proposed.listing = {"organisation": text(form.organisation.data) or None, **proposed.listing}
    try:
        propose_new_listing(
            session, user, proposed.listing, geocoder(session), public_url=app_config().public_url
        )
    except Forbidden:
        session.rollback()
        abort(403)
    except ValidationError as error:
        session.rollback()
        return _with_problems(form, None, proposed, listing_problems(error, proposed.listing))
    session.commit()
    flash(
        f"Thank you. {proposed.listing['name']} was sent for approval: it will be on the map "
        "once an admin approves it.",
        "info",
    )
    return redirect(url_for("manage.dashboard"))
