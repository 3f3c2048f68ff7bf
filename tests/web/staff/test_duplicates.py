"""The admin's duplicate queue: who may see it, one pair side by side, merging and keeping
apart by POST with CSRF, and what a merged listing's page and API answer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from assetmap.accounts.users import create_user
from assetmap.models import DuplicatePair, DuplicateStatus, Group, GroupMerge
from tests.interop.dupes_data import load_all
from tests.web.staff.helpers import (
    EMAILS,
    ESCAPED,
    XSS,
    axe_violations,
    client_for,
    html,
    password_hash,
    screenshot,
    sign_in,
    watch_csp,
)
from tests.web.test_reflow import WIDER_THAN_THE_SCREEN


@pytest.fixture
def dupes(database) -> dict[str, int]:
    ids = load_all(database)
    with database.session() as session:
        for role, email in EMAILS.items():
            user = create_user(
                session,
                email,
                role,
                name="Ada Admin" if role == "admin" else "",
                organisations=["Kentish Town Community Centre"] if role == "organiser" else [],
            )
            user.password_hash = password_hash()
    return ids


def _pair_id(database, a: int, b: int) -> int:
    with database.session() as session:
        return session.scalar(
            select(DuplicatePair.id).where(
                DuplicatePair.first_id == min(a, b), DuplicatePair.second_id == max(a, b)
            )
        )


@pytest.mark.parametrize("role", ["anonymous", "organiser", "link_worker", "community_builder"])
def test_only_an_admin_sees_or_decides_duplicates(app, database, dupes, role) -> None:
    client = client_for(app, role)
    pair = _pair_id(database, dupes["shed"], dupes["shed-typo"])
    token = client.token  # type: ignore[attr-defined]
    answers = [
        client.get("/admin/duplicates"),
        client.get(f"/admin/duplicates/{pair}"),
        client.post(
            f"/admin/duplicates/{pair}",
            data={"csrf_token": token, "decision": "apart", "first": 1, "second": 2},
        ),
        client.post("/admin/duplicates/find", data={"csrf_token": token}),
    ]
    for response in answers:
        if role == "anonymous":
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        else:
            assert response.status_code == 403
    with database.session() as session:
        assert session.get(DuplicatePair, pair).status is DuplicateStatus.OPEN


def test_the_queue_lists_open_pairs_with_their_reasons(app, database, dupes) -> None:
    admin = client_for(app, "admin")
    page = html(admin.get("/admin/duplicates"))
    assert "8 pairs are waiting" in page
    assert "Men&#39;s Shed Kentish Town and Mens Shed Kentish Twon" in page
    assert "similar names (95), venues 30 m apart, same email" in page
    assert "Tuesday Art Club" not in page  # a near-miss is not queued


def test_a_pair_side_by_side_names_each_difference_in_words(app, database, dupes) -> None:
    with database.session() as session:
        session.execute(
            update(Group).where(Group.id == dupes["yoga-sheet"]).values(name=f"Chair Yoga {XSS}")
        )
    admin = client_for(app, "admin")
    pair = _pair_id(database, dupes["yoga-oruk"], dupes["yoga-sheet"])
    page = html(admin.get(f"/admin/duplicates/{pair}"))
    assert XSS not in page and ESCAPED in page
    rows = re.findall(r'<tr class="nhsuk-table__row[^"]*">(.*?)</tr>', page, re.S)
    by_field = {
        re.search(r'scope="row">([^<]+?)\s*(<|$)', r).group(1): r
        for r in rows
        if 'scope="row"' in r
    }
    assert "Different" in by_field["Phone number"] and "02079460202" in by_field["Phone number"]
    assert "+44 (0)20 7946 0202" in by_field["Phone number"]
    assert "Different" in by_field["Email address"]
    assert "(same)" in by_field["Organisation"] and "Different" not in by_field["Organisation"]
    assert (
        "camden-oruk" in by_field["Imported from"] and "camden-sheet" in by_field["Imported from"]
    )


def test_merging_by_the_page_redirects_the_merged_listing(app, database, dupes) -> None:
    admin = client_for(app, "admin")
    keep, gone = dupes["knit-ktcc"], dupes["knit-ktcc-renamed"]
    pair = _pair_id(database, keep, gone)
    form = {"first": min(keep, gone), "second": max(keep, gone)}
    decision = "keep_first" if keep < gone else "keep_second"
    # without the CSRF token: refused, nothing merged
    refused = admin.post(f"/admin/duplicates/{pair}", data={**form, "decision": decision})
    assert refused.status_code == 400
    # no choice made: a form error
    unchosen = admin.post(
        f"/admin/duplicates/{pair}",
        data={**form, "csrf_token": admin.token},  # type: ignore[attr-defined]
    )
    assert unchosen.status_code == 400 and "Choose which listing to keep" in html(unchosen)
    merged = admin.post(
        f"/admin/duplicates/{pair}",
        data={**form, "decision": decision, "csrf_token": admin.token},  # type: ignore[attr-defined]
        follow_redirects=True,
    )
    assert merged.status_code == 200 and "Merged: “Knit and Natter Group”" in html(merged)
    with database.session() as session:
        assert session.get(Group, gone) is None
        assert (
            session.scalar(select(GroupMerge.kept_id).where(GroupMerge.merged_id == gone)) == keep
        )
    # the merged listing's page and API answer with the kept listing
    page = app.test_client().get(f"/groups/{gone}")
    assert page.status_code == 301 and page.headers["Location"].endswith(f"/groups/{keep}")
    api = app.test_client().get(f"/api/v1/groups/{gone}")
    assert api.status_code == 301 and api.headers["Location"].endswith(f"/api/v1/groups/{keep}")
    assert api.get_json()["error"]["code"] == "merged"
    assert app.test_client().get(f"/groups/{gone}", follow_redirects=True).status_code == 200
    assert app.test_client().get("/groups/999999").status_code == 404
    # the same decision again: refused clearly, not a 500
    again = admin.post(
        f"/admin/duplicates/{pair}",
        data={**form, "decision": decision, "csrf_token": admin.token},  # type: ignore[attr-defined]
    )
    assert again.status_code == 409 and "already merged" in html(again)


def test_keeping_apart_by_the_page_and_finding_again(app, database, dupes) -> None:
    admin = client_for(app, "admin")
    a, b = dupes["choir"], dupes["choir-order"]
    pair = _pair_id(database, a, b)
    done = admin.post(
        f"/admin/duplicates/{pair}",
        data={
            "first": min(a, b),
            "second": max(a, b),
            "decision": "apart",
            "csrf_token": admin.token,
        },  # type: ignore[attr-defined]
        follow_redirects=True,
    )
    assert "Kept apart" in html(done) and "7 pairs are waiting" in html(done)
    found = admin.post(
        "/admin/duplicates/find",
        data={"csrf_token": admin.token},  # type: ignore[attr-defined]
        follow_redirects=True,
    )
    assert "0 new pair(s) queued, 7 still open" in html(found)
    assert "1 already decided" in html(found)
    assert "7 pairs are waiting" in html(found)
    assert admin.get("/admin/duplicates/999999").status_code == 404


@pytest.mark.only_backend("spatialite")
def test_the_duplicate_pages_in_a_browser(page: Page, database, dupes) -> None:
    refused = watch_csp(page)
    sign_in(page, "admin")
    page.goto("/admin/duplicates")
    expect(page.locator("#duplicates-count")).to_contain_text("8 pairs are waiting")
    assert axe_violations(page) == []
    screenshot(page, "duplicates")
    with page.expect_navigation():
        page.click('#duplicates a:has-text("Chair Yoga")')
    expect(page.locator("#side-by-side tr", has_text="Phone")).to_contain_text("Different")
    assert axe_violations(page) == []
    screenshot(page, "duplicate-pair")
    with page.expect_navigation():
        page.click("#decide-button")  # nothing chosen: the form says so
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose which listing")
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 320, "height": 800})
    for path in ("/admin/duplicates", page.url):
        page.goto(path)
        assert page.evaluate(WIDER_THAN_THE_SCREEN) == []
    page.set_viewport_size({"width": 1200, "height": 900})
    page.check("#decision-keep-first")
    with page.expect_navigation():
        page.click("#decide-button")
    expect(page.locator("#flash")).to_contain_text("Merged")
    expect(page.locator("#duplicates-count")).to_contain_text("7 pairs are waiting")
    assert refused == []
