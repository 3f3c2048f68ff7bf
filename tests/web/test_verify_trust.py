"""The task page tells the truth (issue 14, items 1 and 2): a link worker corrects any detail
of the listing they have just confirmed, through the organiser form's fields and checks, and
the problems people reported are shown on the task and in the queue, with the contact they
dispute flagged. Over HTTP, and the whole journey in a real browser."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from assetmap.directory.edits import current_listing
from assetmap.directory.reports import report_problem
from assetmap.freshness.service import run_freshness
from assetmap.models import Group, ProblemReport, Revision, TaskOutcome, User, Verification
from tests.factories import POSTCODES, TODAY, listing
from tests.web.conftest import screenshot
from tests.web.staff.helpers import (
    EMAILS,
    ESCAPED,
    XSS,
    axe_violations,
    client_for,
    html,
    sign_in,
    watch_csp,
)
from tests.web.test_freshness_pages import _task, _users

STALE = (TODAY - dt.timedelta(days=250)).isoformat()
MONDAY = [{"day": "mon", "start": "13:00", "end": "15:00", "frequency": "weekly"}]


class _FormReader(HTMLParser):
    """The fields of the form with ``form_id`` as a browser would send them."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside = form_id, False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind != "submit":
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._options = a.get("name"), []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            chosen = [v for v, on in self._options if on] or [v for v, _ in self._options[:1]]
            self.fields.append((self._select, chosen[0] if chosen else ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def record_form(page_html: str) -> dict[str, list[str]]:
    reader = _FormReader("record-form")
    reader.feed(page_html)
    found: dict[str, list[str]] = {}
    for name, value in reader.fields:
        found.setdefault(name, []).append(value)
    return found


@pytest.fixture
def surfers(database, add_groups) -> int:
    """Monday Silver Surfers, past its check date, in the link workers' queue."""
    (group_id,) = add_groups(
        listing(
            "Monday Silver Surfers",
            at="NW5 1AA",
            last_verified_at=STALE,
            schedule=MONDAY,
            contact={"name": "Pat", "email": None, "phone": "020 7000 0002"},
            accessibility={"step_free": True, "notes": ""},
        )
    )
    _users(database)
    run_freshness(database, database.config, TODAY)
    return group_id


def _claimed(app, database, group_id: int):
    worker = client_for(app, "link_worker")
    task = _task(database, group_id)
    worker.post(f"/verify/{task.id}/claim", data={"csrf_token": worker.token})
    return worker, task


def _report(database, group_id: int, kind: str, details: str, when: dt.datetime) -> None:
    with database.session() as session:
        report_problem(session, group_id, kind, details, f"sender {when}", when)


def test_the_task_page_offers_every_detail_of_the_listing_filled_in(app, database, surfers):
    worker, task = _claimed(app, database, surfers)
    fields = record_form(html(worker.get(f"/verify/{task.id}")))
    assert fields["fix-schedule-0-day"] == ["mon"]
    assert fields["fix-schedule-0-start"] == ["13:00"]
    assert fields["fix-venue-name"] == ["Hall at NW5 1AA"]
    assert fields["fix-venue-postcode"] == ["NW5 1AA"]
    assert fields["fix-accessibility-step_free"] == ["yes"]
    assert fields["fix-cost-amount_gbp"] == ["2"]
    assert fields["fix-contact-phone"] == ["020 7000 0002"]
    assert fields["fix-description"] == ["Woodwork, repairs and a cuppa."]


def test_the_worker_corrects_the_day_and_access_and_only_then_it_is_checked_today(
    app, database, surfers
):
    worker, task = _claimed(app, database, surfers)
    data = record_form(html(worker.get(f"/verify/{task.id}")))
    data.update(
        {
            "method": ["phone"],
            "result": ["updated"],
            "fix-schedule-0-day": ["tue"],
            "fix-accessibility-step_free": ["no"],
            "fix-accessibility-notes": ["Three steps at the door; a ramp is on order"],
            "fix-venue-postcode": ["NW5 2AA"],
            "note": ["Spoke to Pat"],
        }
    )
    response = worker.post(f"/verify/{task.id}", data=data)
    assert response.status_code == 302, html(response)

    with database.sessions() as session:
        now = current_listing(session, surfers)
        group = session.get(Group, surfers)
        revisions = list(session.scalars(select(Revision).where(Revision.group_id == surfers)))
        worker_id = session.scalar(select(User.id).where(User.email == EMAILS["link_worker"]))
        assert group.last_verified_at == TODAY
    assert [s["day"] for s in now["schedule"]] == ["tue"]
    assert now["accessibility"]["step_free"] is False
    assert (now["venue"]["lat"], now["venue"]["lon"]) == POSTCODES["NW5 2AA"]
    assert {r.field for r in revisions} == {
        "schedule",
        "accessibility.step_free",
        "accessibility.notes",
        "venue.postcode",
        "venue.lat",
        "venue.lon",
    }
    assert {r.user_id for r in revisions} == {worker_id}
    assert _task(database, surfers).outcome is TaskOutcome.UPDATED
    page = html(app.test_client().get(f"/groups/{surfers}"))
    assert "Tuesday" in page and "Monday" not in page.replace("Monday Silver Surfers", "")


def test_a_correction_keeps_what_the_task_page_does_not_show(app, database, add_groups):
    """The task page has no box for a session's known date or for cancelled sessions: a
    worker correcting the access notes must not wipe either."""
    monday = TODAY + dt.timedelta(days=(0 - TODAY.weekday()) % 7 or 7)
    anchored = [{**MONDAY[0], "frequency": "fortnightly", "from_date": monday.isoformat()}]
    (group_id,) = add_groups(
        listing(
            "Fortnightly Surfers",
            at="NW5 1AA",
            last_verified_at=STALE,
            schedule=anchored,
            cancelled_dates=[monday.isoformat()],
        )
    )
    _users(database)
    run_freshness(database, database.config, TODAY)
    worker, task = _claimed(app, database, group_id)
    data = record_form(html(worker.get(f"/verify/{task.id}")))
    data.update(
        {
            "method": ["phone"],
            "result": ["updated"],
            "fix-accessibility-notes": ["Ring the bell at the side door"],
        }
    )
    response = worker.post(f"/verify/{task.id}", data=data)
    assert response.status_code == 302, html(response)
    with database.sessions() as session:
        now = current_listing(session, group_id)
    assert now["accessibility"]["notes"] == "Ring the bell at the side door"
    assert now["schedule"][0]["from_date"] == monday.isoformat()
    assert now["cancelled_dates"] == [monday.isoformat()]


def test_some_details_changed_with_none_entered_is_refused_and_not_checked(app, database, surfers):
    worker, task = _claimed(app, database, surfers)
    data = record_form(html(worker.get(f"/verify/{task.id}")))
    data.update({"method": ["phone"], "result": ["updated"], "note": ["moved to Tuesdays"]})
    response = worker.post(f"/verify/{task.id}", data=data)
    assert response.status_code == 400
    assert "Change at least one detail" in html(response)
    with database.sessions() as session:
        assert session.get(Group, surfers).last_verified_at.isoformat() == STALE
    assert "Last checked today" not in html(app.test_client().get(f"/groups/{surfers}"))


def test_a_bad_correction_is_shown_by_its_field_and_writes_nothing(app, database, surfers):
    worker, task = _claimed(app, database, surfers)
    data = record_form(html(worker.get(f"/verify/{task.id}")))
    data.update(
        {
            "method": ["phone"],
            "result": ["updated"],
            "fix-schedule-0-day": ["tue"],
            "fix-schedule-0-end": ["12:00"],
            "fix-venue-postcode": ["ZZ9 9ZZ"],
        }
    )
    response = worker.post(f"/verify/{task.id}", data=data)
    page = html(response)
    assert response.status_code == 400
    assert 'href="#fix-schedule-0-end"' in page
    assert 'id="fix-schedule-0-end-error"' in page
    assert "Nothing has been recorded or saved" in page
    # What the worker typed is kept, for them to put right.
    assert record_form(page)["fix-schedule-0-day"] == ["tue"]
    with database.sessions() as session:
        assert session.scalar(select(Revision.id).where(Revision.group_id == surfers)) is None
        assert (
            session.scalar(select(Verification.id).where(Verification.verified_on == TODAY)) is None
        )
    assert _task(database, surfers).closed_on is None


def test_reports_are_shown_on_the_task_and_in_the_queue_and_flag_the_dead_number(
    app, database, surfers
):
    when = dt.datetime.combine(TODAY - dt.timedelta(days=2), dt.time(9), tzinfo=dt.UTC)
    _report(database, surfers, "phone", "Number is dead " + XSS, when)
    _report(database, surfers, "phone", "", when + dt.timedelta(hours=1))
    _report(database, surfers, "times", "They moved to Tuesdays", when + dt.timedelta(hours=2))
    worker, task = _claimed(app, database, surfers)

    queue = html(worker.get("/verify"))
    assert "3 problems reported" in queue
    assert "the phone number or email does not work (2)" in queue
    assert "the days or times have changed" in queue
    assert "(reported not working)" in queue

    page = html(worker.get(f"/verify/{task.id}"))
    assert "Problems reported (3)" in page
    assert "The phone number or email does not work: 2 reports" in page
    assert "They moved to Tuesdays" in page
    assert ESCAPED in page and XSS not in page
    assert f"reported {when.strftime('%-d %b %Y')}" in page
    assert f"Reported not working on {when.strftime('%-d %b')} (2 reports)" in page

    data = record_form(page)
    data.update({"method": ["email"], "result": ["confirmed"]})
    assert worker.post(f"/verify/{task.id}", data=data).status_code == 302
    with database.sessions() as session:
        assert (
            session.scalar(select(ProblemReport.id).where(ProblemReport.resolved_at.is_(None)))
            is None
        )


# -- in the browser ------------------------------------------------------------------------------


@pytest.mark.only_backend("spatialite")
def test_a_link_worker_corrects_silver_surfers_from_monday_to_tuesday(
    page: Page, database, surfers
) -> None:
    when = dt.datetime.combine(TODAY - dt.timedelta(days=3), dt.time(15), tzinfo=dt.UTC)
    _report(database, surfers, "times", "They meet on Tuesdays now, not Mondays", when)
    refused = watch_csp(page)
    sign_in(page, "link_worker")
    page.goto("/verify")
    expect(page.locator(".am-task__reports")).to_contain_text("1 problem reported")
    with page.expect_navigation():
        page.click("button:has-text('Claim')")
    expect(page.locator("h1")).to_contain_text("Monday Silver Surfers")
    expect(page.locator("#reports")).to_contain_text("They meet on Tuesdays now, not Mondays")
    page.check("#method-phone")
    page.check("#result-updated")
    page.click("summary:has-text('Correct the details')")
    page.select_option("#fix-schedule-0-day", "tue")
    page.check("#fix-accessibility-step_free-1")  # No
    page.fill("#fix-accessibility-notes", "Three steps at the side door")
    page.fill("#note", "Spoke to Pat: Tuesdays since October")
    assert axe_violations(page) == []
    screenshot(page, "verify-correct-details")
    with page.expect_navigation():
        page.click("#record")
    expect(page.locator("#done")).to_contain_text("Monday Silver Surfers: Updated")

    page.goto(f"/groups/{surfers}")
    expect(page.locator("main")).to_contain_text("Tuesday")
    expect(page.locator("#verified")).to_contain_text("Last checked today")
    with page.expect_navigation():
        page.click("#history-link")
    history = page.locator("#history")
    expect(history).to_contain_text("Amira Link")
    expect(history).to_contain_text("Step-free")
    expect(history).to_contain_text("Tuesday")
    assert axe_violations(page) == []
    screenshot(page, "verify-correction-history")
    with database.sessions() as session:
        assert session.get(Group, surfers).last_verified_at == TODAY
        assert current_listing(session, surfers)["schedule"][0]["day"] == "tue"
        assert session.scalar(select(ProblemReport.resolved_at)) is not None
    assert refused == []
