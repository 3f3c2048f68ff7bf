"""Fixtures for the organiser's pages: two groups of two organisations and a user of each role."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from assetmap.accounts.users import create_user
from tests.factories import listing
from tests.web.manage.helpers import (
    OURS,
    THEIRS,
)


@pytest.fixture
def world(database, add_groups) -> dict[str, Any]:
    ours, theirs = add_groups(
        listing("Men's Shed", at="NW5 2AA", organisation=OURS),
        listing("Knit and Natter", at="NW5 1AA", organisation=THEIRS),
    )
    people = {}
    with database.session() as session:
        for key, email, role, name, organisations in [
            ("admin", "admin@example.org", "admin", "Ada Admin", []),
            ("jo", "jo@example.org", "organiser", "Jo Bloggs", [OURS]),
            ("sam", "sam@example.org", "organiser", "Sam Other", [THEIRS]),
            ("lw", "lw@example.org", "link_worker", "", []),
            ("cb", "cb@example.org", "community_builder", "", []),
        ]:
            people[key] = create_user(
                session, email, role, name=name, organisations=organisations
            ).id
    return {"ours": ours, "theirs": theirs, **people}


@pytest.fixture
def other_client(app) -> FlaskClient:
    return app.test_client()
