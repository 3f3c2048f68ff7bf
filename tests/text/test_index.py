"""The text index (migration 0024) stays true on every kind of write, and text search finds
through it what a link worker means: typos, synonym phrases, interests, accents and case."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import delete, func, insert, select, text, update

from assetmap.accounts.users import create_user
from assetmap.db import Backend
from assetmap.directory.importing import save_listings, validate_records
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.interop.merge import merge
from assetmap.models import Group, GroupInterest, Role, Venue
from assetmap.text.index import (
    cell_of,
    cells_of_box,
    corrections,
    join_index,
    matches_by_cell,
    search_expression,
)
from tests.factories import listing
from tests.interop.dupes_data import NOW, load_all

# What the index holds per group, recomputed from the tables it is built from: on PostgreSQL
# the triggers' own expression, so no difference means the stored words are the current ones
# (and, since migration 0029, each in the cell of the group's venue).
_POSTGRES_CHECK = """
WITH expected AS (
  SELECT w.lexeme AS word, g.id AS group_id, venue_cell(v.lat, v.lon) AS cell FROM groups AS g
  LEFT JOIN venues AS v ON v.id = g.venue_id
  LEFT JOIN LATERAL (SELECT string_agg(interest, ' ') AS interests
                     FROM group_interests WHERE group_id = g.id) AS i ON true,
  unnest(to_tsvector('assetmap_words', replace(coalesce(i.interests, '') || ' ' || g.name
         || ' ' || g.description, chr(39), ''))) AS w
)
SELECT count(*) FROM (
  (SELECT word, group_id, cell FROM group_words EXCEPT SELECT word, group_id, cell FROM expected)
  UNION ALL
  (SELECT word, group_id, cell FROM expected EXCEPT SELECT word, group_id, cell FROM group_words)
) AS differences
"""


def _unquoted(value: str) -> str:
    return value.replace("'", "")


def assert_index_true(session, backend: Backend) -> None:
    """Every group has exactly its current text in the index, and nothing else is there."""
    session.flush()
    if backend is Backend.POSTGIS:
        assert session.execute(text(_POSTGRES_CHECK)).scalar_one() == 0
        missing = session.execute(
            text(
                "SELECT count(*) FROM group_words AS g"
                " WHERE NOT EXISTS (SELECT 1 FROM search_words AS s WHERE s.word = g.word)"
            )
        ).scalar_one()
        assert missing == 0, "a word of the index is not in the vocabulary"
        return
    interests: dict[int, list[str]] = {}
    for group_id, interest in session.execute(
        select(GroupInterest.group_id, GroupInterest.interest)
    ):
        interests.setdefault(group_id, []).append(interest)
    expected = {
        row.id: (
            Counter(_unquoted(" ".join(interests.get(row.id, []))).split()),
            _unquoted(row.name),
            _unquoted(row.description or ""),
        )
        for row in session.execute(select(Group.id, Group.name, Group.description))
    }
    held = {
        rowid: (Counter(words.split()), name, description)
        for rowid, words, name, description in session.execute(
            text("SELECT rowid, interests, name, description FROM group_text")
        )
    }
    assert held == expected


def found(session, backend: Backend, words: str) -> set[int]:
    """The groups the index finds for ``words`` (the candidate stage, before ranking)."""
    expression = search_expression(session, backend, words)
    if expression is None:
        return set()
    statement = join_index(select(Group.id), backend, Group.id)
    return set(session.scalars(statement, {"text_match": expression}))


@pytest.fixture
def three(add_groups):
    return add_groups(
        listing("Knit and Natter", at="NW5 1AA", interests=["knitting"], description="Wool."),
        listing("Harmonica Circle", at="NW5 2AA", interests=["music"], description="Blues."),
        listing(
            "Café Conversa",
            at="NW1 7AA",
            interests=["men's shed"],
            description="Zúmba and chat at the Élan hall.",
        ),
    )


def test_the_index_holds_each_group_as_it_is_written(database, backend, three):
    knit, harmonica, cafe = three
    with database.session() as session:
        assert_index_true(session, backend)
        assert found(session, backend, "knitting") == {knit}
        assert found(session, backend, "blues") == {harmonica}
        assert found(session, backend, "conversa") == {cafe}


def test_updates_deletes_and_interest_changes_keep_it_true(database, backend, three):
    knit, harmonica, cafe = three
    with database.session() as session:
        session.get(Group, knit).name = "Pottery Corner"  # through the ORM
        session.execute(update(Group).where(Group.id == harmonica).values(description="Jazz."))
        session.execute(
            delete(GroupInterest).where(
                GroupInterest.group_id == knit, GroupInterest.interest == "knitting"
            )
        )
        session.execute(insert(GroupInterest).values(group_id=harmonica, interest="ukulele"))
        session.execute(
            update(GroupInterest).where(GroupInterest.group_id == cafe).values(interest="gardening")
        )
        assert_index_true(session, backend)
        assert found(session, backend, "knitting") == set()
        assert found(session, backend, "pottery") == {knit}
        assert found(session, backend, "blues") == set()
        assert found(session, backend, "jazz") == {harmonica}
        assert found(session, backend, "ukulele") == {harmonica}
        assert found(session, backend, "gardening") == {cafe}

        session.delete(session.get(Group, harmonica))  # cascades to its interests
        assert_index_true(session, backend)
        assert found(session, backend, "jazz") == set()


def test_bulk_loads_and_bulk_updates_keep_it_true(database, backend, add_groups):
    # Over COPY_FROM rows: PostgreSQL writes them with COPY, updates via a temporary table.
    records = [
        listing(f"Bulk group {n}", external_id=f"bulk-{n}", interests=["walking"])
        for n in range(150)
    ]
    add_groups(*records)
    with database.session() as session:
        assert_index_true(session, backend)
        assert len(found(session, backend, "walking")) == 150
        renamed = [{**r, "name": f"Renamed rambling {n}"} for n, r in enumerate(records)]
        save_listings(session, validate_records(renamed, GazetteerGeocoder(session)))
        assert_index_true(session, backend)
        assert len(found(session, backend, "rambling")) == 150
        assert found(session, backend, "bulk") == set()


def test_merging_two_listings_keeps_it_true(database, backend):
    ids = load_all(database)
    keep, gone = ids["knit-ktcc"], ids["knit-ktcc-renamed"]
    with database.session() as session:
        admin = create_user(session, "admin@example.org", Role.ADMIN, name="Ada")
        session.flush()
        merge(session, keep, gone, admin, NOW + dt.timedelta(hours=2))
        assert_index_true(session, backend)


def test_the_migration_indexes_the_rows_that_were_there(database, backend, three):
    """Migration 0024's fill: rebuilding from scratch gives what the triggers keep."""
    with database.session() as session:
        if backend is Backend.POSTGIS:
            session.execute(text("DELETE FROM group_words"))
            session.execute(text("SELECT group_search_refresh(ARRAY(SELECT id FROM groups))"))
        else:
            session.execute(text("INSERT INTO group_text (group_text) VALUES ('rebuild')"))
        assert_index_true(session, backend)


