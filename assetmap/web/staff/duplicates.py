"""The admin's duplicate queue: likely duplicates found on import or on demand, one pair side
by side field by field, then merge (keeping the listing the admin chooses) or keep apart.
Nothing here decides; ``interop.duplicates`` finds and ``interop.merge`` merges."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from assetmap.errors import AssetmapError, NotFound
from assetmap.interop.duplicate_queue import FieldDiff, PairView, open_pairs, pair_view
from assetmap.interop.duplicates import find_duplicates
from assetmap.interop.merge import keep_apart, merge
from assetmap.models import Role
from assetmap.web.auth import acting_user, roles_required
from assetmap.web.context import db_session, now, read_session
from assetmap.web.converters import OFFSET_MAX, lenient_whole, parse_whole
from assetmap.web.staff.blueprint import staff
from assetmap.web.wording import Shown, field_label, value_text

PAGE = 50
DECISIONS = ("keep_first", "keep_second", "apart")


@dataclass(frozen=True)
class ShownField:
    label: str
    first: Shown
    second: Shown
    same: bool


def _shown(diff: FieldDiff) -> ShownField:
    return ShownField(
        field_label(diff.path),
        value_text(diff.path, diff.first),
        value_text(diff.path, diff.second),
        diff.same,
    )


def _queue(error: str | None = None, status: int = 200) -> ResponseReturnValue:
    offset = lenient_whole(request.args.get("offset"), 0, low=0, high=OFFSET_MAX)
    pairs, total = open_pairs(read_session(), offset=offset, limit=PAGE)
    return render_template(
        "staff/duplicates/queue.html",
        pairs=pairs,
        total=total,
        offset=offset,
        page=PAGE,
        error=error,
    ), status


@staff.get("/admin/duplicates")
@roles_required(Role.ADMIN)
def duplicates() -> ResponseReturnValue:
    return _queue()


@staff.post("/admin/duplicates/find")
@roles_required(Role.ADMIN)
def find_duplicates_now() -> ResponseReturnValue:
    session = db_session()
    run = find_duplicates(session, now=now())
    session.commit()
    flash(
        f"Looked for duplicates: {run.queued} new pair(s) queued, {run.refreshed} still open "
        f"pair(s) checked again, {run.already_decided} already decided left alone.",
        "success",
    )
    return redirect(url_for("staff.duplicates"))


def _pair_page(view: PairView, error: str | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "staff/duplicates/pair.html",
        view=view,
        fields=[_shown(f) for f in view.fields],
        error=error,
        chosen=request.form.get("decision"),
    ), status


@staff.get("/admin/duplicates/<id:pair_id>")
@roles_required(Role.ADMIN)
def duplicate_pair(pair_id: int) -> ResponseReturnValue:
    try:
        view = pair_view(read_session(), pair_id)
    except NotFound as missing:
        return _queue(missing.message, 404)
    return _pair_page(view)


def _ids() -> tuple[int, int] | None:
    first, second = request.form.get("first", ""), request.form.get("second", "")
    first_id, second_id = parse_whole(first), parse_whole(second)
    if first_id is None or second_id is None:
        return None
    return first_id, second_id


@staff.post("/admin/duplicates/<id:pair_id>")
@roles_required(Role.ADMIN)
def decide_pair(pair_id: int) -> ResponseReturnValue:
    decision = request.form.get("decision", "")
    ids = _ids()
    session = db_session()
    if decision not in DECISIONS or ids is None:
        try:
            return _pair_page(
                pair_view(session, pair_id),
                "Choose which listing to keep, or keep them apart",
                400,
            )
        except NotFound as missing:
            return _queue(missing.message, 404)
    first, second = ids
    try:
        if decision == "apart":
            keep_apart(session, pair_id, acting_user(), now())
            message = "Kept apart: these two listings will not be suggested as duplicates again."
        else:
            keep, gone = (first, second) if decision == "keep_first" else (second, first)
            result = merge(session, keep, gone, acting_user(), now())
            message = (
                f"Merged: “{result.merged_name}” is now part of listing {keep}, with its "
                "history, checks, notes and referrals. Its old address sends people there."
            )
    except AssetmapError as problem:
        session.rollback()
        try:
            return _pair_page(pair_view(session, pair_id), problem.message, problem.http_status)
        except NotFound:
            return _queue(problem.message, problem.http_status)
    session.commit()
    flash(message, "success")
    return redirect(url_for("staff.duplicates"))
