"""Pausing a group's referrals: who may, which dates, and what referring does meanwhile."""

from __future__ import annotations

import datetime as dt

import pytest

from assetmap.errors import Conflict, Forbidden, NotFound, ValidationError
from assetmap.models import Group
from assetmap.referrals.pause import latest_pause, pause_referrals, paused_until
from assetmap.referrals.service import refer
from tests.referrals.conftest import NOW

TODAY = NOW.date()


def test_an_organiser_pauses_and_resumes_their_group(session, people, two_groups) -> None:
    shed, _ = two_groups
    until = TODAY + dt.timedelta(days=14)
    group = pause_referrals(session, people.organiser, shed, until, TODAY)
    assert session.get(Group, shed).referrals_paused_until == until
    assert paused_until(group, TODAY) == until
    assert paused_until(group, until) == until  # the last day is still paused
    assert paused_until(group, until + dt.timedelta(days=1)) is None
    pause_referrals(session, people.organiser, shed, None, TODAY)
    assert session.get(Group, shed).referrals_paused_until is None


def test_a_pause_does_not_move_the_listing_version(session, people, two_groups) -> None:
    shed, _ = two_groups
    before = session.get(Group, shed).version
    pause_referrals(session, people.organiser, shed, TODAY + dt.timedelta(days=3), TODAY)
    assert session.get(Group, shed).version == before


def test_an_admin_may_pause_any_group(session, people, two_groups) -> None:
    _, walkers = two_groups
    pause_referrals(session, people.admin, walkers, TODAY + dt.timedelta(days=1), TODAY)
    assert session.get(Group, walkers).referrals_paused_until == TODAY + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("days", "message"),
    [(0, "after today"), (-3, "after today"), (367, "at most a year ahead")],
)
def test_bad_dates_are_refused_and_nothing_changes(
    session, people, two_groups, days, message
) -> None:
    shed, _ = two_groups
    with pytest.raises(ValidationError, match=message) as raised:
        pause_referrals(session, people.organiser, shed, TODAY + dt.timedelta(days=days), TODAY)
    assert raised.value.field == "until"
    assert session.get(Group, shed).referrals_paused_until is None


def test_a_year_ahead_is_the_furthest(session, people, two_groups) -> None:
    shed, _ = two_groups
    pause_referrals(session, people.organiser, shed, latest_pause(TODAY), TODAY)
    assert latest_pause(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)
    assert latest_pause(TODAY) == dt.date(2027, 12, 1)


def test_another_organisations_organiser_and_other_roles_are_refused(
    session, people, two_groups
) -> None:
    shed, _ = two_groups
    until = TODAY + dt.timedelta(days=7)
    for outsider in (people.other_organiser, people.link_worker, people.builder):
        with pytest.raises(Forbidden):
            pause_referrals(session, outsider, shed, until, TODAY)
    with pytest.raises(NotFound):
        pause_referrals(session, people.organiser, 999_999, until, TODAY)
    assert session.get(Group, shed).referrals_paused_until is None


def test_referring_is_refused_while_paused_and_allowed_after(
    session, people, case_id, two_groups, settings
) -> None:
    shed, _ = two_groups
    until = TODAY + dt.timedelta(days=7)
    pause_referrals(session, people.organiser, shed, until, TODAY)
    with pytest.raises(Conflict, match="paused referrals until 8 December 2026"):
        refer(session, people.link_worker, case_id, shed, NOW, settings)
    with pytest.raises(Conflict, match="paused"):
        refer(session, people.link_worker, case_id, shed, NOW + dt.timedelta(days=7), settings)
    after = NOW + dt.timedelta(days=8)
    assert refer(session, people.link_worker, case_id, shed, after, settings).referral


def test_resuming_lets_referrals_in_at_once(session, people, case_id, two_groups, settings) -> None:
    shed, _ = two_groups
    pause_referrals(session, people.organiser, shed, TODAY + dt.timedelta(days=7), TODAY)
    pause_referrals(session, people.organiser, shed, None, TODAY)
    assert refer(session, people.link_worker, case_id, shed, NOW, settings).referral
