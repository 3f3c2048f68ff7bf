"""Ids in paths: every route with an id takes 1 to 2**31 - 1, and anything else is a 404.

Werkzeug's ``int`` converter took any digits: past 2**31 - 1 PostgreSQL refused it for an
integer column and past 2**63 - 1 SQLite's driver could not bind it, each a 500 on the 45
routes with an id. This walks the app's URL map, so a route added later with an id
is checked too.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask

from assetmap.models import Role
from assetmap.web.converters import ID_MAX, lenient_whole, parse_whole
from tests.factories import listing
from tests.web.match.test_pages import sign_in_as

HUGE = {
    "2**31": str(2**31),
    "2**63": str(2**63),
    "5000 digits": "9" * 5000,
    "negative": "-1",
    "zero": "0",
}


def _id_rules(app: Flask) -> list[tuple[str, str]]:
    return sorted(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if any(type(c).__name__ == "IdConverter" for c in rule._converters.values())
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def test_no_route_takes_a_bare_int(app) -> None:
    plain = [rule.rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert plain == [], "an id in a path is <id:...>, so it is checked before the view runs"
    assert len(_id_rules(app)) >= 45


def _path(rule: str, value: str) -> str:
    return re.sub(r"<id:[a-z_]+>", value, rule)


@pytest.mark.parametrize("value", list(HUGE.values()), ids=list(HUGE))
def test_an_id_out_of_range_is_not_found_on_every_route(app, client, database, value) -> None:
    sign_in_as(client, database, Role.ADMIN)
    app.config["WTF_CSRF_ENABLED"] = False  # the forms' posts reach routing, as a real one would
    try:
        answers = {
            f"{method} {rule}": client.open(_path(rule, value), method=method).status_code
            for rule, method in _id_rules(app)
        }
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert {route: code for route, code in answers.items() if code != 404} == {}


def test_the_largest_id_is_a_plain_not_found(app, client, database) -> None:
    """2**31 - 1 fits every id column: the view runs, finds no row, and says so."""
    sign_in_as(client, database, Role.ADMIN)
    answers = {
        rule: client.get(_path(rule, str(ID_MAX))).status_code
        for rule, method in _id_rules(app)
        if method == "GET"
    }
    assert {rule: code for rule, code in answers.items() if code >= 500} == {}
    assert client.get(f"/api/v1/groups/{ID_MAX}").status_code == 404


def test_url_for_writes_an_id(app) -> None:
    with app.test_request_context():
        from flask import url_for

        assert url_for("api.show_group", group_id=17) == "/api/v1/groups/17"


#: Numbers no page can use: past every id, past Python's 4,300 digits, and a digit int() refuses.
ODD_NUMBERS = [str(2**63), "9" * 5000, "\u00b2", "-7"]


def _signed_in_answers(client, database, role: Role, urls: list[str]) -> dict[str, int]:
    sign_in_as(client, database, role)
    return {url[:80]: client.get(url).status_code for url in urls}


def test_page_and_offset_numbers_never_break_a_list(client, database, add_groups) -> None:
    """page= and offset= past every row, or not numbers at all, show a page (the last one, or
    the first), as a link typed by hand should; never a 500."""
    [group] = add_groups(listing("Men's Shed"))
    urls = [
        f"{path}?{name}={value}"
        for value in ODD_NUMBERS
        for path, name in (
            ("/verify", "page"),
            ("/my/groups", "page"),
            ("/admin/changes", "offset"),
            ("/admin/duplicates", "offset"),
            (f"/groups/{group}/history", "offset"),
        )
    ] + [f"/verify?done={value}" for value in ODD_NUMBERS]
    answers = _signed_in_answers(client, database, Role.ADMIN, urls)
    assert {url: code for url, code in answers.items() if code != 200} == {}
    # The public search says what is wrong with an offset past any page, as a form error.
    for value in ODD_NUMBERS:
        assert client.get(f"/?offset={value}").status_code in (200, 400)


def test_chosen_groups_that_cannot_be_ids_are_a_form_error(client, database, add_groups) -> None:
    """choose= on the match page, the plan and the plan's calendar: a clear error, not a 500."""
    [group] = add_groups(listing("Men's Shed"))
    person = "postcode=NW5+1AA&mode=walk&minutes=30"
    urls = [
        f"{path}?{person}&choose={value}&order={value},{group}"
        for value in ODD_NUMBERS
        for path in ("/match", "/match/plan", "/match/plan/calendar.ics")
    ]
    answers = _signed_in_answers(client, database, Role.LINK_WORKER, urls)
    assert {url: code for url, code in answers.items() if code >= 500} == {}
    plan = client.get(f"/match/plan?{person}&choose={2**63}")
    assert plan.status_code == 400
    assert "Choose the groups from the list of results" in plan.get_data(as_text=True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7),
        (" 7 ", 7),
        ("0", None),
        ("-3", None),
        ("²", None),
        ("9" * 20, None),
        (str(2**31), None),
        ("", None),
    ],
)
def test_parse_whole_reads_only_plain_digits_in_range(raw, expected) -> None:
    assert parse_whole(raw) == expected


def test_lenient_whole_clamps_a_page_number() -> None:
    assert lenient_whole("9" * 5000, 1, low=1, high=100) == 100
    assert lenient_whole("-5", 1, low=1, high=100) == 1
    assert lenient_whole("two", 1, low=1, high=100) == 1
    assert lenient_whole("42", 1, low=1, high=100) == 42


def test_the_id_pattern_is_exactly_one_to_the_largest_id() -> None:
    import random

    from assetmap.web.converters import IdConverter

    pattern = re.compile(rf"(?:{IdConverter.regex})\Z")
    rng = random.Random(19)
    near = [ID_MAX + d for d in range(-1000, 1000)]
    wide = [rng.randrange(10**9, 10**10) for _ in range(20_000)]
    for number in [1, 9, 10, 10**9 - 1, 10**9, 2**63, *near, *wide]:
        assert bool(pattern.match(str(number))) == (1 <= number <= ID_MAX), number
    for text in ["0", "01", "-1", "+1", "", "1e3", "²"]:
        assert not pattern.match(text), text
