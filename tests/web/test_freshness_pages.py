"""The freshness pages: the organiser's emailed link, the link workers' queue and task page,
and the staff dashboard. Who may see them, what they say, CSRF, escaping, and the two
journeys in a real browser."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from assetmap.accounts.users import create_api_token, create_user
from assetmap.freshness.service import run_freshness
from assetmap.models import (
    FreshnessReminder,
    Group,
    ListingActivity,
    OutboxMessage,
    Role,
    Status,
    TaskOutcome,
    TaskStage,
    Verification,
    VerificationMethod,
    VerificationTask,
)
from tests.factories import TODAY, listing
from tests.web.conftest import screenshot
from tests.web.signed_in import sign_in_as
from tests.web.staff.helpers import (
    EMAILS,
    ESCAPED,
    XSS,
    axe_violations,
    client_for,
    html,
    password_hash,
    sign_in,
    watch_csp,
)
from tests.web.test_auth import csrf_token

DUE = (TODAY - dt.timedelta(days=170)).isoformat()
STALE = (TODAY - dt.timedelta(days=250)).isoformat()


def _users(database) -> None:
    with database.sessions() as session:
        for role, email in EMAILS.items():
            user = create_user(
                session,
                email,
                role,
                name="Amira Link" if role == "link_worker" else "",
                organisations=["Kentish Town Community Centre"] if role == "organiser" else [],
            )
            user.password_hash = password_hash()
        session.commit()


@pytest.fixture
def due_world(database, add_groups):
    """One due listing whose organiser gets a reminder, one stale listing with no email
    (straight to link workers), and a user of each role."""
    reminded, unreachable = add_groups(
        listing(
            "Men's Shed",
            at="NW5 2AA",
            last_verified_at=DUE,
            contact={"name": "Jo", "email": "jo.shed@example.org", "phone": "020 7000 0001"},
        ),
        listing(
            "Knit and Natter",
            at="NW5 1AA",
            last_verified_at=STALE,
            contact={"name": "Pat", "email": None, "phone": "020 7000 0002"},
        ),
    )
    _users(database)
    run_freshness(database, database.config, TODAY)
    return reminded, unreachable


def _link(database, group_id: int) -> str:
    """The path of the link in the reminder email sent about ``group_id``."""
    with database.sessions() as session:
        body = session.scalar(
            select(OutboxMessage.body)
            .join(FreshnessReminder, FreshnessReminder.outbox_id == OutboxMessage.id)
            .where(FreshnessReminder.group_id == group_id)
        )
    assert body is not None, "a reminder email was written"
    match = re.search(r"https?://[^/\s]+(/check/\S+)", body)
    assert match, body
    return match.group(1)


def _task(database, group_id: int) -> VerificationTask:
    with database.sessions() as session:
        task = session.scalar(
            select(VerificationTask)
            .where(VerificationTask.group_id == group_id)
            .order_by(VerificationTask.id.desc())
        )
        assert task is not None
        session.expunge(task)
        return task


# -- the organiser's link, over HTTP ------------------------------------------------------------


def test_the_link_page_offers_three_choices_for_that_listing_only(app, database, due_world):
    reminded, _ = due_world
    page = html(app.test_client().get(_link(database, reminded)))
    assert "Is Men&#39;s Shed still running?" in page
    assert "Yes, it is still running" in page
    assert f"/my/groups/{reminded}/edit" in page  # update details: the edit form
    assert "Mark it as stopped" in page
    assert "Knit and Natter" not in page


def test_a_forged_or_mangled_link_is_refused_with_a_page_not_an_error(app, database, due_world):
    path = _link(database, due_world[0])
    client = app.test_client()
    for bad in (path[:-3] + "xyz", "/check/not-a-token"):
        response = client.get(bad)
        assert response.status_code == 400
        assert "This link does not work" in html(response)
        assert client.post(bad + "/confirm").status_code == 400


def test_choices_need_the_forms_csrf_token(app, database, due_world):
    path = _link(database, due_world[0])
    client = app.test_client()
    assert client.post(path + "/confirm").status_code == 400
    with database.sessions() as session:
        assert session.scalar(select(FreshnessReminder.used_at)) is None


def test_confirming_twice_counts_once(app, database, due_world):
    reminded, _ = due_world
    path = _link(database, reminded)
    client = app.test_client()
    token = csrf_token(client, path)
    first = client.post(path + "/confirm", data={"csrf_token": token})
    assert first.status_code == 302
    second = client.post(path + "/stopped", data={"csrf_token": token, "sure": "yes"})
    assert second.status_code == 302
    with database.sessions() as session:
        group = session.get(Group, reminded)
        assert group.status is Status.OPEN  # the second choice did nothing
        assert group.last_verified_at == TODAY
        methods = session.scalars(
            select(Verification.method).where(Verification.verified_on == TODAY)
        ).all()
        assert methods == [VerificationMethod.ORGANISER]
    page = html(client.get(path))
    assert "Thank you" in page and "still running" in page
    assert "Yes, it is still running" not in page


def test_stopped_needs_the_box_ticked_and_then_closes_the_listing(app, database, due_world):
    reminded, _ = due_world
    path = _link(database, reminded)
    client = app.test_client()
    token = csrf_token(client, path)
    unticked = client.post(path + "/stopped", data={"csrf_token": token})
    assert unticked.status_code == 400
    assert "Tick the box to confirm the group has stopped" in html(unticked)
    assert client.post(path + "/stopped", data={"csrf_token": token, "sure": "yes"}).status_code
    with database.sessions() as session:
        assert session.get(Group, reminded).status is Status.CLOSED
    assert _task(database, reminded).outcome is TaskOutcome.CLOSED
    history = html(client_for(app, "admin").get(f"/groups/{reminded}/history"))
    assert "the organiser, by the link in a reminder email" in history


def test_changes_without_an_account_go_to_a_link_worker(app, database, due_world):
    reminded, _ = due_world
    path = _link(database, reminded)
    client = app.test_client()
    token = csrf_token(client, path)
    empty = client.post(path + "/changes", data={"csrf_token": token, "changes": "  "})
    assert empty.status_code == 400 and "Tell us what has changed" in html(empty)
    sent = client.post(
        path + "/changes", data={"csrf_token": token, "changes": f"Now on Thursdays {XSS}"}
    )
    assert sent.status_code == 302
    task = _task(database, reminded)
    assert task.stage is TaskStage.LINK_WORKER and "Now on Thursdays" in task.note
    queue = html(client_for(app, "link_worker").get("/verify"))
    assert "The organiser sent changes to make" in queue
    assert ESCAPED in queue and XSS not in queue


# -- the queue and the dashboard, over HTTP -------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("organiser", 403),
        ("link_worker", 200),
        ("community_builder", 200),
        ("admin", 200),
    ],
)
def test_only_staff_see_the_queue_and_the_dashboard(app, database, due_world, role, expected):
    task = _task(database, due_world[1])
    client = client_for(app, role)
    for path in ("/verify", "/admin/freshness", f"/verify/{task.id}"):
        assert client.get(path).status_code == expected, path
    claim = client.post(f"/verify/{task.id}/claim", data={"csrf_token": client.token})
    assert claim.status_code == (302 if expected == 200 else expected)
    if role == "anonymous":
        assert "/login" in claim.location


def test_the_queue_lists_link_worker_tasks_and_hides_those_waiting_on_organisers(
    app, database, due_world
):
    client = client_for(app, "link_worker")
    page = html(client.get("/verify"))
    assert "Knit and Natter" in page and "No email address to remind" in page
    assert "Men&#39;s Shed" not in page
    waiting = html(client.get("/verify?waiting=1"))
    assert "Men&#39;s Shed" in waiting and "waiting for the organiser" in waiting
    assert "Knit and Natter" not in html(client.get("/verify?area=N19"))
    assert "Knit and Natter" in html(client.get("/verify?area=nw5"))
    assert client.get("/verify?category=knitting").status_code == 200  # told, not a 500


def test_a_claimed_task_is_not_anyone_elses(app, database, due_world):
    _, unreachable = due_world
    task = _task(database, unreachable)
    worker = client_for(app, "link_worker")
    builder = client_for(app, "community_builder")
    assert (
        worker.post(f"/verify/{task.id}/claim", data={"csrf_token": worker.token}).status_code
        == 302
    )
    taken = builder.post(f"/verify/{task.id}/claim", data={"csrf_token": builder.token})
    assert taken.status_code == 302
    assert "Someone else is working on this task" in html(builder.get("/verify"))
    outcome = builder.post(
        f"/verify/{task.id}",
        data={"csrf_token": builder.token, "result": "confirmed", "method": "phone"},
    )
    assert outcome.status_code == 403
    assert _task(database, unreachable).closed_on is None


def test_a_bad_outcome_is_a_form_error_and_writes_nothing(app, database, due_world):
    _, unreachable = due_world
    task = _task(database, unreachable)
    worker = client_for(app, "link_worker")
    worker.post(f"/verify/{task.id}/claim", data={"csrf_token": worker.token})
    for data, message in (
        ({"method": "phone"}, "Choose what you found"),
        ({"result": "confirmed", "method": "carrier pigeon"}, "Choose how you checked"),
        (
            {"result": "updated", "method": "phone", "fix-capacity-total_places": "lots"},
            "Total places must be a whole number",
        ),
        ({"result": "updated", "method": "phone"}, "Change at least one detail"),
        (
            {"result": "updated", "method": "phone", "fix-contact-email": "not an address"},
            'href="#fix-contact-email"',
        ),
    ):
        response = worker.post(f"/verify/{task.id}", data={"csrf_token": worker.token, **data})
        assert response.status_code == 400, data
        assert message in html(response)
    assert _task(database, unreachable).closed_on is None
    with database.sessions() as session:
        assert (
            session.scalar(select(Verification.id).where(Verification.verified_on == TODAY)) is None
        )


def test_three_unreachable_tries_pause_the_listing(app, database, due_world):
    _, unreachable = due_world
    task = _task(database, unreachable)
    worker = client_for(app, "link_worker")
    for attempt in range(3):
        worker.post(f"/verify/{task.id}/claim", data={"csrf_token": worker.token})
        response = worker.post(
            f"/verify/{task.id}",
            data={"csrf_token": worker.token, "result": "unreachable", "method": "phone"},
        )
        assert response.status_code == 302
        if attempt < 2:
            assert f"try {attempt + 1} of 3" in html(worker.get(response.location))
    assert _task(database, unreachable).outcome is TaskOutcome.PAUSED
    with database.sessions() as session:
        assert session.get(Group, unreachable).status is Status.PAUSED


def test_user_text_is_escaped_on_every_freshness_page(app, database, add_groups):
    gid, _ = add_groups(
        listing(
            XSS,
            at="NW5 2AA",
            last_verified_at=STALE,
            organisation=XSS,
            contact={"email": None, "phone": XSS},
        ),
        listing("Plain", at="NW5 1AA"),
    )
    _users(database)
    run_freshness(database, database.config, TODAY)
    task = _task(database, gid)
    worker = client_for(app, "link_worker")
    worker.post(f"/verify/{task.id}/claim", data={"csrf_token": worker.token})
    for path in ("/verify", f"/verify/{task.id}", "/admin/freshness"):
        page = html(worker.get(path))
        assert ESCAPED in page and XSS not in page, path


def test_the_dashboard_shows_shares_tasks_and_the_oldest(app, database, add_groups):
    add_groups(
        listing("Fresh one", at="NW5 2AA", last_verified_at=TODAY.isoformat()),
        listing("Due one", at="NW5 1AA", last_verified_at=DUE),
        listing("Stale one", at="NW5 1AA", last_verified_at=STALE),
        listing("Ancient one", at="NW5 1AA", last_verified_at="2020-01-01"),
    )
    _users(database)
    run_freshness(database, database.config, TODAY)
    page = html(client_for(app, "community_builder").get("/admin/freshness"))
    overall = re.sub(r"\s+", " ", re.search(r'id="overall">(.*?)</div>\s*<p>', page, re.S).group(1))
    assert "25%</span> fresh" in overall and "25%</span> due" in overall
    assert "50%</span> stale" in overall and "1 very stale" in overall
    assert "4 live listings" in page
    assert page.index("Ancient one") < page.index("Stale one")  # oldest first
    assert "NW5" in page
    scan_line = re.sub(r"\s+", " ", re.search(r'id="last-scan">(.*?)</p>', page, re.S).group(1))
    assert "It opened 3 tasks and queued 3 reminders" in scan_line


# -- how often listings come up -----------------------------------------------------------------


def test_a_link_workers_matches_and_plans_count_towards_the_queue(app, database, add_groups):
    """Each search and plan counts once a day (tests/web/match/test_counted_searches.py has
    who counts and what counts as the same search)."""
    (gid,) = add_groups(listing("Men's Shed", at="NW5 2AA"))
    with database.session() as session:
        worker = create_user(session, "worker@example.org", Role.LINK_WORKER)
        token, worker_id = create_api_token(session, worker), worker.id
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for minutes in (30, 30, 45):  # the same search twice, then another
        profile = {
            "location": {"postcode": "NW5 2AA"},
            "mobility": {"modes": ["walk"], "max_travel_minutes": minutes},
        }
        assert client.post("/api/v1/match", json=profile, headers=headers).status_code == 200
    sign_in_as(client, worker_id)
    plan = client.get(f"/match/plan?postcode=NW5+2AA&modes=walk&minutes=30&choose={gid}")
    assert plan.status_code == 200
    with database.sessions() as session:
        row = session.execute(select(ListingActivity.matched, ListingActivity.planned)).one()
    assert tuple(row) == (2, 1)


# -- in the browser ------------------------------------------------------------------------------


@pytest.mark.only_backend("spatialite")
def test_the_organiser_confirms_from_the_emailed_link(page: Page, database, due_world) -> None:
    reminded, _ = due_world
    refused = watch_csp(page)
    page.goto(_link(database, reminded))
    expect(page.locator("h1")).to_contain_text("Is Men's Shed still running?")
    assert axe_violations(page) == []
    screenshot(page, "check-link")
    with page.expect_navigation():
        page.click("#confirm")
    expect(page.locator("#done")).to_contain_text("still running and nothing has changed")
    assert axe_violations(page) == []
    page.goto(f"/groups/{reminded}")
    expect(page.locator("#verified")).to_contain_text("Last checked today")
    expect(page.locator("#freshness-warning")).to_have_count(0)
    with database.sessions() as session:
        group = session.get(Group, reminded)
        assert group.last_verified_at == TODAY
    assert _task(database, reminded).outcome is TaskOutcome.ORGANISER
    assert refused == []


@pytest.mark.only_backend("spatialite")
def test_a_link_worker_works_a_task_from_the_queue(page: Page, database, due_world) -> None:
    _, unreachable = due_world
    refused = watch_csp(page)
    sign_in(page, "link_worker")
    page.goto("/verify")
    expect(page.locator("#count")).to_contain_text("1 listing to check")
    assert axe_violations(page) == []
    screenshot(page, "verify-queue")
    with page.expect_navigation():
        page.click("button:has-text('Claim')")
    expect(page.locator("h1")).to_contain_text("Knit and Natter")
    assert axe_violations(page) == []
    screenshot(page, "verify-task")
    page.check("#method-phone")
    page.check("#result-updated")
    page.click("summary:has-text('Correct the details')")
    page.fill("#fix-contact-phone", "020 7000 9999")
    page.fill("#note", "Spoke to Pat; new number")
    with page.expect_navigation():
        page.click("#record")
    expect(page.locator("#done")).to_contain_text("Knit and Natter: Updated")
    expect(page.locator("#count")).to_contain_text("0 listings to check")
    page.goto("/admin/freshness")
    expect(page.locator("#tasks")).to_contain_text("updated: 1")
    assert axe_violations(page) == []
    screenshot(page, "freshness-dashboard")
    with database.sessions() as session:
        group = session.get(Group, unreachable)
        assert group.contact_phone == "020 7000 9999"
        assert group.last_verified_at == TODAY
        method = session.scalar(
            select(Verification.method).where(
                Verification.group_id == unreachable, Verification.verified_on == TODAY
            )
        )
        assert method is VerificationMethod.PHONE
    assert _task(database, unreachable).outcome is TaskOutcome.UPDATED
    assert refused == []
