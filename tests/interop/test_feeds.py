"""Feeds pulled from a real HTTP server on a loopback port: listings created, then unchanged,
then updated; failures kept as the feed's health with nothing written; due feeds one at a
time."""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assetmap.errors import NotFound, ValidationError
from assetmap.interop.feeds import (
    FeedBusy,
    add_feed,
    due_feeds,
    feed_lock,
    get_feed,
    pull_due_feeds,
    pull_now,
    set_enabled,
    update_feed,
)
from assetmap.interop.fetch import USER_AGENT, FetchError, fetch_url
from assetmap.interop.formats import READERS
from assetmap.models import Group, ImportFeed, ImportFormat, ListingSource, Postcode
from tests.factories import POSTCODES, listing
from tests.interop.feed_server import FeedServer, feed_server

NOW = dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=1)
NAME = "Kentish Town directory"


def council_listings() -> list[dict]:
    """The council's export in assetmap's own contract, each with its id in their system."""
    return [
        listing("Knit and Natter", external_id="ktcc-101", at="NW5 1AA"),
        listing("Men's Shed", external_id="ktcc-102", at="NW5 2AA"),
    ]


@pytest.fixture
def server():
    with feed_server() as running:
        yield running


def _add(database, url: str, name: str = NAME, **options) -> int:
    with database.session() as session:
        return add_feed(session, name, url, **options).id


def _feed(database, name: str = NAME) -> ImportFeed:
    with database.session() as session:
        return get_feed(session, name)


def _listings(database) -> dict[str, tuple[str, int]]:
    with database.session() as session:
        return {
            name: (description, version)
            for name, description, version in session.execute(
                select(Group.name, Group.description, Group.version)
            )
        }


def test_a_pull_creates_the_listings_and_records_health(database, server: FeedServer) -> None:
    url = server.serve_json("/directory.json", council_listings())
    _add(database, url)
    result = pull_now(database, NAME, NOW)
    assert result.ok and (result.seen, result.created, result.updated) == (2, 2, 0)
    feed = _feed(database)
    assert feed.last_attempt_at == feed.last_success_at == NOW
    assert feed.last_error is None
    assert (feed.rows_seen, feed.rows_created, feed.rows_updated, feed.rows_unchanged) == (
        2,
        2,
        0,
        0,
    )
    assert feed.format is ImportFormat.CONTRACT
    assert set(_listings(database)) == {"Knit and Natter", "Men's Shed"}
    with database.session() as session:
        provenance = session.execute(select(ListingSource.source, ListingSource.source_id)).all()
    assert sorted(provenance) == [(NAME, "ktcc-101"), (NAME, "ktcc-102")]
    assert server.requests == [("/directory.json", USER_AGENT)]


def test_a_second_pull_changes_nothing_and_a_changed_file_updates(
    database, server: FeedServer
) -> None:
    url = server.serve_json("/directory.json", council_listings())
    _add(database, url)
    pull_now(database, NAME, NOW)
    before = _listings(database)

    again = pull_now(database, NAME, LATER)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert _listings(database) == before  # no new versions
    feed = _feed(database)
    assert feed.last_success_at == LATER and feed.rows_unchanged == 2 and feed.rows_created == 0

    changed = council_listings()
    changed[1]["description"] = "Woodwork, bike repairs and a cuppa."
    server.serve_json("/directory.json", changed)
    third = pull_now(database, NAME, LATER + dt.timedelta(days=1))
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    after = _listings(database)
    assert after["Men's Shed"] == ("Woodwork, bike repairs and a cuppa.", 2)
    assert after["Knit and Natter"] == before["Knit and Natter"]
    assert (_feed(database).rows_updated, _feed(database).rows_unchanged) == (1, 1)


