"""The link worker's match page and the person's printable plan.

Server-side tests (the Flask test client, both backends): the form, ranked and explained
results, form errors that name the field and record nothing, the plan with QR codes, escaping.
Browser tests (Chromium, SpatiaLite): the whole journey from the form to the printed plan,
with axe's WCAG 2.2 A/AA rules on the results and the plan, and screenshots.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from assetmap.accounts.users import create_user
from assetmap.models import Organisation, Role, UnmetNeed
from assetmap.web.context import set_clock
from tests.factories import listing
from tests.web.conftest import axe_violations, screenshot
from tests.web.signed_in import sign_in_as as sign_in_cookie

SCRIPT = "<script>alert(1)</script>"
#: The person: near Kentish Town, likes knitting and walking, needs step-free access.
PERSON = [
    ("postcode", "NW5 1AA"),
    ("interests", "knitting, walking"),
    ("mode", "walk"),
    ("minutes", "30"),
    ("need", "step_free"),
]
#: The factory's default group is for men over 50; most here are for anyone.
ANYONE = {"gender": "any", "min_age": None}


@pytest.fixture
def groups(add_groups):
    ids = add_groups(
        listing(
            "Kentish Town Knit and Natter",
            at="NW5 1AA",
            categories=["creative"],
            interests=["knitting", "crafts"],
            audience=ANYONE,
            accessibility={"step_free": None},
        ),
        listing(
            "Gospel Oak Yarn Club",
            at="NW5 2AA",
            categories=["creative"],
            interests=["knitting", "crochet"],
            audience=ANYONE,
            contact={"name": "Sam", "phone": "020 7946 0111"},
        ),
        listing(
            "Camden Walking Group",
            at="NW1 7AA",
            categories=["active"],
            interests=["walking"],
            audience=ANYONE,
            stale=True,
        ),
        listing("Men's Shed", at="NW5 2AA"),  # woodwork: not what this person wants
        listing(
            "Bloomsbury Knitters",
            at="WC1H 9AA",
            categories=["creative"],
            interests=["knitting"],
            transport={"door_to_door": {"available": False}},
        ),
        listing(
            "Closed Knitting Circle",
            at="NW5 1AA",
            interests=["knitting"],
            status="closed",
        ),
    )
    return dict(zip(["natter", "yarn", "walk", "shed", "far", "closed"], ids, strict=True))


def url(path: str, *args: tuple[str, str]) -> str:
    return f"{path}?{urlencode(list(args))}"


def text_of(response) -> str:
    """The page's words, without tags."""
    return unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def card_names(html: str) -> list[str]:
    return [
        unescape(name)
        for name in re.findall(
            r'class="nhsuk-heading-s am-card__name">.*?<a href="[^"]+">(.*?)</a>', html
        )
    ]


def unmet_rows(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(UnmetNeed))


def sign_in_as(client, database, role: Role) -> None:
    """Signed in as Flask-Login keeps it (the password form is tested in test_auth)."""
    with database.session() as session:
        organisations = ["Kentish Town Trust"] if role is Role.ORGANISER else []
        session.add_all(Organisation(name=name) for name in organisations)
        user = create_user(session, f"{role.value}@example.org", role, organisations=organisations)
        user_id = user.id
    sign_in_cookie(client, user_id)


# ---- the form ---------------------------------------------------------------------------------


def test_the_form_renders_with_labels_and_suggestions(client, groups):
    response = client.get("/match")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for label in ("Their postcode", "How they travel", "Longest journey", "Access needs"):
        assert label in html
    # The most common interest in the directory is suggested first.
    suggestions = re.findall(
        r'<option value="([^"]+)">', html.split('<datalist id="interest-suggestions">')[1]
    )
    assert suggestions[0] == "knitting"
    assert 'id="free-mon-morning"' in html and 'value="tue-evening"' in html
    assert 'id="mode-walk" name="mode" type="checkbox" value="walk" checked' in html
    assert 'href="/match"' in html  # in the site's navigation
    assert "There is a problem" not in html


