"""A gap result is reused for the same profile until a listing, a postcode or an area changes."""

from __future__ import annotations

from sqlalchemy import update

from assetmap.gaps.cache import ResultCache, fingerprint
from assetmap.models import Group, Postcode, table_of
from tests.factories import listing

TABLES = (table_of(Group), table_of(Postcode))


def test_a_result_is_reused_until_the_directory_changes(database, add_groups) -> None:
    (group_id,) = add_groups(listing("Men's Shed", at="NW5 2AA"))
    cache: ResultCache[int] = ResultCache()
    computed: list[int] = []

    def compute() -> int:
        computed.append(1)
        return len(computed)

    def ask() -> int:
        with database.sessions() as session:
            return cache.get_or_compute("walk 20", fingerprint(session, *TABLES), compute)

    assert ask() == 1
    assert ask() == 1  # the same data: kept
    assert (cache.hits, cache.misses) == (1, 1)
    # An edit moves the listing's version: the next ask computes afresh.
    with database.session() as session:
        session.execute(update(Group).where(Group.id == group_id).values(version=Group.version + 1))
    assert ask() == 2
    # A new listing, a new postcode: afresh again.
    add_groups(listing("Knit and Natter", at="NW5 1AA"))
    assert ask() == 3
    with database.session() as session:
        session.add(Postcode(postcode="NW1 9ZZ", lat=51.54, lon=-0.14))
    assert ask() == 4
    assert ask() == 4


def test_different_profiles_are_kept_apart_and_the_oldest_goes_first() -> None:
    cache: ResultCache[str] = ResultCache(size=2)
    same: tuple = ((1,),)
    assert cache.get_or_compute("a", same, lambda: "A") == "A"
    assert cache.get_or_compute("b", same, lambda: "B") == "B"
    assert cache.get_or_compute("a", same, lambda: "again") == "A"
    cache.get_or_compute("c", same, lambda: "C")  # "b" was used least recently: it goes
    assert cache.get_or_compute("b", same, lambda: "B2") == "B2"
    assert cache.get_or_compute("a", same, lambda: "gone") == "gone"