@pytest.mark.parametrize(
    ("status", "said"), [(500, "500 Internal Server Error"), (404, "404 Not Found")]
)
def test_a_server_error_is_kept_and_the_listings_are_untouched(
    database, server: FeedServer, status: int, said: str
) -> None:
    url = server.serve_json("/directory.json", council_listings())
    _add(database, url)
    pull_now(database, NAME, NOW)
    before = _listings(database)
    server.serve("/directory.json", "<html>Oops: stack trace, secret=hunter2</html>", status)

    result = pull_now(database, NAME, LATER)
    assert not result.ok
    feed = _feed(database)
    assert feed.last_error == f"the server answered {said}"
    assert "hunter2" not in feed.last_error and "Oops" not in feed.last_error
    assert feed.last_attempt_at == LATER and feed.last_success_at == NOW
    assert feed.rows_created == 2  # the last success's counts stay
    assert _listings(database) == before


def test_a_bad_record_writes_nothing_and_the_error_names_it(database, server: FeedServer) -> None:
    url = server.serve_json("/directory.json", council_listings())
    _add(database, url)
    pull_now(database, NAME, NOW)
    before = _listings(database)
    # The first record changes, the second is broken: neither is written.
    broken = council_listings()
    broken[0]["description"] = "Now on Thursdays too."
    broken[1]["categories"] = ["knitting"]
    server.serve_json("/directory.json", broken)

    result = pull_now(database, NAME, LATER)
    assert not result.ok
    error = _feed(database).last_error
    assert error is not None
    assert error.startswith("1 problem in the feed, so nothing was imported: record 2: categories")
    assert _listings(database) == before
    with database.session() as session:
        seen = set(session.scalars(select(ListingSource.last_seen_at)))
    assert seen == {NOW}  # provenance rolled back too
    feed = _feed(database)
    assert feed.last_success_at == NOW and feed.last_attempt_at == LATER

    # Put right, the next pull succeeds and clears the error.
    broken[1]["categories"] = ["creative"]
    server.serve_json("/directory.json", broken)
    assert pull_now(database, NAME, LATER + dt.timedelta(hours=1)).ok
    assert _feed(database).last_error is None


def test_a_first_pull_with_a_bad_record_creates_nothing(database, server: FeedServer) -> None:
    records = [*council_listings(), listing("Broken", external_id="ktcc-103", status="maybe")]
    _add(database, server.serve_json("/directory.json", records))
    result = pull_now(database, NAME, NOW)
    assert not result.ok and "record 3: status" in (result.error or "")
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Group)) == 0
    feed = _feed(database)
    assert feed.last_success_at is None and feed.last_attempt_at == NOW


def test_a_feed_that_is_not_json_is_a_clear_error(database, server: FeedServer) -> None:
    _add(database, server.serve("/directory.json", '[{"name": "Knit'))
    result = pull_now(database, NAME, NOW)
    assert (result.error or "").startswith(
        "1 problem in the feed, so nothing was imported: the file is not JSON: Unterminated"
    )


def test_a_body_larger_than_the_limit_is_refused(database, server: FeedServer) -> None:
    big = json.dumps(council_listings() * 50)
    url = server.serve("/big.json", big)
    with pytest.raises(FetchError, match="larger than"):
        fetch_url(url, limit=512)  # 512 bytes: over by its header
    # With no Content-Length, the body is counted as it arrives.
    server.serve("/unsized.json", big, **{"Content-Length": "", "Connection": "close"})
    with pytest.raises(FetchError, match="larger than"):
        fetch_url(server.url("/unsized.json"), limit=512)
    _add(database, url)
    result = pull_now(database, NAME, NOW, fetch=functools.partial(fetch_url, limit=512))
    assert not result.ok and "larger than" in (result.error or "")
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Group)) == 0


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("file:///etc/passwd", "must start http:// or https://"),
        ("ftp://example.org/directory.json", "must start http:// or https://"),
        ("javascript:alert(1)", "must start http:// or https://"),
        ("example.org/directory.json", "must start http:// or https://"),
        ("http:///directory.json", "no host name"),
        ("https://admin:hunter2@example.org/feed", "user name or password"),
        ("", "give the feed's URL"),
    ],
)
def test_a_url_that_is_not_the_web_is_refused_at_add_time(database, url: str, said: str) -> None:
    with pytest.raises(ValidationError, match=said) as refused, database.session() as session:
        add_feed(session, NAME, url)
    assert refused.value.field == "url"
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ImportFeed)) == 0


