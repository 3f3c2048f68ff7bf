"""Still running confirms the details as the public sees them, so it waits for a change that
is waiting for an admin: on the organiser's page and by the emailed link (issue 14, item 3)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import select

from assetmap.accounts.users import create_user
from assetmap.directory.moderation import approve, submit_change
from assetmap.freshness.answers import (
    ChangeWaiting,
    confirm_by_link,
    confirm_still_running,
    open_link,
)
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import FreshnessReminder, Group, User, Verification
from tests.freshness.test_reminders import DAY, LINKS, at, due, reminded

ORG = "Kentish Town Community Centre"


def _people(database) -> tuple[int, int]:
    with database.sessions() as session:
        jo = create_user(session, "jo@example.org", "organiser", organisations=[ORG])
        admin = create_user(session, "admin@example.org", "admin")
        session.commit()
        return jo.id, admin.id


def _waiting_change(database, group_id: int, user_id: int) -> int:
    with database.sessions() as session:
        group = session.get(Group, group_id)
        submitted = submit_change(
            session,
            session.get(User, user_id),
            group_id,
            {"description": "Now on Thursdays too."},
            based_on=group.version,
            geocoder=GazetteerGeocoder(session),
            public_url="http://assetmap.test",
        )
        session.commit()
        return submitted.pending.id


def _checks(database, group_id: int) -> int:
    with database.sessions() as session:
        return len(
            session.scalars(select(Verification).where(Verification.group_id == group_id)).all()
        )


def test_still_running_is_refused_while_a_change_waits_then_allowed(database, add_groups) -> None:
    (group_id,) = add_groups(due("Choir", organisation=ORG))
    jo, admin = _people(database)
    change_id = _waiting_change(database, group_id, jo)
    before = _checks(database, group_id)
    with database.sessions() as session:
        with pytest.raises(ChangeWaiting) as refused:
            confirm_still_running(session, session.get(User, jo), group_id, DAY)
        assert "would mark the old details as checked" in refused.value.message
        assert refused.value.http_status == 409
        session.rollback()
    assert _checks(database, group_id) == before
    with database.sessions() as session:
        approve(session, session.get(User, admin), change_id, GazetteerGeocoder(session))
        session.commit()
        confirm_still_running(session, session.get(User, jo), group_id, DAY)
        session.commit()
    assert _checks(database, group_id) > before


def test_the_emailed_link_shows_the_details_and_keeps_working_while_a_change_waits(
    database, add_groups
) -> None:
    (token,) = reminded(database, add_groups, due("Choir", organisation=ORG))
    with database.sessions() as session:
        group_id = session.scalars(select(Group.id).where(Group.name == "Choir")).one()
    jo, _ = _people(database)
    _waiting_change(database, group_id, jo)
    with time_machine.travel(at(DAY, 60), tick=False), database.sessions() as session:
        view = open_link(session, LINKS, token)
        # What "still running" would confirm: the public listing's days, venue and contact.
        assert view.listing["schedule"][0]["day"] == "tue"
        assert view.listing["venue"]["postcode"] and view.listing["contact"]["email"]
        assert [w.fields for w in view.waiting] == [["description"]]
        with pytest.raises(ChangeWaiting):
            confirm_by_link(session, view, DAY)
        session.rollback()
    with database.sessions() as session:
        reminder = session.scalars(
            select(FreshnessReminder).where(FreshnessReminder.group_id == group_id)
        ).one()
        assert reminder.used_at is None  # the link still works for another answer
        assert session.get(Group, group_id).last_verified_at == DAY - dt.timedelta(days=170)
