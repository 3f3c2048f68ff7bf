"""The match page and the plan: parse the query string, make one call to the matching service,
render.

The plan re-runs the match for the same profile (never recording an unmet need) and shows only
the groups chosen, in the order chosen.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from assetmap.directory.reads import common_interests
from assetmap.errors import ValidationError
from assetmap.matching.requests import MAX_LIMIT
from assetmap.matching.service import run_match, run_plan
from assetmap.models import Role
from assetmap.outbox.pdf import html_to_pdf
from assetmap.referrals.plan_email import email_plan
from assetmap.web.auth import acting_user, roles_required, signed_in_user
from assetmap.web.context import (
    app_config,
    db_session,
    match_deps,
    now,
    read_session,
    today,
)
from assetmap.web.maps import build_map
from assetmap.web.match.counting import counted_for
from assetmap.web.match.form import form_choices
from assetmap.web.match.plan import missing_names, plan_item
from assetmap.web.match.plan_email import SENT, email_state, parse_plan_email, plan_link
from assetmap.web.match.query import (
    FormInvalid,
    chosen_ids,
    located_error,
    profile_args,
    search_request,
    shown_limit,
)
from assetmap.web.match.results import FEW_RESULTS, MatchPage
from assetmap.web.security import no_store_blueprint

#: Every page here carries a person's postcode and needs (in its address): never cached.
match_pages = no_store_blueprint(Blueprint("match_pages", __name__))

#: The plan re-runs the match with room to spare, so a chosen group that slipped a place or
#: two since the search (a place taken, a day passing) is still found.
PLAN_LIMIT = MAX_LIMIT
#: Popular interests offered as suggestions in the interests box.
SUGGESTIONS = 60


@match_pages.get("/match")
def match_form() -> ResponseReturnValue:
    page = MatchPage(args=request.args, chosen=request.args.getlist("choose"))
    if page.searched:
        _add_search_results(page, record=True)
    return _render_form(page)


@match_pages.get("/match/plan")
def plan() -> ResponseReturnValue:
    shown = _plan_page()
    if not isinstance(shown, dict):
        return shown
    return render_template("match/plan.html", **shown, **email_state(signed_in_user()))


@match_pages.post("/match/plan/email")
@roles_required(Role.LINK_WORKER, Role.ADMIN)
def email_plan_page() -> ResponseReturnValue:
    """Send the person the plan the query string describes: a PDF of the print page and/or
    a link to it. The address is in the form's body, never in a URL, and is not kept."""
    shown = _plan_page()
    if not isinstance(shown, dict):
        return shown
    asked = parse_plan_email(request.form)

    def render_pdf() -> bytes:
        return html_to_pdf(render_template("match/plan.html", **shown, for_pdf=True))

    link = plan_link(request.query_string) if asked.include_link else None
    try:
        email_plan(
            db_session(),
            acting_user(),
            asked.email,
            render_pdf=render_pdf if asked.attach_pdf else None,
            link=link,
        )
    except ValidationError as error:
        db_session().rollback()
        state = email_state(acting_user(), asked, error)
        return render_template("match/plan.html", **shown, **state), 400
    db_session().commit()
    flash(SENT, "success")
    return redirect(plan_link(request.query_string, external=False) + "#plan-email")


def _plan_page() -> dict[str, Any] | ResponseReturnValue:
    """What the plan page shows for the query string, or the match form with its error."""
    page = MatchPage(args=request.args, chosen=request.args.getlist("choose"))
    ids, choice_error = chosen_ids(page.chosen, page.args.get("order"))
    if choice_error is not None:
        # Back to the results, as they were, with the error: nothing is recorded.
        page.errors.append(choice_error)
        _add_search_results(page, record=False)
        return _render_form(page)
    try:
        match_request = search_request(page.args, PLAN_LIMIT)
    except FormInvalid as invalid:
        page.errors.append(invalid.error)
        return _render_form(page)
    try:
        planned = run_plan(
            db_session(),
            match_request,
            match_deps(db_session()),
            today(),
            ids,
            now=now(),
            counted_for=counted_for(signed_in_user()),
        )
    except ValidationError as error:
        page.errors.append(located_error(error, match_request))
        return _render_form(page)
    return {
        "items": [plan_item(number, option) for number, option in enumerate(planned.options, 1)],
        "missing": missing_names(planned.missing),
        "back_url": url_for("match_pages.match_form")
        + _query(profile_args(page.args), ids)
        + "#results",
        "today": today(),
    }


def _add_search_results(page: MatchPage, *, record: bool) -> None:
    """Run the search the page's query string describes and add its results (or the form
    error it makes) to ``page``. With ``record``, a link worker's search counts (once a day:
    an unmet need and each group offered)."""
    try:
        match_request = search_request(page.args, shown_limit(page.args))
    except FormInvalid as invalid:
        page.errors.append(invalid.error)
        return
    try:
        matched = run_match(
            db_session(),
            match_request,
            match_deps(db_session()),
            today(),
            counted_for=counted_for(signed_in_user()) if record else None,
            now=now(),
        )
    except ValidationError as error:
        page.errors.append(located_error(error, match_request))
        return
    page.show(matched, seen=matched.counted_before)


def _render_form(page: MatchPage) -> ResponseReturnValue:
    centre = page.centre or app_config().map_centre
    return render_template(
        "match/form.html",
        page=page,
        map=build_map(app_config(), centre, 13) if page.cards else None,
        plan_args=profile_args(page.args),
        suggestions=common_interests(read_session(), SUGGESTIONS),
        few_results=FEW_RESULTS,
        today=today(),
        **form_choices(),
    ), (400 if page.errors else 200)


def _query(args: list[tuple[str, str]], chosen: list[int]) -> str:
    return "?" + urlencode([*args, *(("choose", str(id_)) for id_ in chosen)])
