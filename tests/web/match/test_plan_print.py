"""The printed plan (issue 14, item 10): 16 pt or more at any number of groups (a long plan runs
to a second sheet), the person's name, the link worker's name and phone and the day to talk
again typed on the page and printed but never sent, and no "you can just go along" beside a
waiting list. Browser tests in Chromium's print emulation; the wording on both backends."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from assetmap.models import Base
from tests.factories import listing
from tests.web.conftest import SCREENSHOTS, axe_violations, screenshot

#: 16 pt in CSS pixels (96 per inch, 72 points per inch).
SIXTEEN_PT_PX = 16 * 96 / 72
TYPED = {
    "#plan-person": "Margaret Okafor",
    "#plan-worker": "Amira Hussain",
    "#plan-phone": "020 7946 0999",
}
NEEDS = [("need", "step_free"), ("need", "hearing_loop"), ("need", "quiet_space")]
PERSON = [("postcode", "NW5 1AA"), ("interests", "knitting"), *NEEDS]


def plan_url(ids, person=PERSON) -> str:
    return "/match/plan?" + urlencode([*person, *(("choose", str(i)) for i in ids)])


def five_long_groups(add_groups) -> list[int]:
    """The worst case: long names, and several things to check for every group."""
    postcodes = ["NW5 1AA", "NW5 2AA", "NW1 7AA", "NW5 1AA", "NW5 2AA"]
    return add_groups(
        *(
            listing(
                f"Knitting group number {n} with a longer name than most",
                at=postcodes[n],
                interests=["knitting"],
                stale=True,
                accessibility={"step_free": None, "hearing_loop": None, "quiet_space": None},
                cost={"free": False, "amount_gbp": 3.5, "notes": "includes tea and biscuits"},
                capacity={"waiting_list": 3} if n == 0 else {},
                schedule=[
                    {"day": "tue", "start": "10:00", "end": "12:30", "frequency": "weekly"},
                    {"day": "thu", "start": "14:00", "end": "16:00", "frequency": "fortnightly"},
                ],
            )
            for n in range(5)
        )
    )


def smallest_printed_text(page: Page) -> list[dict]:
    """Every visible element with words of its own, whose font is under 16 pt."""
    return page.evaluate(
        """(least) => {
            const small = [];
            for (const el of document.body.querySelectorAll('*')) {
                const own = Array.from(el.childNodes).some(
                    n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
                const words = own || (el.tagName === 'INPUT' && el.value);
                if (!words || !el.getClientRects().length) continue;
                const style = getComputedStyle(el);
                if (style.visibility === 'hidden') continue;
                const size = parseFloat(style.fontSize);
                if (size < least) small.push({tag: el.tagName, cls: el.className,
                    text: (el.textContent || el.value).trim().slice(0, 40), px: size});
            }
            return small;
        }""",
        SIXTEEN_PT_PX - 0.01,
    )


@pytest.mark.only_backend("spatialite")
def test_five_groups_print_at_16_pt_with_the_typed_details(page: Page, add_groups, database):
    ids = five_long_groups(add_groups)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(f"{r.url} {r.post_data or ''}"))
    page.goto(plan_url(ids))
    expect(page.locator(".am-plan__group")).to_have_count(5)
    address = page.url
    for field, value in TYPED.items():
        page.fill(field, value)
    page.fill("#plan-follow-up", "2026-12-15")
    assert axe_violations(page) == []
    screenshot(page, "match-plan-typed")

    page.emulate_media(media="print")
    assert smallest_printed_text(page) == []
    printed = page.locator("#plan-for")
    for value in TYPED.values():
        expect(printed).to_contain_text(value)
    expect(printed).to_contain_text("Tuesday 15 December 2026")
    for label in ("This plan is for", "Your link worker", "Your link worker’s phone"):
        expect(printed).to_contain_text(label)
    expect(page.locator(".am-plan__typed-input").first).to_be_hidden()
    # What the printed sheet looks like: A4 less its margins is 718 pixels wide at 96 dpi.
    page.set_viewport_size({"width": 718, "height": 1062})
    page.screenshot(path=str(SCREENSHOTS / "match-plan-print.png"), full_page=True)
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    sheets = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert 2 <= sheets <= 3, f"five groups in large print on {sheets} sheets"

    # Typed, printed, and never sent: not in the address, any request, or the database.
    assert page.url == address
    everything = " ".join(sent)
    for value in [*TYPED.values(), "2026-12-15"]:
        assert value not in everything
        assert value.replace(" ", "+") not in everything
    with database.session() as session:
        for table in Base.metadata.sorted_tables:
            stored = repr(session.execute(select(table)).all())
            for value in TYPED.values():
                assert value not in stored, table.name


@pytest.mark.only_backend("spatialite")
def test_the_typed_fields_print_as_lines_to_write_on_when_blank(page: Page, add_groups):
    ids = add_groups(listing("Knit and Natter", at="NW5 1AA", interests=["knitting"]))
    page.goto(plan_url(ids))
    page.emulate_media(media="print")
    blanks = page.locator(".am-plan__typed--blank .am-plan__typed-text")
    expect(blanks).to_have_count(4)
    assert all(box["height"] > 15 for box in (b.bounding_box() for b in blanks.all()) if box)
    assert smallest_printed_text(page) == []


def test_inputs_are_never_named_so_nothing_is_submitted(client, add_groups):
    ids = add_groups(listing("Knit and Natter", at="NW5 1AA", interests=["knitting"]))
    html = client.get(plan_url(ids)).get_data(as_text=True)
    article = html[html.index('<article class="am-plan"') :]
    inputs = re.findall(r"<input[^>]*>", article)
    assert len(inputs) == 4
    assert all("name=" not in tag and 'autocomplete="off"' in tag for tag in inputs)
    assert "<form" not in article


def test_a_group_with_a_waiting_list_never_says_just_go_along(client, add_groups):
    waiting, full, room = add_groups(
        listing("Waiting Knitters", at="NW5 1AA", interests=["knitting"],
                capacity={"waiting_list": 3}),
        listing("Full Knitters", at="NW5 1AA", interests=["knitting"],
                capacity={"total_places": 10, "places_taken": 10, "waiting_list": 0}),
        listing("Roomy Knitters", at="NW5 1AA", interests=["knitting"]),
    )  # fmt: skip
    person = [("postcode", "NW5 1AA"), ("interests", "knitting")]
    html = client.get(plan_url([waiting, full, room], person)).get_data(as_text=True)
    groups = html.split('class="am-plan__group"')[1:]
    assert len(groups) == 3
    assert "just go along" not in groups[0]
    assert "There is a waiting list: ring them first and ask to join it." in groups[0]
    assert "just go along" not in groups[1]
    assert "It is full at the moment" in groups[1]
    assert "You can just go along." in groups[2]
    assert "Next: " in groups[2]
    # Who each group is for, as on its page (item 9).
    assert all("Men only, aged 50 and over, in English" in group for group in groups)