def test_fetching_refuses_other_schemes_and_redirects_to_them(server: FeedServer) -> None:
    with pytest.raises(ValidationError, match="http:// or https://"):
        fetch_url("file:///etc/passwd")
    server.serve("/moved", "", 302, Location="file:///etc/passwd")
    with pytest.raises(FetchError, match="redirected to a file URL"):
        fetch_url(server.url("/moved"))
    server.serve("/loop", "", 302, Location="/loop2")
    server.serve("/loop2", "", 302, Location="/loop")
    with pytest.raises(FetchError, match="redirect"):
        fetch_url(server.url("/loop"))


def test_a_server_that_stalls_or_trickles_is_given_up_on(server: FeedServer) -> None:
    url = server.serve("/slow.json", "[]" * 100, delay=1.0)
    with pytest.raises(FetchError, match=r"did not answer within 0\.3 seconds"):
        fetch_url(url, timeout=0.3)
    with pytest.raises(FetchError, match=r"took longer than 0\.5 seconds"):
        fetch_url(url, timeout=5, total=0.5)


def test_a_reader_that_breaks_is_the_feeds_error(database, server, monkeypatch) -> None:
    def broken(data, options):
        raise KeyError("secret-looking text from the feed")

    monkeypatch.setitem(READERS, ImportFormat.ORUK, broken)
    _add(database, server.serve_json("/services", {"contents": []}), fmt=ImportFormat.ORUK)
    result = pull_now(database, NAME, NOW)
    assert result.error == "the feed could not be read as oruk (KeyError)"


def test_a_redirect_to_the_feeds_new_home_is_followed(database, server: FeedServer) -> None:
    server.serve_json("/v2/directory.json", council_listings())
    _add(database, server.serve("/directory.json", "", 301, Location="/v2/directory.json"))
    assert pull_now(database, NAME, NOW).created == 2


def test_a_server_that_is_not_there_is_a_clear_error(database) -> None:
    with feed_server() as gone:
        url = gone.url("/directory.json")
    _add(database, url)
    result = pull_now(database, NAME, NOW)
    assert result.error == "127.0.0.1 refused the connection"


def test_adding_checks_the_name_interval_and_mapping(database, server: FeedServer) -> None:
    url = server.url("/directory.json")
    _add(database, url)
    with pytest.raises(ValidationError, match="there is a feed called"), database.session() as s:
        add_feed(s, NAME, url)
    with pytest.raises(ValidationError, match="1 to 744 hours"), database.session() as s:
        add_feed(s, "Other", url, every_hours=0)
    with (
        pytest.raises(ValidationError, match="needs a saved column mapping"),
        database.session() as s,
    ):
        add_feed(s, "Sheet", server.url("/groups.csv"))
    with (
        pytest.raises(ValidationError, match="no saved column mapping 'nope'"),
        database.session() as s,
    ):
        add_feed(s, "Sheet", server.url("/groups.csv"), mapping="nope")
    with database.session() as session:
        calendar = add_feed(session, "Calendar", server.url("/sessions.ics"))
        assert calendar.format is ImportFormat.ICS
        oruk = add_feed(session, "Camden", server.url("/api/services"), ImportFormat.ORUK)
        assert oruk.format is ImportFormat.ORUK and oruk.every_hours == 24
        update_feed(session, "Camden", every_hours=6, url=server.url("/v3/services"))
    feed = _feed(database, "Camden")
    assert feed.every_hours == 6 and feed.url.endswith("/v3/services")
    with pytest.raises(NotFound), database.session() as session:
        get_feed(session, "Nobody's")