def test_a_search_shows_ranked_cards_with_reasons_and_warnings(client, groups, database):
    response = client.get(url("/match", *PERSON))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    names = card_names(html)
    assert names == ["Kentish Town Knit and Natter", "Gospel Oak Yarn Club", "Camden Walking Group"]
    # The same order as the API gives for the same request.
    api = client.post(
        "/api/v1/match",
        json={
            "location": {"postcode": "NW5 1AA"},
            "interests": ["knitting", "walking"],
            "mobility": {"modes": ["walk"], "max_travel_minutes": 30, "needs": ["step_free"]},
        },
    ).get_json()
    assert [r["group"]["name"] for r in api["results"]] == names
    cards = html.split('class="am-card"')[1:]
    natter, yarn, walk = cards
    assert "Check first" in natter and "Step-free access: not known" in natter
    assert "Matches &#39;knitting&#39;" in natter
    assert "Step-free access</li>" in yarn and "Check first" not in yarn
    assert re.search(r"Not verified for \d+ months: it may have stopped", walk)
    assert "Getting there:</span> About" in natter
    assert f'href="/groups/{groups["natter"]}"' in natter
    assert "score " in natter and " out of 100" in natter
    # The groups left out, in plain words.
    text = text_of(response)
    assert "We looked at" in text
    assert "1 has closed" in text
    assert "1 does not match their interests" in text
    assert unmet_rows(database) == 0


def test_a_card_says_when_the_group_next_meets_and_who_it_is_for(app, client, add_groups):
    """The card, like the search list, gives the real next date and who the group is for."""
    add_groups(listing("Tuesday Men's Shed", at="NW5 1AA", interests=["knitting"]))
    # Monday 30 November 2026, noon in London: the weekly Tuesday 10:00 session is tomorrow.
    set_clock(app, lambda: dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC))
    try:
        response = client.get(url("/match", ("postcode", "NW5 1AA"), ("interests", "knitting")))
    finally:
        set_clock(app, None)
    card = response.get_data(as_text=True).split('class="am-card"')[1]
    assert "Next: tomorrow 10:00" in card
    assert "For: Men only, aged 50 and over" in card


def test_a_search_with_few_results_says_the_gap_was_noted_once(client, groups, database):
    sign_in_as(client, database, Role.LINK_WORKER)
    search = url("/match", ("postcode", "NW5 1AA"), ("interests", "singing"), ("mode", "walk"))
    response = client.get(search)
    assert response.status_code == 200
    assert "No groups fit" in text_of(response)
    assert "noted the gap anonymously" in text_of(response)
    assert unmet_rows(database) == 1
    # Reloading the same search does not count it again.
    again = client.get(search)
    assert "noted the gap anonymously" in text_of(again)
    assert unmet_rows(database) == 1
    # A different search does.
    client.get(url("/match", ("postcode", "NW5 1AA"), ("interests", "pottery")))
    assert unmet_rows(database) == 2


@pytest.mark.parametrize("role", [None, Role.ORGANISER, Role.COMMUNITY_BUILDER, Role.ADMIN])
def test_only_a_link_workers_search_counts_as_unmet_need(client, groups, database, role):
    """Anyone may search, but a visitor's or a test search is not demand: only a signed-in
    link worker's few-results search is recorded for gap analysis."""
    if role is not None:
        sign_in_as(client, database, role)
    search = url("/match", ("postcode", "NW5 1AA"), ("interests", "singing"), ("mode", "walk"))
    response = client.get(search)
    assert response.status_code == 200
    assert "No groups fit" in text_of(response)
    assert "noted the gap" not in text_of(response)
    assert unmet_rows(database) == 0


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        ([("postcode", "")], "postcode", "Enter the person's postcode"),
        ([("postcode", "NW5 9ZZ")], "postcode", "We could not find the postcode NW5 9ZZ"),
        (
            [("postcode", "hello")],
            "postcode",
            "We could not find “hello”. Give a full postcode like NW5 2AB, a postcode "
            "district like NW5, or a place in the directory like Kentish Town.",
        ),
        ([("postcode", "NW5 1AA"), ("outing", "lots")], "outing", "Longest time away from home"),
        ([("postcode", "NW5 1AA"), ("outing", "10")], "outing", "from 30 to 720"),
        ([("postcode", "NW5 1AA"), ("minutes", "abc")], "minutes", "Longest journey must be"),
        ([("postcode", "NW5 1AA"), ("minutes", "0")], "minutes", "Longest journey must be"),
        ([("postcode", "NW5 1AA"), ("minutes", "999")], "minutes", "Longest journey must be"),
        ([("postcode", "NW5 1AA"), ("age", "old")], "age", "Age must be"),
        ([("postcode", "NW5 1AA"), ("max_cost", "lots")], "max_cost", "Most they can pay must"),
        ([("postcode", "NW5 1AA"), ("mode", "bike")], "mode", "How they travel must be"),
        ([("postcode", "NW5 1AA"), ("need", "teleport")], "need", "Access needs must be"),
        ([("postcode", "NW5 1AA"), ("category", "x")], "category", "Kind of group must be"),
        ([("postcode", "NW5 1AA"), ("support", "9")], "support", "Support must be 1, 2 or 3"),
        ([("postcode", "NW5 1AA"), ("gender", "x")], "gender", "Men's or women's groups must"),
        ([("postcode", "NW5 1AA"), ("pace", "run")], "pace", "Walking pace must be"),
        ([("postcode", "NW5 1AA"), ("walk", "far")], "walk", "How far they can walk must"),
        ([("postcode", "NW5 1AA"), ("free", "someday")], "free", "Choose the times"),
        ([("postcode", "NW5 1AA"), ("interests", "knit\x00ting")], "interests", "unusual"),
        (
            [("postcode", "NW5 1AA"), ("interests", ",".join(f"w{i}" for i in range(25)))],
            "interests",
            "Interests",
        ),
        ([("postcode", "NW5 1AA"), ("interests", "a" * 101)], "interests", "at most 100"),
    ],
)
def test_bad_input_is_a_form_error_on_its_field(client, groups, database, args, field, message):
    response = client.get(url("/match", *args))
    assert response.status_code == 400
    text = text_of(response)
    assert "There is a problem" in text
    assert message in text
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html  # the inline error, next to the field
    anchor = re.search(r'nhsuk-error-summary__list">\s*<li><a href="#([^"]+)"', html).group(1)
    assert f'id="{anchor}"' in html  # the summary links to a real field
    assert "am-card" not in html
    assert unmet_rows(database) == 0


