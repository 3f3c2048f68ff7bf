"""Fixtures for the case pages: link workers in two teams, an organiser, a community builder
and an admin, three groups (one without an email address) and a case of the North team."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from assetmap.accounts.users import create_user
from assetmap.referrals.cases import open_case, parse_case
from tests.factories import listing
from tests.web.manage.helpers import sign_in

#: The factory's default group is for men over 50: these are for anyone.
ANYONE = {"gender": "any", "min_age": None}


@dataclass
class World:
    link_worker: int
    teammate: int
    other_team: int
    organiser: int
    builder: int
    admin: int
    shed: int
    walkers: int
    quiet: int
    case_id: int


@pytest.fixture
def world(database, add_groups) -> World:
    ids = add_groups(
        listing(audience=ANYONE),
        listing(
            name="Gospel Oak Walkers",
            organisation="Gospel Oak Trust",
            categories=["active"],
            audience=ANYONE,
        ),
        listing(
            name="Quiet Readers",
            audience=ANYONE,
            contact={"name": "Lee", "phone": "020 7946 0999", "email": None, "website": None},
        ),
    )
    with database.session() as session:

        def user(email: str, role: str, **kw) -> int:
            made = create_user(session, email, role, name=email.split("@")[0].title(), **kw)
            session.flush()
            return made.id

        people = {
            "link_worker": user("sam@scheme.example", "link_worker", team="North"),
            "teammate": user("ali@scheme.example", "link_worker", team="North"),
            "other_team": user("kim@scheme.example", "link_worker", team="South"),
            "organiser": user(
                "jo@ktcc.example", "organiser", organisations=["Kentish Town Community Centre"]
            ),
            "builder": user("cb@scheme.example", "community_builder"),
            "admin": user("admin@scheme.example", "admin"),
        }
        from assetmap.models import User

        owner = session.get(User, people["link_worker"])
        case = open_case(
            session,
            owner,
            parse_case(
                {
                    "reference": "NS-0042",
                    "initials": "J.S.",
                    "postcode": "NW5 1AA",
                    "contact_preference": "phone after 2pm",
                    "access_needs": "uses a walking frame",
                    "notes": "lost her husband in the spring",
                    "shortlist": ids,
                }
            ),
            _now(),
        )
        session.flush()
        case_id = case.id
    return World(**people, shed=ids[0], walkers=ids[1], quiet=ids[2], case_id=case_id)


def _now():
    import datetime as dt

    return dt.datetime.now(dt.UTC)


@pytest.fixture
def worker(client: FlaskClient, world: World) -> FlaskClient:
    sign_in(client, world.link_worker)
    return client


def token_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page carries a CSRF token"
    return found.group(1)
