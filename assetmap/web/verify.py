"""Link workers' re-verification queue (/verify) and the staff freshness dashboard."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from assetmap.directory.edits import StaleEdit
from assetmap.errors import AssetmapError, Conflict, Forbidden, NotFound, ValidationError
from assetmap.freshness import tasks
from assetmap.freshness.dashboard import build_dashboard
from assetmap.freshness.tasks import (
    CORRECTABLE,
    UNREACHABLE_LIMIT,
    WORKER_METHODS,
    Outcome,
    QueueFilter,
)
from assetmap.models import (
    Category,
    Group,
    Role,
    Status,
    TaskStage,
    User,
    VerificationMethod,
    VerificationTask,
)
from assetmap.verification.policy import policy_summary
from assetmap.web.auth import acting_user, roles_required
from assetmap.web.context import db_session, freshness_policy, today
from assetmap.web.wording import (
    CATEGORY_NAMES,
    CHECK_METHOD_NAMES,
    STATUS_NAMES,
    TASK_OUTCOME_NAMES,
    TASK_REASON_NAMES,
    field_label,
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
NUMBER_FIELDS = {"capacity.total_places", "capacity.places_taken", "capacity.waiting_list"}
EDITABLE_STATUSES = (Status.OPEN, Status.INVITATION_ONLY, Status.WAITING_LIST, Status.PAUSED)


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
    try:
        page = max(int(request.args.get("page") or 1), 1)
    except ValueError:
        page = 1
    me = acting_user()
    found, total = tasks.queue(
        db_session(), me, today(), wanted, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    done = None
    if done_id := request.args.get("done", type=int):
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
    )


@verify.post("/verify/<int:task_id>/claim")
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


@verify.post("/verify/<int:task_id>/release")
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


def _current_values(group: Group) -> dict[str, str]:
    values = {
        "contact.name": group.contact_name,
        "contact.phone": group.contact_phone,
        "contact.email": group.contact_email,
        "contact.website": group.contact_website,
        "status": group.status.value,
        "capacity.total_places": group.total_places,
        "capacity.places_taken": group.places_taken,
        "capacity.waiting_list": group.waiting_list,
    }
    return {path: "" if value is None else str(value) for path, value in values.items()}


def _render_task(
    task: VerificationTask,
    group: Group,
    form: MultiDict[str, str] | None = None,
    error: AssetmapError | None = None,
) -> ResponseReturnValue:
    me = acting_user()
    current = _current_values(group)
    shown = dict(current)
    if form is not None:
        shown.update({path: form.get(f"fix-{path}", "") for path in CORRECTABLE})
    return render_template(
        "verify/task.html",
        task=task,
        group=group,
        mine=task.claimed_by_id == me.id,
        claimer=db_session().get(User, task.claimed_by_id) if task.claimed_by_id else None,
        form=form or MultiDict(),
        values=shown,
        error=error,
        anchor=_anchor(error),
        today=today(),
        reason_words=TASK_REASON_NAMES,
        outcome_words=TASK_OUTCOME_NAMES,
        result_words=RESULT_WORDS,
        method_words={m: CHECK_METHOD_NAMES[m] for m in WORKER_METHODS},
        labels={path: field_label(path) for path in CORRECTABLE},
        statuses={s.value: STATUS_NAMES[s] for s in EDITABLE_STATUSES},
        limit=UNREACHABLE_LIMIT,
        history=group.verifications[-5:],
    ), (error.http_status if error else 200)


#: Error summary links for fields that are a group of choices (or no field at all).
ANCHORS = {"result": "result-confirmed", "method": "method-phone", "task": "record"}


def _anchor(error: AssetmapError | None) -> str:
    """Where the error summary's link goes: the field, or the first choice of a group."""
    field = error.field if error and error.field else "record"
    return ANCHORS.get(field, field)


@verify.get("/verify/<int:task_id>")
@staff_only
def task(task_id: int) -> ResponseReturnValue:
    found, group = _task_or_404(task_id)
    return _render_task(found, group)


def _corrections(form: MultiDict[str, str], group: Group) -> dict[str, Any]:
    """The correction fields the worker changed, typed as the listing contract wants them."""
    current = _current_values(group)
    changes: dict[str, Any] = {}
    for path in CORRECTABLE:
        if f"fix-{path}" not in form:
            continue  # not sent: left as it is
        given = form.get(f"fix-{path}", "").strip()
        if given == current[path]:
            continue
        if path in NUMBER_FIELDS:
            if given and not given.isdigit():
                raise ValidationError("Enter a whole number, like 12", field=f"fix-{path}")
            changes[path] = int(given) if given else None
        elif path == "status":
            if given not in {s.value for s in EDITABLE_STATUSES}:
                raise ValidationError("Choose a status from the list", field="fix-status")
            changes[path] = given
        else:
            changes[path] = given or None
    return changes


@verify.post("/verify/<int:task_id>")
@staff_only
def record(task_id: int) -> ResponseReturnValue:
    found, group = _task_or_404(task_id)
    session = db_session()
    form = request.form
    try:
        result = form.get("result", "")
        if result not in RESULT_WORDS:
            raise ValidationError("Choose what you found", field="result")
        try:
            method = VerificationMethod(form.get("method", ""))
        except ValueError:
            raise ValidationError("Choose how you checked", field="method") from None
        version = form.get("version", type=int)
        changes = _corrections(form, group) if result == "updated" else None
        tasks.record_outcome(
            session,
            acting_user(),
            task_id,
            Outcome(result, method, form.get("note", ""), changes, version),
            today(),
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
        if error.field and error.field.startswith(("contact.", "capacity.", "status")):
            error = ValidationError(error.message, field=f"fix-{error.field}")
        return _render_task(found, group, form, error)
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