def test_an_error_in_a_folded_field_opens_its_section(client, groups):
    html = client.get(url("/match", ("postcode", "NW5 1AA"), ("age", "old"))).get_data(True)
    assert re.search(r'<details class="nhsuk-details am-more" open>', html)
    html = client.get(url("/match", ("postcode", "NW5 1AA"))).get_data(True)
    assert not re.search(r'<details class="nhsuk-details am-more" open>', html)


def test_the_form_keeps_what_was_entered(client, groups):
    html = client.get(
        url("/match", *PERSON[:3], ("free", "tue-morning"), ("support", "2"), ("minutes", "45"))
    ).get_data(True)
    assert 'value="knitting, walking"' in html
    assert 'value="tue-morning" checked' in html
    assert 'id="support-2" name="support" type="radio" value="2" checked' in html
    assert 'id="minutes" name="minutes" type="text" inputmode="numeric" value="45"' in html


def test_more_groups_than_the_page_shows_are_counted(client, add_groups):
    add_groups(
        *(listing(f"Knitting circle {n}", at="NW5 1AA", interests=["knitting"]) for n in range(12))
    )
    html = client.get(url("/match", ("postcode", "NW5 1AA"), ("interests", "knitting")))
    assert "The best 10 of 12 groups that fit" in text_of(html)
    assert len(card_names(html.get_data(as_text=True))) == 10


def test_morning_and_afternoon_join_into_one_window(client, add_groups):
    add_groups(
        listing(
            "Lunch Club",
            at="NW5 1AA",
            interests=["lunch"],
            schedule=[{"day": "wed", "start": "11:30", "end": "13:30", "frequency": "weekly"}],
        )
    )
    both = [("postcode", "NW5 1AA"), ("free", "wed-morning"), ("free", "wed-afternoon")]
    assert card_names(client.get(url("/match", *both)).get_data(True)) == ["Lunch Club"]
    morning = [("postcode", "NW5 1AA"), ("free", "wed-morning")]
    assert card_names(client.get(url("/match", *morning)).get_data(True)) == []


# ---- choosing groups and the plan ---------------------------------------------------------------


def test_the_plan_shows_the_chosen_groups_in_the_order_chosen(client, groups, database):
    public = database.config.public_url  # the listings' addresses, never the request's host
    chosen = [("choose", str(groups["walk"])), ("choose", str(groups["yarn"]))]
    response = client.get(url("/match/plan", *PERSON, *chosen))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = text_of(response)
    names = re.findall(r'<h2 class="am-plan__name">\d+\. (.*?)</h2>', html)
    assert [unescape(n) for n in names] == ["Camden Walking Group", "Gospel Oak Yarn Club"]
    assert "Kentish Town Knit and Natter" not in text
    # Each group: when, where, how to get there, who to ask for, cost, what to check, a QR code.
    assert "Tuesday 10:00 to 12:30, every week" in text
    assert "Hall at NW5 2AA" in text
    assert re.search(r"About \d+ minutes' walk\.", text)
    assert "Sam, 020 7946 0111." in text
    assert "£2.00 each time (tea included)" in text
    assert re.search(r"Ring before you go: last checked \d+ months ago, it may have stopped", text)
    assert html.count('<svg role="img" aria-label="QR code: scan it') == 2
    assert f"{public}/groups/{groups['walk']}</dd>" in html  # its web page, beside the QR code
    assert f"{public}/groups/{groups['yarn']}</dd>" in html
    # Plain words for the person: no scores, no internal terms.
    for jargon in ("score", "fit", "verified", "Strong", "Why it"):
        assert jargon not in re.sub(r"<[^>]+>", " ", html.split("<article")[1])
    assert unmet_rows(database) == 0