def test_due_feeds_honour_every_hours_and_enabled(database, server: FeedServer) -> None:
    daily = _add(database, server.serve_json("/a.json", council_listings()), "Daily")
    hourly = _add(database, server.serve_json("/b.json", []), "Hourly", every_hours=1)
    off = _add(database, server.serve_json("/c.json", []), "Off")
    with database.session() as session:
        set_enabled(session, off, False)
        assert [f.name for f in due_feeds(session, NOW)] == ["Daily", "Hourly"]  # never pulled

    assert sorted(r.feed for r in pull_due_feeds(database, NOW)) == ["Daily", "Hourly"]
    with database.session() as session:
        assert due_feeds(session, NOW + dt.timedelta(minutes=59)) == []
        assert [f.id for f in due_feeds(session, NOW + dt.timedelta(hours=1))] == [hourly]
        assert {f.id for f in due_feeds(session, NOW + dt.timedelta(hours=24))} == {daily, hourly}
    # A failed attempt counts: a broken feed is tried again after its interval, not at once.
    server.serve("/b.json", "", 500)
    pull_due_feeds(database, NOW + dt.timedelta(hours=1))
    with database.session() as session:
        assert due_feeds(session, NOW + dt.timedelta(hours=1, minutes=30)) == []
        set_enabled(session, off, True)
        assert [f.id for f in due_feeds(session, NOW + dt.timedelta(hours=1, minutes=30))] == [off]
    # Pulled twice in a row, a due feed is pulled once.
    twice = NOW + dt.timedelta(hours=2)
    assert [r.feed for r in pull_due_feeds(database, twice)] == ["Off", "Hourly"]
    assert pull_due_feeds(database, twice) == []


def test_a_feed_another_process_is_pulling_is_left_alone(database, server: FeedServer) -> None:
    feed_id = _add(database, server.serve_json("/a.json", council_listings()))
    elsewhere = feed_lock(database, feed_id)
    assert elsewhere.acquire()
    try:
        assert pull_due_feeds(database, NOW) == []
        with pytest.raises(FeedBusy, match="being pulled now"):
            pull_now(database, NAME, NOW)
    finally:
        elsewhere.release()
    assert server.requests == []
    assert [r.created for r in pull_due_feeds(database, NOW)] == [2]


def test_a_groups_calendar_is_a_feed_too(database, server: FeedServer) -> None:
    """An organiser's .ics (the calendar the ics reader reads), pulled by the same feed."""
    data = Path(__file__).parent.parent / "data" / "interop"
    with database.session() as session:
        session.add_all(Postcode(postcode=p, lat=a, lon=b) for p, (a, b) in POSTCODES.items())
    url = server.serve("/ktcc/sessions.ics", (data / "ktcc-sessions.ics").read_bytes())
    _add(database, url, "KTCC calendar")
    first = pull_now(database, "KTCC calendar", NOW)
    assert (first.ok, first.created) == (True, 3), first.error
    assert any("Summer Health Walks" in gap for gap in first.gaps)  # not known, not guessed
    assert _feed(database, "KTCC calendar").format is ImportFormat.ICS
    assert pull_now(database, "KTCC calendar", LATER).unchanged == 3

    server.serve("/ktcc/sessions.ics", (data / "broken-sessions.ics").read_bytes())
    failed = pull_now(database, "KTCC calendar", LATER + dt.timedelta(days=1))
    assert not failed.ok
    assert "event 'Knit and Natter' (UID knit-natter-tue@ktcc.example.org): RRULE" in (
        failed.error or ""
    )
    assert len(_listings(database)) == 3


def test_a_councils_oruk_api_is_told_from_its_body(database, server: FeedServer) -> None:
    """Added without a format, a /services page is read as ORUK 3.0, and then kept as ORUK."""
    page = Path(__file__).parent.parent / "data" / "interop" / "oruk_services_page.json"
    _add(database, server.serve("/api/services", page.read_bytes()), "Camden ORUK")
    first = pull_now(database, "Camden ORUK", NOW)
    assert (first.ok, first.created) == (True, 3), first.error
    assert _feed(database, "Camden ORUK").format is ImportFormat.ORUK
    assert pull_now(database, "Camden ORUK", LATER).unchanged == 3
