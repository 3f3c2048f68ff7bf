"""Import feeds, for admins: each feed's health in words (healthy, failing, never pulled,
overdue) with its last attempt, success, error and rows; add a feed, enable or disable one,
pull one now. The rules are in ``interop.feeds``; these views parse, make one call and
render."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from assetmap.errors import AssetmapError, NotFound
from assetmap.interop.feed_health import MEANING, FeedStatus, feeds_health
from assetmap.interop.feeds import (
    DEFAULT_EVERY_HOURS,
    MAX_EVERY_HOURS,
    FeedBusy,
    add_feed,
    pull_feed_id,
    set_enabled,
)
from assetmap.models import ImportFormat, Role
from assetmap.web.auth import roles_required
from assetmap.web.context import app_database, db_session, now, read_session
from assetmap.web.converters import parse_whole
from assetmap.web.staff.blueprint import staff

admins = roles_required(Role.ADMIN)

#: The flash category of a pull that failed (shown as a warning, not as "Done").
PULL_FAILED = "feed-failed"
FORMAT_NAMES = {
    ImportFormat.ORUK: "Open Referral UK (ORUK 3.0) JSON",
    ImportFormat.OUTPOST: "Outpost / Scout directory JSON",
    ImportFormat.CSV: "CSV spreadsheet",
    ImportFormat.XLSX: "Excel spreadsheet (.xlsx)",
    ImportFormat.ICS: "iCalendar (.ics) of a group's sessions",
    ImportFormat.CONTRACT: "assetmap's own listings (JSON)",
}
FORMAT_CHOICES: list[tuple[str, str]] = [
    ("", "Tell from the address and the file"),
    *((fmt.value, words) for fmt, words in FORMAT_NAMES.items()),
]
STATUS_TAGS = {
    FeedStatus.HEALTHY: "nhsuk-tag--green",
    FeedStatus.FAILING: "nhsuk-tag--red",
    FeedStatus.NEVER_PULLED: "nhsuk-tag--grey",
    FeedStatus.OVERDUE: "nhsuk-tag--orange",
}


@dataclass
class FeedForm:
    name: str = ""
    url: str = ""
    format: str = ""
    mapping: str = ""
    every_hours: str = str(DEFAULT_EVERY_HOURS)
    errors: dict[str, str] = field(default_factory=dict)

    def error_for(self, name: str) -> str | None:
        return self.errors.get(name)

    @classmethod
    def parse(cls) -> FeedForm:
        value = {name: request.form.get(name, "").strip() for name in _FIELDS}
        form = cls(
            value["name"], value["url"], value["format"], value["mapping"], value["every_hours"]
        )
        if form.format and form.format not in {f.value for f in ImportFormat}:
            form.errors["format"] = "Choose a format from the list"
        if parse_whole(form.every_hours, high=MAX_EVERY_HOURS) is None:
            form.errors["every_hours"] = f"Give a whole number of hours, 1 to {MAX_EVERY_HOURS}"
        return form


_FIELDS = ("name", "url", "format", "mapping", "every_hours")


def _page(form: FeedForm, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "staff/feeds/index.html",
        feeds=feeds_health(read_session(), now()),
        form=form,
        format_choices=FORMAT_CHOICES,
        format_names=FORMAT_NAMES,
        status_tags=STATUS_TAGS,
        meanings=MEANING,
        max_every_hours=MAX_EVERY_HOURS,
    ), status


@staff.get("/admin/feeds")
@admins
def feeds_page() -> ResponseReturnValue:
    return _page(FeedForm())


@staff.post("/admin/feeds")
@admins
def add_feed_form() -> ResponseReturnValue:
    form = FeedForm.parse()
    if form.errors:
        return _page(form, 400)
    session = db_session()
    try:
        feed = add_feed(
            session,
            form.name,
            form.url,
            ImportFormat(form.format) if form.format else None,
            mapping=form.mapping or None,
            every_hours=int(form.every_hours),
        )
    except AssetmapError as error:
        session.rollback()
        form.errors[error.field if error.field in _FIELDS else "name"] = error.message
        return _page(form, 400)
    session.commit()
    flash(f"Added the feed {feed.name}. It is pulled within the hour, or now below.", "success")
    return redirect(url_for("staff.feeds_page"), code=303)


@staff.post("/admin/feeds/<id:feed_id>/enabled")
@admins
def enable_feed(feed_id: int) -> ResponseReturnValue:
    session = db_session()
    enabled = request.form.get("enabled") == "1"
    try:
        feed = set_enabled(session, feed_id, enabled)
    except NotFound:
        abort(404)
    session.commit()
    flash(
        f"{feed.name} is enabled: the scheduler pulls it."
        if enabled
        else f"{feed.name} is disabled: the scheduler leaves it alone.",
        "success",
    )
    return redirect(url_for("staff.feeds_page"), code=303)


@staff.post("/admin/feeds/<id:feed_id>/pull")
@admins
def pull_feed(feed_id: int) -> ResponseReturnValue:
    try:
        result = pull_feed_id(app_database(), feed_id, now())
    except NotFound:
        abort(404)
    except FeedBusy as busy:
        flash(busy.message, PULL_FAILED)
        return redirect(url_for("staff.feeds_page"), code=303)
    if result.ok:
        flash(
            f"Pulled {result.feed}: {result.seen} listings, {result.created} new, "
            f"{result.updated} updated, {result.unchanged} unchanged.",
            "success",
        )
    else:
        flash(
            f"The pull of {result.feed} failed, so nothing was imported: {result.error}",
            PULL_FAILED,
        )
    return redirect(url_for("staff.feeds_page"), code=303)