def test_the_plan_never_records_an_unmet_need(client, groups, database):
    # Only one group fits: a search would record the gap, the plan must not.
    person = [("postcode", "NW5 1AA"), ("interests", "walking"), ("mode", "walk")]
    response = client.get(url("/match/plan", *person, ("choose", str(groups["walk"]))))
    assert response.status_code == 200
    assert "Camden Walking Group" in text_of(response)
    assert unmet_rows(database) == 0


def test_a_chosen_group_that_no_longer_fits_is_named_not_dropped(client, groups):
    chosen = [("choose", str(groups["natter"])), ("choose", str(groups["closed"]))]
    response = client.get(url("/match/plan", *PERSON, *chosen))
    assert response.status_code == 200
    text = text_of(response)
    assert "1 chosen group is not on this plan" in text
    assert "Closed Knitting Circle" in text.split("not on this plan")[1].split("Groups to try")[0]
    gone = client.get(url("/match/plan", *PERSON, ("choose", "99999")))
    assert "Group number 99999 (no longer listed)" in text_of(gone)
    assert "Kentish Town Knit and Natter" in text


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        (["1", "2", "3", "4", "5", "6"], "Choose up to 5 groups for the plan (you chose 6)"),
        ([], "Choose at least one group for the plan"),
        (["abc"], "Choose the groups from the list of results"),
    ],
)
def test_choosing_too_many_or_none_is_a_form_error(client, groups, database, chosen, message):
    response = client.get(url("/match/plan", *PERSON, *(("choose", c) for c in chosen)))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in unescape(html)
    assert 'id="choose-error"' in html
    # The results are shown again, with the error, so the link worker can untick some.
    assert len(card_names(html)) == 3
    anchor = re.search(r'nhsuk-error-summary__list">\s*<li><a href="#([^"]+)"', html).group(1)
    assert anchor == f"choose-{groups['natter']}"
    assert unmet_rows(database) == 0


def test_a_bad_profile_on_the_plan_is_a_form_error(client, groups, database):
    response = client.get(
        url("/match/plan", ("postcode", "NW5 1AA"), ("minutes", "x"), ("choose", "1"))
    )
    assert response.status_code == 400
    assert "Longest journey must be" in text_of(response)
    assert unmet_rows(database) == 0


def test_user_text_is_escaped_on_the_results_and_the_plan(client, add_groups):
    (group_id,) = add_groups(
        listing(
            SCRIPT,
            at="NW5 1AA",
            interests=["knitting"],
            description=SCRIPT,
            contact={"name": SCRIPT, "phone": "020 7946 0000"},
            cost={"free": False, "amount_gbp": 1.0, "notes": SCRIPT},
            venue={
                "name": SCRIPT,
                "address": SCRIPT,
                "postcode": "NW5 1AA",
                "lat": 51.5505,
                "lon": -0.1410,
            },
            transport={"door_to_door": {"available": True, "radius_km": 5.0, "notes": SCRIPT}},
        )
    )
    search = [("postcode", "NW5 1AA"), ("interests", f"knitting, {SCRIPT}")]
    for response in (
        client.get(url("/match", *search)),
        client.get(url("/match/plan", *search, ("choose", str(group_id)))),
    ):
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert SCRIPT not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    results = client.get(url("/match", *search)).get_data(as_text=True)
    # The map's data is JSON in a script element: '<' is escaped there too.
    points = re.search(r'id="match-points">(.*?)</script>', results, re.S).group(1)
    assert "<" not in points and "\\u003cscript\\u003e" in points


# ---- in a real browser --------------------------------------------------------------------------


