"""Fixtures for the referral tests: a group, its organiser, link workers in two teams, an
admin, a case, a frozen clock and the settings referrals run with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from assetmap.accounts.users import create_user
from assetmap.config import Config
from assetmap.db import Database
from assetmap.models import User
from assetmap.referrals.cases import open_case, parse_case
from assetmap.referrals.service import ReferralSettings
from tests.factories import listing

#: The referral tests' "now": a Tuesday morning, UK winter time.
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
SECRET = "test-secret"


@dataclass
class People:
    link_worker: User
    teammate: User
    other_team: User
    organiser: User
    other_organiser: User
    admin: User
    builder: User


@pytest.fixture
def settings() -> ReferralSettings:
    return ReferralSettings.of(Config(), SECRET)


@pytest.fixture
def two_groups(add_groups) -> list[int]:
    """The Men's Shed (ours, with an email) and a Gospel Oak group with 2 places left."""
    return add_groups(
        listing(),
        listing(
            name="Gospel Oak Walkers",
            organisation="Gospel Oak Trust",
            categories=["active"],
            capacity={
                "total_places": 10,
                "places_taken": 8,
                "waiting_list": 0,
                "complex_needs_places": 1,
                "complexity_supported": 1,
            },
        ),
    )


@pytest.fixture
def session(database: Database, two_groups) -> Session:
    with database.sessions() as session:
        yield session


@pytest.fixture
def people(session: Session) -> People:
    def user(email: str, role: str, **kw) -> User:
        return create_user(session, email, role, name=email.split("@")[0].title(), **kw)

    return People(
        link_worker=user("sam@scheme.example", "link_worker", team="North"),
        teammate=user("ali@scheme.example", "link_worker", team="North"),
        other_team=user("kim@scheme.example", "link_worker", team="South"),
        organiser=user(
            "jo@ktcc.example", "organiser", organisations=["Kentish Town Community Centre"]
        ),
        other_organiser=user("pat@go.example", "organiser", organisations=["Gospel Oak Trust"]),
        admin=user("admin@scheme.example", "admin"),
        builder=user("cb@scheme.example", "community_builder"),
    )


@pytest.fixture
def case_id(session: Session, people: People, two_groups) -> int:
    case = open_case(
        session,
        people.link_worker,
        parse_case(
            {
                "reference": "NS-0042",
                "initials": "J.S.",
                "postcode": "NW5 1AA",
                "contact_preference": "phone after 2pm",
                "access_needs": "uses a walking frame",
                "notes": "lost her husband in the spring",
                "profile": {"postcode": "NW5 1AA", "complexity": 1},
                "shortlist": two_groups,
            }
        ),
        NOW,
    )
    session.flush()
    return case.id
