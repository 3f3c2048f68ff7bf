"""The link worker's case pages: the team's cases, opening and editing one, referring and
moving referrals on.

Each view parses the form, makes one domain call (``referrals.cases``, ``referrals.service``,
``referrals.casework``) and renders or redirects. A refused write is rolled back and the page
comes back with the reason and the error's 4xx status. Nothing personal goes into a URL: a
case is addressed by its id, and the match context reaches ``/cases/new`` in a POST body.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from assetmap.errors import AssetmapError, NotFound, ValidationError
from assetmap.models import Role
from assetmap.referrals.cases import case_for, open_case, parse_case, update_case
from assetmap.referrals.casework import (
    case_rows,
    case_summary,
    group_contact,
    move_in_case,
    refer_choices,
    shortlist_refs,
)
from assetmap.referrals.service import refer
from assetmap.web import referral_words
from assetmap.web.auth import acting_user, roles_required, signed_in_user
from assetmap.web.cases import words
from assetmap.web.cases.forms import (
    CASE_FIELDS,
    FormState,
    case_data,
    move_form,
    prefill,
    profile_from,
    profile_json,
    whole_number,
)
from assetmap.web.context import db_session, now, referral_settings
from assetmap.web.converters import parse_whole
from assetmap.web.security import no_store_blueprint

cases = no_store_blueprint(Blueprint("cases", __name__, url_prefix="/cases"))
link_workers = roles_required(Role.LINK_WORKER, Role.ADMIN)


@cases.app_context_processor
def _words() -> dict[str, object]:
    return {"CASE_WORDS": words, "REFERRAL_WORDS": referral_words}


@cases.app_template_global("refer_cases")
def refer_cases() -> list[tuple[int, str]] | None:
    """The signed-in link worker's recent cases for the "Refer" partial; None for anyone else
    (the partial then draws nothing)."""
    if "refer_cases" not in g:
        user = signed_in_user()
        works = user is not None and user.role in (Role.LINK_WORKER, Role.ADMIN)
        g.refer_cases = refer_choices(db_session(), user) if works else None
    found: list[tuple[int, str]] | None = g.refer_cases
    return found


@cases.app_template_global("case_profile_json")
def case_profile_json() -> str | None:
    """This /match request's query string as the profile a new case keeps (or None)."""
    return profile_json(request.args)


# ---- the list, opening, editing -----------------------------------------------------------


@cases.get("")
@link_workers
def index() -> ResponseReturnValue:
    return render_template("cases/index.html", rows=case_rows(db_session(), acting_user()))


@cases.route("/new", methods=["GET", "POST"])
@link_workers
def new() -> ResponseReturnValue:
    """Opening a case. A POST with ``open`` writes; one without it (from /match or the plan,
    carrying only the match context) shows the form filled in and writes nothing."""
    if request.method == "GET":
        return _case_form(FormState(), [])
    form = request.form
    try:
        profile = profile_from(form.get("profile"))
    except ValidationError as error:
        state = prefill(MultiDict({k: v for k, v in form.items() if k != "profile"}), None)
        state.add(error, "profile")
        return _case_form(state, []), 400
    state = prefill(form, profile)
    shortlist = form.getlist("shortlist")
    if form.get("action") != "open":
        return _case_form(state, shortlist)
    session = db_session()
    try:
        case = open_case(session, acting_user(), parse_case(case_data(form)), now())
    except AssetmapError as error:
        session.rollback()
        state.add(error)
        return _case_form(state, shortlist), error.http_status
    reference = case.reference
    session.commit()
    flash(words.OPENED.format(reference=reference), "success")
    return redirect(url_for("cases.show", case_id=case.id))


def _case_form(state: FormState, shortlist: list[str], case_id: int | None = None) -> str:
    ids = [n for v in shortlist if (n := parse_whole(v, high=2**31 - 1)) is not None]
    return render_template(
        "cases/new.html",
        state=state,
        fields=CASE_FIELDS,
        shortlist=shortlist_refs(db_session(), ids[:50]),
        case_id=case_id,
    )