def click_and_wait(page: Page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


@pytest.mark.only_backend("spatialite")
def test_link_worker_matches_and_prints_a_plan(page: Page, groups):
    page.goto("/")
    click_and_wait(page, "header >> text=Match a person")
    page.fill("#postcode", "NW5 1AA")
    page.fill("#interests", "knitting, walking")
    page.check("#need-step_free")
    page.check("#free-tue-morning")
    click_and_wait(page, "button:has-text('Find groups')")
    assert page.url.endswith("#results")
    names = page.locator(".am-card__name a").all_inner_texts()
    assert names == ["Kentish Town Knit and Natter", "Gospel Oak Yarn Club", "Camden Walking Group"]
    expect(page.locator(".am-card").first.locator(".am-check")).to_contain_text("not known")
    expect(page.locator("#match-map")).to_have_attribute("data-loaded", "3")
    expect(page.locator(".am-marker--rank")).to_have_text(["1", "2", "3"])
    assert axe_violations(page) == []
    screenshot(page, "match-desktop")
    page.locator(".am-marker--rank").first.click()
    expect(page.locator(".am-popup h3")).to_have_text("1. Kentish Town Knit and Natter")

    # Tick two (the walking group first): the plan keeps that order.
    page.check(f"#choose-{groups['walk']}")
    page.check(f"#choose-{groups['natter']}")
    expect(page.locator("#choose-count")).to_have_text("2 chosen (up to 5)")
    click_and_wait(page, "button:has-text('Print plan for chosen groups')")
    assert "/match/plan?" in page.url
    expect(page.locator(".am-plan__name")).to_have_text(
        ["1. Camden Walking Group", "2. Kentish Town Knit and Natter"]
    )
    expect(page.locator(".am-qr svg")).to_have_count(2)
    expect(page.locator("[data-print]")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "match-plan")

    page.emulate_media(media="print")
    expect(page.locator(".am-plan__name")).to_have_count(2)
    for hidden in ("header.am-header", "[data-print]", ".nhsuk-back-link", "footer"):
        expect(page.locator(hidden)).to_be_hidden()
    page.emulate_media(media="screen")
    # Back to the results, with the two still ticked.
    page.go_back()
    expect(page.locator(f"#choose-{groups['walk']}")).to_be_checked()


@pytest.mark.only_backend("spatialite")
def test_the_results_map_is_hidden_in_print(page: Page, groups):
    page.goto(url("/match", *PERSON))
    expect(page.locator("#match-map")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("#match-map")).to_be_hidden()
    expect(page.locator("#match-form")).to_be_hidden()
    expect(page.locator(".am-card").first).to_be_visible()


# How a plan of five prints (16 pt or more, on more than one sheet): test_plan_print.py.


@pytest.mark.only_backend("spatialite")
def test_match_page_on_a_phone(page: Page, groups):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/match")
    screenshot(page, "match-phone-form")
    page.goto(url("/match", *PERSON) + "#results")
    expect(page.locator(".am-card")).to_have_count(3)
    screenshot(page, "match-phone-results")
    page.goto(url("/match/plan", *PERSON, ("choose", str(groups["yarn"]))))
    screenshot(page, "match-phone-plan")


@pytest.mark.only_backend("spatialite")
@pytest.mark.parametrize("which", ["form", "error", "few"])
def test_match_pages_have_no_wcag_violations(page: Page, groups, which):
    path = {
        "form": "/match",
        "error": url("/match", ("postcode", "NW5 1AA"), ("minutes", "abc")),
        "few": url("/match", ("postcode", "NW5 1AA"), ("interests", "singing")),
    }[which]
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
    if which == "error":
        screenshot(page, "match-error")


@pytest.mark.only_backend("spatialite")
def test_map_popups_show_user_text_as_text(page: Page, add_groups):
    add_groups(listing(SCRIPT, at="NW5 1AA", interests=["knitting"]))
    page.goto(url("/match", ("postcode", "NW5 1AA"), ("interests", "knitting")))
    expect(page.locator(".am-card__name a")).to_have_text(SCRIPT)
    page.locator(".am-marker--rank").first.click()
    expect(page.locator(".am-popup h3")).to_have_text(f"1. {SCRIPT}")
    assert page.dialogs == []  # type: ignore[attr-defined]


@pytest.mark.only_backend("spatialite")
def test_the_match_page_works_with_javascript_off(browser, server, groups):
    context = browser.new_context(base_url=server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/match")
    page.fill("#postcode", "NW5 1AA")
    page.fill("#interests", "knitting")
    click_and_wait(page, "button:has-text('Find groups')")
    expect(page.locator(".am-card")).to_have_count(2)
    page.check(".am-card >> nth=1 >> input[name=choose]")
    click_and_wait(page, "button:has-text('Print plan for chosen groups')")
    expect(page.locator(".am-plan__name")).to_have_count(1)
    context.close()
