"""Matching sees the places referrals take and hold, complex-needs places apart, and groups
whose organiser has paused referrals, on a frozen clock and both backends."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update

from assetmap.db import Database
from assetmap.matching import MatchResult, Profile, match
from assetmap.matching.notes import LeftOutCode, Note, ReasonCode
from assetmap.models import Group, ReferralState
from assetmap.web.match.notes import worker_text
from tests.factories import TODAY
from tests.matching.test_engine import HOME, group
from tests.referrals.rows import refer

S = ReferralState
#: The match's "now": ten in the morning of the factories' day.
NOW = dt.datetime.combine(TODAY, dt.time(10), tzinfo=dt.UTC)


def places(total: int, taken: int, **more: Any) -> dict[str, Any]:
    return {"capacity": {"total_places": total, "places_taken": taken, **more}}


def run(database: Database, now: dt.datetime = NOW, **profile: Any) -> MatchResult:
    profile.setdefault("location", HOME)
    with database.session() as session:
        result = match(session, Profile(**profile), 10, today=now.date(), now=now)
        session.commit()
    return result


def only(result: MatchResult, name: str) -> Any:
    (option,) = [o for o in result.options if o.listing["name"] == name]
    return option


def add_referrals(database: Database, group_id: int, *made: tuple[ReferralState, dict]) -> None:
    with database.session() as session:
        for state, columns in made:
            refer(session, group_id, state, columns.pop("sent_at", NOW), **columns)
        session.commit()


def test_a_held_place_and_an_accepted_referral_lower_the_places_and_the_score(
    database, add_groups
) -> None:
    (shed,) = add_groups(group("Shed", **places(10, 6)))
    before = only(run(database), "Shed")
    assert Note(ReasonCode.PLACES_FREE, places=4) in before.reasons

    add_referrals(
        database,
        shed,
        (S.SENT, {"sent_at": NOW - dt.timedelta(days=1)}),  # held until 4 days from now
        (S.ACCEPTED, {"accepted_at": NOW - dt.timedelta(days=3)}),
        (S.DECLINED, {}),  # holds nothing
        (S.STOPPED, {"ended_at": NOW - dt.timedelta(days=1)}),  # its place is free again
    )
    after = only(run(database), "Shed")

    note = next(n for n in after.reasons if n.code is ReasonCode.PLACES_FREE)
    assert note == Note(ReasonCode.PLACES_FREE, places=2, held=1)
    assert worker_text(note) == "2 places free, 1 held"
    assert after.components.capacity < before.components.capacity
    assert after.listing["capacity"]["spare_places"] == 2
    assert after.listing["capacity"]["places_held"] == 1


def test_the_hold_expires_on_a_frozen_clock(database, add_groups) -> None:
    (shed,) = add_groups(group("Shed", **places(3, 1)))
    add_referrals(database, shed, (S.SENT, {"hold_days": 5}))

    held = only(run(database, NOW + dt.timedelta(days=4, hours=23)), "Shed")
    assert held.listing["capacity"]["spare_places"] == 1
    assert held.listing["capacity"]["places_held"] == 1

    expired = only(run(database, NOW + dt.timedelta(days=5)), "Shed")
    assert expired.listing["capacity"]["spare_places"] == 2
    assert expired.listing["capacity"]["places_held"] == 0
    assert expired.components.capacity > held.components.capacity


def test_a_group_whose_places_referrals_fill_ranks_as_full(database, add_groups) -> None:
    (shed,) = add_groups(group("Shed", **places(3, 2)))
    add_referrals(database, shed, (S.SENT, {}))
    option = only(run(database), "Shed")
    assert option.listing["capacity"]["spare_places"] == 0
    assert not any(n.code is ReasonCode.PLACES_FREE for n in option.reasons)
    assert "full at the moment (1 held for referrals waiting an answer)" in worker_text(
        option.warnings[0]
    )
    assert option.components.capacity == 0.3


def test_complex_needs_places_are_counted_apart(database, add_groups) -> None:
    """A person who needs more support than a group ordinarily gives needs one of its
    complex-needs places: once referrals take them all, the group is left out for them (and
    counted under "complexity"), but not for someone who needs no extra support."""
    shed, hall = add_groups(
        group("Shed", **places(10, 2, complex_needs_places=1, complexity_supported=None)),
        group("Hall", **places(10, 2, complex_needs_places=2, complexity_supported=None)),
    )
    assert {"Shed", "Hall"} <= {o.listing["name"] for o in run(database, complexity=2).options}

    add_referrals(
        database,
        shed,
        (S.ACCEPTED, {"complex_needs": True, "accepted_at": NOW}),
    )
    add_referrals(database, hall, (S.SENT, {"complex_needs": True}))

    result = run(database, complexity=2)
    assert [o.listing["name"] for o in result.options] == ["Hall"]
    assert result.excluded.get("complexity") == 1
    (miss,) = [m for m in result.near_misses if m.name == "Shed"]
    assert miss.why == Note(LeftOutCode.COMPLEX_PLACES_TAKEN)

    easy = run(database, complexity=1)
    shed_option = only(easy, "Shed")
    assert shed_option.listing["capacity"]["spare_places"] == 7  # ordinary places count it too


def test_a_group_with_referrals_paused_is_left_out_with_its_reason_until_the_date(
    database, add_groups
) -> None:
    shed, _ = add_groups(group("Shed"), group("Hall"))
    until = TODAY + dt.timedelta(days=13)
    with database.session() as session:
        session.execute(update(Group).where(Group.id == shed).values(referrals_paused_until=until))
        session.commit()

    paused = run(database, interests=("come along",))
    assert [o.listing["name"] for o in paused.options] == ["Hall"]
    assert paused.excluded == {"referrals_paused": 1}
    (miss,) = paused.near_misses
    assert miss.why == Note(LeftOutCode.REFERRALS_PAUSED, until=until.isoformat())
    assert worker_text(miss.why) == (
        f"not taking referrals until {until:%-d %B}: people can still contact the group"
    )

    last_day = run(database, dt.datetime.combine(until, dt.time(16), tzinfo=dt.UTC))
    assert "Shed" not in [o.listing["name"] for o in last_day.options]

    after = run(database, dt.datetime.combine(until + dt.timedelta(days=1), dt.time(9), dt.UTC))
    assert sorted(o.listing["name"] for o in after.options) == ["Hall", "Shed"]
    assert only(after, "Shed").listing["referral"]["paused_until"] is None


def test_what_past_referrals_say_comes_with_each_option(database, add_groups) -> None:
    shed, _ = add_groups(group("Shed", **places(30, 0)), group("Hall"))
    long_ago = NOW - dt.timedelta(weeks=10)
    add_referrals(
        database,
        shed,
        *[
            (
                S.STILL_GOING,
                {
                    "sent_at": long_ago,
                    "responded_at": long_ago + dt.timedelta(days=2),
                    "accepted_at": long_ago + dt.timedelta(days=2),
                },
            )
            for _ in range(5)
        ],
    )
    result = run(database)
    stats = only(result, "Shed").referral_stats
    assert stats is not None and stats.accepted_share == 1.0
    assert stats.median_reply_days == 2.0 and stats.still_going_share == 1.0
    assert only(result, "Hall").referral_stats is None
