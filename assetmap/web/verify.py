"""Link workers' re-verification queue (/verify) and the staff freshness dashboard."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from assetmap.directory.edits import StaleEdit, current_listing
from assetmap.directory.reports import OpenReports, disputed_contacts, open_reports
from assetmap.errors import AssetmapError, Conflict, Forbidden, NotFound, ValidationError
from assetmap.freshness import tasks
from assetmap.freshness.dashboard import build_dashboard
from assetmap.freshness.tasks import UNREACHABLE_LIMIT, WORKER_METHODS, Outcome, QueueFilter
from assetmap.models import (
    Category,
    Group,
    Role,
    TaskStage,
    User,
    VerificationMethod,
    VerificationTask,
)
from assetmap.verification.policy import policy_summary
from assetmap.web.auth import acting_user, roles_required
from assetmap.web.context import db_session, freshness_policy, geocoder, today
from assetmap.web.converters import PAGE_MAX, lenient_whole, parse_whole
from assetmap.web.manage.convert import ListingFromForm
from assetmap.web.verify_forms import (
    DetailsState,
    details_form,
    details_state,
    is_listing_error,
    read_details,
    sent_details,
)
from assetmap.web.wording import (
    ACCESS_NAMES,
    CATEGORY_NAMES,
    CHECK_METHOD_NAMES,
    PROBLEM_NAMES,
    TASK_OUTCOME_NAMES,
    TASK_REASON_NAMES,
)

verify = Blueprint("verify", __name__)

PAGE_SIZE = 25
staff_only = roles_required(Role.LINK_WORKER, Role.COMMUNITY_BUILDER, Role.ADMIN)

#: What the link worker found, as the record form's choices.
RESULT_WORDS = {
    "confirmed": "Still running, nothing has changed",
    "updated": "Still running, some details have changed",
    "closed": "The group has stopped",
    "unreachable": "Could not reach anyone",
}


def _filter(args: MultiDict[str, str]) -> tuple[QueueFilter, str | None]:
    category = args.get("category", "")
    problem = None
    if category and category not in {c.value for c in Category}:
        problem, category = "Choose a category from the list", ""
    area = args.get("area", "").strip()[:8]
    return (
        QueueFilter(
            area=area,
            category=category,
            include_organiser_stage=args.get("waiting") == "1",
            mine_only=args.get("mine") == "1",
        ),
        problem,
    )


@verify.get("/verify")
@staff_only
def queue() -> ResponseReturnValue:
    wanted, problem = _filter(request.args)
    page = lenient_whole(request.args.get("page"), 1, low=1, high=PAGE_MAX)
    me = acting_user()
    found, total = tasks.queue(
        db_session(), me, today(), wanted, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    done = None
    if done_id := parse_whole(request.args.get("done")):
        done = db_session().get(VerificationTask, done_id)
    return render_template(
        "verify/queue.html",
        tasks=found,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        wanted=wanted,
        problem=problem,
        me=me,
        today=today(),
        done=done,
        reason_words=TASK_REASON_NAMES,
        outcome_words=TASK_OUTCOME_NAMES,
        categories=CATEGORY_NAMES,
        limit=UNREACHABLE_LIMIT,
        stage_organiser=TaskStage.ORGANISER,
        problem_words=PROBLEM_NAMES,
    )


@verify.post("/verify/<id:task_id>/claim")
@staff_only
def claim(task_id: int) -> ResponseReturnValue:
    session = db_session()
    try:
        tasks.claim(session, acting_user(), task_id)
        session.commit()
    except (Forbidden, ValidationError) as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("verify.queue"))
    except NotFound:
        abort(404)
    return redirect(url_for("verify.task", task_id=task_id))


@verify.post("/verify/<id:task_id>/release")
@staff_only
def release(task_id: int) -> ResponseReturnValue:
    session = db_session()
    tasks.release(session, acting_user(), task_id)
    session.commit()
    return redirect(url_for("verify.queue"))


def _task_or_404(task_id: int) -> tuple[VerificationTask, Group]:
    task = db_session().get(VerificationTask, task_id)
    if task is None:
        abort(404)
    group = db_session().get(Group, task.group_id)
    assert group is not None
    return task, group


def _render_task(
    task: VerificationTask,
    group: Group,
    form: MultiDict[str, str] | None = None,
    error: AssetmapError | None = None,
    details: DetailsState | None = None,
) -> ResponseReturnValue:
    """The task page: the listing, its open reports, and (for the worker holding it) the
    form to record what they found, with the details form filled in from the listing."""
    session, me = db_session(), acting_user()
    stored = current_listing(session, group.id)
    if details is None:
        details = details_state(details_form(stored), stored)
    reports = open_reports(session, [group.id]).get(group.id, OpenReports())
    listing_error = is_listing_error(error)
    return render_template(
        "verify/task.html",
        task=task,
        group=group,
        mine=task.claimed_by_id == me.id,
        claimer=session.get(User, task.claimed_by_id) if task.claimed_by_id else None,
        form=form or MultiDict(),
        details=details,
        error=None if listing_error else error,
        listing_error=listing_error,
        summary=_summary(error, details, listing_error),
        reports=reports,
        disputed=disputed_contacts(session, group.id, reports),
        problem_words=PROBLEM_NAMES,
        today=today(),
        reason_words=TASK_REASON_NAMES,
        outcome_words=TASK_OUTCOME_NAMES,
        result_words=RESULT_WORDS,
        method_words={m: CHECK_METHOD_NAMES[m] for m in WORKER_METHODS},
        access_names=ACCESS_NAMES,
        limit=UNREACHABLE_LIMIT,
        history=group.verifications[-5:],
    ), (error.http_status if error else 200)


def _summary(
    error: AssetmapError | None, details: DetailsState, listing_error: bool
) -> list[tuple[str, str]]:
    """The error summary's (anchor, message) list: the details form's, or the task's one."""
    if listing_error:
        return details.errors.summary
    return [(_anchor(error), error.message)] if error else []


