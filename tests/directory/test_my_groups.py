"""The organiser's dashboard queries: whose groups, in what order, with what waits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from assetmap.accounts.users import create_user
from assetmap.directory.contract import spare_places
from assetmap.directory.moderation import ask_to_close, propose_group
from assetmap.directory.my_groups import my_groups
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import ChangeKind, Group, User
from assetmap.verification.policy import Freshness
from tests.factories import listing

OURS, THEIRS = "Kentish Town Community Centre", "Gospel Oak Trust"


def _fresh(_facts) -> Freshness:
    return Freshness.FRESH


def test_spare_places_are_never_below_nought_and_unknown_without_both_numbers() -> None:
    assert spare_places(20, 14) == 6
    assert spare_places(20, 25) == 0
    assert spare_places(None, 3) is None and spare_places(20, None) is None


def test_an_organiser_sees_their_groups_oldest_checked_first_with_what_waits(
    database, add_groups
) -> None:
    ours, _theirs, never = add_groups(
        listing("Men's Shed", at="NW5 2AA", organisation=OURS),
        listing("Knit and Natter", at="NW5 1AA", organisation=THEIRS),
        listing("Choir", at="N6 5AA", organisation=OURS),
    )
    with database.sessions() as session:
        jo = create_user(session, "jo@example.org", "organiser", organisations=[OURS])
        create_user(session, "admin@example.org", "admin")
        session.get(Group, never).last_verified_at = None
        ask_to_close(session, jo, ours, "Funding ended", public_url="http://assetmap.test")
        propose_group(
            session,
            jo,
            listing("Tuesday Walks", at="NW5 1AA", organisation=OURS),
            GazetteerGeocoder(session),
            public_url="http://assetmap.test",
        )
        session.commit()
        found = my_groups(session, jo, classify=_fresh, limit=10)
        assert [g.name for g in found.groups] == ["Choir", "Men's Shed"]  # never checked first
        assert found.total == 2 and found.organisations == [OURS]
        shed = found.groups[1]
        assert [w.kind for w in shed.waiting] == [ChangeKind.CLOSE]
        assert (shed.spare_places, shed.freshness) == (6, Freshness.FRESH)  # 20 places, 14 taken
        assert [p.name for p in found.proposed] == ["Tuesday Walks"]
        assert found.proposed[0].proposed_at <= dt.datetime.now(dt.UTC)
        admin = session.scalar(select(User).where(User.email == "admin@example.org"))
        everything = my_groups(session, admin, classify=_fresh, limit=1, offset=1)
        assert everything.total == 3 and len(everything.groups) == 1
        assert everything.proposed == [] and everything.organisations == []
