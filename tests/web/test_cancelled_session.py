"""'Cancelled this week' wherever a group is shown: its page, the search list and map popups,
the match cards, the printed plan and the API."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import urlencode

import pytest

from assetmap.web.context import set_clock
from assetmap.web.popup_words import popup_lines
from tests.factories import listing

#: Monday 30 November 2026, noon in London: the factory's Tuesday 10:00 session is tomorrow.
NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
SAID = "Cancelled: Tue 1 Dec (the group meets again Tue 8 Dec)"
PERSON = [("postcode", "NW5 1AA"), ("interests", "knitting")]


@pytest.fixture
def monday_noon(app):
    set_clock(app, lambda: NOON)
    yield
    set_clock(app, None)


@pytest.fixture
def groups(add_groups) -> dict[str, int]:
    cancelled, later, plain = add_groups(
        listing("Tuesday Knitters", at="NW5 1AA", interests=["knitting"],
                cancelled_dates=["2026-12-01"]),
        listing("Far Off Knitters", at="NW5 1AA", interests=["knitting"],
                cancelled_dates=["2027-01-05"]),
        listing("Plain Knitters", at="NW5 1AA", interests=["knitting"]),
    )  # fmt: skip
    return {"cancelled": cancelled, "later": later, "plain": plain}


def words(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_the_listing_page_says_it_is_cancelled_and_when_it_meets_again(client, groups, monday_noon):
    page = words(client.get(f"/groups/{groups['cancelled']}").get_data(as_text=True))
    assert SAID in page
    assert "Next: Tue 8 Dec 10:00" in page
    # A cancellation more than two weeks off is not news yet; the next session is as usual.
    later = words(client.get(f"/groups/{groups['later']}").get_data(as_text=True))
    assert "Cancelled" not in later and "Next: tomorrow 10:00" in later


def test_the_search_list_and_the_map_popup_say_it(client, groups, monday_noon):
    html = client.get("/?place=NW5+1AA").get_data(as_text=True)
    listed = words(html.split('id="results"')[1])
    assert listed.count(SAID) == 1
    assert listed.count("Cancelled") == 1
    lines = popup_lines(
        {"status": "open", "schedule": [{"day": "tue", "start": "10:00"}],
         "cancelled_dates": ["2026-12-01"], "capacity": {}},
        NOON,
    )  # fmt: skip
    assert lines == ["Open to anyone", SAID, "Next: Tue 8 Dec 10:00"]
    # The map's popups carry it too, in the page's data.
    assert SAID in unescape(html.split('id="results"')[0])


def test_a_match_card_and_the_printed_plan_say_it(client, groups, monday_noon):
    page = client.get("/match?" + urlencode(PERSON)).get_data(as_text=True)
    card = page.split(f'id="card-{groups["cancelled"]}"')[1].split('class="am-card"')[0]
    assert SAID in words(card)
    assert "Next: Tue 8 Dec 10:00" in words(card)
    plain = page.split(f'id="card-{groups["plain"]}"')[1].split('class="am-card"')[0]
    assert "Cancelled" not in plain
    plan = client.get(
        "/match/plan?" + urlencode([*PERSON, ("choose", str(groups["cancelled"]))])
    ).get_data(as_text=True)
    assert SAID in words(plan)


def test_the_api_gives_the_cancelled_dates(client, groups):
    feature = client.get(f"/api/v1/groups/{groups['cancelled']}").get_json()
    assert feature["properties"]["cancelled_dates"] == ["2026-12-01"]
    spec = client.get("/api/v1/openapi.json").get_json()
    listing_schema = spec["components"]["schemas"]
    assert any("cancelled_dates" in str(schema) for schema in listing_schema.values())


def test_an_admin_reviewing_a_cancellation_reads_the_dates_as_days():
    from assetmap.web.wording import value_text

    assert value_text("cancelled_dates", ["2026-12-08", "2026-12-15"]).lines == [
        "Tue 8 December 2026, Tue 15 December 2026"
    ]
    assert value_text("cancelled_dates", []).missing == "none"