@cases.route("/<id:case_id>/edit", methods=["GET", "POST"])
@link_workers
def edit(case_id: int) -> ResponseReturnValue:
    session, user = db_session(), acting_user()
    if request.method == "GET":
        try:
            case = case_for(session, user, case_id, now())
        except NotFound:
            abort(404)
        values = {name: getattr(case, name) or "" for name in CASE_FIELDS}
        session.commit()  # the audit of this opening
        state = FormState(values=values)
        return _case_form(state, [str(i) for i in case.shortlist or []], case_id)
    form = request.form
    data = case_data(MultiDict({k: v for k, v in form.items(multi=True) if k != "profile"}))
    try:
        current = case_for(session, user, case_id, now(), record=False)
        data["profile"] = current.profile
        data["shortlist"] = current.shortlist or []
        case = update_case(session, user, case_id, parse_case(data), now())
    except NotFound:
        abort(404)
    except AssetmapError as error:
        session.rollback()
        state = FormState(values={name: form.get(name, "") for name in CASE_FIELDS})
        state.add(error)
        return _case_form(state, [], case_id), error.http_status
    reference = case.reference
    session.commit()
    flash(words.SAVED.format(reference=reference), "success")
    return redirect(url_for("cases.show", case_id=case_id))


# ---- the case page, referring, moving ------------------------------------------------------


@cases.get("/<id:case_id>")
@link_workers
def show(case_id: int) -> ResponseReturnValue:
    return _case_page(case_id)


def _case_page(
    case_id: int, error: AssetmapError | None = None, referral_id: int | None = None
) -> ResponseReturnValue:
    """The case page (its reading audited), with ``error`` shown by the form it came from."""
    session = db_session()
    try:
        summary = case_summary(session, acting_user(), case_id, now())
    except NotFound:
        abort(404)
    session.commit()
    html = render_template(
        "cases/show.html", summary=summary, error=error, error_referral=referral_id
    )
    return html, (error.http_status if error else 200)


@cases.post("/<id:case_id>/refer", endpoint="refer")
@link_workers
def refer_to(case_id: int) -> ResponseReturnValue:
    return _refer(case_id, request.form.get("group_id"))


@cases.post("/refer")
@link_workers
def refer_from() -> ResponseReturnValue:
    """Refer from a listing, the plan or a match card. A card sits inside the plan's form, so
    its buttons post the ids in the address (ids only: nothing personal)."""
    values = request.form.get("case_id") or request.args.get("case_id")
    try:
        case_id = whole_number(values, "case_id")
    except ValidationError as error:
        flash(error.message, "error")
        return redirect(url_for("cases.index")), 303
    return _refer(case_id, request.form.get("group_id") or request.args.get("group_id"))


def _refer(case_id: int, group_value: str | None) -> ResponseReturnValue:
    session = db_session()
    try:
        group_id = whole_number(group_value, "group_id")
        made = refer(session, acting_user(), case_id, group_id, now(), referral_settings())
        name, phone = group_contact(session, group_id)
    except AssetmapError as error:
        session.rollback()
        if isinstance(error, NotFound) and error.field != "group_id":
            abort(404)
        return _case_page(case_id, error)
    session.commit()
    if made.emailed:
        flash(words.EMAILED.format(group=name), "success")
    elif phone:
        flash(words.PHONE.format(group=name, phone=phone), "important")
    else:
        flash(words.NO_CONTACT.format(group=name), "important")
    return redirect(url_for("cases.show", case_id=case_id))


@cases.post("/<id:case_id>/referrals/<id:referral_id>/move")
@link_workers
def move(case_id: int, referral_id: int) -> ResponseReturnValue:
    session = db_session()
    try:
        posted = move_form(request.form)
        referral = move_in_case(
            session,
            acting_user(),
            case_id,
            referral_id,
            posted.to,
            now(),
            version=posted.version,
            decline_reason=posted.decline_reason,
            stop_reason=posted.stop_reason,
            reason_text=posted.reason_text,
        )
    except AssetmapError as error:
        session.rollback()
        if isinstance(error, NotFound):
            abort(404)
        return _case_page(case_id, error, referral_id)
    state = referral_words.STATE[referral.state]
    group_id = referral.group_id
    session.commit()
    name = group_contact(session, group_id)[0] if group_id else "The referral"
    flash(words.MOVED.format(group=name, state=state.lower()), "success")
    return redirect(url_for("cases.show", case_id=case_id) + f"#referral-{referral_id}")