def test_typos_are_corrected_against_the_directory_s_own_words(database, backend, three):
    with database.session() as session:
        # Not a word of the synonym table, and mistyped within its first four letters, where
        # a word-start net cannot reach: the vocabulary the index keeps can.
        assert corrections(session, backend, "hramonica") == ["harmonica"]
        assert corrections(session, backend, "harmonica") == []
        assert corrections(session, backend, "xylophone") == []


# ---- the search, through the API -------------------------------------------------------------


def _names(client, q: str) -> list[str]:
    response = client.get("/api/v1/groups", query_string={"q": q})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["numberMatched"] == len(body["features"])
    return [feature["properties"]["name"] for feature in body["features"]]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("kniting", ["Knit and Natter"]),  # a typo of a table word
        ("hramonica", ["Harmonica Circle"]),  # a typo of a word only listings use
        ("mens shed", ["Café Conversa"]),  # a synonym phrase, typed without its apostrophe
        ("woodwork", ["Café Conversa"]),  # a synonym of a phrase only in an interest
        ("music", ["Harmonica Circle"]),  # a word only in an interest
        ("CAFE", ["Café Conversa"]),  # case and accents
        ("zumba élan", ["Café Conversa"]),
        ("bagpipes", []),
    ],
)
def test_text_search_finds_through_the_index(client, three, q, expected):
    assert _names(client, q) == expected


def test_the_oruk_api_searches_through_the_index(client, three):
    response = client.get("/openreferral/services", query_string={"search": "hramonica"})
    assert response.status_code == 200
    body = response.get_json()
    assert [s["name"] for s in body["contents"]] == ["Harmonica Circle"]
    assert body["total_items"] == 1