#: Error summary links for fields that are a group of choices (or no field at all).
ANCHORS = {"result": "result-confirmed", "method": "method-phone", "task": "record"}


def _anchor(error: AssetmapError | None) -> str:
    """Where the error summary's link goes: the field, or the first choice of a group."""
    field = error.field if error and error.field else "record"
    return ANCHORS.get(field, field)


@verify.get("/verify/<id:task_id>")
@staff_only
def task(task_id: int) -> ResponseReturnValue:
    found, group = _task_or_404(task_id)
    return _render_task(found, group)


def _outcome(form: MultiDict[str, str], details: ListingFromForm | None) -> Outcome:
    """The record form as an Outcome; ValidationError for a result or method not offered."""
    result = form.get("result", "")
    if result not in RESULT_WORDS:
        raise ValidationError("Choose what you found", field="result")
    try:
        method = VerificationMethod(form.get("method", ""))
    except ValueError:
        raise ValidationError("Choose how you checked", field="method") from None
    return Outcome(
        result,
        method,
        form.get("note", ""),
        changes=details.listing if details is not None else None,
        version=parse_whole(form.get("version"), low=0),
        reports_seen=parse_whole(form.get("reports_seen"), low=0),
    )


@verify.post("/verify/<id:task_id>")
@staff_only
def record(task_id: int) -> ResponseReturnValue:
    """Record what the worker found; with "some details have changed", the details form is
    applied as one edit in the same transaction, and any problem writes nothing."""
    found, group = _task_or_404(task_id)
    session = db_session()
    form = request.form
    stored = current_listing(session, group.id)
    sent = details_form(stored, form) if sent_details(form) else None
    proposed = read_details(sent) if sent is not None else None
    try:
        tasks.record_outcome(
            session,
            acting_user(),
            task_id,
            _outcome(form, proposed),
            today(),
            geocoder=geocoder(session),
        )
        session.commit()
    except StaleEdit:
        session.rollback()
        session.expire_all()
        found, group = _task_or_404(task_id)
        conflict = Conflict(
            "Someone changed this listing while you were working on it. "
            "Check the details below and enter your changes again.",
            field="result",
        )
        return _render_task(found, group, form, conflict)
    except (ValidationError, Forbidden) as error:
        session.rollback()
        found, group = _task_or_404(task_id)
        details = None
        if sent is not None and is_listing_error(error):
            details = details_state(sent, stored, proposed, error)
        elif sent is not None:
            details = details_state(sent, stored)
        return _render_task(found, group, form, error, details)
    return redirect(url_for("verify.queue", done=task_id))


@verify.get("/admin/freshness")
@staff_only
def dashboard() -> ResponseReturnValue:
    policy = freshness_policy()
    return render_template(
        "verify/dashboard.html",
        board=build_dashboard(db_session(), policy, today()),
        policy=policy_summary(policy),
        categories=CATEGORY_NAMES,
        outcome_words=TASK_OUTCOME_NAMES,
        stages={
            TaskStage.ORGANISER: "Waiting for the organiser to reply",
            TaskStage.LINK_WORKER: "In the link workers' queue",
        },
    )