def test_words_no_listing_could_score_on_are_not_looked_up(database, backend, add_groups):
    """The word "needs" starts as "needlecraft" (a synonym of knitting) does, but no group scores on
    it: PostgreSQL's expansion of the word starts leaves it out, so a craft search's short
    list is not filled with every group that meets a need; the search finds the same."""
    add_groups(
        listing("Knit and Natter", at="NW5 1AA", interests=["knitting"], description="Wool."),
        listing("Advice Desk", at="NW5 2AA", interests=["advice"], description="For needs."),
    )
    with database.session() as session:
        expression = search_expression(session, backend, "kniting")
        if backend is Backend.POSTGIS:
            assert "needs" not in expression
            assert "knitting" in expression
        names = set(
            session.scalars(
                select(Group.name).where(Group.id.in_(found(session, backend, "kniting")))
            )
        )
    assert "Knit and Natter" in names
    if backend is Backend.POSTGIS:
        assert "Advice Desk" not in names


def test_a_group_or_venue_that_moves_is_found_at_its_new_place(database, backend, client, three):
    """On PostgreSQL the index keeps each word in the cell of the group's venue (migration
    0029): a venue that moves, and a group that moves to another venue, must move with it,
    or a search near the new place would not find them."""
    knit, harmonica, _ = three
    far = {"lat": 53.4808, "lon": -2.2426}  # Manchester, far from every cell of Camden
    with database.session() as session:
        venue = session.get(Group, knit).venue_id
        session.execute(
            update(Venue)
            .where(Venue.id == venue)
            .values(**far, location=func.ST_GeomFromText("POINT(-2.2426 53.4808)", 4326))
        )
        other = session.get(Group, harmonica)
        other.venue_id = venue
        session.flush()
        assert_index_true(session, backend)
        session.commit()

    def near(q: str, lat: float, lon: float) -> list[str]:
        response = client.get(
            "/api/v1/groups", query_string={"q": q, "near": f"{lat},{lon}", "radius_km": 2}
        )
        assert response.status_code == 200, response.get_json()
        return [f["properties"]["name"] for f in response.get_json()["features"]]

    assert near("knitting", far["lat"], far["lon"]) == ["Knit and Natter"]
    assert near("blues", far["lat"], far["lon"]) == ["Harmonica Circle"]
    assert near("knitting", 51.5485, -0.1412) == []


def test_the_cells_a_search_reads_are_those_the_database_gives_venues(database, backend):
    if backend is not Backend.POSTGIS:
        pytest.skip("the cells are PostgreSQL's")
    points = [(51.55, -0.14), (51.5, 0.0), (0.0, 0.0), (-33.9, 151.2), (51.46, -0.28), (60, 179.99)]
    with database.session() as session:
        for lat, lon in points:
            held = session.execute(
                text("SELECT venue_cell(:lat, :lon)"), {"lat": lat, "lon": lon}
            ).scalar_one()
            assert held == cell_of(lat, lon)
            assert held in cells_of_box(lon, lat, lon, lat)
    # A box's cells cover it, and no more: a 3 km circle's box in Camden.
    cells = cells_of_box(-0.1838, 51.5227, -0.0961, 51.5772)
    assert len(cells) == 6 * 10
    assert cell_of(51.5227, -0.1838) in cells and cell_of(51.5772, -0.0961) in cells
    assert cell_of(51.5772 + 0.01, -0.0961) not in cells
    assert cells_of_box(-5.0, 50.0, 2.0, 56.0) is None  # a region: searched without cells


def test_the_index_counts_each_cells_matching_groups_once(database, backend, add_groups):
    if backend is not Backend.POSTGIS:
        pytest.skip("the cells are PostgreSQL's")

    def at(name: str, lat: float, lon: float) -> dict:
        venue = {"name": f"{name} hall", "address": None, "postcode": None, "lat": lat, "lon": lon}
        return listing(name, venue=venue)

    add_groups(
        at("Knitting and crochet", 51.5505, -0.1405),  # two of the words, counted once
        at("Knitting circle", 51.5506, -0.1406),
        at("Crochet club", 51.5615, -0.1405),
        at("Choir", 51.5505, -0.1405),
    )
    here, north = cell_of(51.5505, -0.1405), cell_of(51.5615, -0.1405)
    with database.session() as session:
        counts = matches_by_cell(session, ["knitting", "crochet"], [here, north, here + 1])
        assert counts == {here: 2, north: 1}
        assert matches_by_cell(session, ["knitting"], [north]) == {}
